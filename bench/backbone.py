"""Benchmark of the event backbone: outbox relay, consumer runner, end-to-end latency and memory.

Run ``uv run python bench/backbone.py`` (``make bench``); ``--help`` lists the knobs; ``--quick`` smokes.
It measures, on Kafka + PostgreSQL and on the embedded mode (SQLite files + the in-process ``LocalBus``):

* relay throughput: N committed outbox rows, then an ``OutboxRelay`` until all are marked published;
* consumer throughput: a fresh ``ConsumerRunner`` group applying those N events through the inbox;
* latency from the producer's commit to the consumer's effect commit, at a steady open-loop rate;
* resident memory of the process doing that work (a service), of the Kafka JVM, and of the whole
  embedded platform (``motcua run``) after start and after light HTTP load.

Every scenario runs in a fresh worker process (this file with ``--worker``) on fresh databases and a fresh
topic, so its memory figure is that of a process doing only that work. PostgreSQL is durable (fsync,
synchronous_commit and full_page_writes on) unless ``--pg-fast``, whose figures the report labels fast, not
durable; the report's header states each engine's settings as read from it. Results go to
``bench/results/backbone-<UTC>.json`` and ``bench/results/latest.md``; see ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, Literal, cast

import durability
import httpx
import psutil
from sqlalchemy import MetaData, String, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from motcua.infra.kafka import KafkaBroker
from motcua.infra.ports import LOOPBACK, free_port
from motcua.infra.postgres import (
    PostgresCluster,
    create_databases_async,
    database_url,
    drop_database_async,
)
from motcua_shared.chassis.bus.base import Bus, Consumer, Message
from motcua_shared.chassis.bus.kafka import KafkaBus
from motcua_shared.chassis.bus.local import LocalBus
from motcua_shared.chassis.db import NAMING_CONVENTION, Database
from motcua_shared.chassis.messaging.consumer import ConsumerRunner, Handlers
from motcua_shared.chassis.messaging.models import MessagingBase, OutboxRecord
from motcua_shared.chassis.messaging.outbox import OutboxRelay
from motcua_shared.chassis.settings import BusSettings, DbSettings
from motcua_shared.chassis.uow import UnitOfWork
from motcua_shared.contracts.base import CloudEvent, Event

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
MB = 1024 * 1024

# -- targets ------------------------------------------------------------------------------------------------

RELAY_TARGET_EPS = 5000.0
LATENCY_P99_TARGET_MS = 50.0
SERVICE_RSS_TARGET_MB = 150.0
KAFKA_HEAP_TARGET_MB = 512.0
PLATFORM_RSS_TARGET_MB = 400.0
RATE_TOLERANCE = 0.95
"""A latency run counts only if the producers kept at least this share of the asked rate."""

Backend = Literal["kafka", "embedded"]
Scenario = Literal["throughput", "latency"]
BACKEND_LABEL: dict[str, str] = {"kafka": "Kafka + PostgreSQL", "embedded": "embedded (SQLite + LocalBus)"}


# -- small helpers ------------------------------------------------------------------------------------------


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile of ``values`` (not empty)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100.0 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def summary(values: Sequence[float]) -> dict[str, float]:
    """Count, mean, p50, p90, p99, p99.9 and max of ``values``, rounded."""
    if not values:
        return {"count": 0}
    return {
        "count": len(values),
        "mean": round(sum(values) / len(values), 3),
        "p50": round(percentile(values, 50), 3),
        "p90": round(percentile(values, 90), 3),
        "p99": round(percentile(values, 99), 3),
        "p999": round(percentile(values, 99.9), 3),
        "max": round(max(values), 3),
    }


def rss_mb(proc: psutil.Process | None) -> float | None:
    """Resident set size of ``proc`` in MiB, or None when it is gone."""
    if proc is None:
        return None
    try:
        return round(proc.memory_info().rss / MB, 1)
    except psutil.Error:
        return None


class PeakSampler:
    """Samples named probes (e.g. a process's RSS) in a thread; keeps the last and the peak of each."""

    def __init__(self, probes: Mapping[str, Callable[[], float | None]], interval: float = 0.25) -> None:
        self._probes = dict(probes)
        self._interval = interval
        self.peak: dict[str, float] = {}
        self.last: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="bench-sampler", daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self._interval)

    def sample(self) -> None:
        """Read every probe once."""
        for name, probe in self._probes.items():
            value = probe()
            if value is not None:
                self.last[name] = value
                self.peak[name] = max(value, self.peak.get(name, 0.0))

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()


# ===========================================================================================================
# The worker: one scenario on one backend, in its own process (a producer and a consumer service in one).
# ===========================================================================================================


class BenchBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Effect(BenchBase):
    """The consumer's effect: one row per handled event."""

    __tablename__ = "bench_effect"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    aggregate: Mapped[str] = mapped_column(String(64), index=True)
    seq: Mapped[int] = mapped_column()
    event_id: Mapped[str] = mapped_column(String(64))
    committed_at: Mapped[float] = mapped_column()
    handled_at: Mapped[float] = mapped_column()


class BenchHappened(Event):
    """The benchmark's event; each run subclasses it onto a fresh topic (see :func:`event_on`)."""

    TYPE: ClassVar[str] = "vn.motcua.bench.thing.happened.v1"
    TOPIC: ClassVar[str] = "motcua.bench.v1"
    SUBJECT_FIELD: ClassVar[str] = "aggregate"

    aggregate: str
    seq: int
    committed_at: float = 0.0
    note: str = ""


def event_on(topic: str) -> type[BenchHappened]:
    """The benchmark event travelling on ``topic``."""
    namespace = {"TOPIC": topic, "__module__": __name__}
    return cast(type[BenchHappened], type("BenchHappened", (BenchHappened,), namespace))


class EffectUow(UnitOfWork):
    """The consumer's unit of work: notes the wall clock right after its commit returned.

    Every event handled in the transaction gets that time: one per transaction on the one-by-one path, all
    of a poll batch on the runner's batched path.
    """

    def __init__(self, db: Database, *, source: str, effects: dict[int, float]) -> None:
        super().__init__(db, source=source)
        self._effects = effects
        self.seqs: list[int] = []

    async def commit(self) -> None:
        await super().commit()
        now = time.time()
        for seq in self.seqs:
            self._effects[seq] = now
        self.seqs = []

    async def rollback(self) -> None:
        await super().rollback()
        self.seqs = []


class TimedBus(Bus):
    """Delegates to a bus and notes when each benchmark event's publish was acknowledged."""

    def __init__(self, inner: Bus) -> None:
        self.inner = inner
        self.published_at: dict[int, float] = {}
        self.batches: list[int] = []

    async def start(self) -> None:
        await self.inner.start()

    async def stop(self) -> None:
        await self.inner.stop()

    async def publish(self, messages: Sequence[Message]) -> None:
        await self.inner.publish(messages)
        now = time.time()
        self.batches.append(len(messages))
        for message in messages:
            seq = json.loads(message.value)["data"]["seq"]
            self.published_at[int(seq)] = now

    def consumer(self, group: str, topics: Sequence[str]) -> Consumer:
        return self.inner.consumer(group, topics)

    async def ensure_topics(self, topics: Sequence[str]) -> None:
        await self.inner.ensure_topics(topics)

    async def ping(self) -> bool:
        return await self.inner.ping()


Role = Literal["both", "producer", "consumer"]


