"""PostgreSQL going away answers 503 with ``Retry-After``, never 500, and the pool heals by itself."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest
from fastapi import APIRouter
from sqlalchemy import text

from motcua.infra.postgres import PostgresCluster
from motcua_shared.chassis.app import create_service_app
from motcua_shared.chassis.bus.local import LocalBus
from motcua_shared.chassis.deps import RuntimeDep
from motcua_shared.chassis.settings import DbSettings, ServiceSettings

pytestmark = pytest.mark.integration

router = APIRouter(prefix="/api/v1")


@router.get("/backend")
async def backend(runtime: RuntimeDep) -> dict[str, int]:
    async with runtime.db.session() as session:
        pid = await session.scalar(text("SELECT pg_backend_pid() FROM pg_sleep(0.05)"))
    return {"pid": int(pid or 0)}


@pytest.fixture
def cluster(pg_cluster_factory: Callable[..., PostgresCluster]) -> PostgresCluster:
    cluster = pg_cluster_factory()
    cluster.create_database("probe")
    return cluster


@pytest.fixture
async def client(cluster: PostgresCluster) -> AsyncIterator[httpx.AsyncClient]:
    settings = ServiceSettings(
        service_name="probe", db=DbSettings(url=cluster.url("probe"), auto_migrate=False, pool_size=4)
    )
    app = create_service_app(
        settings, title="probe", routers=[router], bus=LocalBus(None), key_source=lambda: {"keys": []}
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://probe") as client:
            yield client


def assert_retry_later(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) > 0
    assert response.json()["type"] == "https://motcua.vn/problems/unavailable"


async def test_backends_terminated_one_503_then_the_pool_has_healed(
    cluster: PostgresCluster, client: httpx.AsyncClient
) -> None:
    warm = await asyncio.gather(*(client.get("/api/v1/backend") for _ in range(4)))
    pids = {r.json()["pid"] for r in warm}
    assert len(pids) == 4, "four pooled connections"

    admin = await asyncpg.connect(cluster.dsn("postgres"))
    try:
        killed = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = 'probe'"
        )
    finally:
        await admin.close()
    assert killed == 4

    assert_retry_later(await client.get("/api/v1/backend"))
    # The one failure invalidated the whole pool: no other request meets a dead connection.
    again = await asyncio.gather(*(client.get("/api/v1/backend") for _ in range(4)))
    assert [r.status_code for r in again] == [200] * 4
    assert not {r.json()["pid"] for r in again} & pids


async def test_postgres_down_503_with_retry_after_and_back_by_itself(
    cluster: PostgresCluster, client: httpx.AsyncClient
) -> None:
    assert (await client.get("/api/v1/backend")).status_code == 200

    cluster.stop(mode="fast")
    for _ in range(3):
        assert_retry_later(await client.get("/api/v1/backend"))

    await asyncio.to_thread(cluster.start)
    back = await client.get("/api/v1/backend")
    assert back.status_code == 200, back.text
