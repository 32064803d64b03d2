"""The gateway on the stack's parts: its migrations on PostgreSQL (matching the models), and the OTP event
published through the outbox to real Kafka."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

import gateway.identity.models  # noqa: F401 - registers the tables
from gateway.app import MIGRATIONS, create_app
from gateway.db import Base
from gateway.identity.keyring import KeyRing
from gateway.settings import IdentitySettings, Settings
from motcua_shared.chassis.bus.kafka import KafkaBus
from motcua_shared.chassis.limits import LimitsBase
from motcua_shared.chassis.messaging.models import MessagingBase
from motcua_shared.chassis.migrations import aupgrade
from motcua_shared.chassis.settings import BusSettings, DbSettings
from motcua_shared.contracts.base import CloudEvent
from motcua_shared.contracts.identity import OtpRequested

pytestmark = pytest.mark.integration
TABLES = {
    "accounts",
    "otp_challenges",
    "refresh_families",
    "refresh_tokens",
    "integrator_clients",
    "outbox",
    "rate_state",
}


async def _drift(url: str) -> list[Any]:
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        diff = await conn.run_sync(
            lambda sync: compare_metadata(
                MigrationContext.configure(sync),
                [Base.metadata, MessagingBase.metadata, LimitsBase.metadata],  # type: ignore[arg-type]
            )
        )
        names = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    await engine.dispose()
    assert names >= TABLES
    return list(diff)


async def test_migrations_apply_on_sqlite_and_postgres_and_match_the_models(
    tmp_path: Path, fresh_pg_url: str
) -> None:
    for url in (f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}", fresh_pg_url):
        await aupgrade(MIGRATIONS, url)
        await aupgrade(MIGRATIONS, url)
        assert await _drift(url) == [], url


async def test_the_otp_event_reaches_kafka_from_postgres(
    tmp_path: Path, fresh_pg_url: str, kafka_bootstrap: str
) -> None:
    bus_settings = BusSettings(kind="kafka", bootstrap_servers=kafka_bootstrap, partitions=4)
    app = create_app(
        Settings(
            env="test",
            db=DbSettings(url=fresh_pg_url),
            bus=bus_settings,
            identity=IdentitySettings(signing_key_path=tmp_path / "key.pem"),
        ),
        keyring=KeyRing.load(tmp_path / "key.pem", generate_missing=True),
        configure_logs=False,
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            response = await client.post("/api/v1/auth/otp", json={"phone": "0905123999"})
            assert response.status_code == 202
            challenge = response.json()["challenge_id"]
        # The relay publishes after the commit; the app stays up until it has.
        async with asyncio.timeout(60):
            while app.state.runtime.relay.published < 1:  # noqa: ASYNC110 - the relay exposes a count
                await asyncio.sleep(0.1)

    reader = KafkaBus(bus_settings, client_id="gateway-test")
    consumer = reader.consumer(f"gateway-test-{uuid.uuid4().hex[:8]}", ["motcua.identity.v1"])
    await consumer.start()
    found: list[CloudEvent] = []
    try:
        async with asyncio.timeout(60):
            while not found:
                for record in await consumer.poll(max_records=100, timeout=1.0):
                    event = CloudEvent.model_validate_json(record.value)
                    if event.subject == challenge:
                        assert record.key == challenge
                        found.append(event)
    finally:
        await consumer.stop()
    data = OtpRequested.model_validate(found[0].data)
    assert (data.phone, len(data.code)) == ("+84905123999", 6)
    assert found[0].source == "/motcua/gateway"
