"""Run one service on its own under uvicorn (the stack and the containers)."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any, TypeVar

import uvicorn
from fastapi import FastAPI
from uvicorn.supervisors import Multiprocess

from motcua_shared.chassis.settings import HttpSettings, ServiceSettings

S = TypeVar("S", bound=ServiceSettings)


def proxy_options(http: HttpSettings) -> dict[str, Any]:
    """uvicorn's options for forwarded headers: believed only from the configured trusted proxies."""
    if not http.trusted_proxies:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": ",".join(http.trusted_proxies)}


def _options(http: HttpSettings) -> dict[str, Any]:
    """uvicorn's options for every way a service is served: the address, the platform's own logging, a
    bounded graceful shutdown, and the forwarded headers."""
    return {
        "host": http.host,
        "port": http.port,
        "log_config": None,
        "access_log": False,
        "timeout_graceful_shutdown": 10,
        **proxy_options(http),
    }


def serve(create_app: Callable[[S], FastAPI], settings: S) -> None:
    """Serve ``create_app(settings)`` on the settings' host and port until stopped."""
    uvicorn.run(create_app(settings), **_options(settings.http))


def serve_workers(app: str, http: HttpSettings, workers: int) -> None:
    """Serve the app factory ``app`` (``"module:function"``) in ``workers`` uvicorn worker processes on
    the settings' host and port, until stopped; uvicorn's supervisor restarts a worker that dies.

    Where the system allows it (Linux, a fixed port), each worker listens on a socket of its own, bound
    with ``SO_REUSEPORT``, and the kernel spreads new connections over them evenly. With one listening
    socket shared by every worker (uvicorn's way), the worker that wakes first accepts every connection
    waiting, so a burst of keep-alive connections (a gateway's pool, a load test) lands mostly on one
    worker and stays there while the others idle.
    """
    options = {**_options(http), "factory": True, "workers": workers}
    if not hasattr(socket, "SO_REUSEPORT") or http.port == 0:
        uvicorn.run(app, **options)
        return
    # Fail here, in the parent, if the port is taken, rather than in every worker after it started; and
    # without SO_REUSEPORT, so that a server already listening with it (another copy of this one, say)
    # refuses the port too instead of sharing its connections with us.
    try:
        _bound(http.host, http.port, reuse_port=False).close()
    except OSError as exc:
        raise SystemExit(f"cannot listen on {http.host}:{http.port}: {exc.strerror}") from None
    try:
        config = uvicorn.Config(app, **options)
        Multiprocess(config, sockets=[_OwnListener(http.host, http.port)]).run()  # type: ignore[list-item]
    except KeyboardInterrupt:
        pass


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host``:``port`` with ``SO_REUSEPORT``, not yet listening."""
    return _bound(host, port, reuse_port=True)


def _bound(host: str, port: int, *, reuse_port: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except BaseException:
        sock.close()
        raise
    return sock


class _OwnListener:
    """Stands, in the sockets uvicorn's supervisor hands every worker it starts or restarts, for a socket
    the worker binds itself: unpickled in the worker, it becomes :func:`reuse_port_socket`'s socket."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port

    def __reduce__(self) -> tuple[Callable[[str, int], socket.socket], tuple[str, int]]:
        return reuse_port_socket, (self.host, self.port)