@dataclass
class WorkerConfig:
    """What one worker process runs; passed as JSON on its command line."""

    scenario: Scenario
    backend: Backend
    work_dir: str
    result_path: str
    role: Role = "both"
    sync_dir: str | None = None
    topic: str | None = None
    bootstrap: str | None = None
    pg_admin_url: str | None = None
    delete_topic: bool = False
    events: int = 20_000
    tx_size: int = 500
    relay_batch: int = 500
    rate: float = 500.0
    duration: float = 20.0
    warmup_events: int = 20
    partitions: int = 12
    max_in_flight: int = 16
    payload_bytes: int = 200
    uvloop: bool = True
    drain_timeout: float = 120.0


class MemoryPhases:
    """The worker's own RSS, sampled on its event loop: the peak per phase of the scenario."""

    def __init__(self) -> None:
        self._proc = psutil.Process()
        self.phase = "setup"
        self.peaks: dict[str, float] = {}
        self._task: asyncio.Task[None] | None = None

    def enter(self, phase: str) -> None:
        self.sample()
        self.phase = phase
        self.sample()

    def sample(self) -> None:
        value = rss_mb(self._proc)
        if value is not None:
            self.peaks[self.phase] = max(value, self.peaks.get(self.phase, 0.0))

    def start(self) -> None:
        async def loop() -> None:
            while True:
                self.sample()
                await asyncio.sleep(0.25)

        self._task = asyncio.create_task(loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.sample()


class CpuWindow:
    """CPU used by this process and by the whole machine between ``start()`` and ``stop()``."""

    def __init__(self) -> None:
        self._wall = 0.0
        self._cpu = 0.0
        self.figures: dict[str, float] = {}

    def start(self) -> None:
        psutil.cpu_percent(None)
        self._wall, self._cpu = time.perf_counter(), time.process_time()

    def stop(self) -> None:
        wall = time.perf_counter() - self._wall
        self.figures = {
            "process_cpu_pct": round(100 * (time.process_time() - self._cpu) / wall, 1) if wall else 0.0,
            "machine_cpu_pct": psutil.cpu_percent(None),
        }


class Backbone:
    """A producer database with its outbox, a consumer database with the effect table, one bus."""

    def __init__(self, cfg: WorkerConfig) -> None:
        self.cfg = cfg
        self.run_id = uuid.uuid4().hex[:10]
        self.topic = cfg.topic or f"motcua.bench.{self.run_id}.v1"
        self.event = event_on(self.topic)
        self.settings = BusSettings(
            kind="kafka" if cfg.backend == "kafka" else "memory",
            bootstrap_servers=cfg.bootstrap or "127.0.0.1:9092",
            partitions=cfg.partitions,
            relay_batch_size=cfg.relay_batch,
        )
        self._pg_names: list[str] = []
        self.bus: Bus
        self.dbs: dict[str, Database] = {}
        self.note = "x" * cfg.payload_bytes

    @property
    def producer_db(self) -> Database:
        return self.dbs["producer"]

    @property
    def consumer_db(self) -> Database:
        return self.dbs["consumer"]

    async def open(self) -> None:
        cfg = self.cfg
        sides = ["producer", "consumer"] if cfg.role == "both" else [cfg.role]
        urls: dict[str, str] = {}
        if cfg.backend == "kafka":
            if cfg.pg_admin_url is None or cfg.bootstrap is None:
                raise ValueError("the kafka backend needs a PostgreSQL admin URL and a Kafka bootstrap")
            names = {side: f"bench_{self.run_id}_{side}" for side in sides}
            self._pg_names = list(names.values())
            await create_databases_async(cfg.pg_admin_url, self._pg_names)
            urls = {side: database_url(cfg.pg_admin_url, name) for side, name in names.items()}
            self.bus = KafkaBus(self.settings, client_id=f"bench-{self.run_id}")
        else:
            work = Path(cfg.work_dir)
            urls = {side: f"sqlite+aiosqlite:///{work / side}.db" for side in sides}
            self.bus = LocalBus(work / "bus.db", partitions=cfg.partitions)
        for side, url in urls.items():
            db = self.dbs[side] = Database(DbSettings(url=url))
            async with db.engine.begin() as conn:
                await conn.run_sync(MessagingBase.metadata.create_all)
                await conn.run_sync(BenchBase.metadata.create_all)
        await self.bus.start()
        await self.bus.ensure_topics([self.topic])

    async def close(self) -> None:
        await self.bus.stop()
        for db in self.dbs.values():
            await db.dispose()
        if self.cfg.backend == "kafka" and self.cfg.delete_topic and self.cfg.bootstrap:
            with contextlib.suppress(Exception):
                await _delete_topic(self.cfg.bootstrap, self.topic)
        if self.cfg.pg_admin_url is not None:
            for name in self._pg_names:
                with contextlib.suppress(Exception):
                    await drop_database_async(self.cfg.pg_admin_url, name)

    def make(self, seq: int) -> BenchHappened:
        return self.event(aggregate=f"agg-{seq % 1000}", seq=seq, committed_at=time.time(), note=self.note)

    def handlers(self, handled: dict[int, float]) -> Handlers[EffectUow]:
        handlers: Handlers[EffectUow] = Handlers()

        @handlers.on(self.event)
        async def happened(uow: EffectUow, event: BenchHappened, envelope: CloudEvent) -> None:
            now = time.time()
            uow.session.add(
                Effect(
                    aggregate=event.aggregate,
                    seq=event.seq,
                    event_id=envelope.id,
                    committed_at=event.committed_at,
                    handled_at=now,
                )
            )
            uow.seqs.append(event.seq)
            handled[event.seq] = now

        return handlers

    def runner(self, bus: Bus, handled: dict[int, float], effects: dict[int, float]) -> ConsumerRunner:
        return ConsumerRunner(
            group=f"bench-{uuid.uuid4().hex[:8]}",
            service="bench-consumer",
            bus=bus,
            handlers=self.handlers(handled),
            uow_factory=lambda: EffectUow(self.consumer_db, source="/motcua/bench-consumer", effects=effects),
            settings=self.settings,
        )

    def relay(self, bus: Bus) -> OutboxRelay:
        return OutboxRelay(
            self.producer_db,
            bus,
            service="bench-producer",
            batch_size=self.cfg.relay_batch,
            poll_interval=self.settings.relay_poll_interval,
        )

    async def unpublished(self) -> int:
        async with self.producer_db.session() as session:
            query = select(func.count()).where(OutboxRecord.published_at.is_(None))
            return int(await session.scalar(query) or 0)

    async def effect_count(self) -> int:
        async with self.consumer_db.session() as session:
            return int(await session.scalar(select(func.count()).select_from(Effect)) or 0)


async def _delete_topic(bootstrap: str, topic: str) -> None:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    await admin.start()
    try:
        await admin.delete_topics([topic])
    finally:
        await admin.close()


async def wait_until(predicate: Callable[[], bool], *, timeout: float, every: float = 0.005) -> bool:
    """Poll ``predicate`` on the loop until true (True) or ``timeout`` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(every)
    return True


async def scenario_throughput(bb: Backbone, memory: MemoryPhases) -> dict[str, Any]:
    """Pre-fill N outbox rows, time the relay publishing them, then a fresh group consuming them."""
    cfg = bb.cfg
    n = cfg.events
    result: dict[str, Any] = {"events": n, "tx_size": cfg.tx_size, "relay_batch": cfg.relay_batch}

    memory.enter("prefill")
    started = time.perf_counter()
    for first in range(0, n, cfg.tx_size):
        async with UnitOfWork(bb.producer_db, source="/motcua/bench-producer") as uow:
            for seq in range(first, min(n, first + cfg.tx_size)):
                uow.outbox.add(bb.make(seq))
            await uow.commit()
    elapsed = time.perf_counter() - started
    result["prefill_s"] = round(elapsed, 3)
    result["prefill_eps"] = round(n / elapsed, 1)

    memory.enter("relay")
    relay = bb.relay(bb.bus)
    cpu = CpuWindow()
    cpu.start()
    started = time.perf_counter()
    relay.start()
    done = await wait_until(lambda: relay.published >= n, timeout=cfg.drain_timeout)
    elapsed = time.perf_counter() - started
    cpu.stop()
    await relay.stop()
    result["relay_s"] = round(elapsed, 3)
    result["relay_published"] = relay.published
    result["relay_complete"] = done
    result["relay_eps"] = round(relay.published / elapsed, 1)
    result["relay_cpu"] = cpu.figures
    result["unpublished_after"] = await bb.unpublished()

    memory.enter("consume")
    handled: dict[int, float] = {}
    effects: dict[int, float] = {}
    runner = bb.runner(bb.bus, handled, effects)
    wall_start = time.time()
    cpu.start()
    started = time.perf_counter()
    runner.start()
    done = await wait_until(lambda: runner.handled >= n, timeout=cfg.drain_timeout + n / 100)
    elapsed = time.perf_counter() - started
    cpu.stop()
    await runner.stop()
    first_effect = min(effects.values(), default=wall_start)
    steady = max(effects.values(), default=first_effect) - first_effect
    result["consumer_s"] = round(elapsed, 3)
    result["consumer_handled"] = runner.handled
    result["consumer_complete"] = done
    result["consumer_eps"] = round(runner.handled / elapsed, 1)
    result["consumer_first_effect_s"] = round(first_effect - wall_start, 3)
    result["consumer_eps_steady"] = round((len(effects) - 1) / steady, 1) if steady > 0 else None
    result["consumer_cpu"] = cpu.figures
    result["consumer_duplicates"] = runner.duplicates
    result["consumer_dead_lettered"] = runner.dead_lettered
    result["effects_in_db"] = await bb.effect_count()
    return result


async def produce_paced(
    bb: Backbone,
    relay: OutboxRelay,
    memory: MemoryPhases,
    committed: dict[int, float],
    consumer_ready: Callable[[], Awaitable[bool]],
) -> dict[str, Any]:
    """Warm up, then one event per use-case transaction at ``cfg.rate`` for ``cfg.duration`` seconds.

    Open loop on an absolute schedule: transaction ``i`` starts at ``t0 + i / rate`` whatever happened to
    the ones before (up to ``max_in_flight`` at once), so a slow system shows as late commits, not as a
    quietly lower rate. ``committed[seq]`` is the wall clock right after the commit returned.
    """
    cfg = bb.cfg
    loop = asyncio.get_running_loop()
    commit_delay: list[float] = []
    errors: list[str] = []
    in_flight = asyncio.Semaphore(cfg.max_in_flight)

    async def emit(seq: int, due: float) -> None:
        try:
            async with (
                in_flight,
                UnitOfWork(bb.producer_db, source="/motcua/bench-producer", on_commit=relay.wake) as uow,
            ):
                uow.outbox.add(bb.make(seq))
                await uow.commit()
            committed[seq] = time.time()
            commit_delay.append((loop.time() - due) * 1000)
        except Exception as exc:
            errors.append(repr(exc)[:200])

    out: dict[str, Any] = {"rate": cfg.rate, "duration_s": cfg.duration, "max_in_flight": cfg.max_in_flight}
    # Warm-up (negative seqs, not counted): connections, topic metadata, the consumer group's join.
    memory.enter("warmup")
    started = time.perf_counter()
    for seq in range(-cfg.warmup_events, 0):
        await emit(seq, loop.time())
    if not await consumer_ready():
        raise RuntimeError("the warm-up events were not consumed in time")
    out["warmup_s"] = round(time.perf_counter() - started, 3)
    commit_delay.clear()

    memory.enter("steady")
    cpu = CpuWindow()
    cpu.start()
    total = int(cfg.rate * cfg.duration)
    tasks: set[asyncio.Task[None]] = set()
    schedule_lag: list[float] = []
    start = loop.time() + 0.05
    for seq in range(total):
        due = start + seq / cfg.rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        schedule_lag.append((loop.time() - due) * 1000)
        task = asyncio.create_task(emit(seq, due))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.gather(*tasks)
    span = loop.time() - start
    cpu.stop()
    produced = sum(1 for s in committed if s >= 0)
    out.update(
        {
            "events_scheduled": total,
            "events_committed": produced,
            "producer_errors": len(errors),
            "producer_error_sample": errors[:3],
            "achieved_rate": round(produced / span, 1) if span > 0 else None,
            "schedule_lag_ms": summary(schedule_lag),
            "producer_commit_delay_ms": summary(commit_delay),
            "steady_cpu": cpu.figures,
        }
    )
    return out


def latency_figures(
    committed: Mapping[int, float],
    published: Mapping[int, float],
    handled: Mapping[int, float],
    effects: Mapping[int, float],
) -> dict[str, Any]:
    """Latency from each counted event's producer commit to its effect commit, and per stage."""
    seqs = [s for s in committed if s >= 0]

    def stage(a: Mapping[int, float], b: Mapping[int, float]) -> dict[str, float]:
        return summary([(b[s] - a[s]) * 1000 for s in seqs if s in a and s in b])

    consumed = sum(1 for s in seqs if s in effects)
    return {
        "events_consumed": consumed,
        "lost": len(seqs) - consumed,
        "latency_ms": stage(committed, effects),
        "latency_handler_ms": stage(committed, handled),
        "stage_commit_to_published_ms": stage(committed, published),
        "stage_published_to_handler_ms": stage(published, handled),
        "stage_handler_to_effect_commit_ms": stage(handled, effects),
    }


def _all_in(seqs: Sequence[int] | range, done: Mapping[int, float]) -> Callable[[], bool]:
    return lambda: all(s in done for s in seqs)


async def scenario_latency(bb: Backbone, memory: MemoryPhases) -> dict[str, Any]:
    """Producer, relay and consumer in this one process (a service that produces and consumes)."""
    cfg = bb.cfg
    timed = TimedBus(bb.bus)
    relay = bb.relay(timed)
    handled: dict[int, float] = {}
    effects: dict[int, float] = {}
    committed: dict[int, float] = {}
    runner = bb.runner(timed, handled, effects)
    warmup = range(-cfg.warmup_events, 0)

    async def consumer_ready() -> bool:
        timed.batches.clear()
        ok = await wait_until(_all_in(warmup, effects), timeout=cfg.drain_timeout)
        timed.batches.clear()
        return ok

    relay.start()
    runner.start()
    try:
        result = await produce_paced(bb, relay, memory, committed, consumer_ready)
        memory.enter("drain")
        counted = [s for s in committed if s >= 0]
        result["drained"] = await wait_until(_all_in(counted, effects), timeout=cfg.drain_timeout, every=0.02)
    finally:
        await runner.stop()
        await relay.stop()
    result.update(latency_figures(committed, timed.published_at, handled, effects))
    result.update(
        {
            "relay_publishes": len(timed.batches),
            "relay_batch_mean": round(sum(timed.batches) / len(timed.batches), 2) if timed.batches else None,
            "relay_batch_max": max(timed.batches, default=0),
            "consumer_duplicates": runner.duplicates,
            "consumer_dead_lettered": runner.dead_lettered,
            "effects_in_db": await bb.effect_count(),
        }
    )
    return result


async def _wait_for_file(path: Path, timeout: float) -> bool:
    return await wait_until(path.exists, timeout=timeout, every=0.02)


def _write_atomically(path: Path, data: Any) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    os.replace(tmp, path)


async def scenario_split_producer(bb: Backbone, memory: MemoryPhases) -> dict[str, Any]:
    """The producing service of the split topology: use cases and relay; the consumer is another process."""
    cfg = bb.cfg
    sync = Path(cast(str, cfg.sync_dir))
    timed = TimedBus(bb.bus)
    relay = bb.relay(timed)
    committed: dict[int, float] = {}

    async def consumer_ready() -> bool:
        ok = await _wait_for_file(sync / "consumer-ready", cfg.drain_timeout)
        timed.batches.clear()
        return ok

    relay.start()
    try:
        result = await produce_paced(bb, relay, memory, committed, consumer_ready)
        memory.enter("drain")
        await wait_until(lambda: all(s in timed.published_at for s in committed), timeout=cfg.drain_timeout)
    finally:
        await relay.stop()
        _write_atomically(sync / "producer-done.json", sorted(committed))
    result.update(
        {
            "relay_publishes": len(timed.batches),
            "relay_batch_mean": round(sum(timed.batches) / len(timed.batches), 2) if timed.batches else None,
            "relay_batch_max": max(timed.batches, default=0),
            "committed": committed,
            "published": timed.published_at,
        }
    )
    return result


async def scenario_split_consumer(bb: Backbone, memory: MemoryPhases) -> dict[str, Any]:
    """The consuming service of the split topology: its consumer runner only."""
    cfg = bb.cfg
    sync = Path(cast(str, cfg.sync_dir))
    handled: dict[int, float] = {}
    effects: dict[int, float] = {}
    runner = bb.runner(bb.bus, handled, effects)
    runner.start()
    cpu = CpuWindow()
    result: dict[str, Any] = {}
    try:
        memory.enter("warmup")
        if not await wait_until(_all_in(range(-cfg.warmup_events, 0), effects), timeout=cfg.drain_timeout):
            raise RuntimeError("the warm-up events were not consumed in time")
        (sync / "consumer-ready").touch()
        memory.enter("steady")
        cpu.start()
        done = sync / "producer-done.json"
        await _wait_for_file(done, cfg.duration + 2 * cfg.drain_timeout)
        cpu.stop()
        memory.enter("drain")
        counted = [s for s in json.loads(done.read_text(encoding="utf-8")) if s >= 0]
        result["drained"] = await wait_until(_all_in(counted, effects), timeout=cfg.drain_timeout, every=0.02)
    finally:
        await runner.stop()
    result.update(
        {
            "steady_cpu": cpu.figures,
            "consumer_duplicates": runner.duplicates,
            "consumer_dead_lettered": runner.dead_lettered,
            "effects_in_db": await bb.effect_count(),
            "handled": handled,
            "effects": effects,
        }
    )
    return result


SCENARIOS: dict[tuple[Scenario, Role], Callable[[Backbone, MemoryPhases], Awaitable[dict[str, Any]]]] = {
    ("throughput", "both"): scenario_throughput,
    ("latency", "both"): scenario_latency,
    ("latency", "producer"): scenario_split_producer,
    ("latency", "consumer"): scenario_split_consumer,
}


async def worker_main(cfg: WorkerConfig) -> dict[str, Any]:
    """Set up the backbone, run the scenario, tear down; the result carries the worker's RSS by phase."""
    # Every service imports the app factory (FastAPI, auth, metrics): imported for its weight, so the RSS
    # is that of a service process running the backbone, not of a bare script.
    import motcua_shared.chassis.app  # noqa: F401

    memory = MemoryPhases()
    memory.start()
    bb = Backbone(cfg)
    await bb.open()
    memory.enter("ready")
    try:
        result = await SCENARIOS[(cfg.scenario, cfg.role)](bb, memory)
    finally:
        memory.enter("teardown")
        await bb.close()
        await memory.stop()
    result["rss_peak_mb_by_phase"] = memory.peaks
    result["pid"] = os.getpid()
    result["event_loop"] = "uvloop" if cfg.uvloop else "asyncio"
    return result


def run_worker(cfg: WorkerConfig) -> None:
    """Entry point of ``--worker``: run the scenario, write its result JSON to ``cfg.result_path``."""
    if cfg.uvloop:
        import uvloop

        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            result = runner.run(worker_main(cfg))
    else:
        result = asyncio.run(worker_main(cfg))
    Path(cfg.result_path).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


# ===========================================================================================================
# The orchestrator: infrastructure, worker processes, the embedded platform, the report.
# ===========================================================================================================


@dataclass
class Infra:
    """Where the Kafka + PostgreSQL scenarios run, and what we started (to stop it)."""

    bootstrap: str
    pg_admin_url: str
    broker: KafkaBroker | None = None
    cluster: PostgresCluster | None = None
    jvm: psutil.Process | None = None
    xmx_mb: float | None = None
    startup_s: dict[str, float] = field(default_factory=dict)
    dirs: list[Path] = field(default_factory=list)


def _jvm_listening_on(bootstrap: str) -> psutil.Process | None:
    """The local JVM serving ``bootstrap`` (an external broker), best effort."""
    try:
        port = int(bootstrap.split(",")[0].rsplit(":", 1)[1])
        for conn in psutil.net_connections(kind="tcp"):
            if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port and conn.pid:
                proc = psutil.Process(conn.pid)
                if "java" in proc.name():
                    return proc
    except (psutil.Error, ValueError, IndexError):
        return None
    return None


def _xmx_mb(proc: psutil.Process) -> float | None:
    """The ``-Xmx`` on a JVM's command line, in MiB."""
    try:
        cmdline = proc.cmdline()
    except psutil.Error:
        return None
    units = {"k": 1 / 1024, "m": 1.0, "g": 1024.0}
    for arg in cmdline:
        match = re.fullmatch(r"-Xmx(\d+)([kKmMgG]?)", arg)
        if match:
            return float(match.group(1)) * units.get(match.group(2).lower(), 1 / MB)
    return None


def jvm_heap(proc: psutil.Process | None) -> dict[str, float] | None:
    """Committed and used Java heap (``jcmd <pid> GC.heap_info``), in MiB; None when jcmd is unavailable."""
    jcmd = shutil.which("jcmd")
    if proc is None or jcmd is None:
        return None
    try:
        done = subprocess.run(  # noqa: S603 (our own argv)
            [jcmd, str(proc.pid), "GC.heap_info"], capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r"total (\d+)K, used (\d+)K", done.stdout)
    if match is None:
        return None
    return {
        "committed_mb": round(int(match.group(1)) / 1024, 1),
        "used_mb": round(int(match.group(2)) / 1024, 1),
    }


@contextlib.contextmanager
def kafka_and_postgres(args: argparse.Namespace) -> Iterator[Infra]:
    """Kafka and PostgreSQL at ``$MOTCUA_KAFKA_BOOTSTRAP`` / ``$MOTCUA_PG_URL``, else started in temp dirs."""
    bootstrap = os.environ.get("MOTCUA_KAFKA_BOOTSTRAP")
    pg_url = os.environ.get("MOTCUA_PG_URL")
    broker: KafkaBroker | None = None
    cluster: PostgresCluster | None = None
    dirs: list[Path] = []
    startup: dict[str, float] = {}
    if bootstrap is None:
        kafka_dir = Path(tempfile.mkdtemp(prefix="motcua-bench-kafka-"))
        dirs.append(kafka_dir)
        broker = KafkaBroker(
            kafka_dir, partitions=args.partitions, offsets_partitions=args.offsets_partitions, heap_mb=512
        )
    if pg_url is None:
        # Not under a 0700 parent: the postgres OS user must reach it (see conftest.py).
        pg_dir = Path(tempfile.mkdtemp(prefix="motcua-bench-pg-"))
        dirs.append(pg_dir)
        cluster = PostgresCluster(pg_dir, fast=args.pg_fast)

    def timed_start(name: str, start: Callable[[], None]) -> None:
        began = time.perf_counter()
        start()
        startup[name] = round(time.perf_counter() - began, 2)

    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = []
            if broker is not None:
                futures.append(pool.submit(timed_start, "kafka", broker.start))
            if cluster is not None:
                futures.append(pool.submit(timed_start, "postgres", cluster.start))
            for future in futures:
                future.result()
        infra = Infra(
            bootstrap=broker.bootstrap if broker is not None else cast(str, bootstrap),
            pg_admin_url=cluster.admin_url if cluster is not None else cast(str, pg_url),
            broker=broker,
            cluster=cluster,
            startup_s=startup,
            dirs=dirs,
        )
        if broker is not None and broker.pid is not None:
            infra.jvm = psutil.Process(broker.pid)
        else:
            infra.jvm = _jvm_listening_on(infra.bootstrap)
        infra.xmx_mb = _xmx_mb(infra.jvm) if infra.jvm is not None else None
        yield infra
    finally:
        if broker is not None:
            try:
                broker.stop(timeout=30)
            except Exception:
                broker.kill()
        if cluster is not None:
            try:
                cluster.stop(mode="fast", timeout=30)
            except Exception:
                cluster.kill()
            cluster.cleanup()
        for path in dirs:
            shutil.rmtree(path, ignore_errors=True)


def launch_workers(
    cfgs: Sequence[WorkerConfig], *, probes: Mapping[str, Callable[[], float | None]], timeout: float
) -> list[dict[str, Any]]:
    """Run worker processes side by side (started in order); their results, with ``probes``' peaks."""
    began = time.perf_counter()
    procs: list[tuple[WorkerConfig, subprocess.Popen[bytes], Path]] = []
    deadline = time.monotonic() + timeout
    with PeakSampler(probes) as sampler:
        try:
            for cfg in cfgs:
                log_path = Path(cfg.work_dir) / f"worker-{cfg.role}.log"
                cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(asdict(cfg))]
                with log_path.open("wb") as log:
                    popen = subprocess.Popen(  # noqa: S603 (our own argv)
                        cmd, cwd=REPO, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
                    )
                procs.append((cfg, popen, log_path))
            for _, popen, _ in procs:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    popen.wait(timeout=max(deadline - time.monotonic(), 0.1))
        finally:
            for _, popen, _ in procs:
                if popen.poll() is None:
                    popen.kill()
                    popen.wait()
    results: list[dict[str, Any]] = []
    for cfg, popen, log_path in procs:
        result_path = Path(cfg.result_path)
        if popen.returncode != 0 or not result_path.exists():
            tail = log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
            results.append({"error": f"{cfg.role} worker exited with {popen.returncode}", "log_tail": tail})
            continue
        result: dict[str, Any] = json.loads(result_path.read_text(encoding="utf-8"))
        result["wall_s"] = round(time.perf_counter() - began, 2)
        result["sampled_peak_mb"] = sampler.peak
        results.append(result)
    return results


