"""Wallet removal: a citizen's upload to a closed dossier leaves their wallet but stays with the dossier.

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
    with op.batch_alter_table("dossier_documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("wallet_removed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dossier_documents", schema=None) as batch_op:
        batch_op.drop_column("wallet_removed_at")
