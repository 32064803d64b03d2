"""The Kafka recipe: a real broker starts, keeps its data across stops and crashes, and can be adopted."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from motcua.infra.kafka import KafkaBroker

pytestmark = pytest.mark.integration


async def _produce(bootstrap: str, topic: str, value: bytes) -> tuple[int, int, int]:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        meta = await producer.send_and_wait(topic, value, key=b"key")
        partitions = await producer.partitions_for(topic)
    finally:
        await producer.stop()
    return meta.partition, meta.offset, len(partitions)


async def _read_at(bootstrap: str, topic: str, partition: int, offset: int) -> bytes:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tp = TopicPartition(topic, partition)
        consumer.assign([tp])
        consumer.seek(tp, offset)
        record = await consumer.getone()
    finally:
        await consumer.stop()
    assert isinstance(record.value, bytes)
    return record.value


async def test_session_broker_round_trip(kafka_bootstrap: str) -> None:
    partition, offset, _ = await _produce(kafka_bootstrap, "infra-session", b"hello")
    assert await _read_at(kafka_bootstrap, "infra-session", partition, offset) == b"hello"


async def test_broker_keeps_data_across_restart_and_crash(
    kafka_broker_factory: Callable[..., KafkaBroker],
) -> None:
    broker = kafka_broker_factory(partitions=12)
    assert broker.running
    assert broker.pid is not None
    topic = "infra-persist"
    partition, offset, partitions = await _produce(broker.bootstrap, topic, b"survives")
    assert partitions == 12  # auto-created with num.partitions
    cluster_id, bootstrap = broker.cluster_id, broker.bootstrap

    await broker.astop()
    assert not broker.running
    assert broker.pid is None
    await broker.astart()
    assert (broker.cluster_id, broker.bootstrap) == (cluster_id, bootstrap)
    assert await _read_at(broker.bootstrap, topic, partition, offset) == b"survives"

    partition2, offset2, _ = await _produce(broker.bootstrap, topic, b"after-crash")
    broker.kill()
    assert not broker.running
    await broker.astart()
    assert await _read_at(broker.bootstrap, topic, partition, offset) == b"survives"
    assert await _read_at(broker.bootstrap, topic, partition2, offset2) == b"after-crash"


async def test_running_broker_can_be_adopted(kafka_broker_factory: Callable[..., KafkaBroker]) -> None:
    broker = kafka_broker_factory()
    adopted = KafkaBroker.adopt(broker.data_dir)
    assert adopted is not None
    assert (adopted.pid, adopted.bootstrap) == (broker.pid, broker.bootstrap)
    await adopted.astop()
    assert not adopted.running
    assert not broker.running
    assert KafkaBroker.adopt(broker.data_dir) is None


def test_a_cluster_id_beginning_with_a_dash_formats(kafka_broker_factory: Callable[..., KafkaBroker]) -> None:
    """One random id in 64 begins with "-": the storage tool must not take it for an option."""
    broker = kafka_broker_factory(start=False)
    broker.data_dir.mkdir(parents=True, exist_ok=True)
    cluster_id = base64.urlsafe_b64encode(b"\xf8" + os.urandom(15)).decode().rstrip("=")
    assert cluster_id.startswith("-")
    (broker.data_dir / "cluster.id").write_text(cluster_id + "\n", encoding="utf-8")
    broker.start()
    assert broker.cluster_id == cluster_id


async def test_a_killed_broker_restarted_on_its_data_comes_back_on_the_same_port(
    kafka_broker_factory: Callable[..., KafkaBroker],
) -> None:
    """What `kill -9` then a restart by another process does: the port its clients know is taken again,
    though the broker's side of their connections lingers in TIME_WAIT, and a client that was connected
    before the crash delivers once it is back."""
    broker = kafka_broker_factory()
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        await producer.send_and_wait("infra-restart", b"before", key=b"key")
        broker.kill()
        again = KafkaBroker(broker.data_dir)
        assert (again.port, again.controller_port) == (broker.port, broker.controller_port)
        await again.astart()
        try:
            meta = await producer.send_and_wait("infra-restart", b"after", key=b"key")
            assert await _read_at(again.bootstrap, "infra-restart", meta.partition, meta.offset) == b"after"
        finally:
            await again.astop()
    finally:
        await producer.stop()
