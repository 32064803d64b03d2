"""PostgreSQL: find the page of a broad search without reading every match.

A search ranks by how many query words start a word of the name, then by whether the name starts with the
query, then by the name's length. A broad query ("hộ", "giấy ph", "cấp giấy phép": 15,000 to 100,000 of
100,000 procedures) put every matched row through that ranking to keep twenty, reading each from the table
(wide rows: the prefixes of every word). Its page is almost always among the names holding every query word,
shortest first, and the names starting with the query; these two indexes give both from the index alone:
``ix_procedure_search_keys_name_len`` the names in length order, ``ix_procedure_search_keys_name_key`` those
starting with the query, by range (byte order, the ``C`` collation: the keys are folded ASCII), each with
what a search ranks on and filters by. See ``catalog_svc.procedures.pg_search``. SQLite reads its FTS5
index in name-length order already (migration 0011) and is unchanged.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

#: What a broad search reads of a name besides its key and length: the row, its code (the last ranking key)
#: and everything a search filters by.
CARRIED = "procedure_id, code, field_id, agency_id, competent_id, levels_id, online_mode"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"CREATE INDEX ix_procedure_search_keys_name_len ON procedure_search_keys (name_len) "
        f"INCLUDE (name_key, {CARRIED})"
    )
    op.execute(
        f'CREATE INDEX ix_procedure_search_keys_name_key ON procedure_search_keys (name_key COLLATE "C") '
        f"INCLUDE (name_len, {CARRIED})"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_procedure_search_keys_name_key")
    op.execute("DROP INDEX ix_procedure_search_keys_name_len")
