"""The in-app inbox: one row per (event, recipient); a person's, or an agency's queue (its officers')."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from notify_svc.db import Base, BigId, UtcDateTime


class Audience(StrEnum):
    """Whose inbox: one account's, or an agency's (every officer of it reads it)."""

    USER = "user"
    AGENCY = "agency"


def inbox_key(audience: Audience, recipient: str) -> str:
    """The key the live stream listens on for an inbox."""
    return f"{audience.value}:{recipient}"


class StreamTicket(Base):
    """A single-use pass onto the live stream, for clients that cannot send a header (``EventSource``).

    Only the ticket's SHA-256 is kept: the table never holds a usable ticket."""

    __tablename__ = "stream_tickets"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    agency_code: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Notification(Base):
    """An in-app notification. ``seq`` orders an inbox and is the SSE event id; ``id`` is public."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("source_event_id", "audience", "recipient"),
        Index("ix_notifications_inbox", "audience", "recipient", "seq"),
    )

    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    audience: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(255))
    source_event_id: Mapped[str] = mapped_column(String(255))
    source_event_type: Mapped[str] = mapped_column(String(255))
    dossier_code: Mapped[str | None] = mapped_column(String(64))
    template: Mapped[str] = mapped_column(String(100))
    template_version: Mapped[int]
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    def mark_read(self, at: datetime) -> bool:
        """Mark read (the first time counts); False if it already was."""
        if self.read_at is not None:
            return False
        self.read_at = at
        return True
