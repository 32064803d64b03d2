"""Who to tell and how: the dossier contact directory, preferences and Web Push subscriptions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from motcua_shared.contracts.notify import NotifyChannel
from notify_svc.db import Base, UtcDateTime


class DossierContact(Base):
    """The applicant's contact and the dossier's names, kept from ``submitted`` for the later events.

    Later dossier events carry only the applicant's account, and counter filings may have none, so the
    contact is kept per dossier.
    """

    __tablename__ = "dossier_contacts"

    dossier_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    applicant_id: Mapped[str | None] = mapped_column(String(255), index=True)
    name: Mapped[str] = mapped_column(String(255))
    phone: Mapped[str] = mapped_column(String(16))
    email: Mapped[str | None] = mapped_column(String(320))
    procedure_code: Mapped[str] = mapped_column(String(64))
    procedure_name: Mapped[str | None] = mapped_column(Text)
    agency_code: Mapped[str] = mapped_column(String(64))
    agency_name: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


@dataclass(frozen=True, slots=True)
class QuietWindow:
    """Daily quiet hours in local time, in minutes after midnight; ``start > end`` spans midnight."""

    start: int
    end: int

    @classmethod
    def parse(cls, start: str, end: str) -> QuietWindow:
        """From ``HH:MM`` strings."""
        return cls(_minutes(start), _minutes(end))

    def contains(self, minute: int) -> bool:
        """Whether local ``minute`` of the day is quiet."""
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= minute < self.end
        return minute >= self.start or minute < self.end

    def as_times(self) -> tuple[time, time]:
        """Start and end as :class:`datetime.time`."""
        return time(self.start // 60, self.start % 60), time(self.end // 60, self.end % 60)


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


OPTIONAL_CHANNELS = (NotifyChannel.SMS, NotifyChannel.EMAIL, NotifyChannel.PUSH)
"""Channels a person may switch off; in-app is the record of everything and stays on."""


class Preference(Base):
    """One account's choices: channels on or off, and quiet hours (null columns mean the defaults)."""

    __tablename__ = "preferences"

    subject: Mapped[str] = mapped_column(String(255), primary_key=True)
    sms: Mapped[bool] = mapped_column(Boolean, default=True)
    email: Mapped[bool] = mapped_column(Boolean, default=True)
    push: Mapped[bool] = mapped_column(Boolean, default=True)
    quiet_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    quiet_start: Mapped[int | None] = mapped_column(Integer)
    quiet_end: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    def allows(self, channel: NotifyChannel) -> bool:
        """Whether the person wants ``channel`` (in-app and webhooks are not theirs to refuse)."""
        if channel is NotifyChannel.SMS:
            return self.sms
        if channel is NotifyChannel.EMAIL:
            return self.email
        if channel is NotifyChannel.PUSH:
            return self.push
        return True

    def quiet_window(self, default: QuietWindow) -> QuietWindow | None:
        """The quiet hours in force for this person, or None when they turned them off."""
        if not self.quiet_enabled:
            return None
        if self.quiet_start is None or self.quiet_end is None:
            return default
        return QuietWindow(self.quiet_start, self.quiet_end)


class PushSubscription(Base):
    """A browser's or app's Web Push subscription (RFC 8030 endpoint and RFC 8291 keys)."""

    __tablename__ = "push_subscriptions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    subject: Mapped[str] = mapped_column(String(255), index=True)
    endpoint: Mapped[str] = mapped_column(String(2048), unique=True)
    p256dh: Mapped[str] = mapped_column(String(255))
    auth: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
