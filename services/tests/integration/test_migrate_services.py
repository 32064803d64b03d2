"""Every service's Alembic history applies on SQLite and PostgreSQL; `motcua migrate` runs them all."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from motcua.infra.postgres import PgServer
from motcua.services import PACKAGES, migrations_of
from motcua_shared.chassis.migrations import aupgrade

pytestmark = pytest.mark.integration
MESSAGING = {"outbox", "inbox", "dead_letters", "alembic_version"}


async def _tables(url: str) -> set[str]:
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    await engine.dispose()
    return names


@pytest.mark.parametrize("service", sorted(PACKAGES))
async def test_migrations_apply_on_sqlite_and_are_idempotent(service: str, tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/{service}.db"
    await aupgrade(migrations_of(service), url)
    await aupgrade(migrations_of(service), url)
    assert await _tables(url) >= MESSAGING


@pytest.mark.parametrize("service", sorted(PACKAGES))
async def test_migrations_apply_on_postgres(service: str, fresh_pg_url: str) -> None:
    await aupgrade(migrations_of(service), fresh_pg_url)
    assert await _tables(fresh_pg_url) >= MESSAGING


def test_motcua_migrate_migrates_every_service_from_its_environment(pg_server: PgServer) -> None:
    env = dict(os.environ)
    urls = {}
    for service in PACKAGES:
        name = f"migrate_{service}_{uuid.uuid4().hex[:8]}"
        pg_server.create_database(name)
        urls[service] = pg_server.url(name)
        env[f"{service.upper()}_DB__URL"] = urls[service]
    done = subprocess.run(
        [sys.executable, "-m", "motcua.cli", "migrate"], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    for service, url in urls.items():
        assert f"{service}: migrated" in done.stdout
        assert asyncio.run(_tables(url)) >= MESSAGING
