"""Ops endpoints every service has: its dead letters, listed and replayed (admin only)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, TypeAdapter
from sqlalchemy import delete, func, select

from motcua_shared.chassis import metrics
from motcua_shared.chassis.auth import Principal, Role, require_roles
from motcua_shared.chassis.deps import RuntimeDep
from motcua_shared.chassis.errors import Conflict, NotFound, Unprocessable
from motcua_shared.chassis.messaging.models import DeadLetter
from motcua_shared.chassis.pages import Cursor, CursorQuery, Page
from motcua_shared.contracts.base import CloudEvent

router = APIRouter(prefix="/ops", tags=["ops"])
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


_CURSOR = Cursor(TypeAdapter(int))


@router.get("/dlq", response_model=DeadLetterPage, summary="Dead letters of this service")
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


@router.post("/dlq/{letter_id}/replay", summary="Apply a dead letter again (after a fix)")
async def replay_dead_letter(letter_id: int, runtime: RuntimeDep, _admin: AdminDep) -> dict[str, Any]:
    """Run the event through this service's handler once more; on success the dead letter is removed."""
    consumer = runtime.consumer
    async with runtime.db.session() as session:
        letter = await session.get(DeadLetter, letter_id)
    if letter is None:
        raise NotFound(f"Không có thư chết số {letter_id}.")
    if consumer is None:
        raise Conflict("This service runs no consumer.")
    try:
        envelope = CloudEvent.from_json(letter.payload)
    except ValueError as exc:
        raise Unprocessable("The dead letter is not a valid CloudEvent; it cannot be replayed.") from exc
    entry = consumer.handler_for(envelope.type)
    if entry is None:
        raise Unprocessable(f"No handler for {envelope.type}.")
    try:
        applied = await consumer.apply(entry, entry.model.model_validate(envelope.data), envelope)
    except Exception as exc:
        # The cause is not fixed yet: keep the dead letter and say why.
        raise Conflict(f"Replay failed, the dead letter is kept: {type(exc).__name__}: {exc}"[:500]) from exc
    async with runtime.db.session() as session, session.begin():
        await session.execute(delete(DeadLetter).where(DeadLetter.id == letter_id))
        size = await session.scalar(select(func.count()).select_from(DeadLetter))
    metrics.DLQ_SIZE.labels(runtime.settings.service_name).set(size or 0)
    return {"id": letter_id, "applied": applied}
