"""dossier-svc composition root: the only place its parts are wired together."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from dossier_svc.settings import Settings
from motcua_shared.chassis.app import create_service_app
from motcua_shared.chassis.auth import KeySource
from motcua_shared.chassis.bus import Bus

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def create_app(
    settings: Settings | None = None,
    *,
    bus: Bus | None = None,
    key_source: KeySource | None = None,
    configure_logs: bool = True,
) -> FastAPI:
    """The dossier-svc ASGI app (`bus` and `key_source` are shared in the embedded mode)."""
    return create_service_app(
        settings or Settings(),
        title="motcua dossier-svc",
        description="dossiers: the one-stop lifecycle",
        migrations=MIGRATIONS,
        bus=bus,
        key_source=key_source,
        configure_logs=configure_logs,
    )
