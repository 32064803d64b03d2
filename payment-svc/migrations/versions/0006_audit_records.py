"""The personal-data audit trail: officers' and admins' reads and changes of payments, append-only.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from alembic import op

from motcua_shared.chassis.audit import create_audit_table, drop_audit_table

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_audit_table(op)


def downgrade() -> None:
    drop_audit_table(op)
