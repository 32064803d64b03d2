"""Backbone behaviours, written once and run on both transports (embedded, and Kafka + PostgreSQL)."""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict
from collections.abc import Coroutine, Mapping, Sequence
from typing import Any

import pytest
from aiokafka.errors import KafkaConnectionError
from backbone_toy import Toy
from prometheus_client import REGISTRY
from sqlalchemy import select

from motcua_shared.chassis.bus.base import Bus, Consumer, Message, Record, TopicPartition
from motcua_shared.chassis.context import request_id_var
from motcua_shared.chassis.messaging.models import DeadLetter
from motcua_shared.contracts.base import CloudEvent
from motcua_shared.contracts.topics import dlq
from motcua_shared.testing import eventually


async def under_load_a_wake_up_waits_for_the_commits_behind_it(
    toy: Toy, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under load (the last cycle carried several rows) a commit does not start a relay cycle at once: the
    relay waits its gathering time first, so that the commits of the requests running beside it go out in
    the same cycle. A lone commit in a quiet moment goes out at once."""
    relay = toy.start_relay(poll_interval=60)
    # A second instead of milliseconds: told apart from a cycle's own time however slow the machine.
    monkeypatch.setattr(relay, "_gather", 1.0)
    loop = asyncio.get_running_loop()
    cycles: list[float] = []
    relay_once = relay.relay_once

    async def timed() -> int:
        cycles.append(loop.time())
        return await relay_once()

    monkeypatch.setattr(relay, "relay_once", timed)

    async def relayed_after(emit: Coroutine[Any, Any, None], total: int) -> float:
        cycles.clear()
        woken = loop.time()
        await emit
        await eventually(lambda: relay.published == total or None, what=f"{total} events relayed")
        return cycles[0] - woken

    assert await relayed_after(toy.emit("hs-gather", 0), 1) < 0.5, "a lone commit goes out at once"
    assert await relayed_after(toy.emit("hs-gather", 1), 2) < 0.5, "and the next one as well"
    events = [("hs-gather", seq) for seq in range(2, 5)]
    assert await relayed_after(toy.emit_many(events, per_transaction=3), 5) < 0.5
    # The last cycle carried three rows: the next commit waits for those beside it.
    assert await relayed_after(toy.emit("hs-gather", 5), 6) >= 1.0


async def round_trip(toy: Toy) -> None:
    """Events committed by the producer are applied by the consumer, once each, with their request id."""
    toy.start_relay()
    toy.start_consumer()
    token = request_id_var.set("req-round-trip")
    try:
        for seq in range(10):
            await toy.emit("hs-a", seq)
            await toy.emit("hs-b", seq)
    finally:
        request_id_var.reset(token)
    await toy.wait_for_ledger(20)
    rows = await toy.ledger()
    assert len(rows) == 20
    assert len({r.event_id for r in rows}) == 20
    for aggregate in ("hs-a", "hs-b"):
        assert [r.seq for r in rows if r.aggregate == aggregate] == list(range(10))
    consumer = toy.bus.consumer(f"{toy.group}-peek", [toy.event.TOPIC])
    await consumer.start()
    try:
        records = await _poll_until(consumer, 20)
    finally:
        await consumer.stop()
    envelope = CloudEvent.from_json(records[0].value)
    assert envelope.requestid == "req-round-trip"
    assert envelope.source == "/motcua/toy-producer"
    assert envelope.subject in ("hs-a", "hs-b")
    assert records[0].key == envelope.subject


class _Through(Bus):
    """The real bus, every call passed on."""

    def __init__(self, inner: Bus) -> None:
        self.inner = inner

    async def start(self) -> None:
        await self.inner.start()

    async def stop(self) -> None:
        await self.inner.stop()

    async def publish(self, messages: Sequence[Message]) -> None:
        await self.inner.publish(messages)

    def consumer(self, group: str, topics: Sequence[str]) -> Consumer:
        return self.inner.consumer(group, topics)

    async def ensure_topics(self, topics: Sequence[str]) -> None:
        await self.inner.ensure_topics(topics)

    async def ping(self) -> bool:
        return await self.inner.ping()


class _LostCommits(_Through):
    """The real bus, except that consumers' offset commits never happen: as if the process was killed
    after each effect committed and before its offset commit."""

    def consumer(self, group: str, topics: Sequence[str]) -> Consumer:
        return _CommitlessConsumer(self.inner.consumer(group, topics))


class _Unreachable(_Through):
    """The real bus, which the producer cannot reach while ``down``."""

    down = False

    async def publish(self, messages: Sequence[Message]) -> None:
        if self.down:
            raise KafkaConnectionError("Unable to bootstrap from [('127.0.0.1', 9092)]")
        await self.inner.publish(messages)


def outbox_gauges(service: str = "toy-producer") -> tuple[float, float]:
    """What ``motcua_outbox_pending`` and ``motcua_outbox_lag_seconds`` read for ``service``."""
    labels = {"service": service}
    pending = REGISTRY.get_sample_value("motcua_outbox_pending", labels)
    lag = REGISTRY.get_sample_value("motcua_outbox_lag_seconds", labels)
    return pending or 0.0, lag or 0.0


async def backlog_shown(count: int, *, timeout: float = 30) -> None:
    """Wait until the outbox gauges read ``count`` events waiting, the oldest of them some time ago."""

    def shown() -> bool | None:
        pending, lag = outbox_gauges()
        return (pending == count and lag > 0) or None

    await eventually(shown, what=f"the gauges showing {count} events waiting", timeout=timeout)


async def outage_in_the_gauges(toy: Toy) -> None:
    """While the bus cannot be reached the outbox gauges show the backlog growing, read from the table;
    once it can, the events flow and the gauges fall back to nothing waiting."""
    bus = _Unreachable(toy.bus)
    toy.bus = bus
    toy.start_relay()
    toy.start_consumer()
    await toy.emit("hs-gauge", 0)
    await toy.wait_for_ledger(1)

    bus.down = True
    await toy.emit_many([(f"hs-gauge-{i % 3}", i) for i in range(1, 31)], per_transaction=5)
    await backlog_shown(30)
    await toy.emit("hs-gauge-0", 31)
    await backlog_shown(31)

    bus.down = False
    toy.wake()
    await toy.wait_for_ledger(32)
    await eventually(lambda: outbox_gauges() == (0.0, 0.0) or None, what="the gauges back to nothing waiting")


class _CommitlessConsumer(Consumer):
    def __init__(self, inner: Consumer) -> None:
        self.inner = inner

    async def start(self) -> None:
        await self.inner.start()

    async def stop(self) -> None:
        await self.inner.stop()

    async def poll(self, *, max_records: int, timeout: float) -> list[Record]:
        return await self.inner.poll(max_records=max_records, timeout=timeout)

    async def commit(self, offsets: Mapping[TopicPartition, int]) -> None:
        return None

    async def seek_to_committed(self) -> None:
        await self.inner.seek_to_committed()

    async def lag(self) -> int:
        return await self.inner.lag()


async def killed_before_offset_commit(toy: Toy) -> None:
    """Effects committed, offsets not, consumer gone: the next member's redelivery changes nothing."""
    toy.start_relay()
    doomed = toy.start_consumer(bus=_LostCommits(toy.bus))
    for seq in range(50):
        await toy.emit(f"hs-{seq % 5}", seq)
    await toy.wait_for_ledger(50)
    await doomed.stop()
    successor = toy.start_consumer()
    await eventually(lambda: successor.duplicates >= 50, what="50 redelivered duplicates")
    assert await toy.ledger_count() == 50
    assert successor.handled == 0


async def poison_goes_to_dlq(toy: Toy) -> None:
    """A failing event is retried, dead-lettered with its reason, and the events behind it still flow."""
    toy.start_relay()
    runner = toy.start_consumer()
    await toy.emit("hs-poison", 0)
    await toy.emit("hs-poison", 1, poison=True)
    for seq in range(2, 6):
        await toy.emit("hs-poison", seq)
    await toy.bus.publish([Message(topic=toy.event.TOPIC, key="hs-poison", value=b"{not json")])
    await toy.emit("hs-poison", 6)
    await toy.wait_for_ledger(6)
    await eventually(lambda: runner.dead_lettered >= 2, what="two dead letters")
    rows = await toy.ledger()
    assert [r.seq for r in rows] == [0, 2, 3, 4, 5, 6]
    async with toy.consumer_db.session() as session:
        letters = list(await session.scalars(select(DeadLetter).order_by(DeadLetter.offset)))
    assert len(letters) == 2
    [poisoned] = [letter for letter in letters if letter.type is not None]
    [malformed] = [letter for letter in letters if letter.type is None]
    assert poisoned.attempts == toy.bus_settings.consumer_max_attempts
    assert "poison event hs-poison/1" in poisoned.error
    assert poisoned.type == toy.event.TYPE
    assert malformed.attempts == 1
    assert "malformed CloudEvent" in malformed.error
    consumer = toy.bus.consumer(f"{toy.group}-dlq", [dlq(toy.event.TOPIC)])
    await consumer.start()
    try:
        records = await _poll_until(consumer, 2)
    finally:
        await consumer.stop()
    errors = [dict(r.headers)["dlq-error"].decode() for r in records]
    assert any("poison event" in e for e in errors)
    assert any("malformed" in e for e in errors)


async def order_per_aggregate(toy: Toy, *, aggregates: int = 10, per_aggregate: int = 100) -> None:
    """Each aggregate's events are applied in the order they were committed."""
    toy.start_relay(batch_size=97)
    toy.start_consumer()
    pending = {f"hs-{a:02d}": 0 for a in range(aggregates)}
    rng = random.Random(20261128)
    order: list[tuple[str, int]] = []
    while pending:
        aggregate = rng.choice(sorted(pending))
        order.append((aggregate, pending[aggregate]))
        pending[aggregate] += 1
        if pending[aggregate] == per_aggregate:
            del pending[aggregate]
    position = 0
    while position < len(order):
        size = rng.randint(1, 20)
        await toy.emit_many(order[position : position + size], per_transaction=size)
        position += size
    total = aggregates * per_aggregate
    await toy.wait_for_ledger(total, timeout=120)
    seen: dict[str, list[int]] = defaultdict(list)
    for row in await toy.ledger():
        seen[row.aggregate].append(row.seq)
    assert len(seen) == aggregates
    for aggregate, seqs in seen.items():
        assert seqs == list(range(per_aggregate)), f"{aggregate} out of order"


async def _poll_until(consumer: Consumer, count: int, timeout: float = 30) -> list[Record]:
    records: list[Record] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while len(records) < count and loop.time() < deadline:
        records.extend(await consumer.poll(max_records=500, timeout=0.5))
    assert len(records) >= count, f"only {len(records)} of {count} records"
    return records
