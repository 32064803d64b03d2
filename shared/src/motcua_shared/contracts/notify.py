"""Events of notification deliveries (notify-svc), on topic ``motcua.notify.v1``, keyed by delivery id.

They exist for audit and statistics; they carry no address and no message text.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from pydantic import AwareDatetime, Field

from motcua_shared.contracts import topics
from motcua_shared.contracts.base import Event
from motcua_shared.contracts.registry import register


class NotifyChannel(StrEnum):
    """The channel a notification goes through."""

    SMS = "sms"
    EMAIL = "email"
    PUSH = "push"
    IN_APP = "in_app"
    WEBHOOK = "webhook"


class NotificationEvent(Event):
    """Fields every delivery event carries. Not an event type itself."""

    SUBJECT_FIELD: ClassVar[str] = "delivery_id"
    TOPIC: ClassVar[str] = topics.NOTIFY

    delivery_id: str = Field(
        min_length=1,
        description="The delivery's id (one per event, channel and recipient); the CloudEvents subject.",
    )
    channel: NotifyChannel = Field(description="The channel.")
    source_event_id: str = Field(min_length=1, description="The CloudEvents id of the event that caused it.")
    source_event_type: str = Field(min_length=1, description="The type of the event that caused it.")
    recipient_id: str | None = Field(
        default=None,
        description="The recipient's account subject, or the webhook subscription id; null for an address "
        "without an account (e.g. an OTP to a phone).",
    )
    dossier_code: str | None = Field(default=None, description="The dossier it is about, if any.")
    template: str | None = Field(default=None, description="The template's code, e.g. `dossier.received`.")
    template_version: int | None = Field(default=None, ge=1, description="The template's version used.")
    provider: str | None = Field(default=None, description="The provider that carried it, e.g. `smtp`.")
    occurred_at: AwareDatetime = Field(description="When it was sent, or when it failed for the last time.")


@register
class NotificationSent(NotificationEvent):
    """A notification was handed to its channel's provider (or stored, for in-app)."""

    TYPE: ClassVar[str] = "vn.motcua.notify.notification.sent.v1"
    SUMMARY: ClassVar[str] = "A notification was sent through one channel."

    provider_message_id: str | None = Field(default=None, description="The provider's message id.")
    segments: int | None = Field(default=None, ge=1, description="For SMS: how many segments it took.")


@register
class NotificationFailed(NotificationEvent):
    """A notification could not be delivered; ``permanent`` says whether it will be tried again."""

    TYPE: ClassVar[str] = "vn.motcua.notify.notification.failed.v1"
    SUMMARY: ClassVar[str] = "A notification failed on one channel."

    reason: str = Field(min_length=1, description="Why, as the provider or the channel reported it.")
    attempts: int = Field(ge=1, description="How many attempts were made.")
    permanent: bool = Field(description="True when no further attempt will be made.")
