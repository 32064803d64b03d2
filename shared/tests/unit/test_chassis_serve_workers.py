"""Several worker processes on one port (chassis/serve.py ``serve_workers``): the connections of a burst
are spread over every worker, and a worker that dies is replaced without leaving a dead listener behind."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from motcua.infra.ports import LOOPBACK, free_port, port_accepts
from motcua_shared.testing import eventually

SUPPORT = Path(__file__).resolve().parents[1] / "support"
CONNECTIONS = 64

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="SO_REUSEPORT spreads connections on Linux")


def _serving(port: int) -> tuple[list[str], dict[str, str]]:
    """The command and environment of a process serving the test app in two workers on ``port``."""
    script = (
        "from motcua_shared.chassis.serve import serve_workers; "
        "from motcua_shared.chassis.settings import HttpSettings; "
        f"serve_workers('workers_app:create', HttpSettings(host='{LOOPBACK}', port={port}), 2)"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SUPPORT), os.environ.get("PYTHONPATH", "")])}
    return [sys.executable, "-c", script], env


@pytest.fixture
def port() -> Iterator[int]:
    port = free_port()
    command, env = _serving(port)
    parent = subprocess.Popen(command, env=env)
    try:
        yield port
    finally:
        parent.send_signal(signal.SIGTERM)
        try:
            parent.wait(timeout=30)
        except subprocess.TimeoutExpired:
            parent.kill()
            raise


async def _burst(port: int) -> list[int]:
    """Open ``CONNECTIONS`` connections at once, keep them all open, and ask each which process it is."""
    opened = await asyncio.gather(*(asyncio.open_connection(LOOPBACK, port) for _ in range(CONNECTIONS)))
    request = f"GET /pid HTTP/1.1\r\nHost: {LOOPBACK}\r\n\r\n".encode()
    try:
        for _, writer in opened:
            writer.write(request)
        return [await _answer(reader) for reader, _ in opened]
    finally:
        for _, writer in opened:
            writer.close()


async def _answer(reader: asyncio.StreamReader) -> int:
    head = (await reader.readuntil(b"\r\n\r\n")).decode().lower()
    length = int(head.split("content-length:", 1)[1].split("\r\n", 1)[0])
    return int(await reader.readexactly(length))


async def _served_by(port: int) -> list[int] | None:
    """Which process answered each connection of a burst; None while not every connection is answered
    (the server starting, or a worker dying)."""
    if not port_accepts(port):
        return None
    try:
        return await asyncio.wait_for(_burst(port), timeout=10)
    except (OSError, asyncio.IncompleteReadError, TimeoutError):
        return None


async def _two_workers_up(port: int) -> list[int]:
    async def both() -> list[int] | None:
        pids = await _served_by(port)
        return pids if pids is not None and len(set(pids)) == 2 else None

    return await eventually(both, timeout=60, interval=0.5, what="two workers serving")


async def test_a_burst_of_connections_is_spread_over_every_worker(port: int) -> None:
    await _two_workers_up(port)
    spread = Counter(await _burst(port))
    assert len(spread) == 2
    # Hashed over two listening sockets, 64 connections split about evenly; a shared socket would let
    # whichever worker wakes first take most of them.
    assert min(spread.values()) >= CONNECTIONS // 5, spread


async def test_a_killed_worker_is_replaced_and_no_connection_waits_on_its_socket(port: int) -> None:
    before = set(await _two_workers_up(port))
    victim = min(before)
    os.kill(victim, signal.SIGKILL)

    async def replaced() -> set[int] | None:
        pids = set(await _served_by(port) or ())
        return pids if len(pids) == 2 and victim not in pids else None

    after = await eventually(replaced, timeout=60, interval=0.5, what="the killed worker replaced")
    assert after - before, "a new worker serves"
    # Every connection of a burst is answered, none left in the dead worker's queue.
    assert len(await asyncio.wait_for(_burst(port), timeout=10)) == CONNECTIONS


@pytest.mark.parametrize("sharing", [False, True], ids=["plain", "reuse-port"])
def test_a_port_another_server_listens_on_is_refused_at_once(sharing: bool) -> None:
    # Even one listening with SO_REUSEPORT too (another copy of this server): it would share its connections.
    with socket.socket() as taken:
        if sharing:
            taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        taken.bind((LOOPBACK, 0))
        taken.listen()
        port = taken.getsockname()[1]
        command, env = _serving(port)
        taker = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert taker.returncode != 0
    assert f"cannot listen on {LOOPBACK}:{port}" in taker.stderr
