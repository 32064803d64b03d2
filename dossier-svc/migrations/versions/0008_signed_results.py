"""Signed results: a result an officer uploads names the agency whose certificate signed it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dossier_documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("issuer_code", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("issuer_name", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dossier_documents", schema=None) as batch_op:
        batch_op.drop_column("issuer_name")
        batch_op.drop_column("issuer_code")
