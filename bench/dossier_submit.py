"""Benchmark of dossier submission on the stack's parts: PostgreSQL and Apache Kafka.

Measures, each beside its target:

* submissions per second, each a multipart `POST /api/v1/dossiers` with a 200 KB PDF and a small PNG
  (validation, sniffing, sha256, file store, code allocation, dossier + steps + documents + timeline +
  outbox + idempotency record in one transaction);
* submit → `submitted` consumed latency (p50/p99) at a steady 100 submissions per second, open loop: from
  the request leaving the client to the event being read back from Kafka by another consumer group.

Two set-ups, on the same Kafka and PostgreSQL (a fresh database each):

* **process** (the fair one, judged against the targets): the service as its own process,
  ``python -m dossier_svc`` under uvicorn (uvloop, httptools) configured by ``DOSSIER_*`` variables as
  ``motcua stack`` does, its outbox relay publishing to Kafka; the load from other processes: ``wrk`` with
  a Lua script for the throughput (closed loop, ``--concurrency`` connections, ``--seconds``), and this
  script's own load worker (aiohttp on uvloop, ``--load-worker``) for the paced latency run. The bench
  serves the JWKS the service verifies tokens against. Without ``wrk`` the load worker does both.
* **inproc** (for comparison with earlier results): the service in this process over ASGI (httpx, no
  HTTP server), the client's work (multipart encoding) on the same core.

Kafka and PostgreSQL are started in temporary directories unless `MOTCUA_KAFKA_BOOTSTRAP` / `MOTCUA_PG_URL`
point at running ones. Each run also notes how busy the machine was just before it (other processes on
a 2-core machine move these figures a lot) and the service's CPU time per submission, which moves less.

Run ``uv run python bench/dossier_submit.py`` (``--quick`` for a smoke run, ``--mode process`` or
``--mode inproc`` for one set-up). Results go to ``bench/results/dossier_submit-<UTC>.json`` and
``bench/results/dossier_submit.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import platform
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import psutil

SCRIPT = Path(__file__).resolve()
RESULTS = SCRIPT.parent / "results"
REPO = Path(__file__).resolve().parents[1]
TARGETS = {"submissions_per_second": 300.0, "latency_p99_ms_at_100_per_s": 150.0}
SLOT = b"motcua-bench-unique-slot-0000000"
"""32 bytes inside the PDF that every request replaces with its own token: each submission stores a new
blob, as real ones do (the store is content-addressed; identical bytes would be written once)."""
DOCUMENT = b"%PDF-1.4\n%" + SLOT + b"\n" + os.urandom(200 * 1024)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 256
BOUNDARY = "motcua-bench-" + uuid.uuid4().hex
APPLICANT = {
    "name": "Nguyễn Thị Hương",
    "cccd": "046190001234",
    "phone": "0912345678",
    "address": "12 Lê Lợi, Huế",
}


def pct(values: list[float], q: float) -> float:
    """The ``q`` quantile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def submission_json(procedure_code: str) -> str:
    """The `dossier` part of a submission."""
    return json.dumps(
        {"procedure_code": procedure_code, "case_code": "dung-han", "applicant": APPLICANT},
        ensure_ascii=False,
    )


def multipart_body(procedure_code: str) -> bytes:
    """The whole multipart body of one submission (the same bytes every time; only the key differs)."""
    parts = [
        ("dossier", None, None, submission_json(procedure_code).encode("utf-8")),
        ("to-khai", "to-khai.pdf", "application/pdf", DOCUMENT),
        ("giay-chung-sinh", "giay-chung-sinh.png", "image/png", PNG),
    ]
    out = io.BytesIO()
    for name, filename, content_type, data in parts:
        out.write(f"--{BOUNDARY}\r\n".encode())
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out.write(f"Content-Disposition: {disposition}\r\n".encode())
        if content_type:
            out.write(f"Content-Type: {content_type}\r\n".encode())
        out.write(b"\r\n" + data + b"\r\n")
    out.write(f"--{BOUNDARY}--\r\n".encode())
    return out.getvalue()


def machine_busy(seconds: float = 1.0) -> float:
    """Percent of all CPUs busy over ``seconds`` (before a run: what other processes are doing)."""
    return float(psutil.cpu_percent(interval=seconds))


# --- infrastructure -------------------------------------------------------------------------------------