def merge_split(producer: dict[str, Any], consumer: dict[str, Any]) -> dict[str, Any]:
    """The split topology's figures: the producer's commit times against the consumer's effect times."""
    for part in (producer, consumer):
        if "error" in part:
            return {"error": part["error"], "log_tail": part.get("log_tail", "")}

    def times(part: dict[str, Any], key: str) -> dict[int, float]:
        return {int(k): float(v) for k, v in part.pop(key).items()}

    committed, published = times(producer, "committed"), times(producer, "published")
    handled, effects = times(consumer, "handled"), times(consumer, "effects")
    merged = {
        k: v for k, v in producer.items() if k not in ("rss_peak_mb_by_phase", "pid", "sampled_peak_mb")
    }
    merged.update(latency_figures(committed, published, handled, effects))
    merged["drained"] = consumer.get("drained")
    merged["consumer_steady_cpu"] = consumer.get("steady_cpu")
    merged["consumer_duplicates"] = consumer.get("consumer_duplicates")
    merged["effects_in_db"] = consumer.get("effects_in_db")
    merged["producer_rss_peak_mb_by_phase"] = producer["rss_peak_mb_by_phase"]
    merged["consumer_rss_peak_mb_by_phase"] = consumer["rss_peak_mb_by_phase"]
    merged["sampled_peak_mb"] = producer.get("sampled_peak_mb", {})
    return merged


