"""The search projection: a narrow table of the published procedures, with the search indexes on it.

The search used to read the wide ``procedures`` rows (working copy JSON and all, ~3 kB a row and bloated by
every publish): at 100,000 procedures, counting the facets of a broad query touched hundreds of megabytes.
``procedure_search`` holds one ~300-byte row per published procedure — exactly what the search filters,
counts, ranks and shows — and the full-text indexes move onto it:

* PostgreSQL: a GIN index on ``to_tsvector('simple', search_text)`` (an expression index, so the vector is
  not stored in the row and the heap stays small); and ``search_terms``, the vocabulary of the catalogue
  with a GIN trigram index, where a misspelt word finds the words it may have meant (this replaces the
  trigram index over every procedure's text, whose similarity recheck took seconds at 100,000 rows).
* SQLite: an FTS5 table over ``procedure_search`` (external content, kept by triggers).

The previous indexes on ``procedures`` (the generated ``search_tsv`` column, its GIN index, the trigram
index, the FTS5 table and its triggers) are dropped. Existing published procedures are copied over.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "procedure_search",
        sa.Column("procedure_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("field_code", sa.String(64), nullable=False),
        sa.Column("implementing_agency_code", sa.String(64), nullable=False),
        sa.Column("competent_agency_code", sa.String(64), nullable=True),
        sa.Column("levels", sa.String(255), nullable=False),
        sa.Column("online_level", sa.Integer(), nullable=False),
        sa.Column("online_mode", sa.String(16), nullable=True),
        sa.Column("min_days", sa.Float(), nullable=False),
        sa.Column("max_days", sa.Float(), nullable=False),
        sa.Column("min_fee", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("procedure_id", name="pk_procedure_search"),
        sa.ForeignKeyConstraint(
            ["procedure_id"],
            ["procedures.id"],
            ondelete="CASCADE",
            name="fk_procedure_search_procedure_id_procedures",
        ),
    )
    op.create_index("ix_procedure_search_field_code", "procedure_search", ["field_code"])
    op.create_index(
        "ix_procedure_search_implementing_agency_code", "procedure_search", ["implementing_agency_code"]
    )
    if postgres:
        op.execute("DROP INDEX IF EXISTS ix_procedures_search_trgm")
        op.execute("ALTER TABLE procedures DROP COLUMN IF EXISTS search_tsv")
        op.execute(
            "CREATE INDEX ix_procedure_search_tsv ON procedure_search "
            "USING gin (to_tsvector('simple', search_text))"
        )
        op.create_table(
            "search_terms",
            # "C" collation: the primary key's b-tree then serves `term LIKE 'prefix%'`.
            sa.Column("term", sa.String(64, collation="C"), nullable=False),
            sa.PrimaryKeyConstraint("term", name="pk_search_terms"),
        )
        op.execute("CREATE INDEX ix_search_terms_trgm ON search_terms USING gin (term gin_trgm_ops)")
        levels = "string_agg(l.level_code, ' ' ORDER BY l.level_code)"
    else:
        op.execute("DROP TRIGGER IF EXISTS procedures_fts_update")
        op.execute("DROP TRIGGER IF EXISTS procedures_fts_delete")
        op.execute("DROP TRIGGER IF EXISTS procedures_fts_insert")
        op.execute("DROP TABLE IF EXISTS procedure_fts")
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
        levels = "group_concat(l.level_code, ' ')"
    columns = (
        "procedure_id, code, name, name_key, search_text, field_code, implementing_agency_code, "
        "competent_agency_code, levels, online_level, online_mode, min_days, max_days, min_fee, version"
    )
    values = (
        "p.id, p.code, p.name, p.name_key, p.search_text, p.field_code, p.implementing_agency_code, "  # noqa: S608
        "p.competent_agency_code, "
        f"' ' || coalesce((SELECT {levels} FROM procedure_levels l WHERE l.procedure_id = p.id), '') || ' ', "
        "p.online_level, p.online_mode, coalesce(p.min_days, 0), coalesce(p.max_days, 0), "
        "coalesce(p.min_fee, 0), p.version"
    )
    backfill = f"INSERT INTO procedure_search ({columns}) SELECT {values} FROM procedures p"  # noqa: S608
    op.execute(f"{backfill} WHERE p.status = 'published'")
    if postgres:
        op.execute(
            "INSERT INTO search_terms (term) SELECT DISTINCT word FROM procedure_search, "
            "regexp_split_to_table(search_text, ' ') AS word "
            "WHERE word ~ '[a-z]' AND length(word) BETWEEN 2 AND 64 ON CONFLICT DO NOTHING"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_table("search_terms")
        op.drop_table("procedure_search")
        op.execute(
            "ALTER TABLE procedures ADD COLUMN search_tsv tsvector "
            "GENERATED ALWAYS AS (to_tsvector('simple', coalesce(search_text, ''))) STORED"
        )
        op.execute("CREATE INDEX ix_procedures_search_tsv ON procedures USING gin (search_tsv)")
        op.execute(
            "CREATE INDEX ix_procedures_search_trgm ON procedures USING gin (search_text gin_trgm_ops)"
        )
        return
    op.execute("DROP TRIGGER IF EXISTS procedure_search_fts_update")
    op.execute("DROP TRIGGER IF EXISTS procedure_search_fts_delete")
    op.execute("DROP TRIGGER IF EXISTS procedure_search_fts_insert")
    op.execute("DROP TABLE IF EXISTS procedure_search_fts")
    op.drop_table("procedure_search")
    op.execute(
        "CREATE VIRTUAL TABLE procedure_fts USING fts5("
        "search_text, content='procedures', content_rowid='id', tokenize='unicode61')"
    )
    op.execute("INSERT INTO procedure_fts(procedure_fts) VALUES ('rebuild')")
    op.execute(
        "CREATE TRIGGER procedures_fts_insert AFTER INSERT ON procedures BEGIN "
        "INSERT INTO procedure_fts(rowid, search_text) VALUES (new.id, new.search_text); END"
    )
    op.execute(
        "CREATE TRIGGER procedures_fts_delete AFTER DELETE ON procedures BEGIN "
        "INSERT INTO procedure_fts(procedure_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); END"
    )
    op.execute(
        "CREATE TRIGGER procedures_fts_update AFTER UPDATE OF search_text ON procedures BEGIN "
        "INSERT INTO procedure_fts(procedure_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
        "INSERT INTO procedure_fts(rowid, search_text) VALUES (new.id, new.search_text); END"
    )
