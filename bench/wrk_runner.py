"""wrk as a load generator for the benchmarks: one run, parsed into throughput, latency and errors."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

WRK = shutil.which("wrk") or "/usr/bin/wrk"


@dataclass
class Load:
    """What wrk measured."""

    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text.strip()).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def parse(out: str) -> Load:
    """Read wrk's ``--latency`` report; non-2xx answers and timeouts count as errors."""
    latency = dict(re.findall(r"^\s+(50|99)(?:\.0+)?%\s+(\S+)\s*$", out, re.MULTILINE))
    if "99" not in latency:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = sum(
        int(m.group(1))
        for pattern in (r"Non-2xx or 3xx responses:\s+(\d+)", r"Socket errors:.*?timeout (\d+)")
        if (m := re.search(pattern, out))
    )
    return Load(requests_per_s=rps, p50_ms=_ms(latency["50"]), p99_ms=_ms(latency["99"]), errors=errors)


def run(url: str, *, connections: int, seconds: int, threads: int = 1, script: Path | None = None) -> Load:
    """One wrk run against ``url`` (with a Lua ``script`` choosing the requests, if given)."""
    command = [WRK, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script is not None:
        command += ["-s", str(script)]
    done = subprocess.run(  # noqa: S603 - our own arguments
        [*command, url], capture_output=True, text=True, check=True
    )
    return parse(done.stdout)
