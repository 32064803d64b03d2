"""Benchmark of the catalogue search: relevance and speed on SQLite and PostgreSQL at 2,000 and 100,000.

Run ``uv run python bench/catalog_search.py`` (``--quick`` for a smoke run: 2,000 and 10,000 procedures, one
measured pass, short loads). For each catalogue size it loads the real seed data plus SYNTHETIC procedures
(``catalog_svc.synthetic``, marked and never real) up to the size, through the service's own import, into a
**durable** PostgreSQL database (a temporary cluster with fsync, synchronous_commit and full_page_writes
on, or ``$MOTCUA_PG_URL``: the report states the settings as the server gives them, and labels its figures
fast if they are off) and into a SQLite file, and runs catalog-svc (uvicorn, its own process) on each
**with its search cache off**, once its outbox has relayed every publish event. Then, on each database:

* **relevance**: the golden set (``catalog_svc/data/search_golden.json``) scored as MRR@3 and recall@10
  (``catalog_svc.quality``), and how many golden queries got other first ten hits or another total on
  the other database (the relevance contract says none); also on the real catalogue alone, as the tests
  hold it;
* **speed**: every golden query and a reproducible random set of realistic ones (``realistic_queries``:
  words of real names and keywords, mostly unaccented, some misspelt or cut short, some filtered), one
  request at a time over HTTP after a warm-up pass: p50, p99 and the ten slowest queries.

On PostgreSQL it also loads the service with ``wrk`` as before (apt package ``wrk``; ``--no-wrk`` skips it):
latency at one connection and throughput at ``--connections`` for a bare FastAPI ceiling, the service
directly and through the gateway (cache on, as shipped) and the service with its cache off.

Targets (issue 18), cache off: p99 ≤ 20 ms at 2,000 procedures and ≤ 50 ms at 100,000 on PostgreSQL; ≤ 30 ms
and ≤ 100 ms on SQLite. The machine's load average is recorded before and after: figures taken while other
work shares the CPU are pessimistic. ``--keep DIR`` keeps the durable cluster and the loaded databases in
``DIR`` and reuses them the next time, migrated to the current schema. Results go to
``bench/results/catalog_search-<UTC>.json`` and ``bench/results/catalog_search.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
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

import durability
import httpx
import wrk_runner
from sqlalchemy import func, select
from wrk_runner import Load

from catalog_svc.app import MIGRATIONS
from catalog_svc.procedures.service import import_procedures
from catalog_svc.quality import golden_set, realistic_queries, score
from catalog_svc.seed import real_procedures, seed_database
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
#: Per database, cache off, over the golden and the random set (issue 18).
TARGETS_MS: dict[str, dict[int, float]] = {
    "postgresql": {2_000: 20.0, 100_000: 50.0},
    "sqlite": {2_000: 30.0, 100_000: 100.0},
}
RANDOM_QUERIES = 300
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
#: The sizes a ``--keep`` directory holds, by database.
KEPT = "loaded.json"


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
            done = real + min(start + CHUNK, len(rows))
            print(
                f"    {done:,} / {real + len(rows):,} procedures, {time.perf_counter() - started:.0f} s",
                flush=True,
            )
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


Query = tuple[str, dict[str, str]]


def query_set(quick: bool) -> list[Query]:
    """Every golden query, then the random realistic ones (100 with ``quick``)."""
    texts = [p["name"] for p in real_procedures()] + [
        k for p in real_procedures() for k in p.get("keywords", [])
    ]
    golden: list[Query] = [(g.q, {}) for g in golden_set()]
    return golden + realistic_queries(texts, 100 if quick else RANDOM_QUERIES)


def relevance(base: str) -> dict[str, Any]:
    """The golden set's scores on the service at ``base``, and each query's first ten codes and total."""
    golden = golden_set()
    names: dict[str, list[str]] = {}
    answers: dict[str, Any] = {}
    with httpx.Client(base_url=base, timeout=60) as client:
        for query in golden:
            response = client.get("/api/v1/procedures", params={"q": query.q, "size": 10})
            response.raise_for_status()
            body = response.json()
            names[query.q] = [item["name"] for item in body["items"]]
            answers[query.q] = [[item["code"] for item in body["items"]], body["total"], body["match"]]
    scores = score(golden, names)
    return {"mrr3": scores.mrr3, "recall10": scores.recall10, "answers": answers, "misses": scores.misses}


def timings(base: str, queries: list[Query], passes: int) -> dict[str, Any]:
    """Each query once to warm up, then ``passes`` times one request at a time: p50, p99, ten slowest."""
    samples: list[tuple[float, str, dict[str, str]]] = []
    with httpx.Client(base_url=base, timeout=60) as client:
        for measured in range(passes + 1):
            for q, params in queries:
                started = time.perf_counter()
                response = client.get("/api/v1/procedures", params={"q": q, "size": 20, **params})
                elapsed = (time.perf_counter() - started) * 1000
                response.raise_for_status()
                if measured:
                    samples.append((elapsed, q, params))
    ordered = sorted(ms for ms, _q, _p in samples)

    def rank(share: float) -> float:
        return round(ordered[max(0, math.ceil(share * len(ordered)) - 1)], 2)

    slowest = sorted(samples, key=lambda sample: sample[0], reverse=True)[:10]
    return {
        "requests": len(samples),
        "p50_ms": rank(0.50),
        "p99_ms": rank(0.99),
        "max_ms": round(ordered[-1], 2),
        "slowest": [{"ms": round(ms, 2), "q": q, "params": params} for ms, q, params in slowest],
    }


def measure_database(work: Path, url: str, queries: list[Query], args: argparse.Namespace) -> dict[str, Any]:
    """catalog-svc on ``url`` with its cache off, once its outbox is drained: relevance and speed."""
    proc, port = start_catalog(work, url, cache=False)
    try:
        drained = drain(url, args.drain_timeout)
        base = f"http://127.0.0.1:{port}"
        return {
            "outbox_drain_s": drained,
            "relevance": relevance(base),
            "speed": timings(base, queries, 1 if args.quick else 2),
        }
    finally:
        _stop(proc)


def drain(url: str, timeout: float) -> float:
    """Wait until every publish event left the outbox; the seconds it took."""
    started = time.perf_counter()
    while (left := asyncio.run(pending_events(url))) > 0:
        if time.perf_counter() - started > timeout:
            raise RuntimeError(f"{left} publish events still in the outbox")
        time.sleep(1)
    return round(time.perf_counter() - started, 2)


def differing(first: dict[str, Any], second: dict[str, Any]) -> list[str]:
    """The golden queries whose first ten codes, total or match differ between two databases."""
    return [q for q, answer in first["answers"].items() if second["answers"].get(q) != answer]


def run_real(server: PgServer, work: Path) -> dict[str, Any]:
    """Relevance on the real catalogue alone (what the tests hold), on both databases."""
    name = f"bench_catalog_real_{uuid.uuid4().hex[:6]}"
    server.create_database(name)
    urls = {"postgresql": server.url(name), "sqlite": f"sqlite+aiosqlite:///{work / 'catalog-real.db'}"}
    out: dict[str, Any] = {}
    try:
        for database, url in urls.items():
            asyncio.run(load_catalogue(url, 0))
            proc, port = start_catalog(work, url, cache=False)
            try:
                drain(url, 120)
                out[database] = relevance(f"http://127.0.0.1:{port}")
            finally:
                _stop(proc)
    finally:
        _drop(server, name)
    out["differing"] = differing(out["postgresql"], out["sqlite"])
    return out


def _drop(server: PgServer, name: str) -> None:
    try:
        server.drop_database(name)
    except Exception as exc:  # a leftover database must not hide the figures
        print(f"could not drop {name}: {exc}", file=sys.stderr)


def run_size(server: PgServer, work: Path, size: int, args: argparse.Namespace) -> dict[str, Any]:
    """Everything for one catalogue size: both databases, then PostgreSQL under wrk.

    With ``--keep`` the databases stay in ``work`` after the run, and a size loaded by an earlier run is
    only migrated to the current schema (loading 100,000 procedures into durable PostgreSQL takes most of
    an hour on a shared machine)."""
    keep = args.keep is not None
    name = f"catalog_{size}" if keep else f"bench_catalog_{size}_{uuid.uuid4().hex[:6]}"
    urls = {"postgresql": server.url(name), "sqlite": f"sqlite+aiosqlite:///{work / f'catalog-{size}.db'}"}
    kept = _kept(work) if keep else {}
    queries = query_set(args.quick)
    results: dict[str, Any] = {"size": size}
    try:
        for database, url in urls.items():
            if size in kept.get(database, []):
                print(f"{size:,} procedures in {database}, kept from an earlier run: migrating …", flush=True)
                asyncio.run(aupgrade(MIGRATIONS, url))
                loaded: dict[str, Any] = {"load_s": "kept"}
            else:
                if database == "postgresql":
                    if keep:
                        _drop(server, name)  # a load an earlier run did not finish
                    server.create_database(name)
                print(f"loading {size:,} procedures into {database} …", flush=True)
                loaded = asyncio.run(load_catalogue(url, size))
                if keep:
                    kept.setdefault(database, []).append(size)
                    (work / KEPT).write_text(json.dumps(kept))
            print(f"  {database}: relevance and speed, cache off …", flush=True)
            results[database] = {**loaded, **measure_database(work, url, queries, args)}
        results["differing"] = differing(results["postgresql"]["relevance"], results["sqlite"]["relevance"])
        if args.wrk:
            results["wrk"] = run_wrk(work, urls["postgresql"], args)
            results["published"] = results["wrk"].pop("published")
        else:
            results["published"] = size
        return results
    finally:
        if not keep:
            _drop(server, name)
            Path(work / f"catalog-{size}.db").unlink(missing_ok=True)


def _kept(work: Path) -> dict[str, list[int]]:
    """The sizes loaded in ``work`` by earlier runs with ``--keep``, by database."""
    path = work / KEPT
    return json.loads(path.read_text()) if path.exists() else {}


def run_wrk(work: Path, url: str, args: argparse.Namespace) -> dict[str, Any]:
    """PostgreSQL under wrk: the ceiling, the service directly and through the gateway, and cache off."""
    procs: list[subprocess.Popen[bytes]] = []
    try:
        catalog, catalog_port = start_catalog(work, url)
        procs.append(catalog)
        direct = f"http://127.0.0.1:{catalog_port}"
        page = work / "page.json"
        page.write_bytes(httpx.get(f"{direct}/api/v1/procedures?q=khai%20sinh", timeout=10).content)
        total = httpx.get(f"{direct}/api/v1/procedures?size=1", timeout=30).json()["total"]
        gateway, gateway_port = start_gateway(work, catalog_port)
        ceiling, ceiling_port = start_ceiling(work, page)
        uncached, uncached_port = start_catalog(work, url, cache=False)
        procs += [gateway, ceiling, uncached]
        script = _lua(work)
        results: dict[str, Any] = {"published": total}
        for label, base in (
            ("ceiling", f"http://127.0.0.1:{ceiling_port}"),
            ("direct", direct),
            ("gateway", f"http://127.0.0.1:{gateway_port}"),
            ("direct, no cache", f"http://127.0.0.1:{uncached_port}"),
        ):
            print(f"  wrk: {label} …", flush=True)
            results[label] = measure(base, script, connections=args.connections, seconds=args.seconds)
        return results
    finally:
        for proc in procs:
            _stop(proc)


def fast_mark(run: dict[str, Any], database: str) -> str:
    """What follows ``database``'s name in the tables: a label when its figures were measured on fast
    PostgreSQL, else nothing."""
    if database == "postgresql" and not durability.postgres_is_durable(run["storage"]["postgresql"]):
        return f" ({durability.FAST_LABEL})"
    return ""


def markdown(run: dict[str, Any]) -> str:
    """The summary tables, each figure beside its target."""
    golden = len(golden_set())
    lines = [
        f"# Catalogue search benchmark — {run['started']}",
        "",
        f"{run['machine']}; PostgreSQL {run['postgres']}; load average (1 min) "
        f"{run['load_before']:.2f} before, {run['load_after']:.2f} after. "
        f"{run['load_note']}",
        "",
        f"Storage: {durability.postgres_label(run['storage']['postgresql'])}; "
        f"{durability.sqlite_label(run['storage'].get('sqlite', {}))}.",
        "",
        f"## Relevance: the golden set ({golden} queries), cache off",
        "",
        "| procedures | database | MRR@3 | recall@10 | golden queries answered otherwise by the other one |",
        "|---:|---|---:|---:|---:|",
    ]
    rows = [("real catalogue", run["real"])] + [(f"{s['published']:,}", s) for s in run["sizes"]]
    for label, part in rows:
        for database in ("postgresql", "sqlite"):
            scored = part[database] if "relevance" not in part[database] else part[database]["relevance"]
            lines.append(
                f"| {label} | {database}{fast_mark(run, database)} | {scored['mrr3']:.3f} | "
                f"{scored['recall10']:.3f} | "
                f"{len(part['differing'])} |"
            )
    queries = run["queries"]
    lines += [
        "",
        f"## Speed, cache off: {queries['golden']} golden + {queries['random']} random realistic queries, "
        "one request at a time over HTTP after a warm-up pass",
        "",
        "| procedures | database | requests | p50 ms | p99 ms | p99 target | max ms |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for size in run["sizes"]:
        for database in ("postgresql", "sqlite"):
            speed = size[database]["speed"]
            target = TARGETS_MS[database].get(size["size"])
            verdict = "" if target is None else (" ✅" if speed["p99_ms"] <= target else " ❌")
            lines.append(
                f"| {size['published']:,} | {database}{fast_mark(run, database)} | {speed['requests']:,} | "
                f"{speed['p50_ms']:.2f} | "
                f"{speed['p99_ms']:.2f}{verdict} | {'—' if target is None else f'≤ {target:.0f}'} | "
                f"{speed['max_ms']:.2f} |"
            )
    for size in run["sizes"]:
        for database in ("postgresql", "sqlite"):
            named = f"{database}{fast_mark(run, database)}"
            lines += ["", f"Ten slowest, {size['published']:,} procedures, {named}:", ""]
            for slow in size[database]["speed"]["slowest"]:
                extra = "".join(f" {key}={value}" for key, value in slow["params"].items())
                lines.append(f"- {slow['ms']:.1f} ms — `{slow['q']}`{extra}")
    if any("wrk" in size for size in run["sizes"]):
        lines += [
            "",
            f"## PostgreSQL{fast_mark(run, 'postgresql')} under wrk ({run['seconds']} s per run, "
            f"{run['connections']} connections for throughput, {len(QUERIES)} rotating real queries)",
            "",
            "| procedures | path | p50 ms (1 conn) | p99 ms (1 conn) | req/s | ratio to ceiling |",
            "|---:|---|---:|---:|---:|---:|",
        ]
        for size in run["sizes"]:
            if "wrk" not in size:
                continue
            ceiling = size["wrk"]["ceiling"]["throughput"]["requests_per_s"]
            for label in ("ceiling", "direct", "gateway", "direct, no cache"):
                lat, thr = size["wrk"][label]["latency"], size["wrk"][label]["throughput"]
                lines.append(
                    f"| {size['published']:,} | {label} | {lat['p50_ms']:.2f} | {lat['p99_ms']:.2f} | "
                    f"{thr['requests_per_s']:,.0f} | {thr['requests_per_s'] / ceiling:.2f} |"
                )
    lines += [
        "",
        "| procedures | database | load (s) | outbox drained (s) |",
        "|---:|---|---:|---:|",
    ]
    lines += [
        f"| {s['published']:,} | {d}{fast_mark(run, d)} | {s[d]['load_s']} | {s[d]['outbox_drain_s']} |"
        for s in run["sizes"]
        for d in ("postgresql", "sqlite")
    ]
    lines += [
        "",
        "Synthetic procedures (codes `SYN-…`) fill the catalogue beyond the real seed data (only here); they",
        "share the real names' words, so at 2,000 and 100,000 they compete with the expected procedures.",
        "The ceiling: a bare FastAPI endpoint returning a captured search page (no database, no middleware).",
        "`direct` and `gateway` run catalog-svc as shipped: a repeated search is answered from its cache of "
        "recent results (30 s). `direct, no cache` and every figure above it: the cache is off "
        "(`CATALOG_SEARCH__CACHE_TTL=0`), every request runs the whole search in the database.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Run the benchmark and write the results."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="2,000 and 10,000 procedures, 100 random queries, one pass, 3 s wrk",
    )
    parser.add_argument("--no-wrk", dest="wrk", action="store_false", help="skip the wrk runs on PostgreSQL")
    parser.add_argument(
        "--load-note",
        default="",
        help="what else ran on the machine (written beside the load average, e.g. '8 helpers share 2 cores')",
    )
    parser.add_argument("--sizes", type=int, nargs="+", help="catalogue sizes (default 2000 100000)")
    parser.add_argument("--seconds", type=int, default=10, help="duration of each wrk run")
    parser.add_argument("--connections", type=int, default=8, help="connections of the throughput runs")
    parser.add_argument("--drain-timeout", type=float, default=900, help="seconds to wait for the outbox")
    parser.add_argument(
        "--keep",
        type=Path,
        help="keep the durable cluster and the loaded databases in this directory, and reuse them next time",
    )
    parser.add_argument("--serve-ceiling", nargs=2, metavar=("PORT", "PAGE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_ceiling:
        serve_ceiling(int(args.serve_ceiling[0]), Path(args.serve_ceiling[1]))
        return
    if args.wrk and shutil.which("wrk") is None:
        sys.exit("wrk is needed (apt-get install wrk), or --no-wrk")
    sizes = args.sizes or ([2_000, 10_000] if args.quick else [2_000, 100_000])
    if args.quick:
        args.seconds = min(args.seconds, 3)
    work = args.keep.resolve() if args.keep else Path(tempfile.mkdtemp(prefix="motcua-catalog-bench-"))
    work.mkdir(parents=True, exist_ok=True)
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
        "wrk_queries": list(QUERIES),
        "queries": {"golden": len(golden_set()), "random": 100 if args.quick else RANDOM_QUERIES},
        "targets_p99_ms": TARGETS_MS,
        "load_before": os.getloadavg()[0],
        "load_note": args.load_note,
        "sizes": [],
    }
    try:
        run["postgres"] = _postgres_version(server)
        run["storage"] = {"postgresql": durability.postgres_settings(server.url("postgres"))}
        print("relevance on the real catalogue …", flush=True)
        run["real"] = run_real(server, work)
        real_sqlite = f"sqlite+aiosqlite:///{work / 'catalog-real.db'}"
        run["storage"]["sqlite"] = durability.sqlite_settings(real_sqlite)
        for size in sizes:
            run["sizes"].append(run_size(server, work, size, args))
            run["load_after"] = os.getloadavg()[0]
            write(run)  # each size as soon as it is measured: a long run interrupted keeps what it has
    finally:
        if cluster is not None:
            cluster.stop()
            if args.keep is None:
                cluster.cleanup()
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print(markdown(run))


def write(run: dict[str, Any]) -> None:
    """The run so far to ``bench/results``: every figure as JSON, the tables as Markdown."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = run["started"].replace(":", "").replace("-", "")
    (RESULTS / f"catalog_search-{stamp}.json").write_text(json.dumps(run, indent=2, ensure_ascii=False))
    (RESULTS / "catalog_search.md").write_text(markdown(run))


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
