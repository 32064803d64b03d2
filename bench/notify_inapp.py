"""Benchmark of notify-svc: event → in-app notification stored (latency p50/p99, notifications/s).

Run ``uv run python bench/notify_inapp.py`` (``--quick`` smokes, ``--help`` lists the knobs). It starts
notify-svc on the in-process bus with its database on SQLite (a file, as in the embedded mode) and then on
PostgreSQL (as in the stack; ``--backend`` picks one), publishes ``dossier.submitted`` events as
dossier-svc's relay would (each one stores two in-app notifications: the applicant's and the agency
queue's, with their audit events in the outbox), and measures:

* throughput: a burst of N events, from the first publish to the commit of the last notification, and the
  CPU spent on it per event (the service's process; and the PostgreSQL server's processes);
* latency: events published open-loop at a steady rate, from publish to the commit of their notifications.

PostgreSQL is a temporary ``motcua.infra.PostgresCluster``, durable (fsync, synchronous_commit and
full_page_writes on) unless ``--pg-fast``, or the server of ``$MOTCUA_PG_URL`` (an admin URL; the benchmark
creates and drops its own database there). The report states each database's durability settings as read
from it, and labels figures measured on fast storage.
Results go to ``bench/results/notify_inapp-<UTC>.json`` and ``bench/results/notify_inapp.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import durability
import psutil

from motcua.infra.postgres import ExternalPostgres, PgServer, PostgresCluster
from motcua_shared.chassis.bus.base import Message
from motcua_shared.chassis.bus.local import LocalBus
from motcua_shared.chassis.clock import PLATFORM_TZ, SettableClock
from motcua_shared.chassis.keys import SigningKey, jwks
from motcua_shared.chassis.settings import BusSettings, DbSettings
from motcua_shared.contracts.base import CloudEvent
from motcua_shared.contracts.common import Contact
from motcua_shared.contracts.dossier import DossierSubmitted
from motcua_shared.contracts.examples import examples
from notify_svc.app import create_app
from notify_svc.settings import DispatchSettings, Settings

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
THROUGHPUT_TARGET = 1000.0
"""In-app notifications stored per second (the issue's target)."""
P99_TARGET_MS = 100.0


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1), nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


class Watch:
    """Records when each inbox key was woken after a commit (the hub's notify runs after commit)."""

    def __init__(self) -> None:
        self.committed: dict[str, float] = {}
        self.changed = asyncio.Event()

    def __call__(self, keys: Iterable[str]) -> None:
        now = time.perf_counter()
        for key in keys:
            self.committed.setdefault(key, now)
        self.changed.set()

    async def until(self, keys: Iterable[str]) -> None:
        """Wait until every key has committed."""
        missing = set(keys)
        while True:
            self.changed.clear()
            missing -= self.committed.keys()
            if not missing:
                return
            await self.changed.wait()


def submitted(i: int, run: str) -> CloudEvent:
    base = examples()[DossierSubmitted.TYPE]
    event = base.model_copy(
        update={
            "dossier_code": f"hue.xa.thuan-hoa-{run}-{i:06d}",
            "applicant_id": f"bench-{run}-{i}",
            "applicant": Contact(name="Nguyễn Văn An", phone="+84905000000", email=None),
        }
    )
    return CloudEvent.wrap(event, source="/motcua/dossier")


def message(envelope: CloudEvent) -> Message:
    return Message(topic=DossierSubmitted.TOPIC, key=envelope.subject, value=envelope.to_json().encode())


def cpu_seconds(processes: list[psutil.Process]) -> float:
    """User + system CPU of ``processes`` (those that have ended count as nothing)."""
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


