"""Apache Kafka through aiokafka: an idempotent ``acks=all`` producer and manually committed consumers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping, Sequence

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from aiokafka.structs import OffsetAndMetadata

from motcua_shared.chassis.bus.base import Bus, Consumer, Message, Record
from motcua_shared.chassis.bus.base import TopicPartition as TP
from motcua_shared.chassis.settings import BusSettings

log = logging.getLogger(__name__)

CONSUMER_METADATA_MAX_AGE_MS = 10_000
"""How often a consumer asks the cluster for metadata unprompted: how soon it sees a topic created after it
joined its group."""


class KafkaBus(Bus):
    """The stack's bus. Connects lazily, so a service starts (not ready) while Kafka is down."""

    def __init__(self, settings: BusSettings, *, client_id: str, publish_timeout: float = 30.0) -> None:
        self.settings = settings
        self.client_id = client_id
        self.publish_timeout = publish_timeout
        self._producer: AIOKafkaProducer | None = None
        # Sends not yet acknowledged when a publish gave up waiting, by message: see publish().
        self._inflight: dict[Message, asyncio.Future[object]] = {}
        self._admin: AIOKafkaAdminClient | None = None
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        """Try to connect now; failures are retried by whoever publishes next."""
        try:
            await self._connected_producer()
        except Exception as exc:
            log.warning("kafka not reachable yet", extra={"error": type(exc).__name__})

    async def _connected_producer(self) -> AIOKafkaProducer:
        async with self._lock:
            if self._producer is None:
                producer = AIOKafkaProducer(
                    **self.settings.client_options(),
                    client_id=self.client_id,
                    acks="all",
                    enable_idempotence=True,
                    # The relay hands over whole batches; waiting for more would only add latency.
                    linger_ms=0,
                    max_batch_size=256 * 1024,
                    request_timeout_ms=15000,
                )
                try:
                    await producer.start()
                except BaseException:
                    await producer.stop()
                    raise
                self._producer = producer
            return self._producer

    async def _connected_admin(self) -> AIOKafkaAdminClient:
        async with self._lock:
            if self._admin is None:
                admin = AIOKafkaAdminClient(
                    **self.settings.client_options(),
                    client_id=f"{self.client_id}-admin",
                    request_timeout_ms=5000,
                )
                try:
                    await admin.start()
                except BaseException:
                    await admin.close()
                    raise
                self._admin = admin
            return self._admin

    async def stop(self) -> None:
        """Flush what is in flight and disconnect."""
        async with self._lock:
            if self._producer is not None:
                await self._producer.stop()
                self._producer = None
            if self._admin is not None:
                await self._admin.close()
                self._admin = None

    async def publish(self, messages: Sequence[Message]) -> None:
        """Send in order and wait for every acknowledgement (all in-sync replicas).

        When the wait runs out (a broker is away), the sends stay in the producer, which keeps retrying
        them with its idempotent sequence numbers; the relay's next attempt with the same messages waits
        for those same sends instead of sending again. A copy is sent anew only once its first send has
        failed for good, so an outage adds no copies on the topic that the producer could avoid."""
        if not messages:
            return
        producer = await self._connected_producer()
        futures: list[asyncio.Future[object]] = []
        for m in messages:
            future = self._inflight.get(m)
            if future is None or (future.done() and (future.cancelled() or future.exception() is not None)):
                future = await producer.send(
                    m.topic, m.value, key=m.key.encode("utf-8"), headers=list(m.headers)
                )
                self._inflight[m] = future
            futures.append(future)
        # asyncio.wait, not gather: giving up must not cancel the sends.
        _, pending = await asyncio.wait(futures, timeout=self.publish_timeout)
        failed: list[asyncio.Future[object]] = []
        for m, future in zip(messages, futures, strict=True):
            if future.done():
                # Acknowledged, or failed for good (the next attempt sends it anew): either way, forgotten.
                self._inflight.pop(m, None)
                if future.cancelled() or future.exception() is not None:
                    failed.append(future)
        if failed:
            failed[0].result()
        if pending:
            raise TimeoutError(f"{len(pending)} of {len(futures)} records not acknowledged yet")

    def consumer(self, group: str, topics: Sequence[str]) -> Consumer:
        """A manually committing member of ``group``."""
        return _KafkaConsumer(self.settings, group, list(topics), self.client_id)

    async def ensure_topics(self, topics: Sequence[str]) -> None:
        """Create missing topics with the configured partitions and replication."""
        admin = await self._connected_admin()
        existing = set(await admin.list_topics())
        missing = [t for t in topics if t not in existing]
        if not missing:
            return
        with contextlib.suppress(TopicAlreadyExistsError):
            await admin.create_topics(
                [
                    NewTopic(
                        name=t,
                        num_partitions=self.settings.partitions,
                        replication_factor=self.settings.replication_factor,
                    )
                    for t in missing
                ]
            )
        await self._until_led(admin, missing)

    async def _until_led(self, admin: AIOKafkaAdminClient, topics: list[str], within: float = 30.0) -> None:
        """Wait until every partition of ``topics`` has a leader: a controller acknowledges a new topic
        before the brokers' metadata shows it, and a consumer or producer started in between sees none."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            described = await admin.describe_topics(topics)
            ready = [
                d
                for d in described
                if d.get("error_code") == 0
                and len(d.get("partitions", [])) == self.settings.partitions
                and all(p.get("leader", -1) >= 0 for p in d["partitions"])
            ]
            if len(ready) == len(topics):
                return
            if loop.time() >= deadline:
                log.warning("topics created but not led yet", extra={"topics": topics})
                return
            await asyncio.sleep(0.2)

    async def ping(self) -> bool:
        """True when the cluster answers a metadata request."""
        try:
            admin = await self._connected_admin()
            async with asyncio.timeout(3):
                await admin.describe_cluster()
        except Exception:
            return False
        return True


class _KafkaConsumer(Consumer):
    def __init__(self, settings: BusSettings, group: str, topics: list[str], client_id: str) -> None:
        self._settings = settings
        self._group = group
        self._topics = topics
        self._client_id = client_id
        self._consumer: AIOKafkaConsumer | None = None

    async def start(self) -> None:
        consumer = AIOKafkaConsumer(
            *self._topics,
            **self._settings.client_options(),
            group_id=self._group,
            client_id=f"{self._client_id}-{self._group}",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=500,
            session_timeout_ms=10000,
            heartbeat_interval_ms=3000,
            # A member that joins while its topic is being created (the broker it asked does not know it
            # yet, though the controller has led it) is assigned none of its partitions until its metadata is
            # refreshed: every 5 minutes by default, 10 s here.
            metadata_max_age_ms=CONSUMER_METADATA_MAX_AGE_MS,
        )
        try:
            await consumer.start()
        except BaseException:
            await consumer.stop()
            raise
        self._consumer = consumer

    async def stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None

    def _live(self) -> AIOKafkaConsumer:
        if self._consumer is None:
            raise RuntimeError("consumer not started")
        return self._consumer

    async def poll(self, *, max_records: int, timeout: float) -> list[Record]:
        batches = await self._live().getmany(timeout_ms=int(timeout * 1000), max_records=max_records)
        records: list[Record] = []
        for tp, messages in batches.items():
            for m in messages:
                records.append(
                    Record(
                        topic=tp.topic,
                        partition=tp.partition,
                        offset=m.offset,
                        key=m.key.decode("utf-8") if m.key is not None else None,
                        value=m.value,
                        headers=tuple(m.headers or ()),
                    )
                )
        return records

    async def commit(self, offsets: Mapping[TP, int]) -> None:
        if offsets:
            await self._live().commit(
                {TopicPartition(t, p): OffsetAndMetadata(o, "") for (t, p), o in offsets.items()}
            )

    async def seek_to_committed(self) -> None:
        consumer = self._live()
        for tp in consumer.assignment():
            committed = await consumer.committed(tp)
            if committed is None:
                await consumer.seek_to_beginning(tp)
            else:
                consumer.seek(tp, committed)

    async def lag(self) -> int:
        consumer = self._live()
        total = 0
        for tp in consumer.assignment():
            high = consumer.highwater(tp)
            if high is not None:
                total += max(high - await consumer.position(tp), 0)
        return total
