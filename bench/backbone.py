"""Benchmark of the event backbone: outbox relay, consumer runner, end-to-end latency and memory.

Run ``uv run python bench/backbone.py`` (``make bench``); ``--help`` lists the knobs, ``--quick`` is a smoke run.
It measures, on Kafka + PostgreSQL and on the embedded mode (SQLite files + the in-process ``LocalBus``):

* relay throughput: N committed outbox rows, then an ``OutboxRelay`` until all are marked published;
* consumer throughput: a fresh ``ConsumerRunner`` group applying those N events through the inbox;
* latency from the producer's commit to the consumer's effect commit, at a steady open-loop rate;
* resident memory of the process doing that work (a service), of the Kafka JVM, and of the whole
  embedded platform (``motcua run``) after start and after light HTTP load.

Every scenario runs in a fresh worker process (this file, ``--worker``) on fresh databases and a fresh
topic, so memory figures are those of a process doing only that work. Results go to
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

import psutil

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
"""The latency run counts only if the producers kept up with at least this share of the asked rate."""

Backend = Literal["kafka", "embedded"]
Scenario = Literal["throughput", "latency"]
BACKEND_LABEL: dict[str, str] = {"kafka": "Kafka + PostgreSQL", "embedded": "embedded (SQLite + LocalBus)"}


# -- small helpers ------------------------------------------------------------------------------------------


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile of ``values`` (not empty)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100.0 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def summary(values: Sequence[float]) -> dict[str, float | int]:
    """Count, mean, p50, p90, p99, p99.9 and max of ``values`` (milliseconds in, rounded)."""
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


def rss_mb(proc: psutil.Process) -> float | None:
    """Resident set size of ``proc`` in MiB, or None when it is gone."""
    try:
        return round(proc.memory_info().rss / MB, 1)
    except psutil.Error:
        return None


class PeakSampler:
    """Samples named memory probes in a thread; keeps the last and the peak value of each."""

    def __init__(self, probes: Mapping[str, Callable[[], float | None]], interval: float = 0.5) -> None:
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
# The worker: one scenario on one backend, in its own process.
# ===========================================================================================================


@dataclass
class WorkerConfig:
    """What one worker process runs; passed as JSON on its command line."""

    scenario: Scenario
    backend: Backend
    work_dir: str
    result_path: str
    bootstrap: str | None = None
    pg_admin_url: str | None = None
    drop_after: bool = True
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


def run_worker(cfg: WorkerConfig) -> None:
    """Entry point of ``--worker``: run the scenario, write its result JSON to ``cfg.result_path``."""
    if cfg.uvloop:
        import uvloop

        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            result = runner.run(_worker_main(cfg))
    else:
        result = asyncio.run(_worker_main(cfg))
    Path(cfg.result_path).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


async def _worker_main(cfg: WorkerConfig) -> dict[str, Any]:
    # Imported here so the orchestrator stays light; a service process imports the same (and the app
    # factory: imported for its weight, so the RSS is that of a service's code, not of a bare script).
    import motcua_shared.chassis.app  # noqa: F401

    from bench_backbone_worker_support import Backbone  # type: ignore[import-not-found]  # noqa: F401

    raise AssertionError("unreachable")  # pragma: no cover


