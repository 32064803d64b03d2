"""The shared state of rate limits and sign-in throttling (every gateway replica reads and writes it).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from alembic import op

from motcua_shared.chassis.limits import create_rate_state_table, drop_rate_state_table

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_rate_state_table(op)


def downgrade() -> None:
    drop_rate_state_table(op)