def run_backend(
    backend: Backend, args: argparse.Namespace, *, infra: Infra | None, root: Path
) -> dict[str, Any]:
    """The scenarios of ``backend``, each in fresh worker processes, databases and topic."""
    out: dict[str, Any] = {}
    probes: dict[str, Callable[[], float | None]] = {}
    if infra is not None and infra.jvm is not None:
        jvm = infra.jvm
        probes["kafka_jvm_rss_mb"] = lambda: rss_mb(jvm)
        out["kafka_jvm_idle_rss_mb"] = rss_mb(jvm)
        out["kafka_jvm_xmx_mb"] = infra.xmx_mb
    if infra is not None:
        out["storage"] = durability.postgres_settings(infra.pg_admin_url)
    runs: list[tuple[str, Scenario, list[Role]]] = [
        ("throughput", "throughput", ["both"]),
        ("latency", "latency", ["both"]),
    ]
    if backend == "kafka" and not args.no_split:
        runs.append(("latency_split", "latency", ["consumer", "producer"]))
    for name, scenario, roles in runs:
        work = root / f"{backend}-{name}"
        work.mkdir(parents=True)
        topic = f"motcua.bench.{uuid.uuid4().hex[:10]}.v1"
        cfgs = [
            WorkerConfig(
                scenario=scenario,
                backend=backend,
                work_dir=str(work),
                result_path=str(work / f"result-{role}.json"),
                role=role,
                sync_dir=str(work),
                topic=topic,
                bootstrap=infra.bootstrap if infra else None,
                pg_admin_url=infra.pg_admin_url if infra else None,
                delete_topic=bool(infra is not None and infra.broker is None and role != "consumer"),
                events=args.events,
                tx_size=args.tx_size,
                relay_batch=args.relay_batch,
                rate=args.rate,
                duration=args.duration,
                partitions=args.partitions,
                max_in_flight=args.max_in_flight,
                payload_bytes=args.payload_bytes,
                uvloop=not args.no_uvloop,
            )
            for role in roles
        ]
        print(f"  {BACKEND_LABEL[backend]}: {name} ...", flush=True)
        results = launch_workers(cfgs, probes=probes, timeout=args.worker_timeout)
        result = merge_split(results[1], results[0]) if len(results) == 2 else results[0]
        out[name] = result
        if backend == "embedded" and "storage" not in out:
            # A database the workers used, opened as they open it: the pragmas they ran with.
            used = [
                work / f"{side}.db" for side in ("consumer", "producer") if (work / f"{side}.db").exists()
            ]
            if used:
                out["storage"] = durability.sqlite_settings(f"sqlite+aiosqlite:///{used[0]}")
        if "error" in result:
            print(f"    FAILED: {result['error']}\n{result['log_tail']}", file=sys.stderr, flush=True)
        else:
            print(f"    {_one_line(scenario, result)}", flush=True)
    if infra is not None and infra.jvm is not None:
        out["kafka_jvm_heap_after"] = jvm_heap(infra.jvm)
        out["kafka_jvm_alive_after"] = infra.jvm.is_running()
        out["kafka_jvm_rss_after_mb"] = rss_mb(infra.jvm)
    return out


