"""The shared state of the public look-up's rate limits (every dossier-svc replica reads and writes it).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from alembic import op

from motcua_shared.chassis.limits import create_rate_state_table, drop_rate_state_table

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_rate_state_table(op)


def downgrade() -> None:
    drop_rate_state_table(op)
