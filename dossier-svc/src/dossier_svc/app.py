"""dossier-svc composition root: the only place its parts are wired together."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from dossier_svc.calendar.models import WorkCalendar
from dossier_svc.calendar.router import router as calendar_router
from dossier_svc.deadlines import service as deadlines
from dossier_svc.documents import service as documents
from dossier_svc.documents.router import router as documents_router
from dossier_svc.documents.router import verify_router, wallet_router
from dossier_svc.documents.store import LocalFileStore
from dossier_svc.dossiers import handlers as dossier_handlers
from dossier_svc.dossiers.models import AUDIT_RESOURCE
from dossier_svc.dossiers.router import router as dossiers_router
from dossier_svc.lookup.models import LookupGuard
from dossier_svc.lookup.router import router as lookup_router
from dossier_svc.papers.router import router as papers_router
from dossier_svc.ports import Ports
from dossier_svc.procedures import handlers as procedure_handlers
from dossier_svc.settings import Settings
from dossier_svc.smslookup.models import PhoneGate
from dossier_svc.smslookup.router import router as sms_lookup_router
from dossier_svc.stats.router import router as stats_router
from dossier_svc.uow import DossierUow
from motcua_shared.chassis.app import Runtime, create_service_app
from motcua_shared.chassis.audit import audit_router
from motcua_shared.chassis.auth import KeySource
from motcua_shared.chassis.bus import Bus
from motcua_shared.chassis.limits import purge_forever, store_for
from motcua_shared.chassis.messaging.consumer import Handlers
from motcua_shared.chassis.signing import PaperSigner
from motcua_shared.chassis.singleton import run_singleton

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

audit_trail_router = audit_router(
    "dossiers",
    resource=AUDIT_RESOURCE,
    id_name="dossier",
    id_description="Only this dossier's (its code).",
)


def build_handlers(ports: Ports) -> Handlers[DossierUow]:
    """Every event dossier-svc consumes: the catalogue's procedures and the payment confirmations."""
    handlers: Handlers[DossierUow] = Handlers()
    procedure_handlers.register(handlers)
    dossier_handlers.register(handlers, calendar=ports.calendar, clock=ports.clock)
    return handlers


def build_ports(settings: Settings) -> Ports:
    """The calendar, file store and lookup guard the settings describe."""
    return Ports(
        settings=settings,
        calendar=WorkCalendar.from_settings(settings.calendar),
        files=LocalFileStore(Path(settings.documents.store_dir), sync=settings.documents.store_sync),
        lookup_guard=LookupGuard(
            per_client_per_minute=settings.lookup.per_client_per_minute,
            failures_per_code_per_hour=settings.lookup.failures_per_code_per_hour,
            failures_per_client_code_per_hour=settings.lookup.failures_per_client_code_per_hour,
        ),
        signer=PaperSigner(settings.signing),
        phone_gate=PhoneGate(settings.lookup.sms),
    )


def create_app(
    settings: Settings | None = None,
    *,
    bus: Bus | None = None,
    key_source: KeySource | None = None,
    configure_logs: bool = True,
) -> FastAPI:
    """The dossier-svc ASGI app (`bus` and `key_source` are shared in the embedded mode)."""
    settings = settings or Settings()
    ports = build_ports(settings)

    async def setup(runtime: Runtime[DossierUow]) -> None:
        limits = store_for(runtime.db, clock=lambda: ports.clock.now().timestamp())
        ports.lookup_guard.keep_state_in(limits)
        ports.phone_gate.keep_state_in(limits)
        runtime.run_in_background(
            run_singleton(runtime.db, "dossier-limits-purge", lambda: purge_forever(limits)),
            name="limits-purge",
        )
        runtime.run_in_background(
            run_singleton(
                runtime.db,
                "dossier-uploads-purge",
                lambda: documents.purge_forever(runtime.uow, ports.files, settings.documents, ports.clock),
            ),
            name="dossier-uploads-purge",
        )
        if settings.deadlines.enabled:
            runtime.run_in_background(
                run_singleton(
                    runtime.db,
                    "dossier-deadlines",
                    lambda: deadlines.run_forever(
                        runtime.uow, ports.calendar, settings.deadlines, ports.clock
                    ),
                ),
                name="dossier-deadlines",
            )

    app = create_service_app(
        settings,
        title="motcua dossier-svc",
        description="Dossiers: filing, the one-stop lifecycle, working-day deadlines, lookup, statistics.",
        routers=[
            dossiers_router,
            documents_router,
            wallet_router,
            verify_router,
            papers_router,
            sms_lookup_router,
            lookup_router,
            calendar_router,
            stats_router,
            audit_trail_router,
        ],
        handlers=build_handlers(ports),
        uow_class=DossierUow,
        migrations=MIGRATIONS,
        bus=bus,
        key_source=key_source,
        setup=setup,
        configure_logs=configure_logs,
    )
    app.state.ports = ports
    return app
