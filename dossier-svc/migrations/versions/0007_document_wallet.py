"""The document wallet: a document reused by reference names the document it reuses and that one's dossier.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dossier_documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reused_from_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("reused_from_dossier", sa.String(length=96), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dossier_documents", schema=None) as batch_op:
        batch_op.drop_column("reused_from_dossier")
        batch_op.drop_column("reused_from_id")