@dataclass
class Infra:
    """Kafka and PostgreSQL, and the pids of those this benchmark started (to count their CPU)."""

    bootstrap: str
    server: Any
    pids: dict[str, int]


@contextlib.asynccontextmanager
async def infrastructure() -> AsyncIterator[Infra]:
    """A Kafka bootstrap and a PostgreSQL server that creates databases (started here unless given)."""
    from motcua.infra.kafka import KafkaBroker
    from motcua.infra.postgres import ExternalPostgres, PostgresCluster

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
        pids = {
            name: pid
            for name, pid in (
                ("postgres", cluster.pid if cluster else None),
                ("kafka", broker.pid if broker else None),
            )
            if pid is not None
        }
        yield Infra(bootstrap, server, pids)
    finally:
        if cluster is not None:
            await asyncio.to_thread(cluster.stop)
            cluster.cleanup()
            shutil.rmtree(cluster.data_dir, ignore_errors=True)
        if broker is not None:
            await asyncio.to_thread(broker.stop)
        shutil.rmtree(tmp, ignore_errors=True)


class Scenario:
    """One set-up's fixture: a database, a procedure published on Kafka, a token, an arrival watcher."""

    def __init__(self, bootstrap: str, server: Any, label: str) -> None:
        from motcua_shared.chassis.auth import Role
        from motcua_shared.chassis.keys import SigningKey, issue_token

        self.bootstrap = bootstrap
        self.db_name = f"bench_dossier_{label}_{uuid.uuid4().hex[:6]}"
        server.create_database(self.db_name)
        self.db_url: str = server.url(self.db_name)
        self.key = SigningKey.generate()
        self.token = issue_token(
            self.key,
            subject="citizen-bench",
            role=Role.CITIZEN,
            issuer="motcua",
            audience="motcua",
            ttl=timedelta(hours=2),
        )
        self.agency_code = f"000.00.{uuid.uuid4().hex[:4]}.H56"
        self.procedure_code = f"9.{uuid.uuid4().hex[:6]}"
        self.arrivals: dict[str, float] = {}
        self._watcher: asyncio.Task[None] | None = None
        self._kafka: Any = None

    async def __aenter__(self) -> Scenario:
        from motcua_shared.chassis.bus.kafka import KafkaBus
        from motcua_shared.chassis.settings import BusSettings
        from motcua_shared.contracts import topics

        self._kafka = KafkaBus(BusSettings(kind="kafka", bootstrap_servers=self.bootstrap), client_id="bench")
        await self._kafka.start()
        await self._kafka.ensure_topics([topics.CATALOG, topics.DOSSIER])
        self._watcher = asyncio.create_task(self._watch())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
        await self._kafka.stop()

    async def publish_procedure(self) -> None:
        """Publish the procedure on the catalogue's topic; the service's replica takes it from there."""
        from motcua_shared.chassis.bus.base import Message
        from motcua_shared.contracts import examples, topics
        from motcua_shared.contracts.base import CloudEvent
        from motcua_shared.contracts.catalog import AgencyRef, ProcedurePublished

        agency = AgencyRef(code=self.agency_code, name="Ủy ban nhân dân phường Thuận Hóa")
        snap = examples.procedure().model_copy(
            update={"code": self.procedure_code, "version": 1, "implementing_agency": agency}
        )
        event = ProcedurePublished(code=snap.code, version=1, published_at=datetime.now(UTC), procedure=snap)
        envelope = CloudEvent.wrap(event, source="/motcua/catalog")
        await self._kafka.publish(
            [Message(topic=topics.CATALOG, key=snap.code, value=envelope.to_json().encode())]
        )

    async def wait_replica(self) -> None:
        """Until the service's replica holds the procedure (read from its database)."""
        from sqlalchemy import text
        from sqlalchemy.ext.asyncio import create_async_engine

        engine = create_async_engine(self.db_url)
        try:
            for _ in range(1200):
                with contextlib.suppress(Exception):
                    async with engine.connect() as conn:
                        found = await conn.scalar(
                            text("SELECT 1 FROM procedures WHERE code = :c"), {"c": self.procedure_code}
                        )
                    if found:
                        return
                await asyncio.sleep(0.1)
        finally:
            await engine.dispose()
        raise RuntimeError("the procedure never reached the replica")

    async def count_dossiers(self) -> int:
        """Submitted dossiers in the service's database."""
        from sqlalchemy import text
        from sqlalchemy.ext.asyncio import create_async_engine

        engine = create_async_engine(self.db_url)
        try:
            async with engine.connect() as conn:
                return int(await conn.scalar(text("SELECT count(*) FROM dossiers")) or 0)
        finally:
            await engine.dispose()

    async def _watch(self) -> None:
        from motcua_shared.contracts import topics
        from motcua_shared.contracts.base import CloudEvent

        consumer = self._kafka.consumer(f"bench-watch-{uuid.uuid4().hex[:6]}", [topics.DOSSIER])
        await consumer.start()
        try:
            while True:
                for record in await consumer.poll(max_records=500, timeout=0.2):
                    now = time.time()
                    event = CloudEvent.from_json(record.value)
                    if event.type.endswith(".submitted.v1"):
                        self.arrivals.setdefault(event.subject, now)
        finally:
            await consumer.stop()

    async def latency_of(self, sent: dict[str, float], rate: float, total: int) -> dict[str, Any]:
        """Wait for the events of ``sent`` (code → wall clock sent) and summarise their latency."""
        deadline = time.time() + 30
        while time.time() < deadline and any(code not in self.arrivals for code in sent):  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        latencies = [(self.arrivals[c] - s) * 1000 for c, s in sent.items() if c in self.arrivals]
        if not latencies:
            raise RuntimeError("no submitted event was seen")
        return {
            "rate_per_second": rate,
            "submissions": total,
            "accepted": len(sent),
            "seen": len(latencies),
            "p50_ms": round(pct(latencies, 0.5), 2),
            "p99_ms": round(pct(latencies, 0.99), 2),
            "max_ms": round(max(latencies), 2),
            "mean_ms": round(statistics.fmean(latencies), 2),
        }


