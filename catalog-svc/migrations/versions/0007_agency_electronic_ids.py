"""Agencies' electronic identifiers: ``agencies.electronic_id``.

The mã định danh điện tử of Quyết định 20/2020/QĐ-TTg (e.g. ``000.00.00.H57``), from which the national dossier
codes are built; null where no source gives it. Unique: two agencies never share one.

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
    op.add_column("agencies", sa.Column("electronic_id", sa.String(13), nullable=True))
    op.create_index("ix_agencies_electronic_id", "agencies", ["electronic_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_agencies_electronic_id", table_name="agencies")
    op.drop_column("agencies", "electronic_id")
