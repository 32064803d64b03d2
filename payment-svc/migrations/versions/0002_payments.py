"""Payments, attempts, provider transactions, slips, refunds, idempotency keys, receipt counters,
fees due at result, and imported statement lines.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fee_dues",
        sa.Column("dossier_code", sa.String(length=64), nullable=False),
        sa.Column("submitted", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("dossier_code", name=op.f("pk_fee_dues")),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("subject", sa.String(length=128), nullable=False),
        sa.Column("operation", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("result_id", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("subject", "operation", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_table(
        "payments",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("dossier_code", sa.String(length=64), nullable=False),
        sa.Column("fee_timing", sa.String(length=16), nullable=False),
        sa.Column("procedure_code", sa.String(length=64), nullable=False),
        sa.Column("procedure_name", sa.String(length=500), nullable=False),
        sa.Column("agency_code", sa.String(length=64), nullable=False),
        sa.Column("agency_name", sa.String(length=500), nullable=False),
        sa.Column("applicant_id", sa.String(length=128), nullable=True),
        sa.Column("payer_name", sa.String(length=200), nullable=False),
        sa.Column("payer_phone", sa.String(length=20), nullable=False),
        sa.Column("payer_email", sa.String(length=254), nullable=True),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("amount", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=True),
        sa.Column("provider", sa.String(length=32), nullable=True),
        sa.Column("provider_txn_id", sa.String(length=64), nullable=True),
        sa.Column("paid_txn_ref", sa.String(length=40), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refunded_amount", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("receipt_number", sa.String(length=32), nullable=True),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint("dossier_code", "fee_timing", name=op.f("uq_payments_dossier_code_fee_timing")),
        sa.UniqueConstraint("receipt_number", name=op.f("uq_payments_receipt_number")),
        sa.UniqueConstraint("reference", name=op.f("uq_payments_reference")),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payments_agency_code"), ["agency_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_payments_applicant_id"), ["applicant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payments_dossier_code"), ["dossier_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_payments_paid_at"), ["paid_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_payments_status"), ["status"], unique=False)
        batch_op.create_index("ix_payments_status_expires_at", ["status", "expires_at"], unique=False)

    op.create_table(
        "receipt_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_receipt_counters")),
    )
    op.create_table(
        "statement_lines",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("statement_date", sa.Date(), nullable=False),
        sa.Column("provider_txn_id", sa.String(length=80), nullable=False),
        sa.Column("reference", sa.String(length=500), nullable=False),
        sa.Column("amount", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("currency", sa.String(length=8), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement_lines")),
        sa.UniqueConstraint(
            "provider", "provider_txn_id", name=op.f("uq_statement_lines_provider_provider_txn_id")
        ),
    )
    with op.batch_alter_table("statement_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_statement_lines_statement_date"), ["statement_date"], unique=False
        )

    op.create_table(
        "payment_attempts",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("payment_id", sa.String(length=40), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("txn_ref", sa.String(length=40), nullable=True),
        sa.Column("amount", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("redirect_url", sa.Text(), nullable=True),
        sa.Column("client_ip", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("queried_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_payment_attempts_payment_id_payments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_attempts")),
        sa.UniqueConstraint("txn_ref", name=op.f("uq_payment_attempts_txn_ref")),
    )
    with op.batch_alter_table("payment_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_attempts_payment_id"), ["payment_id"], unique=False)
        batch_op.create_index("ix_payment_attempts_status_created_at", ["status", "created_at"], unique=False)

    op.create_table(
        "payment_refunds",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("payment_id", sa.String(length=40), nullable=False),
        sa.Column("amount", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("provider_txn_id", sa.String(length=80), nullable=True),
        sa.Column("request_id", sa.String(length=40), nullable=False),
        sa.Column("actor_id", sa.String(length=128), nullable=False),
        sa.Column("actor_role", sa.String(length=16), nullable=False),
        sa.Column("actor_agency", sa.String(length=64), nullable=True),
        sa.Column("failure", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_payment_refunds_payment_id_payments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_refunds")),
        sa.UniqueConstraint("request_id", name=op.f("uq_payment_refunds_request_id")),
    )
    with op.batch_alter_table("payment_refunds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_refunds_payment_id"), ["payment_id"], unique=False)

    op.create_table(
        "payment_slips",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("payment_id", sa.String(length=40), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("uploaded_by", sa.String(length=128), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=128), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("bank_txn_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_payment_slips_payment_id_payments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_slips")),
    )
    with op.batch_alter_table("payment_slips", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_slips_payment_id"), ["payment_id"], unique=False)

    op.create_table(
        "provider_transactions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("provider_txn_id", sa.String(length=80), nullable=False),
        sa.Column("payment_id", sa.String(length=40), nullable=True),
        sa.Column("attempt_id", sa.String(length=40), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("amount", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("currency", sa.String(length=8), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("detail", sa.String(length=500), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_provider_transactions_payment_id_payments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_transactions")),
        sa.UniqueConstraint(
            "provider", "provider_txn_id", name=op.f("uq_provider_transactions_provider_provider_txn_id")
        ),
    )
    with op.batch_alter_table("provider_transactions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_provider_transactions_outcome"), ["outcome"], unique=False)
        batch_op.create_index(batch_op.f("ix_provider_transactions_payment_id"), ["payment_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("provider_transactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_provider_transactions_payment_id"))
        batch_op.drop_index(batch_op.f("ix_provider_transactions_outcome"))

    op.drop_table("provider_transactions")
    with op.batch_alter_table("payment_slips", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_slips_payment_id"))

    op.drop_table("payment_slips")
    with op.batch_alter_table("payment_refunds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_refunds_payment_id"))

    op.drop_table("payment_refunds")
    with op.batch_alter_table("payment_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_payment_attempts_status_created_at")
        batch_op.drop_index(batch_op.f("ix_payment_attempts_payment_id"))

    op.drop_table("payment_attempts")
    with op.batch_alter_table("statement_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_statement_lines_statement_date"))

    op.drop_table("statement_lines")
    op.drop_table("receipt_counters")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index("ix_payments_status_expires_at")
        batch_op.drop_index(batch_op.f("ix_payments_status"))
        batch_op.drop_index(batch_op.f("ix_payments_paid_at"))
        batch_op.drop_index(batch_op.f("ix_payments_dossier_code"))
        batch_op.drop_index(batch_op.f("ix_payments_applicant_id"))
        batch_op.drop_index(batch_op.f("ix_payments_agency_code"))

    op.drop_table("payments")
    op.drop_table("idempotency_keys")
    op.drop_table("fee_dues")
