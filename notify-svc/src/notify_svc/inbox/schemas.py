"""Inbox request and response bodies."""

from __future__ import annotations

from pydantic import BaseModel, Field, TypeAdapter

from motcua_shared.chassis.clock import PlatformTime
from motcua_shared.chassis.pages import Cursor, Page
from notify_svc.inbox.models import Notification


class NotificationOut(BaseModel):
    """One in-app notification."""

    id: str
    seq: int = Field(description="Order in the inbox; the SSE event id (`Last-Event-ID`).")
    audience: str = Field(description="`user` (yours) or `agency` (your agency's queue).")
    title: str
    body: str
    dossier_code: str | None
    event_type: str
    template: str
    created_at: PlatformTime
    read_at: PlatformTime | None

    @classmethod
    def of(cls, n: Notification) -> NotificationOut:
        """From the row."""
        return cls(
            id=n.id,
            seq=n.seq,
            audience=n.audience,
            title=n.title,
            body=n.body,
            dossier_code=n.dossier_code,
            event_type=n.source_event_type,
            template=n.template,
            created_at=n.created_at,
            read_at=n.read_at,
        )


class NotificationPage(Page[NotificationOut]):
    """A page of the inbox, newest first."""

    unread: int


class StreamTicketOut(BaseModel):
    """A single-use pass onto the caller's live stream."""

    ticket: str = Field(
        description="Pass it as `?ticket=` to `GET /api/v1/stream`, once, before `expires_at`."
    )
    expires_at: PlatformTime
    stream_url: str = Field(
        description="The stream's public address with the ticket, for `new EventSource(…)`."
    )


NOTIFICATION_CURSOR = Cursor(TypeAdapter(int))
"""Positions in an inbox, newest first: the ``seq`` of the last notification read."""
