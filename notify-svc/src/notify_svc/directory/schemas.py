"""Preference and push-subscription bodies."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from motcua_shared.chassis.clock import PlatformTime
from notify_svc.directory.models import QuietWindow
from notify_svc.directory.service import Preferences

HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class ChannelsIn(BaseModel):
    """Channels on (true) or off; in-app cannot be switched off."""

    # Booleans as the document says: `0` or `"no"` is an error, not a silent `false`.
    model_config = ConfigDict(extra="forbid", strict=True)

    sms: bool = True
    email: bool = True
    push: bool = True
    in_app: Literal[True] = True


class QuietHours(BaseModel):
    """Daily quiet hours, local time (Asia/Ho_Chi_Minh); start after end spans midnight."""

    start: str = Field(pattern=HHMM, examples=["22:00"])
    end: str = Field(pattern=HHMM, examples=["07:00"])

    def window(self) -> QuietWindow:
        """As minutes."""
        return QuietWindow.parse(self.start, self.end)

    @classmethod
    def of(cls, window: QuietWindow) -> QuietHours:
        """From minutes."""
        start, end = window.as_times()
        return cls(start=start.strftime("%H:%M"), end=end.strftime("%H:%M"))


class PreferencesIn(BaseModel):
    """Your notification preferences (replaces what was set). `quiet_hours: null` turns them off."""

    model_config = ConfigDict(extra="forbid")

    channels: ChannelsIn = ChannelsIn()
    quiet_hours: QuietHours | None = QuietHours(start="22:00", end="07:00")


class ChannelsOut(BaseModel):
    """Channels on or off."""

    sms: bool
    email: bool
    push: bool
    in_app: bool = True


class PreferencesOut(BaseModel):
    """Your preferences as in force."""

    channels: ChannelsOut
    quiet_hours: QuietHours | None
    timezone: str = "Asia/Ho_Chi_Minh"
    always_sent: list[str] = Field(
        description="Sent whatever the channel choices: the sign-in code and legally required notices."
    )

    @classmethod
    def of(cls, p: Preferences, always_sent: list[str]) -> PreferencesOut:
        """From the use case's value."""
        return cls(
            channels=ChannelsOut(sms=p.sms, email=p.email, push=p.push),
            quiet_hours=QuietHours.of(p.quiet_hours) if p.quiet_hours else None,
            always_sent=always_sent,
        )


class PushKeys(BaseModel):
    """The subscription's keys (RFC 8291), base64url."""

    p256dh: str = Field(min_length=16, max_length=255)
    auth: str = Field(min_length=8, max_length=255)


class PushSubscriptionIn(BaseModel):
    """A `PushSubscription.toJSON()` from the browser."""

    endpoint: HttpUrl
    keys: PushKeys


class PushSubscriptionOut(BaseModel):
    """A registered push subscription."""

    id: str
    endpoint: str
    created_at: PlatformTime


class PushKeyOut(BaseModel):
    """The VAPID public key the app passes to `pushManager.subscribe` (applicationServerKey)."""

    vapid_public_key: str
