"""PostgreSQL: every searchable prefix of a row stored (``procedure_search_keys.prefixes``), not recomputed.

The match was ``catalog_prefixes(name_key || other_key) @@ query`` over an expression index. For one broad
word ("ho", in every name at 100,000 procedures) the planner rightly expects most rows to match, prefers a
(parallel) sequential scan to the index, and then computed ``catalog_prefixes`` — every prefix of every word,
as a ``tsvector`` — for each of the 100,000 rows: 28 s, plus seconds of JIT for a plan that costly
(measured by the catalogue benchmark, issue 18). Stored as a generated column, the prefixes are computed
once per publish, and a scan of any kind only tests a stored ``tsvector``; the GIN index is now on that
column (``fastupdate = off`` as before). SQLite matches with FTS5 and is unchanged.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "ALTER TABLE procedure_search_keys ADD COLUMN prefixes tsvector "
        "GENERATED ALWAYS AS (catalog_prefixes(name_key || other_key)) STORED"
    )
    op.execute(
        "CREATE INDEX ix_procedure_search_keys_prefixes ON procedure_search_keys "
        "USING gin (prefixes) WITH (fastupdate = off)"
    )
    op.execute("DROP INDEX IF EXISTS ix_procedure_search_keys_all")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE INDEX ix_procedure_search_keys_all ON procedure_search_keys "
        "USING gin (catalog_prefixes(name_key || other_key)) WITH (fastupdate = off)"
    )
    op.execute("DROP INDEX IF EXISTS ix_procedure_search_keys_prefixes")
    op.execute("ALTER TABLE procedure_search_keys DROP COLUMN prefixes")
