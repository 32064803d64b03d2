"""Agencies that do not receive dossiers themselves: ``agencies.receives_dossiers``.

An umbrella such as ``Ủy ban nhân dân cấp xã`` groups the 40 communes and wards where dossiers are actually
filed; a procedure it implements publishes those children as the agencies that may receive it. Existing
agencies receive dossiers (the default); the seed data marks the umbrellas.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "agencies",
        sa.Column("receives_dossiers", sa.Boolean(), nullable=False, server_default=sa.true()),
    )


def downgrade() -> None:
    op.drop_column("agencies", "receives_dossiers")