def _one_line(scenario: str, r: Mapping[str, Any]) -> str:
    if scenario == "throughput":
        return (
            f"relay {r['relay_eps']:,.0f} ev/s, consumer {r['consumer_eps']:,.0f} ev/s "
            f"({r['events']:,} events)"
        )
    lat = r["latency_ms"]
    return (
        f"latency p50 {lat.get('p50', float('nan')):.1f} / p99 {lat.get('p99', float('nan')):.1f} / "
        f"max {lat.get('max', float('nan')):.1f} ms at {r['achieved_rate']} ev/s, lost {r['lost']}"
    )


# -- the whole embedded platform ----------------------------------------------------------------------------


def _platform_command(port: int, var_dir: Path) -> list[str]:
    uv = shutil.which("uv")
    if uv is not None:
        return [uv, "run", "--frozen", "motcua", "run", "--port", str(port), "--var-dir", str(var_dir)]
    script = Path(sys.executable).parent / "motcua"
    return [str(script), "run", "--port", str(port), "--var-dir", str(var_dir)]


def _server_process(root: psutil.Process) -> psutil.Process:
    """The Python process serving the platform: ``root`` or its Python descendant (``uv run`` forks)."""
    candidates = [root]
    with contextlib.suppress(psutil.Error):
        candidates += root.children(recursive=True)
    for proc in reversed(candidates):
        with contextlib.suppress(psutil.Error):
            if "python" in proc.name().lower() or "python" in Path(proc.exe()).name.lower():
                return proc
    return candidates[-1]