# --- in-process: the service over ASGI in this process ----------------------------------------------------


async def run_inproc(args: argparse.Namespace, bootstrap: str, server: Any) -> dict[str, Any]:
    """The service in this process, called over ASGI by httpx (no HTTP server)."""
    from dossier_svc.app import create_app
    from dossier_svc.settings import DeadlineSettings, DocumentSettings, LookupSettings, Settings
    from motcua_shared.chassis.keys import jwks
    from motcua_shared.chassis.settings import BusSettings, DbSettings

    async with Scenario(bootstrap, server, "inproc") as scenario:
        files = Path(tempfile.mkdtemp(prefix="motcua-bench-files-"))
        bus_settings = BusSettings(kind="kafka", bootstrap_servers=bootstrap)
        settings = Settings(
            service_name=f"dossier-bench-{uuid.uuid4().hex[:4]}",
            log_level="WARNING",
            db=DbSettings(url=scenario.db_url),
            bus=bus_settings,
            documents=DocumentSettings(store_dir=str(files)),
            deadlines=DeadlineSettings(enabled=False),
            lookup=LookupSettings(),
        )
        key = scenario.key
        app = create_app(settings, key_source=lambda: jwks([key]), configure_logs=False)
        body = submission_json(scenario.procedure_code)
        try:
            async with app.router.lifespan_context(app):
                await scenario.publish_procedure()
                await scenario.wait_replica()
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(
                    transport=transport, base_url="http://dossier", timeout=60
                ) as client:

                    async def submit() -> tuple[str, float]:
                        started = time.time()
                        response = await client.post(
                            "/api/v1/dossiers",
                            headers={
                                "Authorization": f"Bearer {scenario.token}",
                                "Idempotency-Key": uuid.uuid4().hex,
                            },
                            data={"dossier": body},
                            files=[
                                ("to-khai", ("to-khai.pdf", io.BytesIO(unique(DOCUMENT)), "application/pdf")),
                                ("giay-chung-sinh", ("gcs.png", io.BytesIO(PNG), "image/png")),
                            ],
                        )
                        if response.status_code != 201:
                            raise RuntimeError(response.text)
                        return str(response.json()["code"]), started

                    for _ in range(20):  # warm-up
                        await submit()
                    busy = await asyncio.to_thread(machine_busy)
                    cpu0 = time.process_time()
                    throughput = await _closed_loop(submit, args.count, args.concurrency)
                    throughput["process_cpu_ms_per_submission"] = round(
                        (time.process_time() - cpu0) * 1000 / args.count, 2
                    )
                    throughput["machine_busy_before_pct"] = busy
                    sent: dict[str, float] = {}
                    total = int(args.rate * args.duration)

                    async def one() -> None:
                        code, started = await submit()
                        sent[code] = started

                    await _open_loop(one, args.rate, total)
                    latency = await scenario.latency_of(sent, args.rate, total)
        finally:
            shutil.rmtree(files, ignore_errors=True)
    return {"throughput": throughput, "latency": latency}


