"""The catalogue: levels, agencies, fields, procedures, their published versions, and the search indexes.

On SQLite an FTS5 table over the folded text, kept in step by triggers; on PostgreSQL a generated
`tsvector` with a GIN index for the full-text match and a GIN trigram index (pg_trgm) for misspellings.
The text is folded by the service (no accents, lowercase), so both engines index the same tokens.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "admin_levels",
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("active_until", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("code", name="pk_admin_levels"),
    )
    op.create_table(
        "fields",
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_fields"),
    )
    op.create_table(
        "agencies",
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("level_code", sa.String(32), nullable=False),
        sa.Column("parent_code", sa.String(64), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("dissolved_on", sa.Date(), nullable=True),
        sa.Column("former_names", JSON, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("sources", JSON, nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_agencies"),
        sa.ForeignKeyConstraint(
            ["level_code"], ["admin_levels.code"], name="fk_agencies_level_code_admin_levels"
        ),
        sa.ForeignKeyConstraint(["parent_code"], ["agencies.code"], name="fk_agencies_parent_code_agencies"),
    )
    op.create_index("ix_agencies_level_code", "agencies", ["level_code"])
    op.create_index("ix_agencies_parent_code", "agencies", ["parent_code"])
    op.create_table(
        "procedures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("draft", JSON, nullable=False),
        sa.Column("draft_hash", sa.String(64), nullable=False),
        sa.Column("published_hash", sa.String(64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("name_key", sa.Text(), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=True),
        sa.Column("field_code", sa.String(64), nullable=True),
        sa.Column("implementing_agency_code", sa.String(64), nullable=True),
        sa.Column("competent_agency_code", sa.String(64), nullable=True),
        sa.Column("online_level", sa.Integer(), nullable=True),
        sa.Column("online_mode", sa.String(16), nullable=True),
        sa.Column("min_days", sa.Float(), nullable=True),
        sa.Column("max_days", sa.Float(), nullable=True),
        sa.Column("min_fee", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdraw_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_procedures"),
        sa.UniqueConstraint("code", name="uq_procedures_code"),
        sa.ForeignKeyConstraint(["field_code"], ["fields.code"], name="fk_procedures_field_code_fields"),
        sa.ForeignKeyConstraint(
            ["implementing_agency_code"],
            ["agencies.code"],
            name="fk_procedures_implementing_agency_code_agencies",
        ),
        sa.ForeignKeyConstraint(
            ["competent_agency_code"], ["agencies.code"], name="fk_procedures_competent_agency_code_agencies"
        ),
    )
    op.create_index("ix_procedures_status", "procedures", ["status"])
    op.create_index("ix_procedures_field_code", "procedures", ["field_code"])
    op.create_index("ix_procedures_implementing_agency_code", "procedures", ["implementing_agency_code"])
    op.create_table(
        "procedure_levels",
        sa.Column("procedure_id", sa.Integer(), nullable=False),
        sa.Column("level_code", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("procedure_id", "level_code", name="pk_procedure_levels"),
        sa.ForeignKeyConstraint(
            ["procedure_id"],
            ["procedures.id"],
            ondelete="CASCADE",
            name="fk_procedure_levels_procedure_id_procedures",
        ),
        sa.ForeignKeyConstraint(
            ["level_code"], ["admin_levels.code"], name="fk_procedure_levels_level_code_admin_levels"
        ),
    )
    op.create_index("ix_procedure_levels_level_code", "procedure_levels", ["level_code"])
    op.create_table(
        "procedure_versions",
        sa.Column("procedure_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("snapshot", JSON, nullable=False),
        sa.Column("extra", JSON, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("procedure_id", "version", name="pk_procedure_versions"),
        sa.ForeignKeyConstraint(
            ["procedure_id"],
            ["procedures.id"],
            ondelete="CASCADE",
            name="fk_procedure_versions_procedure_id_procedures",
        ),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        op.execute(
            "ALTER TABLE procedures ADD COLUMN search_tsv tsvector "
            "GENERATED ALWAYS AS (to_tsvector('simple', coalesce(search_text, ''))) STORED"
        )
        op.execute("CREATE INDEX ix_procedures_search_tsv ON procedures USING gin (search_tsv)")
        op.execute(
            "CREATE INDEX ix_procedures_search_trgm ON procedures USING gin (search_text gin_trgm_ops)"
        )
    else:
        op.execute(
            "CREATE VIRTUAL TABLE procedure_fts USING fts5("
            "search_text, content='procedures', content_rowid='id', tokenize='unicode61')"
        )
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


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TRIGGER IF EXISTS procedures_fts_update")
        op.execute("DROP TRIGGER IF EXISTS procedures_fts_delete")
        op.execute("DROP TRIGGER IF EXISTS procedures_fts_insert")
        op.execute("DROP TABLE IF EXISTS procedure_fts")
    op.drop_table("procedure_versions")
    op.drop_table("procedure_levels")
    op.drop_table("procedures")
    op.drop_table("agencies")
    op.drop_table("fields")
    op.drop_table("admin_levels")
