"""SQLite: a second FTS5 table whose rowid carries the facet group and the name's length.

At 100,000 procedures a broad word ("ho", "giay") matches most of the catalogue, and the search read each
matched row from ``procedure_search_keys`` (a b-tree seek per row) to count the facets and to rank it, then
sorted them all for a page of twenty: 200–400 ms a query. In ``procedure_search_ranked`` a row's rowid is

    min(name length, 511) << 54 | facet group << 32 | procedure id

where a facet group (``search_groups``) numbers one combination of field, agency, competent agency, levels
and online mode. So the total and the facets are one grouping of the matched rowids, read from the index
alone, and the rows of a tier of the ranking (see ``ProcedureRepository._candidates``) come shortest name
first in rowid order, so the first page needs only the few rows up to the page's last name length. The name
and the rest of the searchable text are two columns (a word of the query may be in either, as before; the
name column alone says whether a word starts a word of the name), with prefix indexes of one to seven
letters: a Vietnamese syllable has at most seven, so every prefix a query word is gets its own list, read
in rowid order and skipped through, where FTS5 otherwise merges the lists of every word it starts, whole,
at every query (2–3× the time of a broad query, and no early stop for a page).

Kept in step with ``procedure_search_keys`` by triggers (its rows are only ever inserted and deleted).
PostgreSQL is unchanged.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

# ruff: noqa: S608 - SQL assembled from this file's constants only

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

#: The rowid of a ``procedure_search_keys`` row (``row``: ``new`` or ``old``) in ``procedure_search_ranked``.
_ROWID = (
    "(min({row}.name_len, 511) << 54) | ((SELECT g.id FROM search_groups g WHERE g.field_id = {row}.field_id "
    "AND g.agency_id = {row}.agency_id AND g.competent_id = ifnull({row}.competent_id, 0) "
    "AND g.levels_id = {row}.levels_id AND g.online_mode = ifnull({row}.online_mode, '')) << 32) "
    "| {row}.procedure_id"
)
_GROUP = (
    "INSERT OR IGNORE INTO search_groups (field_id, agency_id, competent_id, levels_id, online_mode) "
    "SELECT {row}.field_id, {row}.agency_id, ifnull({row}.competent_id, 0), {row}.levels_id, "
    "ifnull({row}.online_mode, '')"
)
#: The searchable text after the name (it starts with the folded name; if it ever did not, all of it).
_REST = (
    "CASE WHEN substr(' ' || s.search_text, 1, length({row}.name_key)) = {row}.name_key "
    "THEN substr(' ' || s.search_text, length({row}.name_key) + 1) ELSE ' ' || s.search_text END"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        return
    # No competent agency is 0 and no online mode '' (NULLs would defeat the unique constraint).
    op.create_table(
        "search_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("field_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("competent_id", sa.Integer(), nullable=False),
        sa.Column("levels_id", sa.Integer(), nullable=False),
        sa.Column("online_mode", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_search_groups"),
        sa.UniqueConstraint(
            "field_id", "agency_id", "competent_id", "levels_id", "online_mode", name="uq_search_groups"
        ),
    )
    op.execute(
        "CREATE VIRTUAL TABLE procedure_search_ranked USING fts5(name, rest, tokenize='unicode61', "
        "prefix='1 2 3 4 5 6 7')"
    )
    insert = (
        "INSERT INTO procedure_search_ranked (rowid, name, rest) "
        f"SELECT {_ROWID.format(row='k')}, k.name_key, {_REST.format(row='k')} "
        "FROM procedure_search_keys k JOIN procedure_search s ON s.procedure_id = k.procedure_id"
    )
    op.execute(f"{_GROUP.format(row='k')} FROM procedure_search_keys k")
    op.execute(insert)
    op.execute(
        "CREATE TRIGGER procedure_search_ranked_insert AFTER INSERT ON procedure_search_keys BEGIN "
        f"{_GROUP.format(row='new')}; "
        "INSERT INTO procedure_search_ranked (rowid, name, rest) "
        f"SELECT {_ROWID.format(row='new')}, new.name_key, {_REST.format(row='new')} "
        "FROM procedure_search s WHERE s.procedure_id = new.procedure_id; END"
    )
    op.execute(
        "CREATE TRIGGER procedure_search_ranked_delete AFTER DELETE ON procedure_search_keys BEGIN "
        f"DELETE FROM procedure_search_ranked WHERE rowid = {_ROWID.format(row='old')}; END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS procedure_search_ranked_delete")
    op.execute("DROP TRIGGER IF EXISTS procedure_search_ranked_insert")
    op.execute("DROP TABLE IF EXISTS procedure_search_ranked")
    op.drop_table("search_groups")