async def _closed_loop(submit: Callable[[], Awaitable[Any]], count: int, concurrency: int) -> dict[str, Any]:
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
            started = time.perf_counter()
            await submit()
            durations.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return {
        "client": "httpx over ASGI, same process",
        "submissions": count,
        "concurrency": concurrency,
        "seconds": round(elapsed, 3),
        "per_second": round(count / elapsed, 1),
        "request_ms_p50": round(pct(durations, 0.5), 2),
        "request_ms_p99": round(pct(durations, 0.99), 2),
    }


async def _open_loop(one: Callable[[], Coroutine[Any, Any, None]], rate: float, total: int) -> None:
    """Start request *i* at t0 + i/rate whatever became of the earlier ones."""
    tasks: list[asyncio.Task[None]] = []
    begin = time.perf_counter()
    for i in range(total):
        delay = begin + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one()))
    await asyncio.gather(*tasks)


# --- separate processes: uvicorn service, wrk / load worker ------------------------------------------------


class JwksServer:
    """Serves the bench's key set at ``/.well-known/jwks.json``, as the gateway does for the stack."""

    def __init__(self, document: dict[str, Any]) -> None:
        payload = json.dumps(document).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/.well-known/jwks.json"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> JwksServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def _free_port() -> int:
    from motcua.infra.ports import free_port

    return free_port()


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:]


def _spawn_service(env: dict[str, str], work: Path) -> subprocess.Popen[bytes]:
    """``python -m dossier_svc`` as the stack starts it, logging to ``work/service.log``."""
    return subprocess.Popen(
        [sys.executable, "-m", "dossier_svc"],
        env={**os.environ, **env},
        cwd=str(work),
        stdout=(work / "service.log").open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


async def _wait_ready(base: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 120) -> None:
    async with httpx.AsyncClient(timeout=2) as client:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"the service exited:\n{_tail(log)}")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(f"{base}/readyz")).status_code == 200:
                    return
            await asyncio.sleep(0.2)
    raise RuntimeError(f"the service never became ready:\n{_tail(log)}")


WRK_SCRIPT = """
local threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  local f = assert(io.open(args[1], "rb"))
  body = f:read("*a")
  f:close()
  headers = {["Content-Type"] = args[2], ["Authorization"] = args[3]}
  prefix = args[4]
  local at = assert(body:find(args[5], 1, true))
  head, tail = body:sub(1, at - 1), body:sub(at + #args[5])
  n, ok, bad = 0, 0, 0
end
function request()
  n = n + 1
  local token = string.format("%s%02d%014d", prefix, tid, n)
  headers["Idempotency-Key"] = token
  return wrk.format("POST", "/api/v1/dossiers", headers, head .. token .. tail)
end
function response(status, hdrs, resp)
  if status == 201 then ok = ok + 1 else bad = bad + 1 end
end
function done(summary, latency, requests)
  local o, b = 0, 0
  for _, t in ipairs(threads) do o = o + t:get("ok"); b = b + t:get("bad") end
  io.write(string.format("MOTCUA ok=%d bad=%d p50=%d p99=%d max=%d duration_us=%d errors=%d\\n",
    o, b, latency:percentile(50), latency:percentile(99), latency.max, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


async def _wrk(
    base: str, work: Path, body: bytes, token: str, *, connections: int, seconds: float
) -> dict[str, Any]:
    body_file = work / "body.bin"
    body_file.write_bytes(body)
    script = work / "submit.lua"
    script.write_text(WRK_SCRIPT)
    wrk = shutil.which("wrk")
    assert wrk is not None
    proc = await asyncio.create_subprocess_exec(
        wrk,
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "30s",
        "-s",
        str(script),
        base,
        "--",
        str(body_file),
        f"multipart/form-data; boundary={BOUNDARY}",
        f"Bearer {token}",
        uuid.uuid4().hex[:16],
        SLOT.decode(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out = (await proc.communicate())[0].decode()
    match = re.search(
        r"MOTCUA ok=(\d+) bad=(\d+) p50=(\d+) p99=(\d+) max=(\d+) duration_us=(\d+) errors=(\d+)", out
    )
    if match is None:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    ok, bad, p50, p99, peak, duration_us, errors = (int(g) for g in match.groups())
    if ok == 0:
        raise RuntimeError(f"wrk got no 201:\n{out}")
    seconds_run = duration_us / 1e6
    return {
        "client": "wrk (Lua, multipart), 1 thread",
        "submissions": ok,
        "failed": bad,
        "socket_errors": errors,
        "concurrency": connections,
        "seconds": round(seconds_run, 3),
        "per_second": round(ok / seconds_run, 1),
        "request_ms_p50": round(p50 / 1000, 2),
        "request_ms_p99": round(p99 / 1000, 2),
        "request_ms_max": round(peak / 1000, 2),
    }


async def _load_worker(config: dict[str, Any], work: Path) -> dict[str, Any]:
    """Run this script's load worker in its own process; returns what it wrote."""
    out = work / f"load-{uuid.uuid4().hex[:6]}.json"
    config_file = work / f"load-{uuid.uuid4().hex[:6]}-config.json"
    config_file.write_text(json.dumps({**config, "out": str(out)}))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(SCRIPT), "--load-worker", str(config_file), cwd=str(REPO)
    )
    if await proc.wait() != 0:
        raise RuntimeError("the load worker failed")
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def _cpu_seconds(proc: psutil.Process) -> float:
    """CPU time of ``proc`` and its live children (uvicorn's worker processes)."""
    total = 0.0
    for each in (proc, *proc.children(recursive=True)):
        with contextlib.suppress(psutil.Error):
            times = each.cpu_times()
            total += times.user + times.system
    return total


