"""The audit trail of admins' changes to the catalogue (create, edit, publish, withdraw, import), append-only.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from alembic import op

from motcua_shared.chassis.audit import create_audit_table, drop_audit_table

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_audit_table(op)


def downgrade() -> None:
    drop_audit_table(op)
