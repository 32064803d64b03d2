"""Template bodies."""

from __future__ import annotations

from pydantic import BaseModel, Field

from motcua_shared.chassis.clock import PlatformTime
from notify_svc.templates.models import Template


class TemplateOut(BaseModel):
    """One version of a template."""

    code: str
    channel: str
    version: int
    subject: str | None
    body: str
    created_at: PlatformTime
    created_by: str

    @classmethod
    def of(cls, t: Template) -> TemplateOut:
        """From the row."""
        return cls(
            code=t.code,
            channel=t.channel,
            version=t.version,
            subject=t.subject,
            body=t.body,
            created_at=t.created_at,
            created_by=t.created_by,
        )


class TemplateList(BaseModel):
    """Templates."""

    items: list[TemplateOut]
    total: int


class TemplateIn(BaseModel):
    """A new version: Jinja2, Vietnamese with diacritics. `subject` is ignored for SMS."""

    subject: str | None = Field(default=None, max_length=500)
    body: str = Field(min_length=1, max_length=10_000)


class PreviewIn(BaseModel):
    """A draft to preview; without `body`, the version in force is previewed."""

    subject: str | None = Field(default=None, max_length=500)
    body: str | None = Field(default=None, min_length=1, max_length=10_000)


class SmsPreview(BaseModel):
    """How the SMS leaves: its text after diacritics removal (if configured), encoding and segments."""

    text: str
    encoding: str
    segments: int
    units: int


class PreviewOut(BaseModel):
    """A template rendered against the example event of its type."""

    code: str
    channel: str
    version: int | None = Field(description="The version previewed; null for a draft.")
    subject: str | None
    body: str
    sms: SmsPreview | None = None
