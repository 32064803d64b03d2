"""PostgreSQL: how many published procedures each searchable prefix has, by facet (``search_prefix_counts``).

A one-word query is the broadest kind: "ho", "giấy", "cấp" match 36,000 to 100,000 of 100,000 procedures,
and counting them by field × agency × level set read every matched row, the larger half of such a search.
This table holds, for every prefix of ``procedure_search_keys.prefixes`` and every combination of what a
search filters or counts by (field, implementing and competent agency, level set, online mode), how many
rows have it: the total and the facets of a one-word query, with any filters, are then a sum over a few
hundred rows at most. It is kept by statement triggers on ``procedure_search_keys`` (rows are only
inserted, and deleted with their ``procedure_search`` row), in the transaction that changes the rows, so it
is never behind what a search can match; the triggers take a transaction advisory lock first, so two
publishes never update the same counts in opposite orders (a deadlock). A count that falls to zero stays,
read as nothing. SQLite is unchanged.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

# The statements are this module's fixed fragments; nothing in them comes from outside.
# ruff: noqa: S608

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

#: The columns a count is kept by, after the prefix (nullable ones compare as equal: NULLS NOT DISTINCT).
GROUPED = "field_id, agency_id, competent_id, levels_id, online_mode"
#: The counts of the rows of transition table ``rows``, one per prefix and combination, in key order.
COUNTED = (
    f"SELECT p.lexeme AS prefix, {', '.join(f'r.{c}' for c in GROUPED.split(', '))}, count(*) AS n "
    "FROM {rows} r, unnest(r.prefixes) p "
    f"GROUP BY p.lexeme, {GROUPED} ORDER BY p.lexeme, {GROUPED}"
)
LOCK = "PERFORM pg_advisory_xact_lock(hashtext('catalog.search_prefix_counts'));"
ADD = f"""
CREATE FUNCTION search_prefix_counts_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  {LOCK}
  INSERT INTO search_prefix_counts AS c (prefix, {GROUPED}, n)
  {COUNTED.format(rows="added")}
  ON CONFLICT (prefix, {GROUPED}) DO UPDATE SET n = c.n + excluded.n;
  RETURN NULL;
END $$
"""
REMOVE = f"""
CREATE FUNCTION search_prefix_counts_remove() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  {LOCK}
  UPDATE search_prefix_counts c SET n = c.n - d.n FROM ({COUNTED.format(rows="removed")}) d
  WHERE c.prefix = d.prefix AND c.field_id = d.field_id AND c.agency_id = d.agency_id
    AND c.competent_id IS NOT DISTINCT FROM d.competent_id AND c.levels_id = d.levels_id
    AND c.online_mode IS NOT DISTINCT FROM d.online_mode;
  RETURN NULL;
END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_table(
        "search_prefix_counts",
        sa.Column("prefix", sa.Text(), nullable=False),
        sa.Column("field_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("competent_id", sa.Integer(), nullable=True),
        sa.Column("levels_id", sa.Integer(), nullable=False),
        sa.Column("online_mode", sa.String(16), nullable=True),
        sa.Column("n", sa.Integer(), nullable=False),
    )
    op.execute(
        f"INSERT INTO search_prefix_counts (prefix, {GROUPED}, n) "
        + COUNTED.format(rows="procedure_search_keys")
    )
    op.execute(
        f"CREATE UNIQUE INDEX ux_search_prefix_counts ON search_prefix_counts (prefix, {GROUPED}) "
        "NULLS NOT DISTINCT"
    )
    op.execute(ADD)
    op.execute(REMOVE)
    op.execute(
        "CREATE TRIGGER search_prefix_counts_add AFTER INSERT ON procedure_search_keys "
        "REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION search_prefix_counts_add()"
    )
    op.execute(
        "CREATE TRIGGER search_prefix_counts_remove AFTER DELETE ON procedure_search_keys "
        "REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION search_prefix_counts_remove()"
    )
    # Rows are never updated in place; if they ever are, the counts must follow: refuse rather than drift.
    op.execute(
        "CREATE FUNCTION search_prefix_counts_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "RAISE EXCEPTION 'procedure_search_keys rows are replaced, not updated (search_prefix_counts)'; END $$"
    )
    op.execute(
        "CREATE TRIGGER search_prefix_counts_refuse BEFORE UPDATE ON procedure_search_keys "
        "FOR EACH STATEMENT EXECUTE FUNCTION search_prefix_counts_refuse()"
    )
    op.execute("ANALYZE search_prefix_counts")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in ("refuse", "remove", "add"):
        op.execute(f"DROP TRIGGER IF EXISTS search_prefix_counts_{name} ON procedure_search_keys")
        op.execute(f"DROP FUNCTION IF EXISTS search_prefix_counts_{name}()")
    op.drop_table("search_prefix_counts")
