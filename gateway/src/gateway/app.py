"""The gateway's composition root: the one public door in front of the four services."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp

from gateway.docs.openapi import OpenApiMerger
from gateway.docs.router import assets as documents_assets
from gateway.docs.router import router as documents_router
from gateway.edge import BodyLimit, SecurityHeaders
from gateway.identity import service as identity_service
from gateway.identity.credentials import ExternalVerifier, Secrets, TokenIssuer, derive_pepper
from gateway.identity.keyring import KeyRing
from gateway.identity.router import router as identity_router
from gateway.ratelimit.limiter import TokenBucketLimiter
from gateway.routing.dispatch import ProxyDispatch
from gateway.routing.proxy import Upstreams
from gateway.routing.table import SERVICES
from gateway.runtime import GatewayRuntime
from gateway.settings import Settings
from gateway.web import DEFAULT_DIST, web_router
from motcua_shared.chassis.auth import JwksVerifier
from motcua_shared.chassis.bus.base import Bus
from motcua_shared.chassis.bus.kafka import KafkaBus
from motcua_shared.chassis.bus.local import LocalBus
from motcua_shared.chassis.clock import SYSTEM_CLOCK, Clock
from motcua_shared.chassis.db import Database
from motcua_shared.chassis.errors import NotFound
from motcua_shared.chassis.http import RequestContextMiddleware, allowed_methods, install_problem_handlers
from motcua_shared.chassis.logging import configure_logging
from motcua_shared.chassis.messaging.outbox import OutboxRelay
from motcua_shared.chassis.migrations import aupgrade
from motcua_shared.chassis.openapi import RESPONSE_HEADERS, operation_id
from motcua_shared.contracts import topics

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
log = logging.getLogger(__name__)


def make_bus(settings: Settings) -> Bus:
    """The bus the settings ask for (the embedded platform passes its shared one instead)."""
    if settings.bus.kind == "kafka":
        return KafkaBus(settings.bus, client_id=settings.service_name)
    return LocalBus(Path("var") / "bus.db", partitions=settings.bus.partitions)


def create_app(
    settings: Settings | None = None,
    *,
    upstream_apps: Mapping[str, ASGIApp] | None = None,
    keyring: KeyRing | None = None,
    companions: Sequence[AbstractAsyncContextManager[Any]] = (),
    configure_logs: bool = True,
    bus: Bus | None = None,
    external_http: httpx.AsyncClient | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> FastAPI:
    """The gateway app.

    ``upstream_apps`` routes in-process (embedded mode); otherwise the settings' URLs are used.
    ``companions`` are entered for the gateway's lifetime, before it starts (the embedded services'
    lifespans and their shared ``bus``, which the gateway's outbox relay then publishes to).
    ``external_http`` and ``clock`` are for tests: the client that reads external issuers' keys, and
    the time that sign-in rules are judged at.
    """
    settings = settings or Settings()
    ring = keyring or KeyRing.load(
        settings.identity.signing_key_path,
        generate_missing=settings.identity.generate_missing_key,
        retire_after=timedelta(seconds=settings.identity.access_ttl_seconds * 2),
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if configure_logs:
            configure_logging(settings.service_name, level=settings.log_level, json_lines=settings.log_json)
        async with contextlib.AsyncExitStack() as stack:
            for companion in companions:
                await stack.enter_async_context(companion)
            app.state.gateway = await _start(
                app, settings, ring, stack, upstream_apps, bus, external_http, clock
            )
            app.state.upstreams = app.state.gateway.upstreams
            app.state.verifier = app.state.gateway.verifier
            yield

    app = FastAPI(
        title="motcua",
        description="Cổng dịch vụ công trực tuyến — the public API of the motcua platform.",
        version="0.1.0",
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.keyring = ring
    install_problem_handlers(app)
    # Outermost last: request context, security headers, CORS, body limits, then the proxy's dispatch.
    app.add_middleware(ProxyDispatch)
    app.add_middleware(BodyLimit, settings=settings.edge)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.edge.cors_origins,
        allow_credentials=False,
        allow_methods=METHODS,
        allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID", "Last-Event-ID"],
        expose_headers=list(RESPONSE_HEADERS),
        max_age=600,
    )
    app.add_middleware(SecurityHeaders, hsts=settings.edge.hsts)
    app.add_middleware(RequestContextMiddleware, service=settings.service_name)
    app.include_router(identity_router)
    app.include_router(documents_router)
    app.router.routes.append(documents_assets())
    app.include_router(_health_router())
    app.include_router(_fallback_router())
    web_dir = settings.web_dir or DEFAULT_DIST
    if (web_dir / "index.html").is_file():
        # Last: every API and document route above is matched before the app's catch-all.
        app.include_router(web_router(web_dir))
    return app


async def _start(
    app: FastAPI,
    settings: Settings,
    ring: KeyRing,
    stack: contextlib.AsyncExitStack,
    upstream_apps: Mapping[str, ASGIApp] | None,
    bus: Bus | None,
    external_http: httpx.AsyncClient | None,
    clock: Clock,
) -> GatewayRuntime:
    db = Database(settings.db)
    stack.push_async_callback(db.dispose)
    if settings.db.auto_migrate:
        await aupgrade(MIGRATIONS, settings.db.url)
    the_bus = bus or make_bus(settings)
    if bus is None:
        await the_bus.start()
        stack.push_async_callback(the_bus.stop)
    if settings.bus.kind == "kafka":
        with contextlib.suppress(Exception):
            async with asyncio.timeout(10):
                await the_bus.ensure_topics([topics.IDENTITY])
    relay = OutboxRelay(
        db,
        the_bus,
        service=settings.service_name,
        batch_size=settings.bus.relay_batch_size,
        poll_interval=settings.bus.relay_poll_interval,
    )
    relay.start()
    stack.push_async_callback(relay.stop)
    upstreams = Upstreams(urls=settings.upstreams.model_dump(), apps=upstream_apps, settings=settings.proxy)
    await upstreams.start()
    stack.push_async_callback(upstreams.aclose)
    verifier = JwksVerifier(
        issuer=settings.identity.issuer, audience=settings.identity.audience, key_source=ring.jwks
    )
    stack.push_async_callback(verifier.aclose)
    external = ExternalVerifier(settings.identity.external_issuers, http=external_http)
    stack.push_async_callback(external.aclose)
    identity = identity_service.Identity(
        settings=settings.identity,
        secrets=Secrets(otp_pepper=derive_pepper(settings.identity, ring)),
        tokens=TokenIssuer(ring, settings.identity, clock),
        clock=clock,
        external=external,
    )
    limiter = TokenBucketLimiter(max_keys=settings.limits.max_keys)
    limiter.enabled = settings.limits.enabled
    runtime = GatewayRuntime(
        settings=settings,
        db=db,
        bus=the_bus,
        relay=relay,
        upstreams=upstreams,
        limiter=limiter,
        identity=identity,
        verifier=verifier,
        docs=OpenApiMerger(_own_document(app, settings.public_url), upstreams, settings.docs),
    )
    if settings.identity.demo_accounts:
        created = await identity_service.ensure_demo(
            runtime.uow(), identity, settings.identity.demo_staff, settings.identity.demo_clients
        )
        if created:
            log.info("demo accounts created", extra={"accounts": created})
    return runtime


def _own_document(app: FastAPI, public_url: str) -> Callable[[], dict[str, Any]]:
    cached: dict[str, Any] = {}

    def document() -> dict[str, Any]:
        if not cached:
            cached.update(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    description=app.description,
                    routes=app.routes,
                    servers=[{"url": public_url, "description": "Cổng công khai của nền tảng"}],
                )
            )
        return cached

    return document


def _health_router() -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz", summary="The gateway is alive", operation_id="health.alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get(
        "/readyz",
        summary="The gateway's database and every service are ready",
        responses={503: {}},
        operation_id="health.ready",
    )
    async def readyz(request: Request) -> JSONResponse:
        runtime: GatewayRuntime = request.app.state.gateway

        async def ready(name: str) -> bool:
            try:
                response = await runtime.upstreams.clients[name].get("/readyz", timeout=3)
            except Exception:
                return False
            return response.status_code == 200

        results = await asyncio.gather(*(ready(name) for name in SERVICES), runtime.db.ping())
        checks = {name: "up" if ok else "down" for name, ok in zip(SERVICES, results, strict=False)}
        ok = all(results)
        return JSONResponse(
            {
                "status": "ready" if ok else "unavailable",
                "checks": checks,
                "database": "up" if results[-1] else "down",
            },
            status_code=200 if ok else 503,
        )

    @router.get("/metrics", include_in_schema=False)
    async def prometheus() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


def _fallback_router() -> APIRouter:
    """What ProxyDispatch did not take: unknown API paths and unknown services are 404 problems, and a
    method the gateway's own path does not take a 405."""
    router = APIRouter()

    @router.api_route("/api/v1/{path:path}", methods=METHODS, include_in_schema=False)
    async def api(path: str, request: Request) -> Response:
        allowed = allowed_methods(request.app.routes, request.url.path, catch_all=api)
        if allowed:
            raise StarletteHTTPException(405, headers={"Allow": ", ".join(allowed)})
        raise NotFound(f"Không có tài nguyên /api/v1/{path}.")

    @router.api_route("/ops/{service}/{path:path}", methods=METHODS, include_in_schema=False)
    async def ops(service: str, path: str) -> Response:
        raise NotFound(f"Không có dịch vụ {service}.")

    return router
