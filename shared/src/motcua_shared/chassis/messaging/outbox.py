"""The transactional outbox: events written with the change, published by a relay after commit."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import zlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Row, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from motcua_shared.chassis import metrics
from motcua_shared.chassis.background import pause, stop_task, wait_event
from motcua_shared.chassis.backoff import backoff
from motcua_shared.chassis.bus.base import Bus, Message
from motcua_shared.chassis.context import request_id_var, traceparent_var
from motcua_shared.chassis.db import Database
from motcua_shared.chassis.messaging.models import OUTBOX, OutboxRecord
from motcua_shared.contracts.base import CloudEvent, Event
from motcua_shared.contracts.public import public_envelope

log = logging.getLogger(__name__)

CONTENT_TYPE = ("content-type", b"application/cloudevents+json; charset=utf-8")


class Outbox:
    """Adds events to the caller's transaction; they exist exactly when the change commits.

    Rows are staged and inserted in one Core statement just before the commit (:meth:`flush`, called by
    the unit of work): no ORM bookkeeping per event, and the row ids are drawn as late as possible, which
    narrows the window in which a transaction committing later holds a smaller id.
    """

    def __init__(self, session: AsyncSession, source: str) -> None:
        self._session = session
        self._source = source
        self._staged: list[dict[str, Any]] = []
        self.added = 0

    def add(self, event: Event) -> CloudEvent:
        """Stage ``event``; returns its envelope (its id is the event id consumers dedupe on)."""
        envelope = CloudEvent.wrap(
            event, source=self._source, request_id=request_id_var.get(), traceparent=traceparent_var.get()
        )
        self._staged.append(
            {
                "event_id": envelope.id,
                "topic": event.TOPIC,
                "key": envelope.subject,
                "type": envelope.type,
                "payload": envelope.to_json(),
                "created_at": envelope.time,
                "published_at": None,
            }
        )
        self.added += 1
        return envelope

    def detach(self, event_id: str) -> dict[str, Any]:
        """Take a staged row back (its column values) for a caller that inserts it in its own statement.

        It still counts as added, so the commit wakes the relay.
        """
        for index, row in enumerate(self._staged):
            if row["event_id"] == event_id:
                return self._staged.pop(index)
        raise KeyError(event_id)

    async def flush(self) -> None:
        """Insert the staged rows into the session's transaction."""
        if self._staged:
            rows, self._staged = self._staged, []
            await self._session.execute(insert(OUTBOX), rows)

    def discard(self) -> None:
        """Forget what was staged (the transaction is rolled back)."""
        self._staged.clear()
        self.added = 0


