"""Sandbox bodies."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, TypeAdapter

from motcua_shared.chassis.clock import PlatformTime
from motcua_shared.chassis.pages import Cursor, Page


class SandboxSmsOut(BaseModel):
    """One SMS the sandbox provider received."""

    id: int
    message_id: str
    phone: str
    brandname: str
    text: str
    encoding: str
    segments: int
    received_at: PlatformTime


class SandboxSmsPage(Page[SandboxSmsOut]):
    """Newest first."""


SMS_CURSOR = Cursor(TypeAdapter(int))
"""Positions in a sandbox inbox, newest first: the id of the last message read."""


class SandboxReceiptIn(BaseModel):
    """Play the provider: report a message delivered or failed."""

    status: Literal["delivered", "failed"]
    error: str | None = Field(default=None, max_length=500)
