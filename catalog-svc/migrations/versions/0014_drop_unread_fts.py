"""SQLite: drop ``procedure_search_fts``, which no search reads since migration 0011.

Every publish and withdrawal still kept it in step through three triggers on ``procedure_search``: index
work for nothing, and a second copy of every procedure's searchable text in the file. The downgrade builds
it again from ``procedure_search`` (FTS5's ``rebuild``). PostgreSQL never had it.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_TRIGGERS = ("procedure_search_fts_update", "procedure_search_fts_delete", "procedure_search_fts_insert")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in _TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS procedure_search_fts")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE VIRTUAL TABLE procedure_search_fts USING fts5(search_text, content='procedure_search', "
        "content_rowid='procedure_id', tokenize='unicode61')"
    )
    op.execute(
        "CREATE TRIGGER procedure_search_fts_insert AFTER INSERT ON procedure_search BEGIN "
        "INSERT INTO procedure_search_fts(rowid, search_text) VALUES (new.procedure_id, new.search_text); END"
    )
    op.execute(
        "CREATE TRIGGER procedure_search_fts_delete AFTER DELETE ON procedure_search BEGIN "
        "INSERT INTO procedure_search_fts(procedure_search_fts, rowid, search_text) "
        "VALUES ('delete', old.procedure_id, old.search_text); END"
    )
    op.execute(
        "CREATE TRIGGER procedure_search_fts_update AFTER UPDATE ON procedure_search BEGIN "
        "INSERT INTO procedure_search_fts(procedure_search_fts, rowid, search_text) "
        "VALUES ('delete', old.procedure_id, old.search_text); "
        "INSERT INTO procedure_search_fts(rowid, search_text) VALUES (new.procedure_id, new.search_text); END"
    )
    op.execute("INSERT INTO procedure_search_fts(procedure_search_fts) VALUES ('rebuild')")
