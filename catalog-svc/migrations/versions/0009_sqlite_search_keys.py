"""SQLite: the dense search table (``procedure_search_keys``) and its dictionary of codes, as on PostgreSQL.

At 100,000 procedures a broad query ("than", "giay phep") matches tens of thousands of rows, and SQLite read
each of them from ``procedure_search``, whose rows carry the whole searchable text (several hundred bytes,
a few rows a page): one page read per matched row, then a grouping by three text columns. The profile of
the slowest queries put nine tenths of their time there, not in the FTS5 match. This table holds only what
the filters, the facets and the ranking read (the facets as small integers from ``search_codes``, the
folded name, its length and the code), so the rows a match names sit a few dozen to a page. It is written
with ``procedure_search`` (the same repository code as on PostgreSQL) and goes with it (cascade).

SQLite matches with its FTS5 table, so it needs no ``other_key`` and no GIN index; PostgreSQL is unchanged.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        return
    op.create_table(
        "search_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("code", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_search_codes"),
        sa.UniqueConstraint("kind", "code", name="uq_search_codes_kind"),
    )
    # A single INTEGER PRIMARY KEY column is SQLite's rowid: a matched id finds its row in one b-tree.
    op.create_table(
        "procedure_search_keys",
        sa.Column("procedure_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("field_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("competent_id", sa.Integer(), nullable=True),
        sa.Column("levels_id", sa.Integer(), nullable=False),
        sa.Column("online_mode", sa.String(16), nullable=True),
        sa.Column("name_len", sa.SmallInteger(), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("procedure_id", name="pk_procedure_search_keys"),
        sa.ForeignKeyConstraint(
            ["procedure_id"],
            ["procedure_search.procedure_id"],
            ondelete="CASCADE",
            name="fk_procedure_search_keys_procedure_id_procedure_search",
        ),
    )
    op.execute(
        "INSERT INTO search_codes (kind, code) "
        "SELECT 'field', field_code FROM procedure_search UNION "
        "SELECT 'agency', implementing_agency_code FROM procedure_search UNION "
        "SELECT 'agency', competent_agency_code FROM procedure_search WHERE competent_agency_code IS NOT NULL "
        "UNION SELECT 'levels', levels FROM procedure_search"
    )
    op.execute(
        "INSERT INTO procedure_search_keys (procedure_id, code, field_id, agency_id, competent_id, levels_id, "
        "online_mode, name_len, name_key) "
        "SELECT s.procedure_id, s.code, f.id, a.id, c.id, l.id, s.online_mode, length(s.name_key), s.name_key "
        "FROM procedure_search s "
        "JOIN search_codes f ON f.kind = 'field' AND f.code = s.field_code "
        "JOIN search_codes a ON a.kind = 'agency' AND a.code = s.implementing_agency_code "
        "LEFT JOIN search_codes c ON c.kind = 'agency' AND c.code = s.competent_agency_code "
        "JOIN search_codes l ON l.kind = 'levels' AND l.code = s.levels"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        return
    op.drop_table("procedure_search_keys")
    op.drop_table("search_codes")
