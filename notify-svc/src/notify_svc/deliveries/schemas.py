"""Delivery bodies (staff view: addresses masked, no message text)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, TypeAdapter

from motcua_shared.chassis.clock import PlatformTime
from motcua_shared.chassis.pages import Cursor, Page
from notify_svc.deliveries.models import Delivery


def mask_address(channel: str, address: str) -> str:
    """Enough to recognise, not to use: ``+84905***456``, ``t***@example.vn``, ``https://host``."""
    if channel == "sms":
        return address[:6] + "***" + address[-3:] if len(address) > 9 else "***"
    if channel == "email":
        local, _, domain = address.partition("@")
        return (local[:1] + "***@" + domain) if domain else "***"
    parts = urlsplit(address)
    return f"{parts.scheme}://{parts.hostname}" if parts.hostname else "***"


class DeliveryOut(BaseModel):
    """One delivery, as staff see it."""

    id: str
    channel: str
    status: str
    address: str = Field(description="Masked.")
    recipient_id: str | None
    dossier_code: str | None
    agency_code: str | None
    event_type: str
    template: str | None
    template_version: int | None
    attempts: int
    next_attempt_at: PlatformTime | None
    provider: str | None
    provider_message_id: str | None
    segments: int | None
    last_error: str | None
    created_at: PlatformTime
    sent_at: PlatformTime | None
    finished_at: PlatformTime | None

    @classmethod
    def of(cls, d: Delivery) -> DeliveryOut:
        """From the row."""
        return cls(
            id=d.id,
            channel=d.channel,
            status=d.status,
            address=mask_address(d.channel, d.address),
            recipient_id=d.recipient_id,
            dossier_code=d.dossier_code,
            agency_code=d.agency_code,
            event_type=d.source_event_type,
            template=d.template,
            template_version=d.template_version,
            attempts=d.attempts,
            next_attempt_at=d.next_attempt_at if d.status == "queued" else None,
            provider=d.provider,
            provider_message_id=d.provider_message_id,
            segments=d.segments,
            last_error=d.last_error,
            created_at=d.created_at,
            sent_at=d.sent_at,
            finished_at=d.finished_at,
        )


class DeliveryPage(Page[DeliveryOut]):
    """Deliveries, newest first."""


DELIVERY_CURSOR = Cursor(TypeAdapter(tuple[datetime, str]))
"""Positions in a delivery log, newest first: ``(created_at, id)`` of the last delivery read."""


def delivery_position(d: Delivery) -> tuple[datetime, str]:
    """Where ``d`` stands in a delivery log."""
    return d.created_at, d.id


class ReceiptIn(BaseModel):
    """A delivery receipt from the SMS provider."""

    message_id: str = Field(min_length=1, max_length=255)
    status: Literal["delivered", "failed"]
    error: str | None = Field(default=None, max_length=500)


class ReceiptOut(BaseModel):
    """What the receipt did."""

    delivery_id: str
    status: str
    changed: bool