async def _http_load(base: str, total: int, concurrency: int) -> dict[str, Any]:
    """``total`` GETs alternating /readyz and /healthz from ``concurrency`` clients; statuses and timings."""
    statuses: dict[str, int] = {}
    timings: dict[str, list[float]] = {"/readyz": [], "/healthz": []}
    paths = list(timings)
    counter = iter(range(total))

    async def client_loop(client: httpx.AsyncClient) -> None:
        for i in counter:
            path = paths[i % 2]
            began = time.perf_counter()
            try:
                key = f"{path} {(await client.get(path)).status_code}"
            except httpx.HTTPError as exc:
                key = f"{path} {type(exc).__name__}"
            timings[path].append((time.perf_counter() - began) * 1000)
            statuses[key] = statuses.get(key, 0) + 1

    began = time.perf_counter()
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        await asyncio.gather(*(client_loop(client) for _ in range(concurrency)))
    elapsed = time.perf_counter() - began
    return {
        "requests": total,
        "concurrency": concurrency,
        "seconds": round(elapsed, 2),
        "requests_per_s": round(total / elapsed, 1),
        "statuses": statuses,
        "request_ms": {path: summary(values) for path, values in timings.items()},
    }


def measure_platform(args: argparse.Namespace) -> dict[str, Any]:
    """RSS of ``motcua run`` (the whole embedded platform) after start and after light HTTP load."""
    var_dir = Path(tempfile.mkdtemp(prefix="motcua-bench-platform-"))
    port = free_port()
    base = f"http://{LOOPBACK}:{port}"
    env = {**os.environ, "MOTCUA_LOG_LEVEL": "WARNING", "UV_PYTHON_DOWNLOADS": "never"}
    cmd = _platform_command(port, var_dir)
    out: dict[str, Any] = {"command": " ".join(cmd)}
    log_path = var_dir / "platform.log"
    began = time.perf_counter()
    with log_path.open("wb") as log:
        popen = subprocess.Popen(  # noqa: S603 (our own argv)
            cmd, cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    root = psutil.Process(popen.pid)
    server: psutil.Process | None = None
    try:
        deadline = time.monotonic() + args.platform_timeout
        ready = False
        while time.monotonic() < deadline and popen.poll() is None:
            try:
                ready = httpx.get(f"{base}/readyz", timeout=3).status_code == 200
            except httpx.HTTPError:
                ready = False
            if ready:
                break
            time.sleep(0.2)
        if not ready:
            tail = log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
            return {**out, "error": "the platform did not become ready", "log_tail": tail}
        out["startup_s"] = round(time.perf_counter() - began, 2)
        server = _server_process(root)
        out["server_pid"] = server.pid
        out["launcher_rss_mb"] = rss_mb(root) if root.pid != server.pid else 0.0
        time.sleep(2.0)  # let start-up work (first relay polls, consumers joining) settle
        out["rss_after_start_mb"] = rss_mb(server)
        proc = server
        with PeakSampler({"rss": lambda: rss_mb(proc)}) as sampler:
            out["http_load"] = asyncio.run(_http_load(base, args.http_requests, args.http_concurrency))
        out["rss_peak_during_load_mb"] = sampler.peak.get("rss")
        time.sleep(1.0)
        out["rss_after_load_mb"] = rss_mb(server)
        return out
    finally:
        _stop_platform(popen, root, server)
        shutil.rmtree(var_dir, ignore_errors=True)


def _stop_platform(
    popen: subprocess.Popen[bytes], root: psutil.Process, server: psutil.Process | None
) -> None:
    """SIGTERM the server (uvicorn shuts down in order), then its launcher; SIGKILL what is left, by pid."""
    targets = [p for p in (server, root) if p is not None]
    for proc in targets:
        with contextlib.suppress(psutil.Error):
            proc.send_signal(signal.SIGTERM)
        with contextlib.suppress(psutil.Error):
            proc.wait(15)
    for proc in targets:
        with contextlib.suppress(psutil.Error):
            if proc.is_running():
                proc.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        popen.wait(5)


# -- the report ---------------------------------------------------------------------------------------------


@dataclass
class Check:
    """One line of the summary: a measured figure beside its target."""

    mode: str
    figure: str
    measured: str
    target: str
    passed: bool | None  # None: informational, or not measured

    @property
    def verdict(self) -> str:
        return "—" if self.passed is None else ("PASS" if self.passed else "MISS")


def _fmt(value: float | None, unit: str = "", digits: int = 0) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f}{unit}"


def _peak(phases: Mapping[str, float]) -> float | None:
    """The peak RSS under load: the steady and drain phases of a latency run."""
    return max((phases.get(p, 0.0) for p in ("steady", "drain")), default=0.0) or None


def _latency_checks(
    mode: str, lat: Mapping[str, Any], args: argparse.Namespace, *, split: bool
) -> list[Check]:
    """The latency line and the service-RSS line of one latency run."""
    where = "producer and consumer in 2 processes" if split else "in 1 process"
    if "error" in lat:
        return [Check(mode, f"latency scenario ({where})", lat["error"], "runs", False)]
    ms = lat.get("latency_ms", {})
    achieved = lat.get("achieved_rate") or 0.0
    ok = (
        ms.get("count", 0) > 0
        and ms["p99"] < LATENCY_P99_TARGET_MS
        and achieved >= RATE_TOLERANCE * args.rate
        and lat.get("lost", 1) == 0
    )
    measured = (
        f"p50 {_fmt(ms.get('p50'), digits=1)} / p99 {_fmt(ms.get('p99'), digits=1)} / "
        f"max {_fmt(ms.get('max'), digits=1)} ms at {_fmt(achieved, ' ev/s')}, lost {lat.get('lost')}"
    )
    checks = [
        Check(
            mode,
            f"latency outbox commit → effect commit, {where} ({lat.get('duration_s')} s)",
            measured,
            f"p99 < {LATENCY_P99_TARGET_MS:.0f} ms at {args.rate:,.0f} ev/s",
            ok,
        )
    ]
    if split:
        producer = _peak(lat.get("producer_rss_peak_mb_by_phase", {}))
        consumer = _peak(lat.get("consumer_rss_peak_mb_by_phase", {}))
        checks.append(
            Check(
                mode,
                "service RSS, 2 processes: producer + relay / consumer (peak under load)",
                f"{_fmt(producer, digits=1)} / {_fmt(consumer, ' MB', 1)}",
                f"≤ {SERVICE_RSS_TARGET_MB:.0f} MB",
                None
                if producer is None or consumer is None
                else max(producer, consumer) <= SERVICE_RSS_TARGET_MB,
            )
        )
    else:
        service = _peak(lat.get("rss_peak_mb_by_phase", {}))
        checks.append(
            Check(
                mode,
                "service RSS: producer + relay + consumer in 1 process (peak under load)",
                _fmt(service, " MB", 1),
                f"≤ {SERVICE_RSS_TARGET_MB:.0f} MB",
                service is not None and service <= SERVICE_RSS_TARGET_MB,
            )
        )
    return checks


