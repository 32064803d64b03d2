"""notify-svc's resident memory as events go through it: one process, alone, on real PostgreSQL and Kafka.

`python bench/notify_memory.py --events 4000` starts a durable PostgreSQL and one Kafka broker (as `motcua
stack` does), notify-svc as its own process (`python -m notify_svc`, the stack's settings), then publishes
``--events`` pairs of ``dossier.submitted`` and ``payment.requested`` (what the resilience suite drives: an
in-app notice for the citizen and the agency, an SMS for the fee), each for a new dossier and phone. Every
second it samples the process's RSS; at each tenth of the load it asks the process (SIGUSR1) for a
tracemalloc snapshot, and prints the allocation sites that grew most since the first, with the GC counts.
``--env NAME=VALUE`` passes extra environment to the service (e.g. ``MALLOC_ARENA_MAX=2``); ``--no-trace``
measures without tracemalloc (whose own bookkeeping costs memory); ``--faults`` kills and restarts the broker
at three tenths of the load and restarts PostgreSQL at six (the reconnections the resilience suite causes).
Takes a few minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from motcua.infra.kafka import KafkaBroker
from motcua.infra.ports import free_ports
from motcua.infra.postgres import PostgresCluster
from motcua_shared.chassis.bus.base import Message
from motcua_shared.chassis.bus.kafka import KafkaBus
from motcua_shared.chassis.settings import BusSettings
from motcua_shared.contracts import topics
from motcua_shared.contracts.base import CloudEvent
from motcua_shared.contracts.common import Contact
from motcua_shared.contracts.dossier import DossierSubmitted
from motcua_shared.contracts.examples import examples
from motcua_shared.contracts.payment import PaymentRequested

# Runs inside the service: tracemalloc on, a snapshot written on SIGUSR1, then the service as `-m`.
_TRACED = """
import gc, os, runpy, signal, sys, tracemalloc
tracemalloc.start(12)
def dump(*_):
    gc.collect()
    tracemalloc.take_snapshot().dump(os.environ["SNAPSHOT_PATH"] + ".tmp")
    os.replace(os.environ["SNAPSHOT_PATH"] + ".tmp", os.environ["SNAPSHOT_PATH"])
    print("gc", gc.get_count(), len(gc.get_objects()), file=sys.stderr, flush=True)
