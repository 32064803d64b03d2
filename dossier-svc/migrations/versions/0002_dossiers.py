"""Dossiers, their steps, timeline, documents, ratings, sequences, idempotency keys; the procedure replica.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dossier_sequences",
        sa.Column("agency_code", sa.String(length=64), nullable=False),
        sa.Column("day", sa.String(length=6), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("agency_code", "day", name=op.f("pk_dossier_sequences")),
    )
    op.create_table(
        "dossiers",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=96), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("procedure_code", sa.String(length=64), nullable=False),
        sa.Column("procedure_version", sa.Integer(), nullable=True),
        sa.Column("procedure_name", sa.Text(), nullable=False),
        sa.Column("case_code", sa.String(length=64), nullable=True),
        sa.Column("case_name", sa.Text(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("agency_code", sa.String(length=64), nullable=False),
        sa.Column("agency_name", sa.Text(), nullable=False),
        sa.Column("holder_agency_code", sa.String(length=64), nullable=False),
        sa.Column("applicant_id", sa.String(length=128), nullable=True),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column(
            "applicant",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("phone_last4", sa.String(length=4), nullable=True),
        sa.Column(
            "form_data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "fee_exemptions",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "fee_items",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("fee_total", sa.Integer(), nullable=False),
        sa.Column("fee_timing", sa.String(length=16), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("payment_id", sa.String(length=128), nullable=True),
        sa.Column("processing_days", sa.Float(), nullable=False),
        sa.Column(
            "documents_required",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("result_name", sa.Text(), nullable=True),
        sa.Column("lookup_secret", sa.String(length=32), nullable=False),
        sa.Column("step_count", sa.Integer(), nullable=False),
        sa.Column("current_step", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("clock_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("worked_seconds", sa.Float(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("appointment_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_soon_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_soon_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("overdue_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("supplement_requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "supplement_documents",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("supplement_reason", sa.Text(), nullable=True),
        sa.Column("respond_by", sa.DateTime(timezone=True), nullable=True),
        sa.Column("supplement_count", sa.Integer(), nullable=False),
        sa.Column("extension_count", sa.Integer(), nullable=False),
        sa.Column("extension_reason", sa.Text(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("close_reason", sa.Text(), nullable=True),
        sa.Column("stopped_by_system", sa.Boolean(), nullable=False),
        sa.Column("timeliness", sa.String(length=16), nullable=True),
        sa.Column("processing_hours", sa.Float(), nullable=True),
        sa.Column("received_month", sa.String(length=7), nullable=True),
        sa.Column("finished_month", sa.String(length=7), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossiers")),
        sa.UniqueConstraint("code", name=op.f("uq_dossiers_code")),
    )
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.create_index("ix_dossiers_applicant", ["applicant_id", "created_at"], unique=False)
        batch_op.create_index("ix_dossiers_approved_at", ["approved_at"], unique=False)
        batch_op.create_index("ix_dossiers_closed_at", ["closed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_dossiers_due_at"), ["due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_dossiers_procedure_code"), ["procedure_code"], unique=False)
        batch_op.create_index("ix_dossiers_queue", ["holder_agency_code", "status", "due_at"], unique=False)
        batch_op.create_index("ix_dossiers_received_at", ["received_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_dossiers_respond_by"), ["respond_by"], unique=False)
        batch_op.create_index("ix_dossiers_sweep", ["status", "due_soon_at"], unique=False)

    op.create_table(
        "idempotency_keys",
        sa.Column("subject", sa.String(length=128), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("dossier_code", sa.String(length=96), nullable=False),
        sa.Column(
            "response",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("subject", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_table(
        "procedures",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("agency_code", sa.String(length=64), nullable=False),
        sa.Column(
            "snapshot",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_procedures")),
    )
    with op.batch_alter_table("procedures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_procedures_agency_code"), ["agency_code"], unique=False)

    op.create_table(
        "dossier_documents",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("dossier_id", sa.String(length=32), nullable=False),
        sa.Column("document_code", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by", sa.String(length=128), nullable=False),
        sa.Column("uploaded_role", sa.String(length=16), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_dossier_documents_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_documents")),
    )
    with op.batch_alter_table("dossier_documents", schema=None) as batch_op:
        batch_op.create_index("ix_dossier_documents_dossier", ["dossier_id", "uploaded_at"], unique=False)

    op.create_table(
        "dossier_ratings",
        sa.Column("dossier_id", sa.String(length=32), nullable=False),
        sa.Column("rating", sa.String(length=16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rated_month", sa.String(length=7), nullable=False),
        sa.Column("agency_code", sa.String(length=64), nullable=False),
        sa.Column("procedure_code", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_dossier_ratings_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("dossier_id", name=op.f("pk_dossier_ratings")),
    )
    with op.batch_alter_table("dossier_ratings", schema=None) as batch_op:
        batch_op.create_index("ix_dossier_ratings_month", ["rated_month", "agency_code"], unique=False)

    op.create_table(
        "dossier_steps",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("dossier_id", sa.String(length=32), nullable=False),
        sa.Column("order", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("role", sa.String(length=64), nullable=False),
        sa.Column("agency_code", sa.String(length=64), nullable=False),
        sa.Column("agency_name", sa.Text(), nullable=False),
        sa.Column("share_percent", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("worked_seconds", sa.Float(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=True),
        sa.Column("finished_month", sa.String(length=7), nullable=True),
        sa.Column("procedure_code", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_dossier_steps_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_steps")),
        sa.UniqueConstraint("dossier_id", "order", name=op.f("uq_dossier_steps_dossier_id_order")),
    )
    with op.batch_alter_table("dossier_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dossier_steps_agency_code"), ["agency_code"], unique=False)
        batch_op.create_index("ix_dossier_steps_finished_at", ["finished_at"], unique=False)

    op.create_table(
        "dossier_timeline",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dossier_id", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=32), nullable=False),
        sa.Column("to_status", sa.String(length=32), nullable=False),
        sa.Column("national_status", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.String(length=128), nullable=False),
        sa.Column("actor_role", sa.String(length=16), nullable=False),
        sa.Column("actor_agency_code", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column(
            "details",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_dossier_timeline_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_timeline")),
    )
    with op.batch_alter_table("dossier_timeline", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dossier_timeline_dossier_id"), ["dossier_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("dossier_timeline", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dossier_timeline_dossier_id"))

    op.drop_table("dossier_timeline")
    with op.batch_alter_table("dossier_steps", schema=None) as batch_op:
        batch_op.drop_index("ix_dossier_steps_finished_at")
        batch_op.drop_index(batch_op.f("ix_dossier_steps_agency_code"))

    op.drop_table("dossier_steps")
    with op.batch_alter_table("dossier_ratings", schema=None) as batch_op:
        batch_op.drop_index("ix_dossier_ratings_month")

    op.drop_table("dossier_ratings")
    with op.batch_alter_table("dossier_documents", schema=None) as batch_op:
        batch_op.drop_index("ix_dossier_documents_dossier")

    op.drop_table("dossier_documents")
    with op.batch_alter_table("procedures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_procedures_agency_code"))

    op.drop_table("procedures")
    op.drop_table("idempotency_keys")
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.drop_index("ix_dossiers_sweep")
        batch_op.drop_index(batch_op.f("ix_dossiers_respond_by"))
        batch_op.drop_index("ix_dossiers_received_at")
        batch_op.drop_index("ix_dossiers_queue")
        batch_op.drop_index(batch_op.f("ix_dossiers_procedure_code"))
        batch_op.drop_index(batch_op.f("ix_dossiers_due_at"))
        batch_op.drop_index("ix_dossiers_closed_at")
        batch_op.drop_index("ix_dossiers_approved_at")
        batch_op.drop_index("ix_dossiers_applicant")

    op.drop_table("dossiers")
    op.drop_table("dossier_sequences")
