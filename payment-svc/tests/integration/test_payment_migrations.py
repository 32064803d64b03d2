"""payment-svc's Alembic history builds exactly the tables its models declare, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from motcua_shared.chassis.audit import AuditBase
from motcua_shared.chassis.messaging.models import MessagingBase
from motcua_shared.chassis.migrations import aupgrade
from payment_svc.app import MIGRATIONS
from payment_svc.db import Base

pytestmark = pytest.mark.integration


async def _drift(url: str) -> list[Any]:
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        diff = await conn.run_sync(
            lambda sync: compare_metadata(
                MigrationContext.configure(sync),
                [Base.metadata, MessagingBase.metadata, AuditBase.metadata],  # type: ignore[arg-type]
            )
        )
    await engine.dispose()
    return list(diff)


async def test_migrations_match_the_models_on_sqlite_and_postgres(tmp_path: Path, fresh_pg_url: str) -> None:
    for url in (f"sqlite+aiosqlite:///{tmp_path / 'payment.db'}", fresh_pg_url):
        await aupgrade(MIGRATIONS, url)
        assert await _drift(url) == [], url
