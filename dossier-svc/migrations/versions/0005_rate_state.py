"""The shared state of the public look-up's rate limits (every dossier-svc replica reads and writes it).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from alembic import op

from motcua_shared.chassis.limits import create_rate_state_table, drop_rate_state_table

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_rate_state_table(op)


def downgrade() -> None:
    drop_rate_state_table(op)
