"""Webhook bodies."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from motcua_shared.chassis.clock import PlatformTime
from motcua_shared.chassis.pages import Page
from notify_svc.webhooks.models import WebhookSubscription


class SubscriptionIn(BaseModel):
    """Subscribe an endpoint to event types."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=8, max_length=2000, examples=["https://tichhop.example.vn/motcua/events"])
    event_types: list[str] = Field(min_length=1, max_length=50)
    description: str | None = Field(default=None, max_length=500)


class SubscriptionPatch(BaseModel):
    """Change a subscription."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, min_length=8, max_length=2000)
    event_types: list[str] | None = Field(default=None, min_length=1, max_length=50)
    description: str | None = Field(default=None, max_length=500)


class SubscriptionOut(BaseModel):
    """A subscription (its secret is shown only when created or rotated)."""

    id: str
    url: str
    event_types: list[str]
    description: str | None
    status: str
    consecutive_failures: int
    disabled_at: PlatformTime | None
    disabled_reason: str | None
    previous_secret_expires_at: PlatformTime | None
    created_at: PlatformTime
    updated_at: PlatformTime

    @classmethod
    def of(cls, s: WebhookSubscription) -> SubscriptionOut:
        """From the row."""
        return cls(
            id=s.id,
            url=s.url,
            event_types=list(s.event_types),
            description=s.description,
            status=s.status,
            consecutive_failures=s.consecutive_failures,
            disabled_at=s.disabled_at,
            disabled_reason=s.disabled_reason,
            previous_secret_expires_at=s.previous_secret_expires_at,
            created_at=s.created_at,
            updated_at=s.updated_at,
        )


class SubscriptionWithSecret(SubscriptionOut):
    """A subscription and its signing secret (``whsec_…``): store it now, it is not shown again."""

    secret: str

    @classmethod
    def with_secret(cls, s: WebhookSubscription) -> SubscriptionWithSecret:
        """From the row, secret included."""
        return cls(**SubscriptionOut.of(s).model_dump(), secret=s.secret)


class SubscriptionList(BaseModel):
    """Your subscriptions."""

    items: list[SubscriptionOut]
    total: int


class EventTypes(BaseModel):
    """What can be subscribed to."""

    items: list[str]


class AttemptOut(BaseModel):
    """One attempt at an endpoint."""

    attempt: int
    at: PlatformTime
    outcome: str
    status_code: int | None
    error: str | None
    duration_ms: float


class WebhookDeliveryOut(BaseModel):
    """One event sent (or being sent) to the endpoint."""

    id: str = Field(description="The `webhook-id` header of its requests.")
    event_id: str
    event_type: str
    status: str
    attempts: int
    next_attempt_at: PlatformTime | None
    last_error: str | None
    created_at: PlatformTime
    finished_at: PlatformTime | None
    log: list[AttemptOut]


class WebhookDeliveryPage(Page[WebhookDeliveryOut]):
    """The delivery log, newest first."""