async def run(
    events: int, rate: float, latency_events: int, workdir: Path, db_url: str, server: psutil.Process | None
) -> dict[str, Any]:
    """One backend: warm up, the burst (throughput and CPU), then the open-loop latency run."""
    key = SigningKey.generate()
    settings = Settings(
        env="test",
        log_json=False,
        log_level="WARNING",
        db=DbSettings(url=db_url),
        bus=BusSettings(partitions=4, relay_poll_interval=0.2),
        dispatch=DispatchSettings(autostart=False),
    )
    bus = LocalBus(workdir / "bus.db", partitions=4)
    await bus.start()
    daytime = datetime(2025, 8, 4, 9, 0, tzinfo=PLATFORM_TZ)
    app = create_app(
        settings, bus=bus, key_source=lambda: jwks([key]), configure_logs=False, clock=SettableClock(daytime)
    )
    watch = Watch()
    try:
        async with app.router.lifespan_context(app):
            hub = app.state.ports.hub
            original = hub.notify

            def notify(keys: Iterable[str]) -> None:
                keys = list(keys)
                watch(keys)
                original(keys)

            hub.notify = notify

            # Warm-up (template cache, connections), not measured.
            warm = [submitted(i, "warm") for i in range(50)]
            await bus.publish([message(e) for e in warm])
            await watch.until(f"user:{e.data['applicant_id']}" for e in warm)

            run_id = uuid.uuid4().hex[:6]
            burst = [submitted(i, run_id) for i in range(events)]
            keys = [f"user:{e.data['applicant_id']}" for e in burst]
            # The server's backends serve this process's connections (opened during the warm-up).
            server_processes = [server, *server.children(recursive=True)] if server else []
            server_cpu = cpu_seconds(server_processes)
            cpu = time.process_time()
            started = time.perf_counter()
            for chunk in range(0, len(burst), 500):
                await bus.publish([message(e) for e in burst[chunk : chunk + 500]])
            await watch.until(keys)
            elapsed = max(watch.committed[k] for k in keys) - started
            cpu = time.process_time() - cpu
            server_cpu = cpu_seconds(server_processes) - server_cpu
            throughput_events = events / elapsed

            lat_run = uuid.uuid4().hex[:6]
            sent: dict[str, float] = {}
            interval = 1.0 / rate
            next_at = time.perf_counter()
            for i in range(latency_events):
                envelope = submitted(i, lat_run)
                await bus.publish([message(envelope)])
                sent[f"user:{envelope.data['applicant_id']}"] = time.perf_counter()
                next_at += interval
                await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
            await watch.until(list(sent))
            latencies = [(watch.committed[k] - t) * 1000 for k, t in sent.items()]
    finally:
        await bus.stop()
    return {
        "events": events,
        "notifications_per_event": 2,
        "burst_seconds": round(elapsed, 3),
        "events_per_s": round(throughput_events, 1),
        "notifications_per_s": round(throughput_events * 2, 1),
        "service_cpu_ms_per_event": round(cpu * 1000 / events, 3),
        "database_cpu_ms_per_event": round(server_cpu * 1000 / events, 3) if server else None,
        "latency_rate_per_s": rate,
        "latency_events": latency_events,
        "latency_p50_ms": round(statistics.median(latencies), 2),
        "latency_p99_ms": round(percentile(latencies, 0.99), 2),
        "latency_max_ms": round(max(latencies), 2),
    }


BACKENDS = {
    "sqlite": "SQLite (a file, as embedded)",
    "postgres": "PostgreSQL (as in the stack)",
}


