"""Shared pieces of the gateway's api tests: settings on a temporary database, a client, fake upstreams."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import select

from gateway.app import create_app
from gateway.identity.keyring import KeyRing
from gateway.settings import IdentitySettings, ProxySettings, Settings, Upstreams
from motcua_shared.chassis.bus.local import LocalBus
from motcua_shared.chassis.clock import SettableClock
from motcua_shared.chassis.db import Database
from motcua_shared.chassis.messaging.models import OutboxRecord
from motcua_shared.chassis.settings import DbSettings
from motcua_shared.contracts.base import CloudEvent

CLIENT_IP = "203.0.113.7"


class Clock(SettableClock):
    """A settable clock for expiry rules, stopped at the time it was made."""

    def __init__(self) -> None:
        super().__init__(datetime.now(UTC))


def settings(tmp_path: Path, *, demo: bool = True, **overrides: Any) -> Settings:
    """Gateway settings on a SQLite file under ``tmp_path``."""
    identity = overrides.pop("identity", None) or IdentitySettings(
        signing_key_path=tmp_path / "key.pem", demo_accounts=demo
    )
    values: dict[str, Any] = {
        "env": "test",
        "db": DbSettings(url=f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}"),
        "identity": identity,
        "upstreams": Upstreams(),
        "proxy": ProxySettings(read_timeout=0.5, connect_timeout=0.5),
        "log_json": False,
    }
    values.update(overrides)
    return Settings(**values)


@contextlib.asynccontextmanager
async def running(app: FastAPI, *, ip: str = CLIENT_IP) -> AsyncIterator[httpx.AsyncClient]:
    """``app`` started, and a client that calls it from ``ip``."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=(ip, 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://gw", timeout=10) as client:
            yield client


def gateway(
    tmp_path: Path,
    *,
    upstream_apps: dict[str, FastAPI] | None = None,
    clock: Clock | None = None,
    **overrides: Any,
) -> FastAPI:
    """A gateway on a fresh database and an in-memory bus."""
    kwargs: dict[str, Any] = {"clock": clock} if clock is not None else {}
    external = overrides.pop("external_http", None)
    if external is not None:
        kwargs["external_http"] = external
    return create_app(
        settings(tmp_path, **overrides),
        upstream_apps=upstream_apps,
        keyring=overrides.get("keyring") or KeyRing.load(tmp_path / "key.pem", generate_missing=True),
        bus=LocalBus(None),
        configure_logs=False,
        **kwargs,
    )


async def outbox_events(app: FastAPI, type_: str) -> list[CloudEvent]:
    """The events of ``type_`` the gateway has written to its outbox, oldest first."""
    db: Database = app.state.runtime.db
    async with db.session() as session:
        rows = (
            await session.scalars(
                select(OutboxRecord).where(OutboxRecord.type == type_).order_by(OutboxRecord.id)
            )
        ).all()
    return [CloudEvent.model_validate_json(row.payload) for row in rows]


def fake_catalog(agencies: dict[str, bool]) -> FastAPI:
    """A catalogue upstream that knows ``agencies`` (code → in operation) and nothing else; ``fail`` in the
    path of a code makes it answer 500, as a catalogue in trouble would."""
    catalog = FastAPI()

    @catalog.get("/api/v1/agencies/{code}")
    async def agency(code: str) -> JSONResponse:
        if "fail" in code:
            return JSONResponse({"title": "boom"}, status_code=500)
        if code not in agencies:
            return JSONResponse({"title": "Không tìm thấy", "status": 404}, status_code=404)
        return JSONResponse({"code": code, "name": code, "active": agencies[code]})

    return catalog
