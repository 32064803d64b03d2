"""notify-svc's own tables: contacts, preferences, push subscriptions, templates, inbox, deliveries,
webhook subscriptions and the sandbox SMS log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "dossier_contacts",
        sa.Column("dossier_code", sa.String(64), primary_key=True),
        sa.Column("applicant_id", sa.String(255), nullable=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("phone", sa.String(16), nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("procedure_code", sa.String(64), nullable=False),
        sa.Column("procedure_name", sa.Text(), nullable=True),
        sa.Column("agency_code", sa.String(64), nullable=False),
        sa.Column("agency_name", sa.Text(), nullable=True),
        _ts("updated_at"),
    )
    op.create_index("ix_dossier_contacts_applicant_id", "dossier_contacts", ["applicant_id"])

    op.create_table(
        "preferences",
        sa.Column("subject", sa.String(255), primary_key=True),
        sa.Column("sms", sa.Boolean(), nullable=False),
        sa.Column("email", sa.Boolean(), nullable=False),
        sa.Column("push", sa.Boolean(), nullable=False),
        sa.Column("quiet_enabled", sa.Boolean(), nullable=False),
        sa.Column("quiet_start", sa.Integer(), nullable=True),
        sa.Column("quiet_end", sa.Integer(), nullable=True),
        _ts("updated_at"),
    )

    op.create_table(
        "push_subscriptions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("endpoint", sa.String(2048), nullable=False),
        sa.Column("p256dh", sa.String(255), nullable=False),
        sa.Column("auth", sa.String(255), nullable=False),
        _ts("created_at"),
        sa.UniqueConstraint("endpoint", name="uq_push_subscriptions_endpoint"),
    )
    op.create_index("ix_push_subscriptions_subject", "push_subscriptions", ["subject"])

    op.create_table(
        "templates",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(100), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        _ts("created_at"),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.UniqueConstraint("code", "channel", "version", name="uq_templates_code_channel_version"),
    )

    op.create_table(
        "notifications",
        sa.Column("seq", BigId, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("audience", sa.String(16), nullable=False),
        sa.Column("recipient", sa.String(255), nullable=False),
        sa.Column("source_event_id", sa.String(255), nullable=False),
        sa.Column("source_event_type", sa.String(255), nullable=False),
        sa.Column("dossier_code", sa.String(64), nullable=True),
        sa.Column("template", sa.String(100), nullable=False),
        sa.Column("template_version", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        _ts("created_at"),
        _ts("read_at", nullable=True),
        sa.UniqueConstraint("id", name="uq_notifications_id"),
        sa.UniqueConstraint(
            "source_event_id",
            "audience",
            "recipient",
            name="uq_notifications_source_event_id_audience_recipient",
        ),
    )
    op.create_index("ix_notifications_inbox", "notifications", ["audience", "recipient", "seq"])

    op.create_table(
        "deliveries",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("source_event_id", sa.String(255), nullable=False),
        sa.Column("source_event_type", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("recipient_key", sa.String(400), nullable=False),
        sa.Column("recipient_id", sa.String(255), nullable=True),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("agency_code", sa.String(64), nullable=True),
        sa.Column("dossier_code", sa.String(64), nullable=True),
        sa.Column("template", sa.String(100), nullable=True),
        sa.Column("template_version", sa.Integer(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("secret", sa.Boolean(), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("quiet_start", sa.Integer(), nullable=True),
        sa.Column("quiet_end", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _ts("next_attempt_at"),
        _ts("lease_until", nullable=True),
        sa.Column("provider", sa.String(64), nullable=True),
        sa.Column("provider_message_id", sa.String(255), nullable=True),
        sa.Column("segments", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        _ts("created_at"),
        _ts("sent_at", nullable=True),
        _ts("finished_at", nullable=True),
        sa.UniqueConstraint(
            "source_event_id",
            "channel",
            "recipient_key",
            name="uq_deliveries_source_event_id_channel_recipient_key",
        ),
    )
    op.create_index("ix_deliveries_due", "deliveries", ["status", "next_attempt_at"])
    op.create_index("ix_deliveries_agency_code", "deliveries", ["agency_code"])
    op.create_index("ix_deliveries_dossier_code", "deliveries", ["dossier_code"])
    op.create_index("ix_deliveries_provider_message_id", "deliveries", ["provider_message_id"])

    op.create_table(
        "delivery_attempts",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column(
            "delivery_id",
            sa.String(36),
            sa.ForeignKey(
                "deliveries.id", ondelete="CASCADE", name="fk_delivery_attempts_delivery_id_deliveries"
            ),
            nullable=False,
        ),
        sa.Column("attempt", sa.Integer(), nullable=False),
        _ts("at"),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Float(), nullable=False),
    )
    op.create_index("ix_delivery_attempts_delivery_id", "delivery_attempts", ["delivery_id"])

    op.create_table(
        "webhook_subscriptions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("owner", sa.String(255), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("event_types", sa.JSON(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("secret", sa.String(128), nullable=False),
        sa.Column("previous_secret", sa.String(128), nullable=True),
        _ts("previous_secret_expires_at", nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        _ts("disabled_at", nullable=True),
        sa.Column("disabled_reason", sa.Text(), nullable=True),
        _ts("created_at"),
        _ts("updated_at"),
    )
    op.create_index("ix_webhook_subscriptions_owner", "webhook_subscriptions", ["owner"])

    op.create_table(
        "sandbox_sms",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("phone", sa.String(16), nullable=False),
        sa.Column("brandname", sa.String(32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("encoding", sa.String(8), nullable=False),
        sa.Column("segments", sa.Integer(), nullable=False),
        _ts("received_at"),
        sa.UniqueConstraint("request_id", name="uq_sandbox_sms_request_id"),
        sa.UniqueConstraint("message_id", name="uq_sandbox_sms_message_id"),
    )
    op.create_index("ix_sandbox_sms_phone", "sandbox_sms", ["phone"])


def downgrade() -> None:
    for table in (
        "sandbox_sms",
        "webhook_subscriptions",
        "delivery_attempts",
        "deliveries",
        "notifications",
        "templates",
        "push_subscriptions",
        "preferences",
        "dossier_contacts",
    ):
        op.drop_table(table)