class CpuMeter:
    """CPU seconds spent by each part while a run goes on: the service, PostgreSQL and Kafka (when this
    benchmark started them), the load clients (this process's children: wrk), this process, and everything
    else on the machine (other people's work, which these figures cannot control)."""

    def __init__(self, service: psutil.Process, pids: dict[str, int]) -> None:
        self._parts: dict[str, psutil.Process] = {"service": service}
        for name, pid in pids.items():
            with contextlib.suppress(psutil.Error):
                self._parts[name] = psutil.Process(pid)
        self._start: dict[str, float] = {}

    def _now(self) -> dict[str, float]:
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        machine = psutil.cpu_times()
        return {
            **{name: _cpu_seconds(proc) for name, proc in self._parts.items()},
            "clients": children.ru_utime + children.ru_stime,
            "bench": time.process_time(),
            "machine": machine.user
            + machine.system
            + getattr(machine, "irq", 0)
            + getattr(machine, "softirq", 0),
        }

    def start(self) -> None:
        """Take the first reading."""
        self._start = self._now()

    def ms_per(self, count: int) -> dict[str, float]:
        """CPU milliseconds per ``count`` (e.g. per submission) of each part since :meth:`start`."""
        spent = {name: value - self._start[name] for name, value in self._now().items()}
        known = sum(v for name, v in spent.items() if name != "machine")
        spent["other processes"] = max(0.0, spent.pop("machine") - known)
        return {name: round(v * 1000 / max(1, count), 2) for name, v in spent.items()}