def build_checks(results: Mapping[str, Any], args: argparse.Namespace) -> list[Check]:
    """The summary lines, from the raw results."""
    checks: list[Check] = []
    for backend in ("kafka", "embedded"):
        data = results.get("backends", {}).get(backend)
        if data is None:
            continue
        mode = BACKEND_LABEL[backend]
        tp = data.get("throughput", {})
        if "error" in tp:
            checks.append(Check(mode, "throughput scenario", tp["error"], "runs", False))
        else:
            relay = tp.get("relay_eps")
            checks.append(
                Check(
                    mode,
                    f"relay throughput ({tp.get('events', 0):,} events)",
                    _fmt(relay, " ev/s"),
                    f"≥ {RELAY_TARGET_EPS:,.0f} ev/s",
                    relay is not None and relay >= RELAY_TARGET_EPS and bool(tp.get("relay_complete")),
                )
            )
            checks.append(
                Check(
                    mode,
                    "consumer throughput (fresh group, via inbox)",
                    f"{_fmt(tp.get('consumer_eps'), ' ev/s')} (steady {_fmt(tp.get('consumer_eps_steady'))})",
                    "— (no target)",
                    None if tp.get("consumer_complete") else False,
                )
            )
        checks += _latency_checks(mode, data.get("latency", {}), args, split=False)
        if "latency_split" in data:
            checks += _latency_checks(mode, data["latency_split"], args, split=True)
        if backend == "kafka" and "kafka_jvm_xmx_mb" in data:
            xmx = data.get("kafka_jvm_xmx_mb")
            peak = max(
                (
                    data.get(s, {}).get("sampled_peak_mb", {}).get("kafka_jvm_rss_mb", 0.0)
                    for s in ("throughput", "latency", "latency_split")
                ),
                default=0.0,
            )
            heap = data.get("kafka_jvm_heap_after") or {}
            heap_text = f", heap used {_fmt(heap.get('used_mb'), ' MB')} after" if heap else ""
            checks.append(
                Check(
                    mode,
                    "Kafka JVM RSS (peak under load) and -Xmx",
                    f"{_fmt(peak, ' MB', 1)} RSS, -Xmx {_fmt(xmx, ' MB')}{heap_text}",
                    f"heap ≤ {KAFKA_HEAP_TARGET_MB:.0f} MB, broker survives",
                    None
                    if xmx is None
                    else (xmx <= KAFKA_HEAP_TARGET_MB and bool(data.get("kafka_jvm_alive_after"))),
                )
            )
    plat = results.get("platform")
    if plat is not None:
        mode = BACKEND_LABEL["embedded"]
        if "error" in plat:
            checks.append(Check(mode, "whole platform (motcua run)", plat["error"], "starts", False))
        else:
            after = plat.get("rss_after_load_mb")
            peak = plat.get("rss_peak_during_load_mb")
            worst = max(v for v in (after, peak, plat.get("rss_after_start_mb"), 0.0) if v is not None)
            checks.append(
                Check(
                    mode,
                    f"whole platform RSS: after start / peak / after {plat['http_load']['requests']:,} GETs",
                    f"{_fmt(plat.get('rss_after_start_mb'), digits=1)} / {_fmt(peak, digits=1)} / "
                    f"{_fmt(after, ' MB', 1)}",
                    f"≤ {PLATFORM_RSS_TARGET_MB:.0f} MB",
                    worst <= PLATFORM_RSS_TARGET_MB,
                )
            )
    return checks


def _diagnostics(results: Mapping[str, Any]) -> list[str]:
    """Where the latency runs spent their time, and how busy the CPUs were: to see what limits."""
    rows: list[str] = []
    fast = _fast_modes(results)

    def pair(summary_: Mapping[str, Any] | None) -> str:
        summary_ = summary_ or {}
        return f"{_fmt(summary_.get('p50'), digits=1)} / {_fmt(summary_.get('p99'), digits=1)}"

    for backend in ("kafka", "embedded"):
        data = results.get("backends", {}).get(backend, {})
        for name, where in (("latency", "1 process"), ("latency_split", "2 processes")):
            lat = data.get(name)
            if not lat or "error" in lat:
                continue
            cpu = lat.get("steady_cpu") or {}
            consumer_cpu = lat.get("consumer_steady_cpu")
            process_cpu = _fmt(cpu.get("process_cpu_pct"), " %")
            machine_cpu = _fmt(cpu.get("machine_cpu_pct"), " %")
            if consumer_cpu:
                process_cpu += f" + {_fmt(consumer_cpu.get('process_cpu_pct'), ' %')}"
            mode = BACKEND_LABEL[backend]
            if mode in fast:
                mode += f" ({durability.FAST_LABEL})"
            rows.append(
                f"| {mode}, {where} | {pair(lat.get('producer_commit_delay_ms'))} | "
                f"{pair(lat.get('stage_commit_to_published_ms'))} | "
                f"{pair(lat.get('stage_published_to_handler_ms'))} | "
                f"{pair(lat.get('stage_handler_to_effect_commit_ms'))} | "
                f"{_fmt(lat.get('relay_batch_mean'), digits=1)} | {process_cpu} | {machine_cpu} |"
            )
    if not rows:
        return []
    return [
        "",
        "Latency runs by stage, p50 / p99 in ms (producer delay = commit time − scheduled start); CPU while"
        " producing (100 % = one core; machine: all cores):",
        "",
        "| Run | producer delay | commit → published | published → handler | handler → effect commit"
        " | relay batch | process CPU | machine CPU |",
        "|---|---|---|---|---|---|---|---|",
        *rows,
    ]


def storage_lines(results: Mapping[str, Any]) -> list[str]:
    """The header's storage durability, as the engines reported it during the run."""
    lines = []
    for backend, label in (("kafka", durability.postgres_label), ("embedded", durability.sqlite_label)):
        storage = results.get("backends", {}).get(backend, {}).get("storage")
        if storage is not None:
            lines.append(f"Storage of {BACKEND_LABEL[backend]}: {label(storage)}.")
    if "platform" in results:
        lines.append("`motcua run` (the platform's memory) runs on SQLite the same way as the embedded mode.")
    return lines


def _fast_modes(results: Mapping[str, Any]) -> set[str]:
    """The table's modes measured on storage that is not durable (labelled so)."""
    storage = results.get("backends", {}).get("kafka", {}).get("storage")
    return (
        {BACKEND_LABEL["kafka"]}
        if storage is not None and not durability.postgres_is_durable(storage)
        else set()
    )


