"""catalog-svc composition root: the only place its parts are wired together."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from catalog_svc.directory.router import agencies_router, fields_router
from catalog_svc.procedures.models import AUDIT_RESOURCE
from catalog_svc.procedures.repository import SEARCH_CACHE
from catalog_svc.procedures.router import router as procedures_router
from catalog_svc.settings import Settings
from catalog_svc.uow import CatalogUnitOfWork
from motcua_shared.chassis.app import create_service_app
from motcua_shared.chassis.audit import audit_router
from motcua_shared.chassis.auth import KeySource
from motcua_shared.chassis.bus import Bus

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

audit_trail_router = audit_router(
    "procedures",
    resource=AUDIT_RESOURCE,
    id_name="procedure",
    id_description="Only this procedure's (its code).",
    summary="Who changed which procedure of the catalogue (admin)",
)


def create_app(
    settings: Settings | None = None,
    *,
    bus: Bus | None = None,
    key_source: KeySource | None = None,
    configure_logs: bool = True,
) -> FastAPI:
    """The catalog-svc ASGI app (`bus` and `key_source` are shared in the embedded mode)."""
    settings = settings or Settings()
    SEARCH_CACHE.ttl = settings.search.cache_ttl
    SEARCH_CACHE.size = settings.search.cache_size
    return create_service_app(
        settings,
        title="motcua catalog-svc",
        description="Catalogue of administrative procedures: search, agencies, fields; admin publishing.",
        routers=[procedures_router, agencies_router, fields_router, audit_trail_router],
        uow_class=CatalogUnitOfWork,
        migrations=MIGRATIONS,
        bus=bus,
        key_source=key_source,
        configure_logs=configure_logs,
    )
