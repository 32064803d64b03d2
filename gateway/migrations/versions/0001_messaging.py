"""The outbox, inbox and dead-letter tables.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from alembic import op

from motcua_shared.chassis.migrations import create_messaging_tables, drop_messaging_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_messaging_tables(op)


def downgrade() -> None:
    drop_messaging_tables(op)
