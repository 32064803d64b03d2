"""/readyz follows the database: 503 while PostgreSQL is down, 200 once it is back."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from motcua.infra.postgres import PostgresCluster
from motcua_shared.chassis.app import create_service_app
from motcua_shared.chassis.bus.local import LocalBus
from motcua_shared.chassis.settings import DbSettings, ServiceSettings

pytestmark = pytest.mark.integration


async def test_readyz_503_while_postgres_is_down(pg_cluster_factory: Callable[..., PostgresCluster]) -> None:
    cluster = pg_cluster_factory()
    cluster.create_database("probe")
    settings = ServiceSettings(
        service_name="probe", db=DbSettings(url=cluster.url("probe"), auto_migrate=False)
    )
    app = create_service_app(settings, title="probe", bus=LocalBus(None), key_source=lambda: {"keys": []})
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://probe") as client,
    ):
        ready = await client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["checks"] == {"database": "up", "bus": "up"}

        cluster.stop(mode="immediate")
        down = await client.get("/readyz")
        assert down.status_code == 503
        assert down.json()["checks"]["database"] == "down"
        assert (await client.get("/healthz")).status_code == 200, "alive even when not ready"

        cluster.start()
        back = await client.get("/readyz")
        assert back.status_code == 200
