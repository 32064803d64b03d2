"""Forwarded headers are believed only from the trusted proxies the settings name (chassis/serve.py)."""

from __future__ import annotations

from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI, Request

from motcua_shared.chassis.serve import proxy_options
from motcua_shared.chassis.settings import HttpSettings


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/who")
    async def who(request: Request) -> dict[str, Any]:
        return {"client": request.client.host if request.client else None}

    return app


async def _seen(http: HttpSettings, peer: str, forwarded: str) -> str:
    config = uvicorn.Config(_app(), log_config=None, **proxy_options(http))
    config.load()
    transport = httpx.ASGITransport(app=config.loaded_app, client=(peer, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
        response = await client.get("/who", headers={"X-Forwarded-For": forwarded})
    return str(response.json()["client"])


async def test_by_default_no_peer_is_trusted_not_even_a_local_one() -> None:
    assert proxy_options(HttpSettings()) == {"proxy_headers": False}
    assert await _seen(HttpSettings(), "127.0.0.1", "203.0.113.9") == "127.0.0.1"


async def test_a_configured_proxy_is_believed_and_no_one_else() -> None:
    http = HttpSettings(trusted_proxies=["10.0.0.2"])
    assert await _seen(http, "10.0.0.2", "198.51.100.7, 203.0.113.9") == "203.0.113.9"
    assert await _seen(http, "127.0.0.1", "203.0.113.9") == "127.0.0.1"
    assert await _seen(http, "198.51.100.1", "203.0.113.9") == "198.51.100.1"
