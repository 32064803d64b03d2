"""Three Kafka brokers in one KRaft quorum: three copies of every partition, two of them needed to
acknowledge, and publishing that rides out the loss of any one broker without losing or copying a record."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient

from motcua.infra.kafka import KafkaCluster
from motcua.stack import StackPaths, down, restart, status
from motcua_shared.chassis.bus.base import Message
from motcua_shared.chassis.bus.kafka import KafkaBus
from motcua_shared.chassis.settings import BusSettings

pytestmark = pytest.mark.integration


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[KafkaCluster]:
    cluster = KafkaCluster(tmp_path / "kafka", size=3, heap_mb=256)
    cluster.start()
    try:
        yield cluster
    finally:
        for broker in cluster.brokers:
            broker.kill()


async def _copies(bootstrap: str, topic: str) -> list[int]:
    """The replica count of each partition, once the broker asked knows the topic (metadata reaches
    each broker of the quorum a moment after the controller has created it)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        async with asyncio.timeout(30):
            while True:
                [described] = await admin.describe_topics([topic])
                if described["partitions"]:
                    return [len(p["replicas"]) for p in described["partitions"]]
                await asyncio.sleep(0.2)
    finally:
        await admin.close()


async def _read(bootstrap: str, topic: str, expected: int) -> list[bytes]:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    values: list[bytes] = []
    try:
        async with asyncio.timeout(90):
            while len(values) < expected:
                batch = await consumer.getmany(timeout_ms=1000)
                values += [r.value for records in batch.values() for r in records if r.value is not None]
            batch = await consumer.getmany(timeout_ms=2000)
            values += [r.value for records in batch.values() for r in records if r.value is not None]
    finally:
        await consumer.stop()
    return values


async def test_a_broker_of_three_dies_and_publishing_goes_on_without_loss_or_copies(
    cluster: KafkaCluster,
) -> None:
    bus = KafkaBus(
        BusSettings(kind="kafka", bootstrap_servers=cluster.bootstrap, partitions=6, replication_factor=3),
        client_id=f"test-{uuid.uuid4().hex[:6]}",
        publish_timeout=10.0,
    )
    topic = f"cluster-{uuid.uuid4().hex[:6]}"
    await bus.ensure_topics([topic])
    assert await _copies(cluster.bootstrap, topic) == [3] * 6
    sent: list[bytes] = []
    try:
        for batch in range(30):
            if batch == 10:
                cluster.brokers[1].kill()  # SIGKILL, mid-stream: the partitions it led elect new leaders
            messages = [Message(topic, f"k{batch}-{i}", f"{batch}-{i}".encode()) for i in range(20)]
            async with asyncio.timeout(120):
                while True:  # as the relay does: the same batch again until it is acknowledged
                    try:
                        await bus.publish(messages)
                        break
                    except Exception:
                        await asyncio.sleep(0.5)
            sent += [m.value for m in messages]
        values = await _read(cluster.brokers[0].bootstrap, topic, len(sent))
        assert sorted(values) == sorted(sent), "every acknowledged record once, none lost, none copied"
    finally:
        await bus.stop()


def test_the_stack_restarts_one_broker_of_its_cluster_on_its_port(
    cluster: KafkaCluster, tmp_path: Path
) -> None:
    paths = StackPaths(tmp_path / "stack")
    paths.root.mkdir()
    state = {
        "processes": [],
        "base_port": 0,
        "kafka": {"data_dir": str(cluster.root), "brokers": 3},
        "bootstrap": cluster.bootstrap,
    }
    paths.state.write_text(json.dumps(state))
    assert [row["name"] for row in status(paths)] == ["kafka-1", "kafka-2", "kafka-3"]
    victim = cluster.brokers[1]
    port = victim.port
    victim.kill()
    assert [row["running"] for row in status(paths)] == [True, False, True]
    restart(paths, "kafka-2")
    rows = {row["name"]: row for row in status(paths)}
    assert rows["kafka-2"]["running"]
    assert rows["kafka-2"]["address"] == f"127.0.0.1:{port}", "back on the port the services know"
    assert rows["kafka-2"]["restarts"] == 1
    assert down(paths) == ["kafka-3", "kafka-2", "kafka-1"]