def write(results: dict[str, dict[str, Any]], quick: bool, pg: str | None) -> Path:
    """The JSON of the run and the Markdown summary (one column per backend)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    meta = {
        "benchmark": "notify_inapp",
        "at": stamp,
        "quick": quick,
        "mode": "notify-svc on the in-process bus; its database: " + ", ".join(BACKENDS[b] for b in results),
        "postgres": pg,
        "python": sys.version.split()[0],
        "machine": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "targets": {"notifications_per_s": THROUGHPUT_TARGET, "latency_p99_ms": P99_TARGET_MS},
    }
    path = RESULTS / f"notify_inapp-{stamp}.json"
    path.write_text(json.dumps({**meta, "results": results}, indent=2) + "\n", encoding="utf-8")

    def row(label: str, field: str, unit: str = "", target: str = "—", ok: Any = None) -> str:
        cells = []
        for result in results.values():
            value = result.get(field)
            mark = "" if ok is None or value is None else (" ✅" if ok(value) else " ❌")
            cells.append("—" if value is None else f"{value}{unit}{mark}")
        return f"| {label} | {' | '.join(cells)} | {target} |"

    def label(backend: str) -> str:
        storage = results[backend].get("storage", {})
        return (
            durability.postgres_label(storage) if backend == "postgres" else durability.sqlite_label(storage)
        )

    def column(backend: str) -> str:
        fast = backend == "postgres" and not durability.postgres_is_durable(
            results[backend].get("storage", {})
        )
        return f"{BACKENDS[backend]} ({durability.FAST_LABEL})" if fast else BACKENDS[backend]

    first = next(iter(results.values()))
    lines = [
        "# notify-svc: event → in-app notification stored",
        "",
        f"Run {stamp} ({'quick' if quick else 'full'}), Python {meta['python']}, {meta['cpus']} CPUs, load"
        f" average {meta['load_average_1m']} when it ended (other work on the host slows every figure)."
        + (f" PostgreSQL: {pg}." if pg else ""),
        "notify-svc runs on the in-process bus. Each `dossier.submitted` stores two in-app notifications"
        " (applicant and agency queue) and their audit events, through the inbox; the chassis consumer"
        " applies a poll's records in one transaction. CPU per event: the service's process during the"
        " burst (its consumer, outbox relay and the bus), and the database server's processes.",
        "",
        *(f"Storage of {BACKENDS[b]}: {label(b)}." for b in results),
        "",
        f"| figure | {' | '.join(column(b) for b in results)} | target |",
        f"| --- | {' | '.join('---' for _ in results)} | --- |",
        row(
            f"notifications stored / s (burst of {first['events']} events)",
            "notifications_per_s",
            target=f"≥ {THROUGHPUT_TARGET:.0f}",
            ok=lambda v: v >= THROUGHPUT_TARGET,
        ),
        row("events handled / s", "events_per_s"),
        row("service CPU per event", "service_cpu_ms_per_event", " ms"),
        row("database server CPU per event", "database_cpu_ms_per_event", " ms"),
        row(
            f"latency p50, publish → committed ({first['latency_rate_per_s']:.0f} events/s open loop)",
            "latency_p50_ms",
            " ms",
        ),
        row(
            "latency p99", "latency_p99_ms", " ms", f"≤ {P99_TARGET_MS:.0f} ms", lambda v: v <= P99_TARGET_MS
        ),
        row("latency max", "latency_max_ms", " ms"),
        "",
    ]
    (RESULTS / "notify_inapp.md").write_text("\n".join(lines), encoding="utf-8")
    return path


@contextmanager
def postgres(workdir: Path, *, fast: bool) -> Iterator[tuple[PgServer, psutil.Process | None, str]]:
    """A PostgreSQL server: ``$MOTCUA_PG_URL``'s, or a temporary cluster; its postmaster (if ours) and a
    description."""
    external = os.environ.get("MOTCUA_PG_URL")
    if external:
        yield ExternalPostgres(external), None, "the server of $MOTCUA_PG_URL"
        return
    cluster = PostgresCluster(workdir / "pg", fast=fast)
    cluster.start()
    try:
        pid = cluster.pid
        yield cluster, psutil.Process(pid) if pid else None, "a temporary cluster"
    finally:
        cluster.stop()
        cluster.cleanup()


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The knobs (``argv``, else the command line)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=100.0, help="events/s of the latency run")
    parser.add_argument("--latency-events", type=int, default=2000)
    parser.add_argument(
        "--backend", choices=["sqlite", "postgres", "both"], default="both", help="notify-svc's database"
    )
    parser.add_argument(
        "--pg-fast",
        action="store_true",
        help="start PostgreSQL with fsync, synchronous_commit and full_page_writes off (for comparison only: "
        "the report labels its figures fast, not durable)",
    )
    return parser.parse_args(argv)


def main() -> None:
    """Parse the knobs, run each backend, write the results."""
    args = parse_args()
    if args.quick:
        args.events, args.latency_events = 500, 200
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    results: dict[str, dict[str, Any]] = {}
    pg: str | None = None
    # Not under a 0700 parent: the postgres OS user must reach the cluster's directory.
    work = Path(tempfile.mkdtemp(prefix="notify-bench-"))
    work.chmod(0o755)
    try:
        if "sqlite" in backends:
            (work / "sqlite").mkdir()
            url = f"sqlite+aiosqlite:///{work}/sqlite/notify.db"
            results["sqlite"] = asyncio.run(
                run(args.events, args.rate, args.latency_events, work / "sqlite", url, None)
            )
            results["sqlite"]["storage"] = durability.sqlite_settings(url)
        if "postgres" in backends:
            with postgres(work, fast=args.pg_fast) as (server, postmaster, pg):
                name = f"notify_bench_{uuid.uuid4().hex[:8]}"
                server.create_database(name)
                (work / "postgres").mkdir()
                try:
                    results["postgres"] = asyncio.run(
                        run(
                            args.events,
                            args.rate,
                            args.latency_events,
                            work / "postgres",
                            server.url(name),
                            postmaster,
                        )
                    )
                    results["postgres"]["storage"] = durability.postgres_settings(server.url(name))
                finally:
                    server.drop_database(name)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    path = write(results, args.quick, pg)
    print(json.dumps(results, indent=2))
    print(f"written: {path.relative_to(REPO)} and bench/results/notify_inapp.md")


if __name__ == "__main__":
    main()
