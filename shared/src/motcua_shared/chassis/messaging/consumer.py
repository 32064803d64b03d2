"""Handler registry and the consumer runner: inbox-guarded, retried with backoff, dead-lettered."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.exc import InterfaceError, OperationalError

from motcua_shared.chassis import metrics
from motcua_shared.chassis.background import pause, stop_task
from motcua_shared.chassis.backoff import backoff
from motcua_shared.chassis.bus.base import Bus, Consumer, Message, Record, TopicPartition
from motcua_shared.chassis.context import request_id_var, traceparent_var
from motcua_shared.chassis.db import conflict_insert
from motcua_shared.chassis.errors import PermanentError
from motcua_shared.chassis.messaging.models import DeadLetter
from motcua_shared.chassis.outages import database_down
from motcua_shared.chassis.settings import BusSettings
from motcua_shared.chassis.uow import UnitOfWork
from motcua_shared.contracts.base import CloudEvent, Event
from motcua_shared.contracts.topics import dlq

log = logging.getLogger(__name__)

E = TypeVar("E", bound=Event)
U = TypeVar("U", bound=UnitOfWork)
Handler = Callable[[Any, Any, CloudEvent], Awaitable[None]]


@dataclass(frozen=True)
class _Entry:
    model: type[Event]
    handler: Handler


class Handlers(Generic[U]):
    """What a service does with the event types it subscribes to (one handler per type).

    Under load the runner applies a poll's events in one transaction with autoflush on: an ORM query of a
    later handler sees the rows of an earlier one. A handler that reads those tables with a Core or
    ``text()`` statement must ``await uow.session.flush()`` first.
    """

    def __init__(self) -> None:
        self._by_type: dict[str, _Entry] = {}

    def on(self, model: type[E]) -> Callable[[Callable[[U, E, CloudEvent], Awaitable[None]]], Handler]:
        """Decorator registering ``handler(uow, event, envelope)`` for ``model``'s type."""

        def register(handler: Callable[[U, E, CloudEvent], Awaitable[None]]) -> Handler:
            if model.TYPE in self._by_type:
                raise ValueError(f"two handlers for {model.TYPE}")
            self._by_type[model.TYPE] = _Entry(model, handler)
            return handler

        return register

    def get(self, type_name: str) -> _Entry | None:
        """The entry for ``type_name``, or None if this service ignores it."""
        return self._by_type.get(type_name)

    @property
    def topics(self) -> list[str]:
        """The topics the handled types travel on."""
        return sorted({e.model.TOPIC for e in self._by_type.values()})

    def __bool__(self) -> bool:
        return bool(self._by_type)


def is_infrastructure_failure(exc: BaseException) -> bool:
    """True when the failure is the database or network being away, not the event: wait, don't DLQ.

    PostgreSQL shutting down or starting up reaches the handler as a plain ``DBAPIError`` whose SQLSTATE
    (57P01, 57P03…) tells it apart: a restart outlasts the handler's few retries, and its events would be
    dead-lettered for nothing wrong with them."""
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    if database_down(exc):
        return True
    return isinstance(exc, ConnectionError | OSError)


class _Backoff(Exception):
    pass


