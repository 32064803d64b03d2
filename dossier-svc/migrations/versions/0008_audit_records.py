"""The personal-data audit trail: officers' and admins' reads and changes of dossiers, append-only.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from alembic import op

from motcua_shared.chassis.audit import create_audit_table, drop_audit_table

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_audit_table(op)


def downgrade() -> None:
    drop_audit_table(op)
