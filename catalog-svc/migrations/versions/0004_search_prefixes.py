"""PostgreSQL: match query words as prefixes by exact lexeme lookups (``catalog_prefixes``).

``catalog_prefixes(text)`` gives every prefix (up to 40 letters, the longest query word) of every word of a
folded text as a tsvector. A GIN index over it turns "a word starting with ``tu``" into an exact lookup of the
lexeme ``tu``: GIN intersects a few posting lists instead of merging those of every word that starts with
``tu`` (``to_tsvector(...) @@ 'tu:*'``), which cost several milliseconds per query word at 100,000
procedures. It replaces the ``to_tsvector`` index of migration 0003. The function's declared cost is high
because it is: at the default, the planner preferred computing it for every row (90 ms at 2,000 rows, before
the table had statistics) over the index.

SQLite (FTS5 prefix queries) is unchanged.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

PREFIXES_FUNCTION = """
CREATE OR REPLACE FUNCTION catalog_prefixes(words text) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 10000 AS $$
  SELECT array_to_tsvector(array(
    SELECT DISTINCT left(w, n)
    FROM unnest(string_to_array(words, ' ')) AS w, generate_series(1, least(length(w), 40)) AS n
    WHERE w <> ''
  ))
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(PREFIXES_FUNCTION)
    op.execute(
        "CREATE INDEX ix_procedure_search_prefixes ON procedure_search USING gin (catalog_prefixes(search_text))"
    )
    op.execute("DROP INDEX IF EXISTS ix_procedure_search_tsv")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE INDEX ix_procedure_search_tsv ON procedure_search USING gin (to_tsvector('simple', search_text))"
    )
    op.execute("DROP INDEX IF EXISTS ix_procedure_search_prefixes")
    op.execute("DROP FUNCTION IF EXISTS catalog_prefixes(text)")
