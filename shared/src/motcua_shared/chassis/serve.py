"""Run one service on its own under uvicorn (the stack and the containers)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import uvicorn
from fastapi import FastAPI

from motcua_shared.chassis.settings import HttpSettings, ServiceSettings

S = TypeVar("S", bound=ServiceSettings)


def proxy_options(http: HttpSettings) -> dict[str, Any]:
    """uvicorn's options for forwarded headers: believed only from the configured trusted proxies."""
    if not http.trusted_proxies:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": ",".join(http.trusted_proxies)}


def serve(create_app: Callable[[S], FastAPI], settings: S) -> None:
    """Serve ``create_app(settings)`` on the settings' host and port until stopped."""
    uvicorn.run(
        create_app(settings),
        host=settings.http.host,
        port=settings.http.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
        **proxy_options(settings.http),
    )
