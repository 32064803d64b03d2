"""HTTP: the in-app inbox and its live stream (Server-Sent Events)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.responses import StreamingResponse

from motcua_shared.chassis.auth import OptionalPrincipalDep, PrincipalDep
from motcua_shared.chassis.errors import Unauthenticated, Unprocessable
from motcua_shared.chassis.pages import CursorQuery
from motcua_shared.chassis.problems import problems
from notify_svc.deps import PortsDep, SettingsDep, UowDep, UowFactoryDep
from notify_svc.inbox import service
from notify_svc.inbox.errors import UnknownNotification
from notify_svc.inbox.schemas import NOTIFICATION_CURSOR, NotificationOut, NotificationPage, StreamTicketOut

router = APIRouter(prefix="/api/v1", tags=["notifications"], responses=problems(Unauthenticated))


@router.get(
    "/notifications",
    response_model=NotificationPage,
    summary="Your notifications",
    operation_id="notifications.list",
)
async def list_notifications(
    uow: UowDep,
    who: PrincipalDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: CursorQuery = None,
    unread: bool = False,
) -> NotificationPage:
    """Newest first; an officer also sees their agency's queue notices."""
    page = await service.list_notifications(
        uow, who, limit=limit, cursor=NOTIFICATION_CURSOR.decode(cursor), unread_only=unread
    )
    return NotificationPage(
        items=[NotificationOut.of(n) for n in page.items],
        total=page.total,
        unread=page.unread,
        next_cursor=page.next_cursor,
    )


@router.post(
    "/notifications/{notification_id}/read",
    response_model=NotificationOut,
    summary="Mark a notification read",
    responses=problems(UnknownNotification),
)
async def mark_read(notification_id: str, uow: UowDep, ports: PortsDep, who: PrincipalDep) -> NotificationOut:
    """Idempotent; someone else's notification is a 404."""
    return NotificationOut.of(await service.mark_read(uow, ports, who, notification_id))


@router.post(
    "/stream/tickets",
    response_model=StreamTicketOut,
    status_code=201,
    summary="A single-use ticket onto your live stream",
)
async def create_stream_ticket(
    uow: UowDep, ports: PortsDep, who: PrincipalDep, settings: SettingsDep
) -> StreamTicketOut:
    """For browsers and WebViews, whose ``EventSource`` cannot send ``Authorization``: exchange the access
    token for a ticket, then open ``GET /api/v1/stream?ticket=…`` within a minute. A ticket opens one
    connection; to reconnect, ask for a new one and pass the last event's id as ``last_event_id``."""
    issued = await service.issue_ticket(uow, ports, who)
    return StreamTicketOut(
        ticket=issued.ticket,
        expires_at=issued.expires_at,
        stream_url=f"{settings.public_url}/api/v1/stream?ticket={issued.ticket}",
    )


def _event_id(value: str | None, where: str, name: str) -> int | None:
    if value is None or not value.strip():
        return None
    if not value.strip().isdigit():
        raise Unprocessable(
            "Last-Event-ID phải là số thứ tự của một sự kiện.",
            errors=[{"field": name, "in": where, "message": "not a number", "code": "int"}],
        )
    return int(value.strip())


@router.get(
    "/stream",
    summary="Your notifications, live (SSE)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def stream(
    uow_factory: UowFactoryDep,
    ports: PortsDep,
    bearer: OptionalPrincipalDep,
    ticket: Annotated[
        str | None,
        Query(
            max_length=128, description="A ticket from `POST /api/v1/stream/tickets` (instead of a token)."
        ),
    ] = None,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
    last_event_id_query: Annotated[
        str | None,
        Query(
            alias="last_event_id",
            max_length=19,
            description="Resume after this event id, for a new `EventSource` (the header wins when both).",
        ),
    ] = None,
) -> StreamingResponse:
    """``text/event-stream`` of ``notification`` events (id = ``seq``). Send ``Last-Event-ID`` to resume.

    Authenticated by ``Authorization: Bearer`` or by a single-use ``ticket``."""
    last = _event_id(last_event_id, "header", "Last-Event-ID")
    if last is None:
        last = _event_id(last_event_id_query, "query", "last_event_id")
    if bearer is not None:
        who = bearer
    elif ticket:
        who = await service.redeem_ticket(uow_factory(), ports, ticket)
    else:
        raise Unauthenticated("Cần đăng nhập: thiếu mã truy cập hoặc vé kết nối (ticket).")

    async def events() -> AsyncIterator[str]:
        yield "retry: 3000\n\n"
        async for item in service.stream(uow_factory, ports, who, last_seq=last):
            if item is None:
                yield ": keep-alive\n\n"
                continue
            data = NotificationOut.of(item).model_dump_json()
            yield f"id: {item.seq}\nevent: notification\ndata: {data}\n\n"

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
