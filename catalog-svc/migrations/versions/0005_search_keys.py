"""PostgreSQL: a dense search table (``procedure_search_keys``) with integer facets, read by every search.

At 100,000 procedures a broad query ("ly lich tu phap") matches over 12,000 rows. The search then read
each of them from ``procedure_search`` (~400-byte rows: 4,700 heap pages), grouped them by three text
columns for the facets and measured every name with ``length()``: 40 ms in PostgreSQL. This table holds
only what the match, the filters, the facets and the ranking read, about 160 bytes a row:

* the facet columns as small integers from ``search_codes`` (a dictionary of field codes, agency codes and
  level sets), so counting groups integers, and the codes are joined back onto the ~100 groups only;
* the folded name (``name_key``, ranked by ``strpos`` exactly as on SQLite), its length (``name_len``),
  and the rest of the searchable text (``other_key``); ``name_key || other_key`` is ``' ' || search_text``;
* two GIN indexes of ``catalog_prefixes`` (migration 0004): the whole text (the match) and the name only
  (the rows whose name has every word, where the first page almost always is), both with
  ``fastupdate = off`` — the catalogue is read far more than written, and a pending list would be read by
  every search until the next vacuum.

``procedure_search`` keeps the rows a hit shows (and SQLite's FTS5 table); its GIN index is dropped. Rows
are removed with their ``procedure_search`` row (cascade). SQLite is unchanged.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_table(
        "search_codes",
        sa.Column("id", sa.Integer(), sa.Identity(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("code", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_search_codes"),
        sa.UniqueConstraint("kind", "code", name="uq_search_codes_kind"),
    )
    op.create_table(
        "procedure_search_keys",
        sa.Column("procedure_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("code", sa.String(64, collation="C"), nullable=False),
        sa.Column("field_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("competent_id", sa.Integer(), nullable=True),
        sa.Column("levels_id", sa.Integer(), nullable=False),
        sa.Column("online_mode", sa.String(16), nullable=True),
        sa.Column("name_len", sa.SmallInteger(), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
        sa.Column("other_key", sa.Text(), nullable=False),
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
        "online_mode, name_len, name_key, other_key) "
        "SELECT s.procedure_id, s.code, f.id, a.id, c.id, l.id, s.online_mode, length(s.name_key), s.name_key, "
        "CASE WHEN left(' ' || s.search_text, length(s.name_key)) = s.name_key "
        "THEN substr(' ' || s.search_text, length(s.name_key) + 1) ELSE ' ' || s.search_text END "
        "FROM procedure_search s "
        "JOIN search_codes f ON f.kind = 'field' AND f.code = s.field_code "
        "JOIN search_codes a ON a.kind = 'agency' AND a.code = s.implementing_agency_code "
        "LEFT JOIN search_codes c ON c.kind = 'agency' AND c.code = s.competent_agency_code "
        "JOIN search_codes l ON l.kind = 'levels' AND l.code = s.levels"
    )
    op.execute(
        "CREATE INDEX ix_procedure_search_keys_all ON procedure_search_keys "
        "USING gin (catalog_prefixes(name_key || other_key)) WITH (fastupdate = off)"
    )
    op.execute(
        "CREATE INDEX ix_procedure_search_keys_name ON procedure_search_keys "
        "USING gin (catalog_prefixes(name_key)) WITH (fastupdate = off)"
    )
    op.create_index("ix_procedure_search_keys_field_id", "procedure_search_keys", ["field_id"])
    op.create_index("ix_procedure_search_keys_agency_id", "procedure_search_keys", ["agency_id"])
    op.create_index("ix_procedure_search_keys_competent_id", "procedure_search_keys", ["competent_id"])
    op.execute("DROP INDEX IF EXISTS ix_procedure_search_prefixes")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE INDEX ix_procedure_search_prefixes ON procedure_search USING gin (catalog_prefixes(search_text))"
    )
    op.drop_table("procedure_search_keys")
    op.drop_table("search_codes")
