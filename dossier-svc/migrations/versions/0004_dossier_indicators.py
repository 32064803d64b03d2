"""What the Quyết định 766/QĐ-TTg indicators need of a dossier: how its fees were paid, and the online
service level of its procedure when it was filed.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("paid_method", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("online_level", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.drop_column("online_level")
        batch_op.drop_column("paid_method")
