"""Sandbox bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class SandboxSmsOut(BaseModel):
    """One SMS the sandbox provider received."""

    id: int
    message_id: str
    phone: str
    brandname: str
    text: str
    encoding: str
    segments: int
    received_at: datetime


class SandboxSmsPage(BaseModel):
    """Newest first."""

    items: list[SandboxSmsOut]
    total: int
    next_cursor: str | None


class SandboxReceiptIn(BaseModel):
    """Play the provider: report a message delivered or failed."""

    status: Literal["delivered", "failed"]
    error: str | None = Field(default=None, max_length=500)
