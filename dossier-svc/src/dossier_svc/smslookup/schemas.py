"""Bodies of the inbound SMS webhook and of the sandbox phone."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class InboundSmsIn(BaseModel):
    """One message a citizen sent to the service's number, as the provider forwards it (signed)."""

    message_id: str = Field(min_length=1, max_length=64, description="The provider's id of the message.")
    phone: str = Field(
        min_length=1, max_length=32, description="The sender, as the provider writes it (`84905123456`, …)."
    )
    text: str = Field(max_length=1600, description="What the citizen typed, e.g. `TRACUU <mã> <4 số cuối>`.")


class InboundStatus(StrEnum):
    """What became of an inbound message (the same whatever the look-up found)."""

    ANSWERED = "answered"
    """A reply is on its way to the phone."""
    DUPLICATE = "duplicate"
    """The provider sent this message before; it was answered then."""
    THROTTLED = "throttled"
    """The phone sent too many look-ups; no reply (each would cost an SMS)."""


class InboundSmsOut(BaseModel):
    """The webhook's answer to the provider."""

    message_id: str
    status: InboundStatus


class SandboxPhoneIn(BaseModel):
    """What the sandbox phone sends to the service's number."""

    phone: str = Field(min_length=1, max_length=32, examples=["0905123456"])
    text: str = Field(max_length=1600, examples=["TRACUU hue.xa.thuan-hoa-250804-0118 5678"])


class SandboxPhoneOut(InboundSmsOut):
    """What the provider's webhook answered, and where the phone's replies show."""

    replies: str = Field(description="The sandbox SMS inbox of this phone, where the answer arrives.")
