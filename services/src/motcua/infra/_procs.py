"""Process and event-loop helpers shared by the infrastructure recipes."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import threading
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import psutil

T = TypeVar("T")


def run_coro_blocking(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run the coroutine made by ``factory`` to completion on a private event loop in a helper thread.

    Works whether or not the caller already runs an event loop (``asyncio.run`` refuses inside one).
    """
    result: list[T] = []
    error: list[BaseException] = []

    def target() -> None:
        try:
            result.append(asyncio.run(factory()))
        except BaseException as exc:
            error.append(exc)

    thread = threading.Thread(target=target, name="motcua-infra-probe", daemon=True)
    thread.start()
    thread.join()
    if error:
        raise error[0]
    return result[0]


def process_alive(proc: psutil.Process) -> bool:
    """Tell whether ``proc`` still runs (a zombie counts as dead)."""
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def find_process(pid: int, create_time: float | None = None) -> psutil.Process | None:
    """Return the live process ``pid``, or None; with ``create_time`` also reject a recycled pid."""
    try:
        proc = psutil.Process(pid)
        if create_time is not None and abs(proc.create_time() - create_time) > 1.0:
            return None
    except psutil.Error:
        return None
    return proc if process_alive(proc) else None


def wait_gone(proc: psutil.Process, popen: subprocess.Popen[bytes] | None, timeout: float) -> bool:
    """Wait up to ``timeout`` seconds for ``proc`` to exit (reaping it if it is our child); True if it did."""
    if popen is not None:
        try:
            popen.wait(timeout)
        except subprocess.TimeoutExpired:
            return False
        return True
    try:
        proc.wait(timeout)
    except psutil.TimeoutExpired:
        # A non-child whose parent has not reaped it stays a zombie; it is gone as far as we care.
        return not process_alive(proc)
    except psutil.NoSuchProcess:
        pass
    return True


def terminate(
    proc: psutil.Process, popen: subprocess.Popen[bytes] | None, timeout: float, sig: int = signal.SIGTERM
) -> bool:
    """Send ``sig`` to ``proc``, wait up to ``timeout`` seconds, then SIGKILL it and wait for it to go.

    Returns True if the process exited after ``sig`` alone, False if it had to be killed.
    """
    if sig != signal.SIGKILL:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.send_signal(sig)
        if wait_gone(proc, popen, timeout):
            return True
    with contextlib.suppress(psutil.NoSuchProcess):
        proc.kill()
    wait_gone(proc, popen, 30.0)
    return False


def log_tail(path: Path, start: int = 0, max_bytes: int = 6000) -> str:
    """Return up to ``max_bytes`` from the end of the file ``path``, not reading before offset ``start``."""
    try:
        with path.open("rb") as fh:
            size = fh.seek(0, os.SEEK_END)
            fh.seek(max(start, size - max_bytes))
            return fh.read().decode("utf-8", "replace")
    except OSError as exc:
        return f"<cannot read {path}: {exc}>"
