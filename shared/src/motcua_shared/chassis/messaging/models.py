"""The outbox, inbox and dead-letter tables every service database holds."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import BigInteger, Index, Integer, String, Table, Text, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from motcua_shared.chassis.db import BigId, UtcDateTime


class MessagingBase(DeclarativeBase):
    """Metadata of the messaging tables, migrated by every service next to its own."""


class OutboxRecord(MessagingBase):
    """An event committed with the change that caused it, waiting for the relay."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index(
            "ix_outbox_unpublished",
            "id",
            postgresql_where=text("published_at IS NULL"),
            sqlite_where=text("published_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    topic: Mapped[str] = mapped_column(String(249))
    key: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(255))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)


class InboxRecord(MessagingBase):
    """An event a consumer group has applied; its presence makes a redelivery a no-op."""

    __tablename__ = "inbox"

    consumer: Mapped[str] = mapped_column(String(255), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(255))
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime())


class DeadLetter(MessagingBase):
    """An event a consumer gave up on, with why; listed by the ops endpoint, replayable."""

    __tablename__ = "dead_letters"
    __table_args__ = (UniqueConstraint("consumer", "topic", "partition", "offset"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    consumer: Mapped[str] = mapped_column(String(255))
    topic: Mapped[str] = mapped_column(String(249))
    partition: Mapped[int] = mapped_column(Integer)
    offset: Mapped[int] = mapped_column(BigInteger)
    key: Mapped[str | None] = mapped_column(String(255))
    event_id: Mapped[str | None] = mapped_column(String(255))
    type: Mapped[str | None] = mapped_column(String(255))
    payload: Mapped[str] = mapped_column(Text)
    error: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer)
    failed_at: Mapped[datetime] = mapped_column(UtcDateTime())


OUTBOX = cast(Table, OutboxRecord.__table__)
"""The outbox table, for Core statements (no ORM bookkeeping on the hot path)."""
INBOX = cast(Table, InboxRecord.__table__)
"""The inbox table, for Core statements."""
