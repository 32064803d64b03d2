"""The event backbone on the stack's transport: real Apache Kafka and real PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterator

import backbone_scenarios as scenarios
import pytest
from aiokafka import AIOKafkaConsumer
from backbone_toy import Toy
from sqlalchemy import func, select

from motcua.infra.kafka import KafkaBroker
from motcua.infra.postgres import PgServer
from motcua_shared.chassis.bus.base import Message
from motcua_shared.chassis.bus.kafka import KafkaBus
from motcua_shared.chassis.messaging.models import OutboxRecord
from motcua_shared.chassis.settings import BusSettings
from motcua_shared.testing import eventually

pytestmark = pytest.mark.integration


@pytest.fixture
def second_pg_url(pg_server: PgServer) -> Iterator[str]:
    name = f"test_{uuid.uuid4().hex[:16]}"
    pg_server.create_database(name)
    yield pg_server.url(name)
    with contextlib.suppress(Exception):
        pg_server.drop_database(name)


def _bus(bootstrap: str) -> KafkaBus:
    return KafkaBus(
        BusSettings(kind="kafka", bootstrap_servers=bootstrap, partitions=4),
        client_id=f"test-{uuid.uuid4().hex[:6]}",
    )


@pytest.fixture
async def toy(kafka_bootstrap: str, fresh_pg_url: str, second_pg_url: str) -> AsyncIterator[Toy]:
    bus = _bus(kafka_bootstrap)
    await bus.start()
    toy = await Toy.create(bus, fresh_pg_url, second_pg_url, kind="kafka", bootstrap_servers=kafka_bootstrap)
    yield toy
    await toy.close()
    await bus.stop()


async def test_under_load_a_wake_up_waits_for_the_commits_behind_it(
    toy: Toy, monkeypatch: pytest.MonkeyPatch
) -> None:
    await scenarios.under_load_a_wake_up_waits_for_the_commits_behind_it(toy, monkeypatch)


async def test_round_trip_outbox_kafka_inbox_between_two_postgres_databases(toy: Toy) -> None:
    await scenarios.round_trip(toy)


async def test_consumer_killed_before_offset_commit_redelivery_is_noop(toy: Toy) -> None:
    await scenarios.killed_before_offset_commit(toy)


async def test_poison_event_reaches_dlq_topic_and_the_rest_flow(toy: Toy) -> None:
    await scenarios.poison_goes_to_dlq(toy)


async def test_the_outbox_gauges_show_the_backlog_while_kafka_is_unreachable(toy: Toy) -> None:
    await scenarios.outage_in_the_gauges(toy)


async def test_order_per_aggregate_10_by_100(toy: Toy) -> None:
    await scenarios.order_per_aggregate(toy, aggregates=10, per_aggregate=100)


async def test_broker_down_while_1000_events_commit_then_back(
    kafka_broker_factory: Callable[..., KafkaBroker], fresh_pg_url: str, second_pg_url: str
) -> None:
    broker = kafka_broker_factory()
    bus = _bus(broker.bootstrap)
    await bus.start()
    toy = await Toy.create(bus, fresh_pg_url, second_pg_url, kind="kafka", bootstrap_servers=broker.bootstrap)
    try:
        toy.start_relay()
        toy.start_consumer()
        await toy.emit("warm-up", 0)
        await toy.wait_for_ledger(1, timeout=90)

        await broker.astop()
        events = [(f"hs-{i % 10}", i) for i in range(1000)]
        await toy.emit_many(events, per_transaction=10)
        async with toy.producer_db.session() as session:
            pending = await session.scalar(
                select(func.count()).select_from(OutboxRecord).where(OutboxRecord.published_at.is_(None))
            )
        assert pending == 1000, "with the broker down every committed event waits in the outbox"
        await scenarios.backlog_shown(1000)

        await broker.astart()
        await toy.wait_for_ledger(1001, timeout=240)
        rows = await toy.ledger()
        assert len(rows) == 1001
        assert len({r.event_id for r in rows}) == 1001, "each effect exactly once"
        seqs: dict[str, list[int]] = defaultdict(list)
        for row in rows:
            seqs[row.aggregate].append(row.seq)
        for aggregate, values in seqs.items():
            assert values == sorted(values), f"{aggregate} out of order"
    finally:
        await toy.close()
        await bus.stop()


async def test_a_relay_locked_out_by_another_replica_relays_its_rows_once_the_lock_is_free(toy: Toy) -> None:
    """Two replicas share one outbox: the one that commits while the other holds the lock must not leave
    its rows to the next poll (an hour here), and nothing is published twice."""
    relay = toy.start_relay(poll_interval=3600)
    toy.start_consumer()
    await toy.emit("warm-up", 0)
    await toy.wait_for_ledger(1, timeout=90)

    lock = select(func.pg_advisory_xact_lock(relay._lock_key))
    async with toy.producer_db.session() as other_replica, other_replica.begin():
        await other_replica.execute(lock)
        await toy.emit("locked", 1)  # commits and wakes the relay, which finds the lock taken
        await eventually(lambda: relay._locked_out, timeout=30, what="the relay to meet the lock")
        assert await toy.ledger_count() == 1
    # The other replica's transaction ended without publishing: ours must, without a new commit or poll.
    await toy.wait_for_ledger(2, timeout=60)
    rows = await toy.ledger()
    assert sorted(r.seq for r in rows) == [0, 1]


async def test_a_publish_retried_across_a_stalled_broker_adds_no_copies(
    kafka_broker_factory: Callable[..., KafkaBroker],
) -> None:
    """The relay retries a batch whose acknowledgements did not come in time; the producer still holds the
    first sends and delivers them when the broker answers again, so the retry waits for those sends
    instead of sending the batch a second (and third) time."""
    broker = kafka_broker_factory()
    bus = KafkaBus(
        BusSettings(kind="kafka", bootstrap_servers=broker.bootstrap, partitions=1),
        client_id=f"test-{uuid.uuid4().hex[:6]}",
        publish_timeout=2.0,
    )
    topic = f"stall-{uuid.uuid4().hex[:6]}"
    await bus.ensure_topics([topic])
    batch = [Message(topic, f"k{i}", f"event-{i}".encode()) for i in range(20)]
    try:
        await bus.publish(batch[:5])
        assert broker.pid is not None
        os.kill(broker.pid, signal.SIGSTOP)
        try:
            for _ in range(2):
                with pytest.raises(TimeoutError):
                    await bus.publish(batch[5:])
        finally:
            os.kill(broker.pid, signal.SIGCONT)
        async with asyncio.timeout(60):
            while True:
                try:
                    await bus.publish(batch[5:])
                    break
                except TimeoutError:
                    continue
        values = await _read_all(broker.bootstrap, topic, expected=len(batch))
        assert sorted(values) == sorted(m.value for m in batch), "every event once, no copies"
    finally:
        await bus.stop()


async def _read_all(bootstrap: str, topic: str, *, expected: int) -> list[bytes]:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    values: list[bytes] = []
    try:
        quiet = 0
        async with asyncio.timeout(60):
            while quiet < 3 or len(values) < expected:
                batch = await consumer.getmany(timeout_ms=1000)
                got = [r.value for records in batch.values() for r in records if r.value is not None]
                values += got
                quiet = 0 if got else quiet + 1
    finally:
        await consumer.stop()
    return values
