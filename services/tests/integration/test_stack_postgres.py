"""`motcua stack`'s own PostgreSQL is durable: a commit it acknowledged survives a crash of the machine."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from motcua.infra.postgres import PostgresCluster
from motcua.stack import StackPaths, stack_postgres

pytestmark = pytest.mark.integration

DURABILITY = ("fsync", "synchronous_commit", "full_page_writes")


async def _settings(url: str) -> dict[str, str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return {name: str(await conn.scalar(text(f"SHOW {name}"))) for name in DURABILITY}
    finally:
        await engine.dispose()


@pytest.fixture
def stack_root() -> Iterator[Path]:
    # Not tmp_path: the postgres OS user must reach the cluster's directory inside the stack's root.
    root = Path(tempfile.mkdtemp(prefix="motcua-stack-"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


async def test_the_stacks_postgres_runs_with_fsync_synchronous_commit_and_full_page_writes(
    stack_root: Path,
) -> None:
    cluster = stack_postgres(StackPaths(stack_root))
    await cluster.astart()
    try:
        assert await _settings(cluster.admin_url) == dict.fromkeys(DURABILITY, "on")
        # Still durable when started again on the same data (what `stack down` then `stack up` does).
        await cluster.astop()
        cluster = stack_postgres(StackPaths(stack_root))
        await cluster.astart()
        assert await _settings(cluster.admin_url) == dict.fromkeys(DURABILITY, "on")
    finally:
        await cluster.astop()


def test_a_cluster_is_durable_unless_told_fast(stack_root: Path) -> None:
    settings = PostgresCluster(stack_root / "pg").server_settings()
    assert {name: settings.get(name) for name in DURABILITY} == dict.fromkeys(DURABILITY, "on")


async def test_the_tests_clusters_ask_for_the_fast_mode(
    pg_cluster_factory: Callable[..., PostgresCluster],
) -> None:
    assert await _settings(pg_cluster_factory().admin_url) == dict.fromkeys(DURABILITY, "off")
