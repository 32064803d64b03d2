"""Benchmark of dossier submission on the stack's parts: PostgreSQL and Apache Kafka.

Measures, each beside its target:

* submissions per second, each a multipart `POST /api/v1/dossiers` with a 200 KB PDF and a small PNG
  (validation, sniffing, sha256, file store, code allocation, dossier + steps + documents + timeline +
  outbox + idempotency record in one transaction);
* submit → `submitted` consumed latency (p50/p99) at a steady 100 submissions per second: from the request
  leaving the client to the event being read back from Kafka by another consumer group.

The service runs in this process over ASGI (no HTTP server or gateway in the path), with its outbox relay
publishing to Kafka. Kafka and PostgreSQL are started in temporary directories unless
`MOTCUA_KAFKA_BOOTSTRAP` / `MOTCUA_PG_URL` point at running ones.

Run ``uv run python bench/dossier_submit.py`` (``--quick`` for a smoke run). Results go to
``bench/results/dossier_submit-<UTC>.json`` and ``bench/results/dossier_submit.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import platform
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from dossier_svc.app import create_app
from dossier_svc.settings import DeadlineSettings, DocumentSettings, LookupSettings, Settings
from dossier_svc.uow import DossierUow
from motcua.infra.kafka import KafkaBroker
from motcua.infra.postgres import ExternalPostgres, PostgresCluster
from motcua_shared.chassis.auth import Role
from motcua_shared.chassis.bus.base import Message
from motcua_shared.chassis.bus.kafka import KafkaBus
from motcua_shared.chassis.keys import SigningKey, issue_token, jwks
from motcua_shared.chassis.settings import BusSettings, DbSettings
from motcua_shared.contracts import examples, topics
from motcua_shared.contracts.base import CloudEvent
from motcua_shared.contracts.catalog import AgencyRef, ProcedurePublished

RESULTS = Path(__file__).resolve().parent / "results"
TARGETS = {"submissions_per_second": 300.0, "latency_p99_ms_at_100_per_s": 150.0}
DOCUMENT = b"%PDF-1.4\n" + os.urandom(200 * 1024)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 256


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@contextlib.asynccontextmanager
async def infrastructure() -> AsyncIterator[tuple[str, str]]:
    """A Kafka bootstrap and a fresh PostgreSQL database URL (started here unless given)."""
    tmp = Path(tempfile.mkdtemp(prefix="motcua-bench-"))
    broker: KafkaBroker | None = None
    cluster: PostgresCluster | None = None
    try:
        bootstrap = os.environ.get("MOTCUA_KAFKA_BOOTSTRAP")
        if not bootstrap:
            broker = KafkaBroker(tmp / "kafka")
            await asyncio.to_thread(broker.start)
            bootstrap = broker.bootstrap
        admin = os.environ.get("MOTCUA_PG_URL")
        server: ExternalPostgres | PostgresCluster
        if admin:
            server = ExternalPostgres(admin)
        else:
            # Its own mkdtemp, not a subdirectory: the postgres OS user must be able to reach it.
            pg_dir = Path(tempfile.mkdtemp(prefix="motcua-bench-pg-"))
            cluster = PostgresCluster(pg_dir)
            await asyncio.to_thread(cluster.start)
            server = cluster
        name = f"bench_dossier_{uuid.uuid4().hex[:8]}"
        await asyncio.to_thread(server.create_database, name)
        yield bootstrap, server.url(name)
    finally:
        if cluster is not None:
            await asyncio.to_thread(cluster.stop)
            cluster.cleanup()
            shutil.rmtree(cluster.data_dir, ignore_errors=True)
        if broker is not None:
            await asyncio.to_thread(broker.stop)
        shutil.rmtree(tmp, ignore_errors=True)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    key = SigningKey.generate()
    citizen = issue_token(
        key,
        subject="citizen-bench",
        role=Role.CITIZEN,
        issuer="motcua",
        audience="motcua",
        ttl=timedelta(hours=2),
    )
    agency = AgencyRef(code=f"000.00.{uuid.uuid4().hex[:4]}.H56", name="Ủy ban nhân dân phường Thuận Hóa")
    procedure_code = f"9.{uuid.uuid4().hex[:6]}"
    async with infrastructure() as (bootstrap, db_url):
        files = Path(tempfile.mkdtemp(prefix="motcua-bench-files-"))
        bus_settings = BusSettings(
            kind="kafka", bootstrap_servers=bootstrap, partitions=12, relay_poll_interval=0.2
        )
        settings = Settings(
            service_name=f"dossier-bench-{uuid.uuid4().hex[:4]}",
            log_level="WARNING",
            db=DbSettings(url=db_url, pool_size=args.concurrency),
            bus=bus_settings,
            documents=DocumentSettings(store_dir=str(files)),
            deadlines=DeadlineSettings(enabled=False),
            lookup=LookupSettings(),
        )
        app = create_app(settings, key_source=lambda: jwks([key]), configure_logs=False)
        kafka = KafkaBus(bus_settings, client_id="bench")
        await kafka.start()
        arrivals: dict[str, float] = {}
        try:
            async with app.router.lifespan_context(app):
                snap = examples.procedure().model_copy(
                    update={"code": procedure_code, "version": 1, "implementing_agency": agency}
                )
                event = ProcedurePublished(
                    code=snap.code, version=1, published_at=datetime.now(UTC), procedure=snap
                )
                envelope = CloudEvent.wrap(event, source="/motcua/catalog")
                await kafka.ensure_topics([topics.CATALOG, topics.DOSSIER])
                await kafka.publish(
                    [Message(topic=topics.CATALOG, key=snap.code, value=envelope.to_json().encode())]
                )
                await _wait_replica(app.state.runtime, snap.code)
                watcher = asyncio.create_task(_watch(kafka, arrivals))
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(
                    transport=transport, base_url="http://dossier", timeout=60
                ) as client:
                    body = json.dumps(
                        {
                            "procedure_code": procedure_code,
                            "case_code": "dung-han",
                            "applicant": {
                                "name": "Nguyễn Thị Hương",
                                "cccd": "046190001234",
                                "phone": "0912345678",
                                "address": "12 Lê Lợi, Huế",
                            },
                        },
                        ensure_ascii=False,
                    )

                    async def submit() -> tuple[str, float]:
                        started = time.perf_counter()
                        response = await client.post(
                            "/api/v1/dossiers",
                            headers={
                                "Authorization": f"Bearer {citizen}",
                                "Idempotency-Key": uuid.uuid4().hex,
                            },
                            data={"dossier": body},
                            files=[
                                ("to-khai", ("to-khai.pdf", io.BytesIO(DOCUMENT), "application/pdf")),
                                ("giay-chung-sinh", ("gcs.png", io.BytesIO(PNG), "image/png")),
                            ],
                        )
                        if response.status_code != 201:
                            raise RuntimeError(response.text)
                        return str(response.json()["code"]), started

                    for _ in range(20):  # warm-up
                        await submit()
                    throughput = await _throughput(submit, args.count, args.concurrency)
                    latency = await _latency(submit, arrivals, args.rate, args.duration)
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher
        finally:
            await kafka.stop()
            shutil.rmtree(files, ignore_errors=True)
    return {"throughput": throughput, "latency": latency}


async def _wait_replica(runtime: Any, code: str) -> None:
    for _ in range(600):
        unit = runtime.uow()
        assert isinstance(unit, DossierUow)
        async with unit as uow:
            if await uow.procedures.get(code) is not None:
                return
        await asyncio.sleep(0.1)
    raise RuntimeError("the procedure never reached the replica")


async def _watch(kafka: KafkaBus, arrivals: dict[str, float]) -> None:
    consumer = kafka.consumer(f"bench-watch-{uuid.uuid4().hex[:6]}", [topics.DOSSIER])
    await consumer.start()
    try:
        while True:
            for record in await consumer.poll(max_records=500, timeout=0.2):
                now = time.perf_counter()
                event = CloudEvent.from_json(record.value)
                if event.type.endswith(".submitted.v1"):
                    arrivals.setdefault(event.subject, now)
    finally:
        await consumer.stop()


async def _throughput(submit: Any, count: int, concurrency: int) -> dict[str, Any]:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(count):
        queue.put_nowait(i)
    durations: list[float] = []

    async def worker() -> None:
        while True:
            try:
                queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            _, started = await submit()
            durations.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return {
        "submissions": count,
        "concurrency": concurrency,
        "seconds": round(elapsed, 3),
        "per_second": round(count / elapsed, 1),
        "request_ms_p50": round(pct(durations, 0.5), 2),
        "request_ms_p99": round(pct(durations, 0.99), 2),
    }


async def _latency(submit: Any, arrivals: dict[str, float], rate: float, duration: float) -> dict[str, Any]:
    sent: dict[str, float] = {}
    tasks: list[asyncio.Task[None]] = []

    async def one() -> None:
        code, started = await submit()
        sent[code] = started

    begin = time.perf_counter()
    total = int(rate * duration)
    for i in range(total):
        delay = begin + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one()))
    await asyncio.gather(*tasks)
    deadline = time.perf_counter() + 30
    while time.perf_counter() < deadline and any(code not in arrivals for code in sent):  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    latencies = [(arrivals[c] - s) * 1000 for c, s in sent.items() if c in arrivals]
    return {
        "rate_per_second": rate,
        "submissions": total,
        "seen": len(latencies),
        "p50_ms": round(pct(latencies, 0.5), 2),
        "p99_ms": round(pct(latencies, 0.99), 2),
        "max_ms": round(max(latencies), 2),
        "mean_ms": round(statistics.fmean(latencies), 2),
    }


def report(result: dict[str, Any], args: argparse.Namespace) -> str:
    tp, lat = result["throughput"], result["latency"]
    rows = [
        (
            f"Submissions per second (200 KB PDF + PNG, concurrency {tp['concurrency']})",
            f"{tp['per_second']}",
            f"≥ {TARGETS['submissions_per_second']:g}",
            tp["per_second"] >= TARGETS["submissions_per_second"],
        ),
        (
            f"Submit → `submitted` consumed, p50 at {lat['rate_per_second']:g}/s",
            f"{lat['p50_ms']} ms",
            "—",
            True,
        ),
        (
            f"Submit → `submitted` consumed, p99 at {lat['rate_per_second']:g}/s",
            f"{lat['p99_ms']} ms",
            f"≤ {TARGETS['latency_p99_ms_at_100_per_s']:g} ms (at 100/s)",
            lat["p99_ms"] <= TARGETS["latency_p99_ms_at_100_per_s"],
        ),
    ]
    lines = [
        "# dossier-svc submission benchmark",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {platform.node()} · {os.cpu_count()} CPUs · "
        f"{'quick' if args.quick else 'full'} run · PostgreSQL + Kafka, service in-process over ASGI",
        "",
        "| figure | measured | target | met |",
        "| --- | --- | --- | --- |",
        *(f"| {name} | {value} | {target} | {'yes' if ok else 'no'} |" for name, value, target, ok in rows),
        "",
        f"Request time during the throughput run: p50 {tp['request_ms_p50']} ms, "
        f"p99 {tp['request_ms_p99']} ms. "
        f"Latency run: {lat['submissions']} submissions, {lat['seen']} events seen.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run (fewer submissions, shorter)")
    parser.add_argument("--count", type=int, default=None, help="submissions in the throughput run")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rate", type=float, default=100.0, help="submissions per second in the latency run")
    parser.add_argument("--duration", type=float, default=None, help="seconds of the latency run")
    args = parser.parse_args()
    args.count = args.count or (300 if args.quick else 3000)
    args.duration = args.duration or (3.0 if args.quick else 20.0)
    result = asyncio.run(run(args))
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    payload = {"targets": TARGETS, "args": vars(args), **result}
    (RESULTS / f"dossier_submit-{stamp}.json").write_text(json.dumps(payload, indent=2))
    table = report(result, args)
    (RESULTS / "dossier_submit.md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
