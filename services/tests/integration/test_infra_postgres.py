"""The PostgreSQL recipe: a throwaway cluster starts, creates databases, and keeps data across restarts."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from motcua.infra.postgres import PostgresCluster, create_databases_async

pytestmark = pytest.mark.integration


async def _scalar(url: str, *statements: str) -> object:
    """Run ``statements`` in one transaction; return the first column of the last one's first row."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            for sql in statements[:-1]:
                await conn.execute(text(sql))
            return await conn.scalar(text(statements[-1]))
    finally:
        await engine.dispose()


async def test_fresh_database_is_usable(fresh_pg_url: str) -> None:
    assert await _scalar(fresh_pg_url, "SELECT 1") == 1
    assert await _scalar(fresh_pg_url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == 0


async def test_cluster_keeps_data_across_restart_and_crash(
    pg_cluster_factory: Callable[..., PostgresCluster],
) -> None:
    cluster = pg_cluster_factory()
    assert cluster.running
    assert cluster.pid is not None
    cluster.create_database("infra_app")
    cluster.create_database("infra_app")  # idempotent
    await create_databases_async(cluster.admin_url, ["infra_app", "infra_other"])
    url = cluster.url("infra_app")
    assert url == f"postgresql+asyncpg://postgres@127.0.0.1:{cluster.port}/infra_app"
    assert await _scalar(url, "SELECT 1") == 1
    assert await _scalar(url, "SELECT current_setting('max_connections')") == "200"
    await _scalar(url, "CREATE TABLE kept (v int)", "INSERT INTO kept VALUES (42) RETURNING v")

    await cluster.astop()
    assert not cluster.running
    await cluster.astart()
    assert await _scalar(url, "SELECT v FROM kept") == 42

    cluster.kill()
    assert not cluster.running
    await cluster.astart()
    assert await _scalar(url, "SELECT v FROM kept") == 42
    assert await _scalar(cluster.url("infra_other"), "SELECT 1") == 1


async def test_new_handle_sees_running_cluster(pg_cluster_factory: Callable[..., PostgresCluster]) -> None:
    cluster = pg_cluster_factory()
    handle = PostgresCluster(cluster.data_dir)
    assert handle.running
    assert (handle.port, handle.pid) == (cluster.port, cluster.pid)
    handle.stop()
    assert not cluster.running
