"""``motcua run`` as a child process on a free port, for the browser tests and the web benchmark."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

from motcua.infra._procs import log_tail
from motcua.infra.ports import free_port


@contextmanager
def embedded_platform(
    work: Path, env: Mapping[str, str] | None = None, timeout: float = 120
) -> Iterator[str]:
    """The embedded platform (its state under ``work/var``, its log in ``work/platform.log``) until the block
    ends; yields its base URL once ``/readyz`` answers 200. ``env`` is added to this process's environment."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = work / "platform.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our interpreter, our module
            [sys.executable, "-m", "motcua.cli", "run", "--port", str(port), "--var-dir", str(work / "var")],
            env={**os.environ, "MOTCUA_LOG_LEVEL": "WARNING", **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=work,
        )
        try:
            deadline = time.monotonic() + timeout
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"motcua run stopped:\n{log_tail(log_path)}")
                try:
                    if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the platform did not get ready in {timeout:.0f} s")
                time.sleep(0.3)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