async def run_process(args: argparse.Namespace, infra: Infra, workers: int) -> dict[str, Any]:
    """The service as its own uvicorn process (``workers`` of them), loaded from other processes."""
    from motcua_shared.chassis.keys import jwks

    work = Path(tempfile.mkdtemp(prefix="motcua-bench-proc-"))
    proc: subprocess.Popen[bytes] | None = None
    try:
        async with Scenario(infra.bootstrap, infra.server, f"proc{workers}") as scenario:
            with JwksServer(jwks([scenario.key])) as jwks_server:
                port = _free_port()
                base = f"http://127.0.0.1:{port}"
                env = {
                    "DOSSIER_SERVICE_NAME": f"dossier-bench-{uuid.uuid4().hex[:4]}",
                    "DOSSIER_DB__URL": scenario.db_url,
                    "DOSSIER_BUS__KIND": "kafka",
                    "DOSSIER_BUS__BOOTSTRAP_SERVERS": infra.bootstrap,
                    "DOSSIER_HTTP__HOST": "127.0.0.1",
                    "DOSSIER_HTTP__PORT": str(port),
                    "DOSSIER_AUTH__JWKS_URL": jwks_server.url,
                    "DOSSIER_DOCUMENTS__STORE_DIR": str(work / "files"),
                    "DOSSIER_DEADLINES__ENABLED": "false",
                    "DOSSIER_LOG_LEVEL": args.service_log_level,
                    "DOSSIER_WORKERS": str(workers),
                    **dict(kv.split("=", 1) for kv in args.service_env),
                }
                log = work / "service.log"
                proc = _spawn_service(env, work)
                service = psutil.Process(proc.pid)
                await _wait_ready(base, proc, log)
                await scenario.publish_procedure()
                await scenario.wait_replica()
                body = multipart_body(scenario.procedure_code)
                body_file = work / "body.bin"
                body_file.write_bytes(body)
                load = {
                    "base": base,
                    "body_file": str(body_file),
                    "content_type": f"multipart/form-data; boundary={BOUNDARY}",
                    "token": scenario.token,
                }
                # Warm-up: connections, prepared statements, the code sequence's row, every worker.
                await _load_worker({**load, "mode": "closed", "count": 100 * workers, "concurrency": 8}, work)
                busy = await asyncio.to_thread(machine_busy)
                before = await scenario.count_dossiers()
                meter = CpuMeter(service, infra.pids)
                meter.start()
                wall0 = time.perf_counter()
                if args.client == "wrk":
                    throughput = await _wrk(
                        base, work, body, scenario.token, connections=args.concurrency, seconds=args.seconds
                    )
                else:
                    throughput = await _load_worker(
                        {**load, "mode": "closed", "count": args.count, "concurrency": args.concurrency}, work
                    )
                    throughput.pop("sent")
                wall = time.perf_counter() - wall0
                await asyncio.sleep(1)  # requests cut off at the end of a wrk run still complete
                stored = await scenario.count_dossiers() - before
                cpu = meter.ms_per(stored)
                throughput |= {
                    "cpu_ms_per_submission": cpu,
                    "service_cores_busy": round(cpu["service"] * stored / 1000 / wall, 2),
                    "dossiers_stored": stored,
                    "machine_busy_before_pct": busy,
                }
                total = int(args.rate * args.duration)
                sent = await _load_worker({**load, "mode": "open", "rate": args.rate, "count": total}, work)
                latency = await scenario.latency_of(
                    {code: started for code, started in sent["sent"].items()}, args.rate, total
                )
                latency["request_ms_p50"] = sent["request_ms_p50"]
                latency["request_ms_p99"] = sent["request_ms_p99"]
                latency["failed"] = sent["failed"]
                rss = sum(p.memory_info().rss for p in (service, *service.children(recursive=True)))
                return {
                    "workers": workers,
                    "throughput": throughput,
                    "latency": latency,
                    "capacity_if_alone": _capacity(cpu, workers),
                    "service_rss_mb": round(rss / 2**20, 1),
                    "service_env": {k: v for k, v in env.items() if "URL" not in k},
                }
    finally:
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(work, ignore_errors=True)


def _capacity(cpu: dict[str, float], workers: int) -> float | None:
    """Submissions per second this machine could take with nothing else running: its cores divided by
    the CPU one submission costs the service, PostgreSQL, Kafka and the client together, and no more than
    the service's workers (one core each at most) can do. None unless PostgreSQL and Kafka were counted."""
    if "postgres" not in cpu or "kafka" not in cpu:
        return None
    per_submission = sum(cpu[name] for name in ("service", "postgres", "kafka", "clients"))
    cores = os.cpu_count() or 1
    return round(min(cores * 1000 / per_submission, min(workers, cores) * 1000 / cpu["service"]), 1)


# --- the load worker (a separate process) ------------------------------------------------------------------


def unique(body: bytes) -> bytes:
    """``body`` with its document made unique."""
    return body.replace(SLOT, uuid.uuid4().hex.encode(), 1)


