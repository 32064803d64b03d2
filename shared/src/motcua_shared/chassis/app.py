"""The service app factory: every service's composition root calls :func:`create_service_app`."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hmac
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import func, select
from starlette.middleware import Middleware

from motcua_shared.chassis import metrics
from motcua_shared.chassis.auth import JwksVerifier, KeySource, Role, get_principal
from motcua_shared.chassis.background import cancel_and_wait
from motcua_shared.chassis.bus.base import Bus
from motcua_shared.chassis.bus.kafka import KafkaBus
from motcua_shared.chassis.bus.local import LocalBus
from motcua_shared.chassis.context import service_var
from motcua_shared.chassis.db import Database
from motcua_shared.chassis.errors import Forbidden
from motcua_shared.chassis.http import RequestContextMiddleware, install_problem_handlers
from motcua_shared.chassis.logging import configure_logging
from motcua_shared.chassis.messaging.consumer import ConsumerRunner, Handlers
from motcua_shared.chassis.messaging.models import DeadLetter
from motcua_shared.chassis.messaging.outbox import OutboxRelay
from motcua_shared.chassis.migrations import aupgrade
from motcua_shared.chassis.openapi import operation_id
from motcua_shared.chassis.problems import ProblemDocumentingApp
from motcua_shared.chassis.settings import ServiceSettings
from motcua_shared.chassis.uow import UnitOfWork
from motcua_shared.contracts import topics

log = logging.getLogger(__name__)

U = TypeVar("U", bound=UnitOfWork)
U_co = TypeVar("U_co", bound=UnitOfWork, covariant=True)
Check = Callable[[], Awaitable[bool]]


class UowFactory(Protocol[U_co]):
    """Makes a unit of work: a :class:`UnitOfWork` subclass itself, or a function with its signature."""

    def __call__(self, db: Database, *, source: str, on_commit: Callable[[], None] | None = None) -> U_co:
        """A new unit of work on ``db``."""
        ...


@dataclass
class Runtime(Generic[U]):
    """What the lifespan built: the resources a request or a handler reaches through dependencies.

    ``resources`` is the lifespan's exit stack, the one place a service adds what it opens (clients,
    background tasks): they are closed in reverse order, before the chassis stops its consumer, relay, bus
    and database. ``checks`` are what ``/readyz`` reports (the database and the bus unless a service sets
    its own).
    """

    settings: ServiceSettings
    db: Database
    bus: Bus
    relay: OutboxRelay
    make_uow: UowFactory[U]
    resources: contextlib.AsyncExitStack
    consumer: ConsumerRunner | None = None
    checks: dict[str, Check] = field(default_factory=dict)

    def uow(self) -> U:
        """A new unit of work on this service's database."""
        return self.make_uow(self.db, source=self.settings.source, on_commit=self.relay.wake)

    def run_in_background(self, work: Coroutine[Any, Any, None], *, name: str) -> asyncio.Task[None]:
        """Run ``work`` until the service stops (it is cancelled and awaited then)."""
        task = asyncio.create_task(work, name=name)
        self.resources.push_async_callback(cancel_and_wait, task)
        return task


Setup = Callable[[Runtime[Any]], Awaitable[None]]


def make_bus(settings: ServiceSettings, *, var_dir: Path = Path("var")) -> Bus:
    """The bus the settings ask for."""
    if settings.bus.kind == "kafka":
        return KafkaBus(settings.bus, client_id=settings.service_name)
    return LocalBus(var_dir / "bus.db", partitions=settings.bus.partitions)


def create_service_app(
    settings: ServiceSettings,
    *,
    title: str,
    description: str = "",
    version: str = "0.1.0",
    routers: Sequence[APIRouter] = (),
    handlers: Handlers[Any] | None = None,
    uow_class: UowFactory[UnitOfWork] = UnitOfWork,
    migrations: Path | None = None,
    bus: Bus | None = None,
    key_source: KeySource | None = None,
    setup: Setup | None = None,
    companions: Sequence[AbstractAsyncContextManager[Any]] = (),
    middleware: Sequence[Middleware] = (),
    ops: bool = True,
    docs: bool = True,
    configure_logs: bool = True,
    behind_gateway: bool = True,
) -> FastAPI:
    """Build a service app whose lifespan opens the database (migrated), bus, relay and consumers.

    ``setup(runtime)`` is the service's one extension of the lifespan: it builds the service's
    collaborators and adds what it opens to ``runtime.resources``. ``bus`` and ``key_source`` are given in
    the embedded mode, where the services share the in-process log and the gateway's keys; otherwise they
    come from the settings. ``companions`` are entered before anything starts and left after everything
    stops (the embedded platform's services, behind its gateway). ``middleware`` runs inside the request
    context; ``ops`` adds the dead-letter routes; ``docs`` serves the app's own OpenAPI document;
    ``behind_gateway`` (every service, not the gateway) takes the caller's address from what the gateway
    forwarded (:func:`~motcua_shared.chassis.context.client_address`).
    """
    name = settings.service_name

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if configure_logs:
            configure_logging(name, level=settings.log_level, json_lines=settings.log_json)
        async with contextlib.AsyncExitStack() as stack:
            for companion in companions:
                await stack.enter_async_context(companion)
            # The background work started here (relay, consumers, the service's own loops) copies this
            # context, so its log lines name this service even when it shares the process with others.
            service_token = service_var.set(name)
            try:
                runtime = await _start(app, settings, stack, uow_class, handlers, migrations, bus, key_source)
                if setup is not None:
                    await setup(runtime)
                log.info(
                    "service started",
                    extra={"bus": settings.bus.kind, "db": runtime.db.url.get_backend_name()},
                )
            finally:
                service_var.reset(service_token)
            _freeze_startup_heap()
            yield

    app = ProblemDocumentingApp(
        title=title,
        description=description,
        version=version,
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
        middleware=list(middleware),
        openapi_url="/openapi.json" if docs else None,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
    )
    install_problem_handlers(app)
    app.add_middleware(RequestContextMiddleware, service=name, behind_gateway=behind_gateway)
    app.include_router(health_router())
    if ops:
        from motcua_shared.chassis.ops import router as ops_router

        app.include_router(ops_router)
    for router in routers:
        app.include_router(router)
    return app


