"""Ops endpoints every service has: its dead letters, listed and replayed (admin only).

The gateway serves them at ``/ops/<service>/…`` and documents them once, with the service as a parameter."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field, TypeAdapter
from sqlalchemy import delete, func, select

from motcua_shared.chassis import metrics
from motcua_shared.chassis.auth import Principal, Role, require_roles
from motcua_shared.chassis.deps import RuntimeDep
from motcua_shared.chassis.errors import Conflict, Forbidden, NotFound, Unauthenticated, Unprocessable
from motcua_shared.chassis.messaging.models import DeadLetter
from motcua_shared.chassis.pages import Cursor, CursorQuery, InvalidCursor, Page
from motcua_shared.chassis.problems import problems
from motcua_shared.contracts.base import CloudEvent

router = APIRouter(prefix="/ops", tags=["ops"], responses=problems(Unauthenticated, Forbidden))
AdminDep = Annotated[Principal, Depends(require_roles(Role.ADMIN))]


class DeadLetterOut(BaseModel):
    """One event a consumer gave up on."""

    id: int
    consumer: str
    topic: str
    partition: int
    offset: int
    key: str | None
    event_id: str | None
    type: str | None
    error: str
    attempts: int
    failed_at: datetime
    payload: str


class DeadLetterPage(Page[DeadLetterOut]):
    """A page of dead letters, newest first."""


class ReplayOut(BaseModel):
    """A dead letter applied again, and removed."""

    id: int
    applied: bool = Field(
        description="False when the event had been applied already (the consumer's inbox had it): nothing "
        "was done twice."
    )


_CURSOR = Cursor(TypeAdapter(int))


@router.get(
    "/dlq",
    response_model=DeadLetterPage,
    summary="Dead letters of this service",
    responses=problems(InvalidCursor),
)
async def list_dead_letters(
    runtime: RuntimeDep,
    _admin: AdminDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: CursorQuery = None,
) -> DeadLetterPage:
    """Dead letters, newest first."""
    before = _CURSOR.decode(cursor)
    async with runtime.db.session() as session:
        total = await session.scalar(select(func.count()).select_from(DeadLetter)) or 0
        query = select(DeadLetter).order_by(DeadLetter.id.desc()).limit(limit + 1)
        if before is not None:
            query = query.where(DeadLetter.id < before)
        rows, next_cursor = _CURSOR.cut(list(await session.scalars(query)), limit, lambda r: r.id)
    return DeadLetterPage(
        items=[DeadLetterOut.model_validate(r, from_attributes=True) for r in rows],
        total=total,
        next_cursor=next_cursor,
    )


@router.post(
    "/dlq/{letter_id}/replay",
    response_model=ReplayOut,
    summary="Apply a dead letter again (after a fix)",
    responses=problems(NotFound, Conflict, Unprocessable),
)
async def replay_dead_letter(letter_id: int, runtime: RuntimeDep, _admin: AdminDep) -> ReplayOut:
    """Run the event through this service's handler once more; on success the dead letter is removed."""
    consumer = runtime.consumer
    async with runtime.db.session() as session:
        letter = await session.get(DeadLetter, letter_id)
    if letter is None:
        raise NotFound(f"Không có thư chết số {letter_id}.", detail_en=f"No dead letter {letter_id}.")
    if consumer is None:
        raise Conflict("Dịch vụ này không nhận sự kiện nào.", detail_en="This service runs no consumer.")
    try:
        envelope = CloudEvent.from_json(letter.payload)
    except ValueError as exc:
        raise Unprocessable(
            "Thư chết không phải một CloudEvent hợp lệ nên không chạy lại được.",
            detail_en="The dead letter is not a valid CloudEvent; it cannot be replayed.",
        ) from exc
    entry = consumer.handler_for(envelope.type)
    if entry is None:
        raise Unprocessable(
            f"Dịch vụ không còn xử lý loại sự kiện {envelope.type}.",
            detail_en=f"No handler for {envelope.type}.",
        )
    try:
        applied = await consumer.apply(entry, entry.model.model_validate(envelope.data), envelope)
    except Exception as exc:
        # The cause is not fixed yet: keep the dead letter and say why.
        cause = f"{type(exc).__name__}: {exc}"[:400]
        raise Conflict(
            f"Chạy lại không thành công, thư chết được giữ lại: {cause}",
            detail_en=f"Replay failed, the dead letter is kept: {cause}",
        ) from exc
    async with runtime.db.session() as session, session.begin():
        await session.execute(delete(DeadLetter).where(DeadLetter.id == letter_id))
        size = await session.scalar(select(func.count()).select_from(DeadLetter))
    metrics.DLQ_SIZE.labels(runtime.settings.service_name).set(size or 0)
    return ReplayOut(id=letter_id, applied=applied)
