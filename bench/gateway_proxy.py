"""Benchmark of the gateway's proxy path: catalogue search through the gateway vs directly on the service.

Run ``uv run python bench/gateway_proxy.py`` (``--quick`` for a smoke run). In one run it starts the
upstream (catalog-svc on a temporary SQLite database; a stand-in with the same chassis when catalog-svc
does not serve the search yet), then the gateway (its aiohttp proxy), each as its own uvicorn process, and
loads them with ``wrk`` (apt package ``wrk``):

* latency at one connection (p50, p99): the gateway's *added* latency is through-gateway minus direct;
* throughput at ``--connections`` connections: the ratio through-gateway / direct.

Targets (issue 3): ≤ 2 ms added at p50, ≥ 70 % of direct throughput. Results go to
``bench/results/gateway_proxy-<UTC>.json`` and ``bench/results/gateway_proxy.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import wrk_runner
from durability import sqlite_label, sqlite_settings
from wrk_runner import Load

from motcua.infra.ports import free_port

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
TARGET_ADDED_P50_MS = 2.0
TARGET_RATIO = 0.70
SEARCH = "/api/v1/procedures?q=khai%20sinh&size=20"
_SEED = (
    "import asyncio\n"
    "from catalog_svc.seed import seed\n"
    "from catalog_svc.settings import Settings\n"
    "from motcua_shared.chassis.migrations import upgrade\n"
    "from catalog_svc.app import MIGRATIONS\n"
    "settings = Settings()\n"
    "upgrade(MIGRATIONS, settings.db.url)\n"
    "print(asyncio.run(seed(settings)))\n"
)


def wrk(url: str, *, connections: int, seconds: int, threads: int = 1) -> Load:
    """One wrk run against ``url``."""
    return wrk_runner.run(url, connections=connections, seconds=seconds, threads=threads)


def _wait_ready(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


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


def start_upstream(work: Path, *, stand_in: bool = False) -> tuple[subprocess.Popen[bytes], int, str]:
    """catalog-svc when it answers the search, else the stand-in; returns the process, port and name."""
    if stand_in:
        return _start_stand_in(work, "stand-in (asked for: the proxy's own cost, with a near-empty upstream)")
    port = free_port()
    env = {
        "CATALOG_DB__URL": f"sqlite+aiosqlite:///{work / 'catalog.db'}",
        "CATALOG_HTTP__PORT": str(port),
        "CATALOG_BUS__CONSUME": "false",
        "CATALOG_LOG_LEVEL": "WARNING",
    }
    # The shipped reference data, so that the search has real procedures to rank (best effort).
    seeded = subprocess.run(  # noqa: S603 - our interpreter and code
        [sys.executable, "-c", _SEED],
        env={**os.environ, **env},
        cwd=work,
        capture_output=True,
        text=True,
        check=False,
    )
    if seeded.returncode != 0:
        print("catalog seed failed; searching an empty catalogue:", seeded.stderr[-500:], file=sys.stderr)
    proc = _spawn([sys.executable, "-m", "catalog_svc"], env, work / "catalog.log")
    _wait_ready(f"http://127.0.0.1:{port}/healthz")
    if httpx.get(f"http://127.0.0.1:{port}{SEARCH}", timeout=5).status_code == 200:
        return proc, port, "catalog-svc"
    _stop(proc)
    return _start_stand_in(work, "stand-in (catalog-svc does not serve the search yet)")


def _start_stand_in(work: Path, name: str) -> tuple[subprocess.Popen[bytes], int, str]:
    port = free_port()
    proc = _spawn(
        [sys.executable, str(Path(__file__).resolve()), "--serve-stand-in", str(port)],
        {"CATALOG_LOG_LEVEL": "WARNING"},
        work / "stand-in.log",
    )
    _wait_ready(f"http://127.0.0.1:{port}/healthz")
    return proc, port, name


def start_gateway(work: Path, upstream_port: int) -> tuple[subprocess.Popen[bytes], int]:
    """The gateway as its own process, proxying the catalogue to ``upstream_port``."""
    port = free_port()
    env = {
        "GATEWAY_HTTP__PORT": str(port),
        "GATEWAY_UPSTREAMS__CATALOG": f"http://127.0.0.1:{upstream_port}",
        "GATEWAY_DB__URL": f"sqlite+aiosqlite:///{work / 'gateway.db'}",
        "GATEWAY_IDENTITY__SIGNING_KEY_PATH": str(work / "key.pem"),
        "GATEWAY_LOG_LEVEL": "WARNING",
    }
    proc = _spawn([sys.executable, "-m", "gateway"], env, work / "gateway.log")
    _wait_ready(f"http://127.0.0.1:{port}/healthz")
    return proc, port


def serve_stand_in(port: int) -> None:
    """A catalogue-search-shaped endpoint on the service chassis (same middleware, logging, metrics)."""
    import uvicorn
    from fastapi import APIRouter

    from motcua_shared.chassis.app import create_service_app
    from motcua_shared.chassis.settings import DbSettings, ServiceSettings

    page = {
        "items": [
            {
                "code": f"1.00{1190 + i}",
                "name": f"Đăng ký khai sinh (trường hợp {i})",
                "field": "Hộ tịch",
                "level": 4,
                "processing_days": 3,
            }
            for i in range(20)
        ],
        "total": 20,
        "next_cursor": None,
    }
    router = APIRouter()

    @router.get("/api/v1/procedures")
    async def search(q: str = "", size: int = 20) -> dict[str, Any]:
        return page

    settings = ServiceSettings(
        service_name="catalog", db=DbSettings(url="sqlite+aiosqlite:///:memory:"), log_level="WARNING"
    )
    app = create_service_app(settings, title="stand-in", routers=[router])
    uvicorn.run(app, host="127.0.0.1", port=port, log_config=None, access_log=False)


def main() -> None:
    """Run the benchmark and write the results."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="short runs, for a smoke test")
    parser.add_argument("--seconds", type=int, default=10, help="each wrk run's duration")
    parser.add_argument("--connections", type=int, default=32, help="connections of the throughput runs")
    parser.add_argument(
        "--stand-in",
        action="store_true",
        help="a near-empty upstream instead of catalog-svc (the proxy's own cost)",
    )
    parser.add_argument("--serve-stand-in", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_stand_in:
        serve_stand_in(args.serve_stand_in)
        return
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    seconds = 3 if args.quick else args.seconds
    work = Path(tempfile.mkdtemp(prefix="motcua-bench-gw-"))
    upstream, upstream_port, upstream_name = start_upstream(work, stand_in=args.stand_in)
    results: dict[str, Any] = {
        "benchmark": "gateway_proxy",
        "time": datetime.now(UTC).isoformat(),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "upstream": upstream_name,
        "path": SEARCH,
        "seconds": seconds,
        "connections": args.connections,
        "targets": {"added_p50_ms": TARGET_ADDED_P50_MS, "throughput_ratio": TARGET_RATIO},
    }
    try:
        direct_url = f"http://127.0.0.1:{upstream_port}{SEARCH}"
        wrk(direct_url, connections=4, seconds=1)
        direct_latency = wrk(direct_url, connections=1, seconds=seconds)
        direct_load = wrk(direct_url, connections=args.connections, seconds=seconds)
        results["direct"] = {"latency": asdict(direct_latency), "load": asdict(direct_load)}
        gateway, port = start_gateway(work, upstream_port)
        try:
            url = f"http://127.0.0.1:{port}{SEARCH}"
            wrk(url, connections=4, seconds=1)
            latency = wrk(url, connections=1, seconds=seconds)
            load = wrk(url, connections=args.connections, seconds=seconds)
        finally:
            _stop(gateway)
        # The gateway's own database, opened as the gateway opens it: the pragmas it ran with.
        results["storage"] = sqlite_settings(f"sqlite+aiosqlite:///{work / 'gateway.db'}")
        added_p50 = latency.p50_ms - direct_latency.p50_ms
        ratio = load.requests_per_s / direct_load.requests_per_s
        results["gateway"] = {
            "latency": asdict(latency),
            "load": asdict(load),
            "added_p50_ms": round(added_p50, 3),
            "added_p99_ms": round(latency.p99_ms - direct_latency.p99_ms, 3),
            "throughput_ratio": round(ratio, 3),
            "meets_targets": added_p50 <= TARGET_ADDED_P50_MS and ratio >= TARGET_RATIO,
        }
    finally:
        _stop(upstream)
        shutil.rmtree(work, ignore_errors=True)
    write(results)


def write(results: dict[str, Any]) -> None:
    """``gateway_proxy-<UTC>.json`` and ``gateway_proxy.md``."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"gateway_proxy-{stamp}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    direct, row = results["direct"], results["gateway"]
    lines = [
        "# Gateway proxy benchmark",
        "",
        f"{results['time']} · {results['machine']['cpus']} CPUs · Python {results['machine']['python']} · "
        f"upstream: {results['upstream']} · `GET {results['path']}` · wrk, {results['seconds']} s per run",
        "",
        f"Storage of the gateway (and of catalog-svc when it is the upstream), a file each: "
        f"{sqlite_label(results['storage'])}.",
        "",
        f"Direct: p50 {direct['latency']['p50_ms']:.2f} ms, p99 {direct['latency']['p99_ms']:.2f} ms at 1 "
        f"connection; {direct['load']['requests_per_s']:.0f} req/s at {results['connections']} "
        "connections.",
        "",
        "| added p50 (target ≤ 2 ms) | added p99 | throughput vs direct (target ≥ 70 %) | req/s "
        "| meets targets |",
        "| --- | --- | --- | --- | --- |",
        f"| {row['added_p50_ms']:.2f} ms | {row['added_p99_ms']:.2f} ms | "
        f"{row['throughput_ratio'] * 100:.0f} % | {row['load']['requests_per_s']:.0f} | "
        f"{'yes' if row['meets_targets'] else 'no'} |",
    ]
    (RESULTS / "gateway_proxy.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
