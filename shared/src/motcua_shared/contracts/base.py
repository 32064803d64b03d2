"""The event base class and the CloudEvents 1.0 envelope every event travels in."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field


class Event(BaseModel):
    """One domain event type at one version.

    Subclasses set ``TYPE`` (``vn.motcua.<service>.<entity>.<happening>.v<n>``), ``TOPIC`` and
    ``SUBJECT_FIELD``, the field that holds the aggregate id: it becomes the CloudEvents ``subject``
    and the Kafka key, so one aggregate's events keep their order.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    TYPE: ClassVar[str]
    TOPIC: ClassVar[str]
    SUBJECT_FIELD: ClassVar[str]
    SUMMARY: ClassVar[str] = ""

    def subject(self) -> str:
        """The aggregate id this event is about."""
        return str(getattr(self, self.SUBJECT_FIELD))


class CloudEvent(BaseModel):
    """A CloudEvents 1.0 envelope in JSON structured mode (the Kafka record value)."""

    model_config = ConfigDict(frozen=True, extra="allow")

    specversion: str = Field(default="1.0", description="The CloudEvents version, `1.0`.")
    id: str = Field(min_length=1, description="The event's unique id (a UUID); consumers deduplicate on it.")
    source: str = Field(min_length=1, description="The producing service, `/motcua/<service>`.")
    type: str = Field(
        min_length=1, description="The event type, `vn.motcua.<service>.<entity>.<happening>.v<n>`."
    )
    subject: str = Field(min_length=1, description="The aggregate id the event is about; also the Kafka key.")
    time: datetime = Field(description="When the event was produced (RFC 3339 with offset).")
    datacontenttype: str = Field(default="application/json", description="The media type of `data`.")
    data: dict[str, Any] = Field(description="The event itself; its schema is the type's.")
    traceparent: str | None = Field(
        default=None, description="W3C Trace Context `traceparent` of the request that caused the event."
    )
    requestid: str | None = Field(
        default=None, description="The `X-Request-ID` of the request that caused the event."
    )

    @classmethod
    def wrap(
        cls,
        event: Event,
        *,
        source: str,
        request_id: str | None = None,
        traceparent: str | None = None,
        event_id: str | None = None,
        time: datetime | None = None,
    ) -> Self:
        """Put ``event`` in a new envelope with a fresh id."""
        return cls(
            id=event_id or str(uuid.uuid4()),
            source=source,
            type=event.TYPE,
            subject=event.subject(),
            time=time or datetime.now(UTC),
            data=event.model_dump(mode="json"),
            traceparent=traceparent,
            requestid=request_id,
        )

    def to_json(self) -> str:
        """Serialise without null extension attributes."""
        return self.model_dump_json(exclude_none=True)

    @classmethod
    def from_json(cls, raw: bytes | str) -> Self:
        """Parse an envelope; raises ``pydantic.ValidationError`` or ``ValueError`` when malformed."""
        return cls.model_validate_json(raw)