class OutboxRelay:
    """Publishes committed outbox rows in id order (so per aggregate), in batches, and marks them.

    Woken at once by the unit of work after a commit that added events; polls as well, for rows
    committed by other processes. On PostgreSQL an advisory lock keeps one relay per database active
    at a time, so replicas never reorder an aggregate's events.

    ``public`` maps a topic to its public twin (:data:`motcua_shared.contracts.topics.PUBLIC`): a row on such
    a topic is published there too, in the same batch, right after the row itself and with the same key,
    its personal data removed (:func:`motcua_shared.contracts.public.public_envelope`). The public event is
    a function of the committed row, so it exists exactly when the internal one does, keeps the aggregate's
    order, and is sent again with it after a failed batch.
    """

    MARK_INTERVAL = 0.5
    """Seconds between marks of published rows on SQLite (see :meth:`relay_once`)."""
    SQLITE_GATHER = 0.003
    """Seconds the SQLite relay waits after a wake-up, under load, for the commits queued behind it."""
    POSTGRES_GATHER = 0.008
    """Seconds the PostgreSQL relay waits after a wake-up, under load, for the commits of the requests
    running beside the one that woke it. A cycle (lock, mark, publish acknowledged by the in-sync
    replicas, durable commit) costs the service, the database and the broker nearly as much for one row
    as for fifty: at 300 submissions a second, a cycle per commit or two cost more CPU than the wait
    costs latency. Under load means that the last cycle carried more than one row; a lone commit in a
    quiet moment is relayed at once."""
    LOCKED_RETRY = 0.01
    """Seconds before trying again when another replica's relay holds the lock and rows are waiting."""
    OBSERVE_INTERVAL = 2.0
    """Seconds between readings of the backlog (the pending and lag gauges) from the table."""

    def __init__(
        self,
        db: Database,
        bus: Bus,
        *,
        service: str,
        batch_size: int = 500,
        poll_interval: float = 1.0,
        retention: timedelta = timedelta(days=3),
        public: Mapping[str, str] | None = None,
    ) -> None:
        self._db = db
        self._public = dict(public or {})
        self._public_created: set[str] = set()
        self._bus = bus
        self._service = service
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._gather = self.POSTGRES_GATHER if db.is_postgres else self.SQLITE_GATHER
        self._retention = retention
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._watch_task: asyncio.Task[None] | None = None
        self._lock_key = zlib.crc32(f"motcua-outbox-{service}".encode())
        self._locked_out = False
        self._cursor: int | None = None
        self._unmarked: list[int] = []
        self._marked_at = time.monotonic()
        self.published = 0

    def wake(self) -> None:
        """Tell the relay that new rows were committed."""
        self._wake.set()

    def start(self) -> None:
        """Run the relay loop in the background."""
        if self._task is None:
            self._stopping.clear()
            self._task = asyncio.create_task(self._run(), name=f"outbox-relay-{self._service}")
            self._watch_task = asyncio.create_task(self._watch(), name=f"outbox-watch-{self._service}")

    async def stop(self) -> None:
        """Stop after the batch in flight."""
        if self._task is not None:
            self._wake.set()
            await stop_task(self._task, self._stopping)
            self._task = None
        if self._watch_task is not None:
            await stop_task(self._watch_task, self._stopping)
            self._watch_task = None
        with contextlib.suppress(Exception):
            await self._mark_published(force=True)
        self._cursor = None

    async def _run(self) -> None:
        failures = 0
        last_purge = datetime.now(UTC)
        while not self._stopping.is_set():
            woken = self._wake.is_set()
            self._wake.clear()
            try:
                sent = await self.relay_once()
                failures = 0
            except Exception as exc:
                failures += 1
                delay = backoff(failures, initial=0.2, maximum=5.0, jitter=False)
                log.warning(
                    "outbox relay failed; rows stay pending",
                    extra={"service": self._service, "error": repr(exc)[:300], "retry_in": delay},
                )
                await pause(self._stopping, delay)
                continue
            if sent >= self._batch_size:
                continue
            if self._locked_out and woken:
                # Another replica holds the lock and may have read its batch before our commit: try
                # again shortly rather than leave our rows to its next wake-up or the poll.
                self._wake.set()
                await pause(self._stopping, self.LOCKED_RETRY)
                continue
            if datetime.now(UTC) - last_purge > timedelta(minutes=10):
                last_purge = datetime.now(UTC)
                with contextlib.suppress(Exception):
                    await self.purge()
            if await wait_event(self._wake, self._poll_interval) and sent > 1:
                # Under load, let the commits right behind this one land (on SQLite queued for the one
                # writer), and relay them in one batch rather than one cycle each: the cycle costs more
                # than the wait.
                await pause(self._stopping, self._gather)

    async def relay_once(self) -> int:
        """Publish one batch; returns how many rows it published."""
        if self._db.is_postgres:
            async with self._db.session() as session, session.begin():
                if not await session.scalar(select(func.pg_try_advisory_xact_lock(self._lock_key))):
                    self._locked_out = True
                    return 0
                self._locked_out = False
                # Marked first, in this transaction: a failed publish rolls the marks back.
                rows = await self._take_pending(session)
                if rows:
                    await self._publish(rows)
        else:
            # SQLite has one writer and one relay per file, and commits in id order: read past what this
            # relay published, publish, and mark in the file now and then rather than queueing behind the
            # use cases for the writer after every batch. A crash before the mark publishes those rows
            # again, which consumers' inboxes absorb.
            async with self._db.reader() as session, session.begin():
                rows = await self._pending(session, after=self._cursor)
            if rows:
                await self._publish(rows)
                self._cursor = rows[-1].id
                self._unmarked.extend(r.id for r in rows)
            await self._mark_published(force=False)
        if not rows:
            metrics.OUTBOX_PENDING.labels(self._service).set(0)
            metrics.OUTBOX_LAG.labels(self._service).set(0)
            return 0
        self.published += len(rows)
        metrics.EVENTS_PUBLISHED.labels(self._service).inc(len(rows))
        return len(rows)

    async def _pending(
        self, session: AsyncSession, *, after: int | None
    ) -> Sequence[Row[int, str, str, str]]:
        query = (
            select(OutboxRecord.id, OutboxRecord.topic, OutboxRecord.key, OutboxRecord.payload)
            .where(OutboxRecord.published_at.is_(None))
            .order_by(OutboxRecord.id)
            .limit(self._batch_size)
        )
        if after is not None:
            query = query.where(OutboxRecord.id > after)
        return (await session.execute(query)).all()

    async def _mark_published(self, *, force: bool) -> None:
        """Mark what was published (SQLite): when asked, when a batch's worth waits, or every interval."""
        if not self._unmarked:
            return
        due = time.monotonic() - self._marked_at >= self.MARK_INTERVAL
        if force or due or len(self._unmarked) >= self._batch_size:
            ids, self._unmarked = self._unmarked, []
            try:
                async with self._db.session() as session, session.begin():
                    for start in range(0, len(ids), 500):
                        await session.execute(
                            update(OutboxRecord)
                            .where(OutboxRecord.id.in_(ids[start : start + 500]))
                            .values(published_at=datetime.now(UTC))
                        )
            except BaseException:
                self._unmarked = ids + self._unmarked
                raise
            self._marked_at = time.monotonic()

    async def _take_pending(self, session: AsyncSession) -> Sequence[Row[int, str, str, str]]:
        table = OUTBOX
        batch = (
            select(table.c.id)
            .where(table.c.published_at.is_(None))
            .order_by(table.c.id)
            .limit(self._batch_size)
        )
        result = await session.execute(
            update(table)
            .where(table.c.id.in_(batch))
            .values(published_at=datetime.now(UTC))
            .returning(table.c.id, table.c.topic, table.c.key, table.c.payload)
        )
        return sorted(result.all(), key=lambda row: row.id)

    async def _publish(self, rows: Sequence[Row[int, str, str, str]]) -> None:
        twins = {self._public[r.topic] for r in rows if r.topic in self._public} - self._public_created
        if twins:
            # No service consumes a public topic, so none would create it with the platform's partitions.
            await self._bus.ensure_topics(sorted(twins))
            self._public_created |= twins
        messages: list[Message] = []
        for r in rows:
            messages.append(
                Message(topic=r.topic, key=r.key, value=r.payload.encode("utf-8"), headers=(CONTENT_TYPE,))
            )
            twin = self._public.get(r.topic)
            if twin is not None:
                public = public_envelope(CloudEvent.from_json(r.payload))
                if public is None:
                    log.warning("event of an unknown type kept off the public topic", extra={"topic": twin})
                    continue
                messages.append(
                    Message(
                        topic=twin, key=r.key, value=public.to_json().encode("utf-8"), headers=(CONTENT_TYPE,)
                    )
                )
        await self._bus.publish(messages)

    async def _watch(self) -> None:
        # On its own, not after a publish: while the broker is down the relay's publish fails or hangs, and
        # the backlog growing in the table is exactly what the gauges must show.
        while not self._stopping.is_set():
            try:
                await self._observe()
            except Exception as exc:
                log.debug(
                    "outbox backlog not read", extra={"service": self._service, "error": repr(exc)[:300]}
                )
            await pause(self._stopping, self.OBSERVE_INTERVAL)

    async def _observe(self) -> None:
        query = select(func.count(), func.min(OutboxRecord.created_at)).where(
            OutboxRecord.published_at.is_(None)
        )
        if self._cursor is not None:
            query = query.where(OutboxRecord.id > self._cursor)
        async with self._db.reader() as session:
            pending, oldest = (await session.execute(query)).one()
        metrics.OUTBOX_PENDING.labels(self._service).set(pending)
        if oldest is not None:
            if oldest.tzinfo is None:
                oldest = oldest.replace(tzinfo=UTC)
            metrics.OUTBOX_LAG.labels(self._service).set((datetime.now(UTC) - oldest).total_seconds())
        else:
            metrics.OUTBOX_LAG.labels(self._service).set(0)

    async def purge(self) -> int:
        """Delete rows published longer ago than the retention."""
        cutoff = datetime.now(UTC) - self._retention
        async with self._db.session() as session, session.begin():
            result = await session.execute(delete(OutboxRecord).where(OutboxRecord.published_at < cutoff))
        return int(getattr(result, "rowcount", 0) or 0)
