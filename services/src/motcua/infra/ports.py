"""Local TCP port helpers."""

from __future__ import annotations

import socket
import time
from contextlib import ExitStack

LOOPBACK = "127.0.0.1"


def free_port(host: str = LOOPBACK) -> int:
    """Return a TCP port on ``host`` that is free right now (another process may still take it later)."""
    return free_ports(1, host)[0]


def free_ports(count: int, host: str = LOOPBACK) -> list[int]:
    """Return ``count`` distinct TCP ports on ``host`` that are free right now."""
    with ExitStack() as stack:
        ports: list[int] = []
        # All sockets stay bound until every port is chosen, so the OS cannot hand out the same port twice.
        for _ in range(count):
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind((host, 0))
            ports.append(int(sock.getsockname()[1]))
        return ports


def port_is_free(port: int, host: str = LOOPBACK) -> bool:
    """Tell whether a server could listen on ``port`` on ``host`` now.

    Bound as servers bind (uvicorn, PostgreSQL, the JVM): with ``SO_REUSEADDR``, so a port whose last
    connections linger in TIME_WAIT after its server stopped or was killed counts as free, and a restart
    keeps its port; a port something listens on does not.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def listen_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` for a server to accept on; ``OSError`` if the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        # As uvicorn binds: a restart may reuse a port whose old connections linger in TIME_WAIT.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def port_accepts(port: int, host: str = LOOPBACK, timeout: float = 0.5) -> bool:
    """Tell whether a TCP connect to ``host:port`` succeeds within ``timeout`` seconds."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_port(port: int, host: str = LOOPBACK, timeout: float = 30.0) -> bool:
    """Wait until ``host:port`` accepts TCP connections; return False if ``timeout`` seconds pass first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_accepts(port, host):
            return True
        time.sleep(0.05)
    return False