def render_markdown(results: Mapping[str, Any], checks: Sequence[Check], json_name: str) -> str:
    """``latest.md``: the summary table and the few facts needed to read it."""
    host = results["host"]
    cfg = results["config"]
    lines = [
        "# Event backbone benchmark",
        "",
        f"Run {results['started_at']} ({results['duration_s']:.0f} s) on {host['cpus']} CPUs, "
        f"{host['memory_gb']} GB RAM, Python {host['python']}; raw figures in `{json_name}`. Machine busy "
        f"{host['background_cpu_pct']:.0f} % before the start (load {host['loadavg_1m']}): other processes"
        " running alongside skew every figure.",
        f"Config: {cfg['events']:,} events (prefill in transactions of {cfg['tx_size']}, relay batch "
        f"{cfg['relay_batch']}), latency {cfg['rate']:,.0f} ev/s for {cfg['duration']} s, "
        f"{cfg['partitions']} partitions{', quick' if cfg['quick'] else ''}.",
        *storage_lines(results),
        "",
        "| Mode | Figure | Measured | Target | Result |",
        "|---|---|---|---|---|",
    ]
    fast = _fast_modes(results)
    lines += [
        f"| {c.mode}{f' ({durability.FAST_LABEL})' if c.mode in fast else ''} | {c.figure} | "
        f"{c.measured} | {c.target} | {c.verdict} |"
        for c in checks
    ]
    lines += _diagnostics(results)
    lines += [
        "",
        "Latency = wall clock right after the consumer's effect transaction committed (a `commit()` override"
        " on its unit of work) − wall clock right after the producer's use-case transaction committed; same"
        " host, same clock (`time.time()`), and in the 1-process runs the same process. Producers run open"
        " loop on an absolute schedule. Memory is RSS (psutil). See `bench/README.md`.",
        "",
    ]
    return "\n".join(lines)


# -- command line -------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark the event backbone (relay, consumer, latency, memory) on Kafka + PostgreSQL "
        "and on the embedded mode; writes bench/results/."
    )
    parser.add_argument("--events", type=int, help="events for the throughput runs (20000; quick 3000)")
    parser.add_argument("--tx-size", type=int, default=500, help="outbox rows per pre-fill transaction (500)")
    parser.add_argument(
        "--relay-batch", type=int, default=500, help="the relay's batch size (500, the default)"
    )
    parser.add_argument("--rate", type=float, default=500.0, help="events/s of the latency run (500)")
    parser.add_argument("--duration", type=float, help="seconds of each latency run (20; quick 5)")
    parser.add_argument("--partitions", type=int, default=12, help="partitions of the topics (12)")
    parser.add_argument(
        "--offsets-partitions", type=int, default=12, help="__consumer_offsets partitions of our broker (12)"
    )
    parser.add_argument(
        "--max-in-flight", type=int, default=16, help="producer transactions in flight at most (16)"
    )
    parser.add_argument("--payload-bytes", type=int, default=200, help="padding in each event (200 bytes)")
    parser.add_argument("--http-requests", type=int, help="GETs against the platform (2000; quick 500)")
    parser.add_argument("--http-concurrency", type=int, default=8, help="concurrent HTTP clients (8)")
    parser.add_argument(
        "--only",
        action="append",
        choices=["kafka", "embedded", "platform"],
        help="run only these parts (repeatable; default all)",
    )
    parser.add_argument(
        "--no-split", action="store_true", help="skip the latency run with producer and consumer apart"
    )
    parser.add_argument(
        "--pg-fast",
        action="store_true",
        help="start PostgreSQL with fsync, synchronous_commit and full_page_writes off (for comparison only: "
        "the report labels its figures fast, not durable)",
    )
    parser.add_argument("--no-uvloop", action="store_true", help="plain asyncio loop in the workers")
    parser.add_argument("--quick", action="store_true", help="smoke run: 3000 events, 5 s latency, 500 GETs")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--out-dir", type=Path, default=RESULTS, help="where results go (bench/results)")
    parser.add_argument("--keep-work", action="store_true", help="keep the workers' directories and logs")
    parser.add_argument("--worker-timeout", type=float, default=300.0, help=argparse.SUPPRESS)
    parser.add_argument("--platform-timeout", type=float, default=180.0, help=argparse.SUPPRESS)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    # --quick changes the defaults only: figures given explicitly win.
    for name, full, quick in (
        ("events", 20_000, 3000),
        ("duration", 20.0, 5.0),
        ("http_requests", 2000, 500),
    ):
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        run_worker(WorkerConfig(**json.loads(args.worker)))
        return 0
    parts = set(args.only or ["kafka", "embedded", "platform"])
    started = datetime.now(UTC)
    began = time.perf_counter()
    print("measuring the background CPU load for 2 s ...", flush=True)
    results: dict[str, Any] = {
        "started_at": started.isoformat(timespec="seconds"),
        "host": {
            "cpus": os.cpu_count(),
            "memory_gb": round(psutil.virtual_memory().total / 1024**3, 1),
            "python": platform.python_version(),
            "platform": platform.platform(),
            # Other processes' load before we start: figures taken on a busy machine are not comparable.
            "background_cpu_pct": psutil.cpu_percent(interval=2.0),
            "loadavg_1m": round(os.getloadavg()[0], 2),
        },
        "config": {
            "events": args.events,
            "tx_size": args.tx_size,
            "relay_batch": args.relay_batch,
            "rate": args.rate,
            "duration": args.duration,
            "partitions": args.partitions,
            "offsets_partitions": args.offsets_partitions,
            "max_in_flight": args.max_in_flight,
            "payload_bytes": args.payload_bytes,
            "http_requests": args.http_requests,
            "http_concurrency": args.http_concurrency,
            "pg_fast": args.pg_fast,
            "uvloop": not args.no_uvloop,
            "quick": args.quick,
            "parts": sorted(parts),
        },
        "backends": {},
    }
    root = Path(tempfile.mkdtemp(prefix="motcua-bench-"))
    try:
        if "kafka" in parts:
            print("Kafka + PostgreSQL: starting infrastructure ...", flush=True)
            try:
                with kafka_and_postgres(args) as infra:
                    results["infra"] = {
                        "kafka": "started" if infra.broker else "external",
                        "postgres": "started" if infra.cluster else "external",
                        "startup_s": infra.startup_s,
                    }
                    results["backends"]["kafka"] = run_backend("kafka", args, infra=infra, root=root)
            except Exception as exc:
                results["backends"]["kafka"] = {"throughput": {"error": f"infrastructure: {exc!r}"[:2000]}}
                print(f"  FAILED: {exc!r}", file=sys.stderr, flush=True)
        if "embedded" in parts:
            print("Embedded (SQLite + LocalBus):", flush=True)
            results["backends"]["embedded"] = run_backend("embedded", args, infra=None, root=root)
        if "platform" in parts:
            print("Whole embedded platform (motcua run) ...", flush=True)
            results["platform"] = measure_platform(args)
    finally:
        if args.keep_work:
            print(f"worker directories and logs kept in {root}", flush=True)
        else:
            shutil.rmtree(root, ignore_errors=True)
    results["duration_s"] = round(time.perf_counter() - began, 1)
    checks = build_checks(results, args)
    results["checks"] = [{**asdict(c), "verdict": c.verdict} for c in checks]

    args.out_dir.mkdir(parents=True, exist_ok=True)
    json_path = args.out_dir / f"backbone-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    json_path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    markdown = render_markdown(results, checks, json_path.name)
    (args.out_dir / "latest.md").write_text(markdown, encoding="utf-8")
    print()
    print(markdown)
    print(f"written: {json_path}")
    failed = any(c.target in ("runs", "starts") for c in checks)
    missed = any(c.passed is False for c in checks)
    return 2 if failed else (1 if missed and args.strict else 0)


if __name__ == "__main__":
    sys.exit(main())
