"""The embedded platform: the gateway and the four services in one process, one SQLite file each,
the in-process bus shared by all. The code path is the stack's; only the adapters differ."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

import catalog_svc.app
import catalog_svc.settings
import dossier_svc.app
import dossier_svc.settings
import gateway.app
import gateway.settings
import notify_svc.app
import notify_svc.settings
import payment_svc.app
import payment_svc.settings
from gateway.identity.keyring import KeyRing
from motcua_shared.chassis.bus.local import LocalBus
from motcua_shared.chassis.settings import BusSettings, DbSettings, ServiceSettings

SERVICE_APPS: tuple[tuple[str, Any, type[ServiceSettings]], ...] = (
    ("catalog", catalog_svc.app.create_app, catalog_svc.settings.Settings),
    ("dossier", dossier_svc.app.create_app, dossier_svc.settings.Settings),
    ("payment", payment_svc.app.create_app, payment_svc.settings.Settings),
    ("notify", notify_svc.app.create_app, notify_svc.settings.Settings),
)


def _db(var_dir: Path, name: str) -> DbSettings:
    return DbSettings(url=f"sqlite+aiosqlite:///{var_dir / name}.db")


def _files(name: str, var_dir: Path) -> dict[str, Any]:
    """Where a service keeps files, under ``var_dir`` like its database."""
    if name == "dossier":
        return {"documents": dossier_svc.settings.DocumentSettings(store_dir=str(var_dir / "dossier-files"))}
    return {}


def create_platform(
    var_dir: Path = Path("var"), *, partitions: int = 12, public_url: str | None = None
) -> FastAPI:
    """The whole platform as one ASGI app (the gateway, with the services behind it in-process).

    ``public_url``, when given, is the platform's public base URL for every part (else each part's
    settings: ``MOTCUA_PUBLIC_URL`` or the default)."""
    linked: dict[str, Any] = {} if public_url is None else {"public_url": public_url}
    gateway_settings = gateway.settings.Settings(**linked)
    gateway_updates: dict[str, Any] = {}
    if "db" not in gateway_settings.model_fields_set:
        gateway_updates["db"] = _db(var_dir, "gateway")
    identity = gateway_settings.identity
    if gateway_settings.env == "development" and "demo_accounts" not in identity.model_fields_set:
        # The README's demo officers, admin and integrator exist in the development mode only.
        gateway_updates["identity"] = identity.model_copy(update={"demo_accounts": True})
    gateway_settings = gateway_settings.model_copy(update=gateway_updates)
    ring = KeyRing.load(
        var_dir / "gateway" / "signing-key.pem",
        generate_missing=gateway_settings.identity.generate_missing_key,
    )
    bus = LocalBus(var_dir / "bus.db", partitions=partitions)
    memory = BusSettings(kind="memory", partitions=partitions)
    services: dict[str, FastAPI] = {
        name: factory(
            settings_class(db=_db(var_dir, name), bus=memory, **_files(name, var_dir), **linked),
            bus=bus,
            key_source=ring.jwks,
            configure_logs=False,
        )
        for name, factory, settings_class in SERVICE_APPS
    }

    @contextlib.asynccontextmanager
    async def shared_bus() -> AsyncIterator[None]:
        await bus.start()
        try:
            yield
        finally:
            await bus.stop()

    companions = [shared_bus(), *(app.router.lifespan_context(app) for app in services.values())]
    return gateway.app.create_app(
        gateway_settings, upstream_apps=services, keyring=ring, companions=companions, bus=bus
    )


async def merged_openapi() -> dict[str, Any]:
    """The merged ``/openapi.json`` of a throw-away embedded platform (nothing seeded, nothing kept)."""
    with tempfile.TemporaryDirectory(prefix="motcua-openapi-") as var_dir:
        app = create_platform(Path(var_dir))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client:
                response = await client.get("/openapi.json")
                response.raise_for_status()
                document: dict[str, Any] = response.json()
                return document
