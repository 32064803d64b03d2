"""Benchmark of the catalogue search on PostgreSQL, 2,000 and 100,000 procedures, direct and via the gateway.

Run ``uv run python bench/catalog_search.py`` (``--quick`` for a smoke run: 2,000 and 10,000 procedures, short
loads). For each catalogue size it creates a PostgreSQL database (a temporary cluster, or ``$MOTCUA_PG_URL``),
migrates it, loads the real seed data plus SYNTHETIC procedures (``catalog_svc.synthetic``, marked and never
real) up to the size through the service's own import, starts catalog-svc (uvicorn, its own process) and
waits until its outbox has relayed every publish event, then starts the gateway in front of it, and a bare
FastAPI endpoint returning a captured search page of the same size as the ceiling. ``wrk`` (apt package
``wrk``) loads each with a rotation of real queries (with and without accents, partial words, filters):

* latency at one connection (p50, p99) and throughput at ``--connections`` connections, for the ceiling,
  the service directly and through the gateway (as shipped, with its cache of recent results), and the
  service directly with that cache off (every request searches PostgreSQL); the ratio of each to the
  ceiling.

Targets (issue 4): p99 ≤ 20 ms at 2,000 procedures and ≤ 50 ms at 100,000. Results go to
``bench/results/catalog_search-<UTC>.json`` and ``bench/results/catalog_search.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import wrk_runner
from sqlalchemy import func, select
from wrk_runner import Load

from catalog_svc.app import MIGRATIONS
from catalog_svc.procedures.service import import_procedures
from catalog_svc.seed import seed_database
from catalog_svc.synthetic import synthetic_procedures
from catalog_svc.uow import CatalogUnitOfWork
from motcua.infra.ports import free_port
from motcua.infra.postgres import ExternalPostgres, PgServer, PostgresCluster
from motcua_shared.chassis.db import Database
from motcua_shared.chassis.messaging.models import OutboxRecord
from motcua_shared.chassis.migrations import aupgrade
from motcua_shared.chassis.settings import DbSettings

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
TARGET_P99_MS = {2_000: 20.0, 100_000: 50.0}
QUERIES = (
    "q=khai%20sinh",
    "q=gi%E1%BA%A5y%20ph%C3%A9p%20x%C3%A2y%20d%E1%BB%B1ng",
    "q=giay%20phep%20xay%20dung&level=commune",
    "q=dang%20ky%20ho%20kinh%20doanh",
    "q=ly%20lich%20tu%20phap",
    "q=chung%20thuc%20ban%20sao",
    "q=tro%20cap%20xa%20hoi&online=full",
    "q=ket%20hon",
    "q=thuong%20tru",
    "q=cap%20lai%20giay%20chung%20nhan&page=2",
    "field=hotich",
    "q=phu%20hieu%20xe&agency=hue.so-xay-dung",
)
CHUNK = 5_000


def wrk(base: str, script: Path, *, connections: int, seconds: int) -> Load:
    """One wrk run against ``base`` with the rotating-query ``script``."""
    return wrk_runner.run(base, connections=connections, seconds=seconds, script=script)


def _lua(work: Path) -> Path:
    paths = ", ".join(f'"/api/v1/procedures?{q}"' for q in QUERIES)
    script = work / "queries.lua"
    script.write_text(
        f"paths = {{{paths}}}\ni = 0\n"
        "request = function()\n  i = i % #paths + 1\n  return wrk.format('GET', paths[i])\nend\n"
    )
    return script


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 - our interpreter, our modules
        args, env={**os.environ, **env}, stdout=log.open("wb"), stderr=subprocess.STDOUT, cwd=log.parent
    )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _wait_ready(url: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


async def load_catalogue(url: str, size: int) -> dict[str, float]:
    """Migrate, seed the real data and import SYNTHETIC procedures up to ``size``; returns timings."""
    started = time.perf_counter()
    await aupgrade(MIGRATIONS, url)
    db = Database(DbSettings(url=url))
    try:
        await seed_database(db)
        async with db.session() as session:
            real = int(await session.scalar(select(func.count()).select_from(OutboxRecord)) or 0)
        rows = synthetic_procedures(max(0, size - real))
        for start in range(0, len(rows), CHUNK):
            uow = CatalogUnitOfWork(db, source="/motcua/catalog")
            await import_procedures(uow, rows[start : start + CHUNK], allow_synthetic=True)
    finally:
        await db.dispose()
    return {"load_s": round(time.perf_counter() - started, 2)}


async def pending_events(url: str) -> int:
    """Outbox rows not yet relayed."""
    db = Database(DbSettings(url=url))
    try:
        async with db.session() as session:
            count = await session.scalar(
                select(func.count()).select_from(OutboxRecord).where(OutboxRecord.published_at.is_(None))
            )
        return int(count or 0)
    finally:
        await db.dispose()


def start_catalog(work: Path, url: str, *, cache: bool = True) -> tuple[subprocess.Popen[bytes], int]:
    """catalog-svc in its own process on ``url``, relaying to the in-process bus file under ``work``.

    ``cache=False`` turns its search cache off: every request then runs the whole search in the database.
    """
    port = free_port()
    env = {
        "CATALOG_SEARCH__CACHE_TTL": "30" if cache else "0",
        "CATALOG_DB__URL": url,
        "CATALOG_HTTP__PORT": str(port),
        "CATALOG_BUS__CONSUME": "false",
        "CATALOG_LOG_LEVEL": "WARNING",
        "CATALOG_DB__POOL_SIZE": "10",
    }
    proc = _spawn([sys.executable, "-m", "catalog_svc"], env, work / f"catalog-{port}.log")
    _wait_ready(f"http://127.0.0.1:{port}/healthz")
    return proc, port


def start_gateway(work: Path, upstream_port: int) -> tuple[subprocess.Popen[bytes], int]:
    """The gateway in its own process, proxying the catalogue to ``upstream_port``."""
    port = free_port()
    env = {
        "GATEWAY_HTTP__PORT": str(port),
        "GATEWAY_UPSTREAMS__CATALOG": f"http://127.0.0.1:{upstream_port}",
        "GATEWAY_DB__URL": f"sqlite+aiosqlite:///{work / f'gateway-{port}.db'}",
        "GATEWAY_IDENTITY__SIGNING_KEY_PATH": str(work / "key.pem"),
        "GATEWAY_LOG_LEVEL": "WARNING",
    }
    proc = _spawn([sys.executable, "-m", "gateway"], env, work / f"gateway-{port}.log")
    _wait_ready(f"http://127.0.0.1:{port}/healthz")
    return proc, port


def start_ceiling(work: Path, page: Path) -> tuple[subprocess.Popen[bytes], int]:
    """A bare FastAPI app answering every search with a captured page of the same size."""
    port = free_port()
    proc = _spawn(
        [sys.executable, str(Path(__file__).resolve()), "--serve-ceiling", str(port), str(page)],
        {},
        work / f"ceiling-{port}.log",
    )
    _wait_ready(f"http://127.0.0.1:{port}/healthz")
    return proc, port


def serve_ceiling(port: int, page: Path) -> None:
    """The ceiling: FastAPI and uvicorn as the services run them, no database, no middleware."""
    import uvicorn
    from fastapi import FastAPI

    body: dict[str, Any] = json.loads(page.read_text())
    app = FastAPI()

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/api/v1/procedures")
    async def search() -> dict[str, Any]:
        return body

    uvicorn.run(app, host="127.0.0.1", port=port, log_config=None, access_log=False)


def measure(base: str, script: Path, *, connections: int, seconds: int) -> dict[str, Any]:
    """Latency at one connection, throughput at ``connections``."""
    wrk(base, script, connections=1, seconds=1)  # warm-up: connections, caches, JIT of the query plans
    single = wrk(base, script, connections=1, seconds=seconds)
    loaded = wrk(base, script, connections=connections, seconds=seconds)
    return {"latency": asdict(single), "throughput": asdict(loaded)}


def run_size(server: PgServer, work: Path, size: int, args: argparse.Namespace) -> dict[str, Any]:
    """Everything for one catalogue size."""
    name = f"bench_catalog_{size}_{uuid.uuid4().hex[:6]}"
    server.create_database(name)
    url = server.url(name)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        print(f"loading {size:,} procedures …", flush=True)
        timings = asyncio.run(load_catalogue(url, size))
        catalog, catalog_port = start_catalog(work, url)
        procs.append(catalog)
        started = time.perf_counter()
        while (left := asyncio.run(pending_events(url))) > 0:
            if time.perf_counter() - started > args.drain_timeout:
                raise RuntimeError(f"{left} publish events still in the outbox")
            time.sleep(1)
        timings["outbox_drain_s"] = round(time.perf_counter() - started, 2)
        direct = f"http://127.0.0.1:{catalog_port}"
        page = work / f"page-{size}.json"
        page.write_bytes(httpx.get(f"{direct}/api/v1/procedures?q=khai%20sinh", timeout=10).content)
        total = httpx.get(f"{direct}/api/v1/procedures?size=1", timeout=30).json()["total"]
        gateway, gateway_port = start_gateway(work, catalog_port)
        ceiling, ceiling_port = start_ceiling(work, page)
        uncached, uncached_port = start_catalog(work, url, cache=False)
        procs += [gateway, ceiling, uncached]
        script = _lua(work)
        results: dict[str, Any] = {"size": size, "published": total, **timings}
        for label, base in (
            ("ceiling", f"http://127.0.0.1:{ceiling_port}"),
            ("direct", direct),
            ("gateway", f"http://127.0.0.1:{gateway_port}"),
            ("direct, no cache", f"http://127.0.0.1:{uncached_port}"),
        ):
            print(f"  {label} …", flush=True)
            results[label] = measure(base, script, connections=args.connections, seconds=args.seconds)
        return results
    finally:
        for proc in procs:
            _stop(proc)
        try:
            server.drop_database(name)
        except Exception as exc:  # a leftover database must not hide the figures
            print(f"could not drop {name}: {exc}", file=sys.stderr)


def markdown(run: dict[str, Any]) -> str:
    """The summary table, each figure beside its target."""
    lines = [
        f"# Catalogue search benchmark — {run['started']}",
        "",
        f"{run['machine']}; PostgreSQL {run['postgres']}; wrk, {run['seconds']} s per run, "
        f"{run['connections']} connections for throughput; {len(QUERIES)} rotating real queries.",
        "",
        "| procedures | path | p50 ms (1 conn) | p99 ms (1 conn) | p99 target | req/s | ratio to ceiling |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for size in run["sizes"]:
        target = TARGET_P99_MS.get(size["size"])
        ceiling = size["ceiling"]["throughput"]["requests_per_s"]
        for label in ("ceiling", "direct", "gateway", "direct, no cache"):
            lat, thr = size[label]["latency"], size[label]["throughput"]
            verdict = (
                "" if target is None or label == "ceiling" else (" ✅" if lat["p99_ms"] <= target else " ❌")
            )
            lines.append(
                f"| {size['published']:,} | {label} | {lat['p50_ms']:.2f} | {lat['p99_ms']:.2f}{verdict} | "
                f"{'—' if target is None or label == 'ceiling' else f'≤ {target:.0f}'} | "
                f"{thr['requests_per_s']:,.0f} | {thr['requests_per_s'] / ceiling:.2f} |"
            )
    lines += ["", "| procedures | load (s) | outbox drained (s) |", "|---:|---:|---:|"]
    lines += [f"| {s['published']:,} | {s['load_s']} | {s['outbox_drain_s']} |" for s in run["sizes"]]
    lines += [
        "",
        "Synthetic procedures (codes `SYN-…`) fill the catalogue beyond the real seed data (only here).",
        "The ceiling: a bare FastAPI endpoint returning a captured search page (no database, no middleware).",
        "`direct` and `gateway` run catalog-svc as shipped: a repeated search is answered from its cache of "
        "recent results (30 s, cleared by its own publishes). `direct, no cache` is a second catalog-svc "
        "process with that cache off (`CATALOG_SEARCH__CACHE_TTL=0`): every request runs the whole search "
        "in PostgreSQL — the figure for a query nobody asked in the last 30 s.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Run the benchmark and write the results."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="2,000 and 10,000 procedures, 3 s runs")
    parser.add_argument("--sizes", type=int, nargs="+", help="catalogue sizes (default 2000 100000)")
    parser.add_argument("--seconds", type=int, default=10, help="duration of each wrk run")
    parser.add_argument("--connections", type=int, default=8, help="connections of the throughput runs")
    parser.add_argument("--drain-timeout", type=float, default=900, help="seconds to wait for the outbox")
    parser.add_argument("--serve-ceiling", nargs=2, metavar=("PORT", "PAGE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_ceiling:
        serve_ceiling(int(args.serve_ceiling[0]), Path(args.serve_ceiling[1]))
        return
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed (apt-get install wrk)")
    sizes = args.sizes or ([2_000, 10_000] if args.quick else [2_000, 100_000])
    if args.quick:
        args.seconds = min(args.seconds, 3)
    work = Path(tempfile.mkdtemp(prefix="motcua-catalog-bench-"))
    work.chmod(0o755)  # the postgres OS user must reach the cluster directory
    cluster: PostgresCluster | None = None
    external = os.environ.get("MOTCUA_PG_URL")
    server: PgServer
    if external:
        server = ExternalPostgres(external)
    else:
        cluster = PostgresCluster(work / "pg")
        cluster.start()
        server = cluster
    run: dict[str, Any] = {
        "started": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "seconds": args.seconds,
        "connections": args.connections,
        "queries": list(QUERIES),
        "targets_p99_ms": TARGET_P99_MS,
        "sizes": [],
    }
    try:
        run["postgres"] = _postgres_version(server)
        for size in sizes:
            run["sizes"].append(run_size(server, work, size, args))
    finally:
        if cluster is not None:
            cluster.stop()
            cluster.cleanup()
        shutil.rmtree(work, ignore_errors=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = run["started"].replace(":", "").replace("-", "")
    (RESULTS / f"catalog_search-{stamp}.json").write_text(json.dumps(run, indent=2, ensure_ascii=False))
    table = markdown(run)
    (RESULTS / "catalog_search.md").write_text(table)
    print(table)


def _postgres_version(server: PgServer) -> str:
    async def version() -> str:
        db = Database(DbSettings(url=server.url("postgres")))
        try:
            async with db.session() as session:
                return str(await session.scalar(select(func.current_setting("server_version"))))
        finally:
            await db.dispose()

    return asyncio.run(version())


if __name__ == "__main__":
    main()
