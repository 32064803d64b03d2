"""The gateway's composition root: the one public door in front of the four services."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import ASGIApp

from gateway.identity.keyring import KeyRing
from gateway.identity.router import documents as documents_router
from gateway.identity.router import router as identity_router
from gateway.routing.proxy import Upstreams
from gateway.routing.table import SERVICES, service_for
from gateway.settings import Settings
from motcua_shared.chassis.errors import NotFound
from motcua_shared.chassis.http import RequestContextMiddleware, install_problem_handlers
from motcua_shared.chassis.logging import configure_logging

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


def create_app(
    settings: Settings | None = None,
    *,
    upstream_apps: Mapping[str, ASGIApp] | None = None,
    keyring: KeyRing | None = None,
    companions: Sequence[AbstractAsyncContextManager[Any]] = (),
    configure_logs: bool = True,
) -> FastAPI:
    """The gateway app.

    ``upstream_apps`` routes in-process (embedded mode); otherwise the settings' URLs are used.
    ``companions`` are entered for the gateway's lifetime (the embedded services' lifespans).
    """
    settings = settings or Settings()
    ring = keyring or KeyRing.load(
        settings.identity.signing_key_path, generate_missing=settings.identity.generate_missing_key
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if configure_logs:
            configure_logging(settings.service_name, level=settings.log_level, json_lines=settings.log_json)
        async with contextlib.AsyncExitStack() as stack:
            for companion in companions:
                await stack.enter_async_context(companion)
            upstreams = Upstreams(
                urls=settings.upstreams.model_dump(), apps=upstream_apps, settings=settings.proxy
            )
            stack.push_async_callback(upstreams.aclose)
            app.state.upstreams = upstreams
            yield

    app = FastAPI(
        title="motcua",
        description="Cổng dịch vụ công trực tuyến — the public API of the motcua platform.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.keyring = ring
    install_problem_handlers(app)
    app.add_middleware(RequestContextMiddleware, service=settings.service_name)
    app.include_router(identity_router)
    app.include_router(documents_router)
    app.include_router(_health_router())
    app.include_router(_proxy_router())
    return app


def _health_router() -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz", summary="The gateway is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", summary="Every service is ready", responses={503: {}})
    async def readyz(request: Request) -> JSONResponse:
        upstreams: Upstreams = request.app.state.upstreams

        async def ready(name: str) -> bool:
            try:
                response = await upstreams.clients[name].get("/readyz", timeout=3)
            except Exception:
                return False
            return response.status_code == 200

        results = await asyncio.gather(*(ready(name) for name in SERVICES))
        checks = {name: "up" if ok else "down" for name, ok in zip(SERVICES, results, strict=True)}
        ok = all(results)
        return JSONResponse(
            {"status": "ready" if ok else "unavailable", "checks": checks}, status_code=200 if ok else 503
        )

    @router.get("/metrics", include_in_schema=False)
    async def prometheus() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


def _proxy_router() -> APIRouter:
    router = APIRouter()

    @router.api_route("/api/v1/{path:path}", methods=METHODS, include_in_schema=False)
    async def api(path: str, request: Request) -> Response:
        service = service_for(path)
        if service is None:
            raise NotFound(f"Không có tài nguyên /api/v1/{path}.")
        upstreams: Upstreams = request.app.state.upstreams
        return await upstreams.forward(service, request, f"/api/v1/{path}")

    @router.api_route("/ops/{service}/{path:path}", methods=METHODS, include_in_schema=False)
    async def ops(service: str, path: str, request: Request) -> Response:
        if service not in SERVICES:
            raise NotFound(f"Không có dịch vụ {service}.")
        upstreams: Upstreams = request.app.state.upstreams
        return await upstreams.forward(service, request, f"/ops/{path}")

    return router
