"""Integrator webhook subscriptions: where to POST which event types, and the signing secrets."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from notify_svc.db import Base, UtcDateTime


class SubscriptionStatus(StrEnum):
    """Whether events go out to the endpoint."""

    ACTIVE = "active"
    DISABLED = "disabled"


class WebhookSubscription(Base):
    """An integrator's endpoint. During a rotation the previous secret signs too, until it expires."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    owner: Mapped[str] = mapped_column(String(255), index=True)
    url: Mapped[str] = mapped_column(Text)
    event_types: Mapped[list[Any]] = mapped_column(JSON)
    description: Mapped[str | None] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(String(128))
    previous_secret: Mapped[str | None] = mapped_column(String(128))
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(16), default=SubscriptionStatus.ACTIVE.value)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    @property
    def active(self) -> bool:
        """Whether deliveries go out."""
        return self.status == SubscriptionStatus.ACTIVE.value

    def wants(self, event_type: str) -> bool:
        """Whether this subscription takes ``event_type``."""
        return self.active and event_type in self.event_types

    def signing_secrets(self, now: datetime) -> list[str]:
        """The secrets to sign with now: the current one, and the previous one inside its grace period."""
        secrets = [self.secret]
        if (
            self.previous_secret
            and self.previous_secret_expires_at is not None
            and self.previous_secret_expires_at > now
        ):
            secrets.append(self.previous_secret)
        return secrets

    def rotate(self, new_secret: str, now: datetime, grace: timedelta) -> None:
        """Sign with ``new_secret`` from now on; the old one keeps signing for ``grace``."""
        self.previous_secret = self.secret if grace > timedelta(0) else None
        self.previous_secret_expires_at = now + grace if grace > timedelta(0) else None
        self.secret = new_secret
        self.updated_at = now

    def record_success(self, now: datetime) -> None:
        """An attempt succeeded: the run of failures is over."""
        if self.consecutive_failures:
            self.consecutive_failures = 0
            self.updated_at = now

    def record_failure(self, now: datetime, *, disable_after: int, reason: str) -> bool:
        """An attempt failed; True when this failure disabled the subscription."""
        self.consecutive_failures += 1
        self.updated_at = now
        if self.active and self.consecutive_failures >= disable_after:
            self.status = SubscriptionStatus.DISABLED.value
            self.disabled_at = now
            self.disabled_reason = reason[:500]
            return True
        return False

    def enable(self, now: datetime) -> None:
        """Send again (after the integrator fixed the endpoint)."""
        self.status = SubscriptionStatus.ACTIVE.value
        self.consecutive_failures = 0
        self.disabled_at = None
        self.disabled_reason = None
        self.updated_at = now
