"""The gateway's composition root: the one public door in front of the four services."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.openapi.utils import get_openapi
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp

from gateway.docs.openapi import OpenApiMerger
from gateway.docs.router import assets as documents_assets
from gateway.docs.router import router as documents_router
from gateway.edge import BodyLimit, SecurityHeaders
from gateway.identity import service as identity_service
from gateway.identity.agencies import CatalogAgencies
from gateway.identity.credentials import ExternalVerifier, Secrets, TokenIssuer, derive_pepper
from gateway.identity.keyring import KeyRing
from gateway.identity.revocations import RevokedSessions
from gateway.identity.router import router as identity_router
from gateway.ports import Ports
from gateway.routing.dispatch import ProxyDispatch
from gateway.routing.proxy import Upstreams
from gateway.routing.table import SERVICES
from gateway.settings import Settings
from gateway.uow import GatewayUnitOfWork
from gateway.web import DEFAULT_WEB, built_clients, web_router
from motcua_shared.chassis.app import Runtime, create_service_app
from motcua_shared.chassis.bus.base import Bus
from motcua_shared.chassis.clock import SYSTEM_CLOCK, Clock
from motcua_shared.chassis.errors import NotFound
from motcua_shared.chassis.http import allowed_methods, method_not_allowed
from motcua_shared.chassis.limits import Backoff, Buckets, purge_forever, store_for
from motcua_shared.chassis.openapi import RESPONSE_HEADERS
from motcua_shared.chassis.singleton import exclusively, run_singleton
from motcua_shared.contracts import topics

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
log = logging.getLogger(__name__)


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

    async def setup(runtime: Runtime[GatewayUnitOfWork]) -> None:
        app.state.ports = await _build_ports(
            app, settings, ring, runtime, upstream_apps, external_http, clock
        )

    app = create_service_app(
        settings,
        title="motcua",
        description="Cổng dịch vụ công trực tuyến — the public API of the motcua platform.",
        routers=[identity_router, documents_router, _fallback_router()],
        uow_class=GatewayUnitOfWork,
        migrations=MIGRATIONS,
        bus=bus,
        key_source=ring.jwks,
        setup=setup,
        companions=companions,
        # Outermost first, all inside the request context: security headers, CORS, body limits, then the
        # proxy's dispatch.
        middleware=[
            Middleware(SecurityHeaders, hsts=settings.edge.hsts),
            Middleware(
                CORSMiddleware,
                allow_origins=settings.edge.cors_origins,
                allow_credentials=False,
                allow_methods=METHODS,
                allow_headers=[
                    "Authorization",
                    "Content-Type",
                    "Idempotency-Key",
                    "X-Request-ID",
                    "Last-Event-ID",
                ],
                expose_headers=list(RESPONSE_HEADERS),
                max_age=600,
            ),
            Middleware(BodyLimit, settings=settings.edge),
            Middleware(ProxyDispatch),
        ],
        ops=False,
        docs=False,
        behind_gateway=False,
        configure_logs=configure_logs,
    )
    app.state.keyring = ring
    app.router.routes.append(documents_assets())
    clients = built_clients(settings.web_dir or DEFAULT_WEB)
    if clients:
        # Last: every API and document route above is matched before the clients' catch-all.
        app.include_router(web_router(clients))
    return app


async def _build_ports(
    app: FastAPI,
    settings: Settings,
    ring: KeyRing,
    runtime: Runtime[GatewayUnitOfWork],
    upstream_apps: Mapping[str, ASGIApp] | None,
    external_http: httpx.AsyncClient | None,
    clock: Clock,
) -> Ports:
    """The gateway's collaborators (what they open is closed with the runtime); ``/readyz`` reports the
    services behind the gateway, and its own database."""
    if settings.bus.kind == "kafka":
        with contextlib.suppress(Exception):
            async with asyncio.timeout(10):
                await runtime.bus.ensure_topics([topics.IDENTITY])
    upstreams = Upstreams(urls=settings.upstreams.model_dump(), apps=upstream_apps, settings=settings.proxy)
    await upstreams.start()
    runtime.resources.push_async_callback(upstreams.aclose)
    runtime.checks = {name: upstreams.readiness(name) for name in SERVICES}
    external = ExternalVerifier(settings.identity.external_issuers, http=external_http)
    runtime.resources.push_async_callback(external.aclose)
    limits = store_for(runtime.db, clock=lambda: clock.now().timestamp(), max_keys=settings.limits.max_keys)
    limiter = Buckets(limits)
    limiter.enabled = settings.limits.enabled
    runtime.run_in_background(
        run_singleton(runtime.db, "gateway-limits-purge", lambda: purge_forever(limits)), name="limits-purge"
    )
    ports = Ports(
        settings=settings,
        secrets=Secrets(
            otp_pepper=derive_pepper(settings.identity, ring),
            hashes_at_once=settings.identity.password_hashes_at_once,
            hash_wait=settings.identity.password_hash_wait_seconds,
        ),
        tokens=TokenIssuer(ring, settings.identity, clock),
        clock=clock,
        external=external,
        upstreams=upstreams,
        limiter=limiter,
        agencies=CatalogAgencies(upstreams.clients["catalog"]),
        docs=OpenApiMerger(_own_document(app, settings.public_url), upstreams, settings.docs),
        sign_in=Backoff(
            limits,
            "sign-in-failures",
            free=settings.identity.login_max_failures,
            longest=float(settings.identity.login_lock_seconds),
        ),
        revoked=RevokedSessions(timedelta(seconds=settings.identity.access_ttl_seconds), clock),
    )
    await ports.revoked.refresh(runtime.uow())
    runtime.run_in_background(ports.revoked.keep_fresh(runtime.uow), name="revoked-sessions")
    if settings.identity.demo_accounts:
        async with exclusively(runtime.db, "gateway-demo-accounts"):  # replicas start together
            created = await identity_service.ensure_demo(
                runtime.uow(), ports, settings.identity.demo_staff, settings.identity.demo_clients
            )
        if created:
            log.info("demo accounts created", extra={"accounts": created})
    return ports


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


def _fallback_router() -> APIRouter:
    """What ProxyDispatch did not take: unknown API paths and unknown services are 404 problems, and a
    method the gateway's own path does not take a 405."""
    router = APIRouter()

    @router.api_route("/api/v1/{path:path}", methods=METHODS, include_in_schema=False)
    async def api(path: str, request: Request) -> Response:
        allowed = allowed_methods(request.app.routes, request.url.path, catch_all=api)
        if allowed:
            # Raised as the problem itself: a 405 HTTPException's Allow would be worked out again, with this
            # catch-all among the routes.
            raise method_not_allowed(request.url.path, request.method, allowed)
        raise NotFound(f"Không có tài nguyên /api/v1/{path}.")

    @router.api_route("/ops/{service}/{path:path}", methods=METHODS, include_in_schema=False)
    async def ops(service: str, path: str) -> Response:
        raise NotFound(f"Không có dịch vụ {service}.")

    return router
