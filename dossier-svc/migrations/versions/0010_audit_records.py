"""The personal-data audit trail: officers' and admins' reads and changes of dossiers, append-only.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from alembic import op

from motcua_shared.chassis.audit import create_audit_table, drop_audit_table

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_audit_table(op)


def downgrade() -> None:
    drop_audit_table(op)
