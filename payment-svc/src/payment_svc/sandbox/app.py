"""The sandbox provider: a small gateway and bank that speak the real signed protocols (routes in
`router`, behaviour and in-memory state in `service`).

``create_sandbox_app(settings, http=...)`` lets the embedded mode mount it inside payment-svc and hand it a
client that reaches payment-svc in-process.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI

from payment_svc.sandbox.router import router
from payment_svc.sandbox.service import Sandbox
from payment_svc.sandbox.settings import SandboxSettings


def create_sandbox_app(
    settings: SandboxSettings | None = None, *, http: httpx.AsyncClient | None = None
) -> FastAPI:
    """The sandbox provider app. ``http`` reaches the merchant (else one is made in the lifespan)."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if getattr(app.state, "http", None) is not None:
            yield
            return
        async with httpx.AsyncClient(timeout=10) as client:
            app.state.http = client
            yield

    app = FastAPI(title="motcua sandbox payment provider", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.http = http
    app.state.sandbox = Sandbox(settings or SandboxSettings())
    app.include_router(router)
    return app
