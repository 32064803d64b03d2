"""E-receipts are numbered per series (ký hiệu), and a payment keeps its receipt's form and series.

The yearly counters go: their numbers (``BL-2026-000042``) belong to no registered series, and receipts
already issued keep their numbers.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "receipt_series",
        sa.Column("series", sa.String(length=16), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("series", name=op.f("pk_receipt_series")),
    )
    op.drop_table("receipt_counters")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("receipt_form", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("receipt_series", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_column("receipt_series")
        batch_op.drop_column("receipt_form")
    op.create_table(
        "receipt_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_receipt_counters")),
    )
    op.drop_table("receipt_series")