async def _start(
    app: FastAPI,
    settings: ServiceSettings,
    stack: contextlib.AsyncExitStack,
    uow_class: UowFactory[UnitOfWork],
    handlers: Handlers[Any] | None,
    migrations: Path | None,
    bus: Bus | None,
    key_source: KeySource | None,
) -> Runtime[UnitOfWork]:
    """Open the chassis's resources on ``stack`` (closed in reverse: consumer, relay, bus, verifier, db)."""
    name = settings.service_name
    db = Database(settings.db)
    stack.push_async_callback(db.dispose)
    if migrations is not None and settings.db.auto_migrate:
        await aupgrade(migrations, settings.db.url)
    verifier = (
        JwksVerifier(issuer=settings.auth.issuer, audience=settings.auth.audience, key_source=key_source)
        if key_source is not None
        else JwksVerifier(
            issuer=settings.auth.issuer,
            audience=settings.auth.audience,
            jwks_url=settings.auth.jwks_url,
            cache_ttl=settings.auth.jwks_cache_ttl,
        )
    )
    stack.push_async_callback(verifier.aclose)
    the_bus = bus or make_bus(settings)
    await the_bus.start()
    if bus is None:
        stack.push_async_callback(the_bus.stop)
    relay = OutboxRelay(
        db,
        the_bus,
        service=name,
        batch_size=settings.bus.relay_batch_size,
        poll_interval=settings.bus.relay_poll_interval,
        # Only a broker is read from outside the platform; the in-process log keeps an unread topic forever.
        public=topics.PUBLIC if settings.bus.kind == "kafka" else None,
    )
    runtime: Runtime[UnitOfWork] = Runtime(
        settings=settings,
        db=db,
        bus=the_bus,
        relay=relay,
        make_uow=uow_class,
        resources=stack,
        checks={"database": db.ping, "bus": the_bus.ping},
    )
    if handlers and settings.bus.consume:
        runtime.consumer = ConsumerRunner(
            group=name,
            service=name,
            bus=the_bus,
            handlers=handlers,
            uow_factory=runtime.uow,
            settings=settings.bus,
        )
    app.state.runtime = runtime
    app.state.verifier = verifier
    await _observe_dead_letters(runtime)
    relay.start()
    stack.push_async_callback(relay.stop)
    if runtime.consumer is not None:
        runtime.consumer.start()
        stack.push_async_callback(runtime.consumer.stop)
    return runtime


_heap_frozen = False


def _freeze_startup_heap() -> None:
    """Once per process, after the first start-up: what was built so far (modules, models, routes,
    compiled statements) lives as long as the process, so keep it out of the collector's full passes,
    which would otherwise walk all of it and pause every request and event for tens of milliseconds."""
    global _heap_frozen
    if not _heap_frozen:
        _heap_frozen = True
        gc.collect()
        gc.freeze()


async def _observe_dead_letters(runtime: Runtime[Any]) -> None:
    with contextlib.suppress(Exception):
        async with runtime.db.session() as session:
            size = await session.scalar(select(func.count()).select_from(DeadLetter))
        metrics.DLQ_SIZE.labels(runtime.settings.service_name).set(size or 0)


async def metrics_reader(request: Request) -> None:
    """Let through the scraper holding the metrics token, or an admin; the public never reads the metrics."""
    runtime: Runtime[Any] | None = getattr(request.app.state, "runtime", None)
    token = runtime.settings.metrics_token if runtime is not None else None
    if token is not None:
        expected = f"Bearer {token.get_secret_value()}".encode()
        if hmac.compare_digest(request.headers.get("authorization", "").encode(), expected):
            return
    if (await get_principal(request)).role is not Role.ADMIN:
        raise Forbidden("Chỉ quản trị viên hoặc hệ thống giám sát được đọc số liệu vận hành.")


def health_router() -> APIRouter:
    """``/healthz`` (alive), ``/readyz`` (the runtime's checks pass), ``/metrics`` (Prometheus: to an admin
    or the scraper's token)."""
    router = APIRouter(tags=["health"])

    @router.get("/healthz", summary="The process is alive", operation_id="health.alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get(
        "/readyz",
        summary="What the service needs is reachable",
        responses={503: {}},
        operation_id="health.ready",
    )
    async def readyz(request: Request) -> JSONResponse:
        runtime: Runtime[Any] | None = getattr(request.app.state, "runtime", None)
        if runtime is None:
            return JSONResponse({"status": "starting"}, status_code=503)
        names = list(runtime.checks)
        probes = [runtime.checks[name]() for name in names]
        if "database" not in runtime.checks:
            # A service that lists what it depends on is still not ready without its own database.
            probes.append(runtime.db.ping())
        results = await asyncio.gather(*probes)
        body: dict[str, Any] = {
            "status": "ready" if all(results) else "unavailable",
            "checks": {name: "up" if ok else "down" for name, ok in zip(names, results, strict=False)},
        }
        if len(results) > len(names):
            body["database"] = "up" if results[-1] else "down"
        return JSONResponse(body, status_code=200 if all(results) else 503)

    @router.get(
        "/metrics",
        summary="Prometheus metrics",
        include_in_schema=False,
        dependencies=[Depends(metrics_reader)],
    )
    async def prometheus() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router