async def _load(config: dict[str, Any], body: bytes) -> dict[str, Any]:
    import aiohttp

    headers_base = {"Content-Type": config["content_type"], "Authorization": f"Bearer {config['token']}"}
    url = config["base"] + "/api/v1/dossiers"
    sent: dict[str, float] = {}
    durations: list[float] = []
    failed = 0
    connector = aiohttp.TCPConnector(limit=256)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as session:

        async def one() -> None:
            nonlocal failed
            headers = {**headers_base, "Idempotency-Key": uuid.uuid4().hex}
            started, clock = time.time(), time.perf_counter()
            async with session.post(url, data=unique(body), headers=headers) as response:
                payload = await response.read()
                if response.status != 201:
                    failed += 1
                    return
            durations.append((time.perf_counter() - clock) * 1000)
            sent[json.loads(payload)["code"]] = started

        count = int(config["count"])
        started = time.perf_counter()
        if config["mode"] == "open":
            await _open_loop(one, float(config["rate"]), count)
        else:
            queue: asyncio.Queue[int] = asyncio.Queue()
            for i in range(count):
                queue.put_nowait(i)

            async def worker() -> None:
                while True:
                    try:
                        queue.get_nowait()
                    except asyncio.QueueEmpty:
                        return
                    await one()

            await asyncio.gather(*(worker() for _ in range(int(config.get("concurrency", 8)))))
        elapsed = time.perf_counter() - started
    return {
        "client": "aiohttp on uvloop, separate process",
        "submissions": len(sent),
        "failed": failed,
        "concurrency": config.get("concurrency"),
        "seconds": round(elapsed, 3),
        "per_second": round(len(sent) / elapsed, 1),
        "request_ms_p50": round(pct(durations, 0.5), 2) if durations else None,
        "request_ms_p99": round(pct(durations, 0.99), 2) if durations else None,
        "sent": sent,
    }


def load_worker_main(config_file: str) -> None:
    """Entry of ``--load-worker``: run the load the config describes, write the result as JSON."""
    import uvloop

    config = json.loads(Path(config_file).read_text())
    body = Path(config["body_file"]).read_bytes()
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        result = runner.run(_load(config, body))
    Path(config["out"]).write_text(json.dumps(result))


# --- report -----------------------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, str]]:
    """Every set-up asked for, on one Kafka and one PostgreSQL; and that server's durability settings."""
    from durability import postgres_settings

    results: dict[str, Any] = {}
    async with infrastructure() as infra:
        storage = postgres_settings(infra.server.url("postgres"))
        if args.mode in ("both", "process"):
            for workers in args.workers:
                results[f"process-{workers}w"] = await run_process(args, infra, workers)
        if args.mode in ("both", "inproc"):
            results["inproc"] = await run_inproc(args, infra.bootstrap, infra.server)
    return results, storage


