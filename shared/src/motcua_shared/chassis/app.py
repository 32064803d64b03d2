"""The service app factory: every service's composition root calls :func:`create_service_app`."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import func, select

from motcua_shared.chassis import metrics
from motcua_shared.chassis.auth import JwksVerifier, KeySource
from motcua_shared.chassis.background import cancel_and_wait
from motcua_shared.chassis.bus.base import Bus
from motcua_shared.chassis.bus.kafka import KafkaBus
from motcua_shared.chassis.bus.local import LocalBus
from motcua_shared.chassis.db import Database
from motcua_shared.chassis.http import RequestContextMiddleware, install_problem_handlers
from motcua_shared.chassis.logging import configure_logging
from motcua_shared.chassis.messaging.consumer import ConsumerRunner, Handlers
from motcua_shared.chassis.messaging.models import DeadLetter
from motcua_shared.chassis.messaging.outbox import OutboxRelay
from motcua_shared.chassis.migrations import aupgrade
from motcua_shared.chassis.openapi import operation_id
from motcua_shared.chassis.settings import ServiceSettings
from motcua_shared.chassis.uow import UnitOfWork

log = logging.getLogger(__name__)

Hook = Callable[["Runtime"], Awaitable[None]]


@dataclass
class Runtime:
    """What the lifespan built: the resources a request or a handler reaches through dependencies."""

    settings: ServiceSettings
    db: Database
    bus: Bus
    relay: OutboxRelay
    uow_class: type[UnitOfWork]
    consumer: ConsumerRunner | None = None
    background: list[asyncio.Task[Any]] = field(default_factory=list)

    def uow(self) -> UnitOfWork:
        """A new unit of work on this service's database."""
        return self.uow_class(self.db, source=self.settings.source, on_commit=self.relay.wake)


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
    uow_class: type[UnitOfWork] = UnitOfWork,
    migrations: Path | None = None,
    bus: Bus | None = None,
    key_source: KeySource | None = None,
    on_startup: Sequence[Hook] = (),
    configure_logs: bool = True,
) -> FastAPI:
    """Build a service app whose lifespan opens the database (migrated), bus, relay and consumers.

    ``bus`` and ``key_source`` are given in the embedded mode, where the services share the in-process
    log and the gateway's keys; otherwise they come from the settings.
    """
    name = settings.service_name

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if configure_logs:
            configure_logging(name, level=settings.log_level, json_lines=settings.log_json)
        db = Database(settings.db)
        if migrations is not None and settings.db.auto_migrate:
            await aupgrade(migrations, settings.db.url)
        the_bus = bus or make_bus(settings)
        owns_bus = bus is None
        await the_bus.start()
        relay = OutboxRelay(
            db,
            the_bus,
            service=name,
            batch_size=settings.bus.relay_batch_size,
            poll_interval=settings.bus.relay_poll_interval,
        )
        runtime = Runtime(settings=settings, db=db, bus=the_bus, relay=relay, uow_class=uow_class)
        if handlers and settings.bus.consume:
            runtime.consumer = ConsumerRunner(
                group=name,
                service=name,
                bus=the_bus,
                handlers=handlers,
                uow_factory=runtime.uow,
                settings=settings.bus,
            )
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
        app.state.runtime = runtime
        app.state.verifier = verifier
        await _observe_dead_letters(runtime)
        relay.start()
        if runtime.consumer is not None:
            runtime.consumer.start()
        for hook in on_startup:
            await hook(runtime)
        log.info("service started", extra={"bus": settings.bus.kind, "db": db.url.get_backend_name()})
        _freeze_startup_heap()
        try:
            yield
        finally:
            for task in runtime.background:
                task.cancel()
            for task in runtime.background:
                await cancel_and_wait(task)
            if runtime.consumer is not None:
                await runtime.consumer.stop()
            await relay.stop()
            if owns_bus:
                await the_bus.stop()
            await verifier.aclose()
            await db.dispose()

    app = FastAPI(
        title=title,
        description=description,
        version=version,
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
    )
    install_problem_handlers(app)
    app.add_middleware(RequestContextMiddleware, service=name)
    app.include_router(health_router())
    from motcua_shared.chassis.ops import router as ops_router

    app.include_router(ops_router)
    for router in routers:
        app.include_router(router)
    return app


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


async def _observe_dead_letters(runtime: Runtime) -> None:
    with contextlib.suppress(Exception):
        async with runtime.db.session() as session:
            size = await session.scalar(select(func.count()).select_from(DeadLetter))
        metrics.DLQ_SIZE.labels(runtime.settings.service_name).set(size or 0)


def health_router() -> APIRouter:
    """``/healthz`` (alive), ``/readyz`` (database and bus reachable), ``/metrics`` (Prometheus)."""
    router = APIRouter(tags=["health"])

    @router.get("/healthz", summary="The process is alive", operation_id="health.alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get(
        "/readyz",
        summary="The database and the bus are reachable",
        responses={503: {}},
        operation_id="health.ready",
    )
    async def readyz(request: Request) -> JSONResponse:
        runtime: Runtime | None = getattr(request.app.state, "runtime", None)
        if runtime is None:
            return JSONResponse({"status": "starting"}, status_code=503)
        database, bus = await asyncio.gather(runtime.db.ping(), runtime.bus.ping())
        ready = database and bus
        return JSONResponse(
            {
                "status": "ready" if ready else "unavailable",
                "checks": {"database": "up" if database else "down", "bus": "up" if bus else "down"},
            },
            status_code=200 if ready else 503,
        )

    @router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
    async def prometheus() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router
