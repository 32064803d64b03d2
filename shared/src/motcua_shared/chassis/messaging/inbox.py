"""The inbox: an event applied at most once per consumer group, atomically with its effect."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from motcua_shared.chassis.messaging.models import InboxRecord


class Inbox:
    """Claims event ids inside the caller's transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def claim(self, consumer: str, event_id: str, event_type: str) -> bool:
        """False when ``consumer`` has applied ``event_id`` already; else records it and returns True.

        A concurrent claim of the same id fails at commit on the primary key, so only one commits.
        """
        seen = await self._session.scalar(
            select(InboxRecord.event_id).where(
                InboxRecord.consumer == consumer, InboxRecord.event_id == event_id
            )
        )
        if seen is not None:
            return False
        self._session.add(
            InboxRecord(consumer=consumer, event_id=event_id, type=event_type, processed_at=datetime.now(UTC))
        )
        await self._session.flush()
        return True

    async def claim_many(self, consumer: str, events: list[tuple[str, str]]) -> set[str]:
        """Claim ``(event_id, type)`` pairs at once; returns the ids that were not applied before."""
        ids = list(dict.fromkeys(event_id for event_id, _ in events))
        if not ids:
            return set()
        seen = set(
            await self._session.scalars(
                select(InboxRecord.event_id).where(
                    InboxRecord.consumer == consumer, InboxRecord.event_id.in_(ids)
                )
            )
        )
        now = datetime.now(UTC)
        types = dict(events)
        fresh = [event_id for event_id in ids if event_id not in seen]
        self._session.add_all(
            InboxRecord(consumer=consumer, event_id=event_id, type=types[event_id], processed_at=now)
            for event_id in fresh
        )
        await self._session.flush()
        return set(fresh)
