"""Renewable payment requests: a fee may have several requests, one after another (``request_no``, the
request each ``renews``), and dossiers that ended owe nothing (``ended_dossiers``).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ended_dossiers",
        sa.Column("dossier_code", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("dossier_code", name=op.f("pk_ended_dossiers")),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_no", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("renews", sa.String(length=40), nullable=True))
        batch_op.drop_constraint("uq_payments_dossier_code_fee_timing", type_="unique")
        batch_op.create_unique_constraint(
            op.f("uq_payments_dossier_code_fee_timing_request_no"),
            ["dossier_code", "fee_timing", "request_no"],
        )
        batch_op.create_unique_constraint(op.f("uq_payments_renews"), ["renews"])
        batch_op.create_foreign_key(op.f("fk_payments_renews_payments"), "payments", ["renews"], ["id"])


def downgrade() -> None:
    renewed = op.get_bind().scalar(sa.text("SELECT count(*) FROM payments WHERE request_no > 1"))
    if renewed:
        # Renewed requests carry money history (attempts, provider transactions): never dropped to go back.
        raise RuntimeError(f"{renewed} renewed payment requests exist; payment-svc cannot go below 0003")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("fk_payments_renews_payments"), type_="foreignkey")
        batch_op.drop_constraint(op.f("uq_payments_renews"), type_="unique")
        batch_op.drop_constraint(op.f("uq_payments_dossier_code_fee_timing_request_no"), type_="unique")
        batch_op.create_unique_constraint(
            op.f("uq_payments_dossier_code_fee_timing"), ["dossier_code", "fee_timing"]
        )
        batch_op.drop_column("renews")
        batch_op.drop_column("request_no")
    op.drop_table("ended_dossiers")
