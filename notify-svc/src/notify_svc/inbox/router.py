"""HTTP: the in-app inbox and its live stream (Server-Sent Events)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.responses import StreamingResponse

from motcua_shared.chassis.auth import PrincipalDep
from motcua_shared.chassis.errors import Unprocessable
from notify_svc.deps import UowDep, UowFactoryDep
from notify_svc.inbox import service
from notify_svc.inbox.schemas import NotificationOut, NotificationPage
from notify_svc.problems import PROBLEMS

router = APIRouter(prefix="/api/v1", tags=["notifications"], responses={401: PROBLEMS[401]})


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
    cursor: Annotated[str | None, Query(pattern=r"^[0-9]{1,18}$")] = None,
    unread: bool = False,
) -> NotificationPage:
    """Newest first; an officer also sees their agency's queue notices."""
    page = await service.list_notifications(
        uow, who, limit=limit, cursor=int(cursor) if cursor else None, unread_only=unread
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
    responses={404: PROBLEMS[404]},
)
async def mark_read(notification_id: str, uow: UowDep, who: PrincipalDep) -> NotificationOut:
    """Idempotent; someone else's notification is a 404."""
    return NotificationOut.of(await service.mark_read(uow, who, notification_id))


@router.get(
    "/stream",
    summary="Your notifications, live (SSE)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def stream(
    uow_factory: UowFactoryDep,
    who: PrincipalDep,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> StreamingResponse:
    """``text/event-stream`` of ``notification`` events (id = ``seq``). Send ``Last-Event-ID`` to resume."""
    last: int | None = None
    if last_event_id is not None and last_event_id.strip():
        if not last_event_id.strip().isdigit():
            raise Unprocessable(
                "Last-Event-ID phải là số thứ tự của một sự kiện.",
                errors=[{"field": "Last-Event-ID", "in": "header", "message": "not a number", "code": "int"}],
            )
        last = int(last_event_id.strip())

    async def events() -> AsyncIterator[str]:
        yield "retry: 3000\n\n"
        async for item in service.stream(uow_factory, who, last_seq=last):
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