signal.signal(signal.SIGUSR1, dump)
sys.argv = ["notify_svc"]
runpy.run_module("notify_svc", run_name="__main__", alter_sys=True)
"""


def _events(n: int) -> list[Message]:
    ex = examples()
    messages: list[Message] = []
    for i in range(n):
        suffix = uuid.uuid4().hex[:8]
        code = f"hue.xa.thuan-hoa-250804-{i:05d}{suffix}"
        contact = Contact(name="Nguyễn Văn An", phone=f"+849{i:08d}", email=None)
        submitted = ex[DossierSubmitted.TYPE].model_copy(
            update={"dossier_code": code, "applicant_id": f"citizen-{i % 8}", "applicant": contact}
        )
        requested = ex[PaymentRequested.TYPE].model_copy(
            update={
                "dossier_code": code,
                "payment_id": f"pay-{suffix}",
                "reference": f"REF{suffix}",
                "applicant_id": f"citizen-{i % 8}",
                "payer": contact,
            }
        )
        for event, topic, source in (
            (submitted, topics.DOSSIER, "/motcua/dossier"),
            (requested, topics.PAYMENT, "/motcua/payment"),
        ):
            value = CloudEvent.wrap(event, source=source).to_json().encode()
            messages.append(Message(topic=topic, key=code, value=value))
    return messages


def _top(first: tracemalloc.Snapshot, last: tracemalloc.Snapshot, limit: int = 12) -> list[str]:
    stats = last.compare_to(first, "traceback")
    lines = []
    for stat in stats[:limit]:
        # Most recent call first.
        frames = [f"{f.filename.split('site-packages/')[-1]}:{f.lineno}" for f in reversed(stat.traceback)]
        lines.append(
            f"  {stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7d} objs  " + " < ".join(frames[:5])
        )
    return lines


async def _pending(db_url: str) -> int:
    engine = create_async_engine(db_url)
    try:
        async with engine.connect() as conn:
            found = await conn.scalar(text("SELECT count(*) FROM deliveries WHERE status = 'queued'"))
            return int(found or 0)
    finally:
        await engine.dispose()


@dataclass
class Run:
    """What one measurement started, and what it saw."""

    args: argparse.Namespace
    root: Path
    cluster: PostgresCluster
    broker: KafkaBroker
    service: subprocess.Popen[bytes]
    db_url: str
    rss: list[float] = field(default_factory=list)
    snapshots: list[tracemalloc.Snapshot] = field(default_factory=list)

    def snap(self) -> None:
        """A tracemalloc snapshot of the service (unless ``--no-trace``)."""
        if self.args.no_trace:
            return
        path = self.root / "snapshot"
        path.unlink(missing_ok=True)
        self.service.send_signal(signal.SIGUSR1)
        for _ in range(600):
            if path.exists():
                self.snapshots.append(tracemalloc.Snapshot.load(str(path)))
                return
            time.sleep(0.1)

    def fault(self, tenth: int) -> None:
        """The broker killed and restarted at three tenths, PostgreSQL restarted at six (``--faults``)."""
        if self.args.faults and tenth == 2:
            self.broker.kill()
            time.sleep(10)
            self.broker.start()
            print("broker killed and restarted", flush=True)
        if self.args.faults and tenth == 5:
            self.cluster.stop()
            time.sleep(5)
            self.cluster.start()
            print("postgres restarted", flush=True)


def _start(args: argparse.Namespace, root: Path, cluster: PostgresCluster, broker: KafkaBroker) -> Run:
    cluster.start()
    cluster.create_database("notify")
    broker.start()
    port, jwks = free_ports(2)
    db_url = cluster.url("notify")
    env = {
        **os.environ,
        "NOTIFY_DB__URL": db_url,
        "NOTIFY_BUS__KIND": "kafka",
        "NOTIFY_BUS__BOOTSTRAP_SERVERS": broker.advertised,
        "NOTIFY_HTTP__HOST": "127.0.0.1",
        "NOTIFY_HTTP__PORT": str(port),
        "NOTIFY_AUTH__JWKS_URL": f"http://127.0.0.1:{jwks}/.well-known/jwks.json",
        "SNAPSHOT_PATH": str(root / "snapshot"),
    }
    env |= dict(item.split("=", 1) for item in args.env)
    argv = [sys.executable, "-m", "notify_svc"] if args.no_trace else [sys.executable, "-c", _TRACED]
    with (root / "notify.log").open("wb") as out:
        service = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
    run = Run(args, root, cluster, broker, service, db_url)
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return run
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or service.poll() is not None:
            raise RuntimeError((root / "notify.log").read_text()[-3000:])
        time.sleep(0.5)


async def _load(run: Run) -> dict[str, float]:
    args = run.args
    proc = psutil.Process(run.service.pid)

    async def sample() -> None:
        while True:
            run.rss.append(proc.memory_info().rss / 2**20)
            await asyncio.sleep(1)

    sampler = asyncio.create_task(sample())
    await asyncio.sleep(3)
    print(f"ready: RSS {run.rss[-1]:.1f} MB", flush=True)
    await asyncio.to_thread(run.snap)
    bus = KafkaBus(
        BusSettings(kind="kafka", bootstrap_servers=run.broker.advertised), client_id="notify-memory-bench"
    )
    await bus.start()
    try:
        await bus.ensure_topics([topics.DOSSIER, topics.PAYMENT])
        messages = _events(args.events)
        tenth = max(1, len(messages) // 10)
        for start in range(0, len(messages), tenth):
            batch = messages[start : start + tenth]
            began = time.monotonic()
            for i in range(0, len(batch), 20):
                await bus.publish(batch[i : i + 20])
                await asyncio.sleep(max(0.0, began + (i + 20) / 2 / args.rate - time.monotonic()))
            await asyncio.to_thread(run.snap)
            await asyncio.to_thread(run.fault, start // tenth)
            done = start + len(batch)
            print(f"{done:>6} events  RSS {run.rss[-1]:6.1f} MB  max {max(run.rss):6.1f}", flush=True)
    finally:
        await bus.stop()
    for _ in range(300):
        if await _pending(run.db_url) == 0:
            break
        await asyncio.sleep(1)
    await asyncio.sleep(5)
    await asyncio.to_thread(run.snap)
    sampler.cancel()
    return {
        "start_mb": round(run.rss[0], 1),
        "max_mb": round(max(run.rss), 1),
        "p95_mb": round(statistics.quantiles(run.rss, n=20)[-1], 1),
        "end_mb": round(run.rss[-1], 1),
        "pending": await _pending(run.db_url),
    }


def main() -> None:
    """Measure once, as the command line says; print the figures (and, traced, what grew)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=4000, help="dossiers (two events each)")
    parser.add_argument("--rate", type=float, default=40, help="dossiers per second")
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for the service")
    parser.add_argument("--no-trace", action="store_true")
    parser.add_argument(
        "--faults", action="store_true", help="kill and restart the broker, then restart PostgreSQL, mid-load"
    )
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="motcua-notify-mem-"))
    root.chmod(0o755)
    cluster = PostgresCluster(root / "postgres")
    broker = KafkaBroker(root / "kafka")
    run: Run | None = None
    try:
        run = _start(args, root, cluster, broker)
        print(json.dumps(asyncio.run(_load(run))))
        if len(run.snapshots) >= 3:
            print("grown since the first tenth of the load:")
            print("\n".join(_top(run.snapshots[1], run.snapshots[-1])))
            print("grown since start:")
            print("\n".join(_top(run.snapshots[0], run.snapshots[-1])))
    finally:
        if run is not None:
            run.service.terminate()
            run.service.wait(30)
        broker.stop()
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