class ConsumerRunner:
    """Consumes a group's topics; each event's effect and inbox claim commit together, then the offset.

    A failing handler is retried with exponential backoff up to ``max_attempts`` and then dead-lettered
    (to ``<topic>.dlq`` and the service's ``dead_letters`` table), so the events behind it move on.
    Infrastructure failures (database or bus away) are waited out instead: nothing is dead-lettered for
    an outage, and uncommitted records are read again.
    """

    def __init__(
        self,
        *,
        group: str,
        service: str,
        bus: Bus,
        handlers: Handlers[Any],
        uow_factory: Callable[[], UnitOfWork],
        settings: BusSettings,
    ) -> None:
        self.group = group
        self._service = service
        self._bus = bus
        self._handlers = handlers
        self._uow_factory = uow_factory
        self._settings = settings
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._consumer: Consumer | None = None
        self._uncommitted: dict[TopicPartition, int] = {}
        self._committed_at = 0.0
        self._lag_observed_at = 0.0
        self.handled = 0
        self.duplicates = 0
        self.dead_lettered = 0

    def handler_for(self, type_name: str) -> _Entry | None:
        """The registered handler of ``type_name``, or None."""
        return self._handlers.get(type_name)

    def start(self) -> None:
        """Run in the background."""
        if self._task is None:
            self._stopping.clear()
            self._task = asyncio.create_task(self._run(), name=f"consumer-{self.group}")

    async def stop(self) -> None:
        """Stop after the batch in flight; what was not committed is delivered again to the next member."""
        if self._task is not None:
            await stop_task(self._task, self._stopping)
            self._task = None

    async def _run(self) -> None:
        try:
            await self._loop()
        finally:
            if self._consumer is not None:
                with contextlib.suppress(Exception):
                    await self._flush(self._consumer)
                with contextlib.suppress(Exception):
                    await self._consumer.stop()
                self._consumer = None

    async def _loop(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            try:
                if self._consumer is None:
                    await self._bus.ensure_topics(self._handlers.topics)
                    consumer = self._bus.consumer(self.group, self._handlers.topics)
                    await consumer.start()
                    self._consumer = consumer
                await self._poll_once(self._consumer)
                failures = 0
            except Exception as exc:
                failures += 1
                delay = backoff(
                    failures + 1,
                    initial=self._settings.consumer_backoff_initial,
                    maximum=self._settings.consumer_backoff_max,
                    jitter=False,
                )
                log.warning(
                    "consumer paused",
                    extra={"group": self.group, "error": repr(exc)[:300], "retry_in": delay},
                )
                await self._recover()
                await pause(self._stopping, delay)

    async def _recover(self) -> None:
        if self._consumer is None:
            return
        try:
            await self._flush(self._consumer)
            await self._consumer.seek_to_committed()
        except Exception:
            with contextlib.suppress(Exception):
                await self._consumer.stop()
            self._consumer = None

    async def _poll_once(self, consumer: Consumer) -> None:
        records = await consumer.poll(max_records=self._settings.consumer_batch_size, timeout=1.0)
        offsets: dict[TopicPartition, int] = {}
        try:
            if await self.apply_batch(records):
                offsets = {r.position: r.offset + 1 for r in records}
            else:
                for record in records:
                    await self.process(record)
                    offsets[record.position] = record.offset + 1
        finally:
            # What was processed is committed even when a later record failed: those effects are.
            self._uncommitted.update(offsets)
        if not records or time.monotonic() - self._committed_at >= self._settings.consumer_commit_interval:
            await self._flush(consumer)
        if time.monotonic() - self._lag_observed_at >= 1.0:
            self._lag_observed_at = time.monotonic()
            metrics.CONSUMER_LAG.labels(self._service, self.group).set(await consumer.lag())

    async def _flush(self, consumer: Consumer) -> None:
        """Commit the offsets of what was applied. Committing less often than every poll only widens what a
        crash redelivers, and the inbox makes a redelivery a no-op."""
        self._committed_at = time.monotonic()
        if self._uncommitted:
            # Dropped if the commit fails: the records come again and the inbox turns them into no-ops.
            offsets, self._uncommitted = self._uncommitted, {}
            await consumer.commit(offsets)

    async def apply_batch(self, records: list[Record]) -> bool:
        """Apply well-formed records together, in order, in one transaction; False to go one by one.

        The fast path under load: one inbox query and one commit for the whole batch. Anything unusual
        (a malformed record, a failing handler) makes it decline, and :meth:`process` then gives each
        record its own transaction, retries and dead-lettering.
        """
        if len(records) < 2:
            return False
        prepared: list[tuple[_Entry, Event, CloudEvent]] = []
        for record in records:
            try:
                envelope = CloudEvent.from_json(record.value)
            except (ValidationError, ValueError):
                return False
            entry = self._handlers.get(envelope.type)
            if entry is None:
                continue
            try:
                prepared.append((entry, entry.model.model_validate(envelope.data), envelope))
            except ValidationError:
                return False
        started = time.perf_counter()
        try:
            async with self._uow_factory() as uow:
                # A later event of the batch must see an earlier one's rows, as it would one by one: the
                # session flushes before each query, and rows nobody queries go in one flush at commit.
                uow.session.sync_session.autoflush = True
                fresh = await uow.inbox.claim_many(self.group, [(e.id, e.type) for _, _, e in prepared])
                handled = 0
                for entry, event, envelope in prepared:
                    if envelope.id not in fresh:
                        continue
                    fresh.discard(envelope.id)
                    handled += 1
                    rid = request_id_var.set(envelope.requestid)
                    tp = traceparent_var.set(envelope.traceparent)
                    try:
                        await entry.handler(uow, event, envelope)
                    finally:
                        request_id_var.reset(rid)
                        traceparent_var.reset(tp)
                await uow.commit()
        except Exception as exc:
            if is_infrastructure_failure(exc):
                raise
            log.info("batch declined; applying one by one", extra={"group": self.group, "error": _short(exc)})
            return False
        duplicates = len(prepared) - handled
        self.handled += handled
        self.duplicates += duplicates
        labels = (self._service, self.group)
        metrics.EVENTS_CONSUMED.labels(*labels, "handled").inc(handled)
        metrics.EVENTS_CONSUMED.labels(*labels, "duplicate").inc(duplicates)
        metrics.EVENTS_CONSUMED.labels(*labels, "ignored").inc(len(records) - len(prepared))
        metrics.EVENT_HANDLE_SECONDS.labels(*labels).observe(
            (time.perf_counter() - started) / max(len(prepared), 1)
        )
        return True

    async def process(self, record: Record) -> None:
        """Apply one record: parse, dedupe through the inbox, handle, retry, or dead-letter."""
        try:
            envelope = CloudEvent.from_json(record.value)
        except (ValidationError, ValueError) as exc:
            await self._dead_letter(record, None, f"malformed CloudEvent: {_short(exc)}", attempts=1)
            return
        entry = self._handlers.get(envelope.type)
        if entry is None:
            metrics.EVENTS_CONSUMED.labels(self._service, self.group, "ignored").inc()
            return
        try:
            event = entry.model.model_validate(envelope.data)
        except ValidationError as exc:
            await self._dead_letter(record, envelope, f"invalid {envelope.type}: {_short(exc)}", attempts=1)
            return
        attempt = 0
        while True:
            attempt += 1
            try:
                await self.apply(entry, event, envelope)
                return
            except PermanentError as exc:
                await self._dead_letter(record, envelope, f"permanent: {_short(exc)}", attempts=attempt)
                return
            except Exception as exc:
                if is_infrastructure_failure(exc):
                    raise
                if attempt >= self._settings.consumer_max_attempts:
                    await self._dead_letter(record, envelope, _short(exc), attempts=attempt)
                    return
                delay = backoff(
                    attempt,
                    initial=self._settings.consumer_backoff_initial,
                    maximum=self._settings.consumer_backoff_max,
                )
                log.info(
                    "event handler failed; retrying",
                    extra={
                        "group": self.group,
                        "type": envelope.type,
                        "attempt": attempt,
                        "error": _short(exc),
                    },
                )
                await asyncio.sleep(delay)

    async def apply(self, entry: _Entry, event: Event, envelope: CloudEvent) -> bool:
        """Claim and handle in one transaction; False when it was a duplicate."""
        started = time.perf_counter()
        rid = request_id_var.set(envelope.requestid)
        tp = traceparent_var.set(envelope.traceparent)
        try:
            async with self._uow_factory() as uow:
                if not await uow.inbox.claim(self.group, envelope.id, envelope.type):
                    self.duplicates += 1
                    metrics.EVENTS_CONSUMED.labels(self._service, self.group, "duplicate").inc()
                    return False
                await entry.handler(uow, event, envelope)
                await uow.commit()
        finally:
            request_id_var.reset(rid)
            traceparent_var.reset(tp)
        self.handled += 1
        metrics.EVENTS_CONSUMED.labels(self._service, self.group, "handled").inc()
        metrics.EVENT_HANDLE_SECONDS.labels(self._service, self.group).observe(time.perf_counter() - started)
        return True

    async def _dead_letter(
        self, record: Record, envelope: CloudEvent | None, error: str, *, attempts: int
    ) -> None:
        log.error(
            "event dead-lettered",
            extra={"group": self.group, "topic": record.topic, "offset": record.offset, "error": error},
        )
        headers = (
            *record.headers,
            ("dlq-error", error.encode("utf-8")),
            ("dlq-consumer", self.group.encode()),
            ("dlq-source", f"{record.topic}/{record.partition}/{record.offset}".encode()),
        )
        await self._bus.publish(
            [Message(topic=dlq(record.topic), key=record.key or "", value=record.value, headers=headers)]
        )
        async with self._uow_factory() as uow:
            values: dict[str, Any] = {
                "consumer": self.group,
                "topic": record.topic,
                "partition": record.partition,
                "offset": record.offset,
                "key": record.key,
                "event_id": envelope.id if envelope else None,
                "type": envelope.type if envelope else None,
                "payload": record.value.decode("utf-8", "replace"),
                "error": error,
                "attempts": attempts,
                "failed_at": datetime.now(UTC),
            }
            insert = conflict_insert(DeadLetter, postgres=uow.db.is_postgres)
            await uow.session.execute(insert.values(**values).on_conflict_do_nothing())
            await uow.commit()
            size = await uow.session.scalar(select(func.count()).select_from(DeadLetter))
        self.dead_lettered += 1
        metrics.EVENTS_CONSUMED.labels(self._service, self.group, "dead_lettered").inc()
        metrics.DLQ_SIZE.labels(self._service).set(size or 0)


def _short(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, ValidationError):
        text = json.dumps(
            [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()[:5]], ensure_ascii=False
        )
    return text[:1000]
