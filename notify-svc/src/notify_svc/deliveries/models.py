"""Deliveries: one row per (event, channel, recipient), and the log of every attempt.

``queued → sent → delivered | failed``; ``queued → failed`` too. ``delivered`` and ``failed`` are terminal:
a late or out-of-order receipt never reopens them.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from notify_svc.db import Base, BigId, UtcDateTime

MAX_ERROR = 1000


class DeliveryStatus(StrEnum):
    """Where a delivery stands."""

    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"


TERMINAL = frozenset({DeliveryStatus.DELIVERED, DeliveryStatus.FAILED})


class Delivery(Base):
    """One message to one recipient on one channel, caused by one event."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("source_event_id", "channel", "recipient_key"),
        Index("ix_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    source_event_id: Mapped[str] = mapped_column(String(255))
    source_event_type: Mapped[str] = mapped_column(String(255))
    channel: Mapped[str] = mapped_column(String(16))
    recipient_key: Mapped[str] = mapped_column(String(400))
    recipient_id: Mapped[str | None] = mapped_column(String(255))
    address: Mapped[str] = mapped_column(Text)
    agency_code: Mapped[str | None] = mapped_column(String(64), index=True)
    dossier_code: Mapped[str | None] = mapped_column(String(64), index=True)
    template: Mapped[str | None] = mapped_column(String(100))
    template_version: Mapped[int | None] = mapped_column(Integer)
    subject: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    secret: Mapped[bool] = mapped_column(Boolean, default=False)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    quiet_start: Mapped[int | None] = mapped_column(Integer)
    quiet_end: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.QUEUED.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    provider: Mapped[str | None] = mapped_column(String(64))
    provider_message_id: Mapped[str | None] = mapped_column(String(255), index=True)
    segments: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    @property
    def state(self) -> DeliveryStatus:
        """The status as an enum."""
        return DeliveryStatus(self.status)

    @property
    def is_terminal(self) -> bool:
        """Delivered or failed: nothing changes it any more."""
        return self.state in TERMINAL

    def mark_sent(self, at: datetime, *, provider: str, message_id: str | None, segments: int | None) -> None:
        """The provider accepted it. A receipt that overtook the answer may have finished it already."""
        self.provider = provider
        self.provider_message_id = message_id or self.provider_message_id
        self.segments = segments
        self.lease_until = None
        self.last_error = None
        if self.sent_at is None:
            self.sent_at = at
        if self.state is DeliveryStatus.QUEUED:
            self.status = DeliveryStatus.SENT.value
        self._forget_secret()

    def mark_delivered(self, at: datetime) -> bool:
        """Final: it reached the recipient (a receipt, or a channel that knows at once). False if ignored."""
        if self.is_terminal:
            return False
        self.status = DeliveryStatus.DELIVERED.value
        self.finished_at = at
        self.lease_until = None
        self._forget_secret()
        return True

    def retry_at(self, at: datetime, error: str) -> None:
        """A transient failure: try again at ``at``."""
        self.last_error = error[:MAX_ERROR]
        self.next_attempt_at = at
        self.lease_until = None

    def mark_failed(self, at: datetime, error: str) -> bool:
        """Final: it will not be delivered. False when it was already terminal (the receipt came late)."""
        if self.is_terminal:
            return False
        self.status = DeliveryStatus.FAILED.value
        self.last_error = error[:MAX_ERROR]
        self.finished_at = at
        self.lease_until = None
        self._forget_secret()
        return True

    def _forget_secret(self) -> None:
        # A one-time code has no business staying in the database once it has left.
        if self.secret:
            self.body = ""


class DeliveryAttempt(Base):
    """One try of a delivery: what the provider or endpoint answered (the webhook delivery log too)."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    delivery_id: Mapped[str] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    outcome: Mapped[str] = mapped_column(String(16))
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[float] = mapped_column(Float)
