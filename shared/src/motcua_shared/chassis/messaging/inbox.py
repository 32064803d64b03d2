"""The inbox: an event applied at most once per consumer group, atomically with its effect."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from motcua_shared.chassis.db import conflict_insert
from motcua_shared.chassis.messaging.models import INBOX as _TABLE


class Inbox:
    """Claims event ids inside the caller's transaction, one statement per claim.

    ``INSERT … ON CONFLICT DO NOTHING RETURNING`` both checks and records: an id already applied returns
    no row. A concurrent claim of the same id waits on the primary key until the first transaction ends,
    then returns nothing (or succeeds if the first rolled back), so exactly one applies it.
    """

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def claim(self, consumer: str, event_id: str, event_type: str) -> bool:
        """False when ``consumer`` has applied ``event_id`` already; else records it and returns True."""
        return bool(await self.claim_many(consumer, [(event_id, event_type)]))

    async def claim_many(self, consumer: str, events: list[tuple[str, str]]) -> set[str]:
        """Claim ``(event_id, type)`` pairs at once; returns the ids that were not applied before."""
        types = dict(events)
        if not types:
            return set()
        now = datetime.now(UTC)
        postgres = self._session.get_bind().dialect.name == "postgresql"
        # One statement with its rows as parameters (SQLAlchemy batches them into one multi-row INSERT),
        # so its compiled form is cached whatever the number of events.
        statement = (
            conflict_insert(_TABLE, postgres=postgres)
            .on_conflict_do_nothing(index_elements=["consumer", "event_id"])
            .returning(_TABLE.c.event_id)
        )
        rows = [
            {"consumer": consumer, "event_id": event_id, "type": type_, "processed_at": now}
            for event_id, type_ in types.items()
        ]
        return set(await self._session.scalars(statement, rows))