def report(result: dict[str, Any], args: argparse.Namespace, storage: dict[str, str]) -> str:
    """The Markdown summary: each figure beside its target, on the PostgreSQL ``storage`` says."""
    from durability import FAST_LABEL, postgres_is_durable, postgres_label

    fast = "" if postgres_is_durable(storage) else f" ({FAST_LABEL})"
    lines = [
        "# dossier-svc submission benchmark",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {platform.node()} · {os.cpu_count()} CPUs · "
        f"{'quick' if args.quick else 'full'} run · PostgreSQL + Kafka on the same machine · targets judged "
        "on the service as its own process (`process-Nw`: `python -m dossier_svc` under uvicorn with uvloop "
        "and httptools, N worker processes, load from other processes); `inproc` (the service in the load "
        "generator's process over ASGI) only for comparison",
        "",
        f"Storage: {postgres_label(storage)}.",
        "",
        "| set-up | figure | measured | target | met |",
        "| --- | --- | --- | --- | --- |",
    ]
    notes: list[str] = []
    for name, run in result.items():
        tp, lat = run["throughput"], run["latency"]
        judged = name.startswith("process")
        rate = lat["rate_per_second"]
        rows = [
            (
                f"Submissions per second (200 KB PDF + PNG, {tp['concurrency']} in flight)",
                f"{tp['per_second']}",
                f"≥ {TARGETS['submissions_per_second']:g}",
                tp["per_second"] >= TARGETS["submissions_per_second"],
            ),
            (f"Submit → `submitted` consumed, p50 at {rate:g}/s", f"{lat['p50_ms']} ms", "—", None),
            (
                f"Submit → `submitted` consumed, p99 at {rate:g}/s",
                f"{lat['p99_ms']} ms",
                f"≤ {TARGETS['latency_p99_ms_at_100_per_s']:g} ms (at 100/s)",
                lat["p99_ms"] <= TARGETS["latency_p99_ms_at_100_per_s"] and rate >= 100,
            ),
        ]
        if run.get("capacity_if_alone") is not None:
            rows.append(
                (
                    "Projected submissions per second with nothing else on the machine (CPU per submission)",
                    f"{run['capacity_if_alone']}",
                    f"≥ {TARGETS['submissions_per_second']:g}",
                    None,
                )
            )
        for figure, value, target, ok in rows:
            met = "—" if ok is None else ("yes" if ok else "no")
            if not judged and ok is not None:
                met = f"({met})"
            lines.append(f"| {name}{fast} | {figure} | {value} | {target} | {met} |")
        if judged:
            cpu = ", ".join(f"{part} {ms}" for part, ms in tp["cpu_ms_per_submission"].items())
            notes.append(
                f"* **{name}**: throughput client {tp['client']}, {tp['dossiers_stored']} dossiers stored in "
                f"{tp['seconds']} s; request p50 {tp['request_ms_p50']} ms, p99 {tp['request_ms_p99']} ms. "
                f"CPU ms per submission: {cpu}; the service kept {tp['service_cores_busy']} cores busy; the "
                f"machine was {tp['machine_busy_before_pct']} % busy just before. Latency run: "
                f"{lat['submissions']} submissions at {rate:g}/s, {lat['seen']} events seen, max "
                f"{lat['max_ms']} ms; request p50 {lat['request_ms_p50']} ms, "
                f"p99 {lat['request_ms_p99']} ms. "
                f"Service RSS {run['service_rss_mb']} MB."
            )
        else:
            notes.append(
                f"* **{name}**: throughput client {tp['client']}; request p50 {tp['request_ms_p50']} ms, p99 "
                f"{tp['request_ms_p99']} ms; process CPU (service and client) "
                f"{tp['process_cpu_ms_per_submission']} ms per submission; machine "
                f"{tp['machine_busy_before_pct']} % busy just before. Latency run: {lat['submissions']} "
                f"submissions, {lat['seen']} events seen, max {lat['max_ms']} ms."
            )
    notes.append(
        "* The projection divides the machine's cores by the CPU one submission costs the service, "
        "PostgreSQL, Kafka and the load client together (capped by one core per service worker). It is what "
        "the figures above would be if no other process competed; `other processes` is the CPU others used "
        "meanwhile."
    )
    return "\n".join([*lines, "", *notes]) + "\n"


def main() -> None:
    """Parse the arguments, run, write the results."""
    if len(sys.argv) == 3 and sys.argv[1] == "--load-worker":
        load_worker_main(sys.argv[2])
        return
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run (fewer submissions, shorter)")
    parser.add_argument("--mode", choices=("both", "process", "inproc"), default="both")
    parser.add_argument(
        "--client",
        choices=("wrk", "python"),
        default="wrk" if shutil.which("wrk") else "python",
        help="process mode's throughput client (wrk when installed)",
    )
    parser.add_argument(
        "--count", type=int, default=None, help="submissions of a python-client throughput run"
    )
    parser.add_argument("--seconds", type=float, default=None, help="length of a wrk throughput run")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument(
        "--workers",
        type=int,
        nargs="+",
        default=sorted({1, os.cpu_count() or 1}),
        help="DOSSIER_WORKERS of the separate-process runs (one run each)",
    )
    parser.add_argument("--rate", type=float, default=100.0, help="submissions per second in the latency run")
    parser.add_argument("--duration", type=float, default=None, help="seconds of the latency run")
    parser.add_argument("--service-log-level", default="INFO", help="DOSSIER_LOG_LEVEL of the service")
    parser.add_argument(
        "--service-env", action="append", default=[], metavar="NAME=VALUE", help="extra DOSSIER_* variable"
    )
    args = parser.parse_args()
    args.count = args.count or (300 if args.quick else 3000)
    args.seconds = args.seconds or (5.0 if args.quick else 15.0)
    args.duration = args.duration or (3.0 if args.quick else 20.0)
    result, storage = asyncio.run(run(args))
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    payload = {"targets": TARGETS, "args": vars(args), "storage": storage, **result}
    (RESULTS / f"dossier_submit-{stamp}.json").write_text(json.dumps(payload, indent=2))
    table = report(result, args, storage)
    (RESULTS / "dossier_submit.md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
