"""Replicas agree through PostgreSQL: limits shared by two engines (two replicas' pools) on one database,
under concurrency; background work that runs in one replica at a time and fails over when its holder
dies; wake-ups that reach every replica on commit; the same limit rules on SQLite."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import text

from motcua_shared.chassis.db import Database
from motcua_shared.chassis.limits import Backoff, Buckets, Entry, LimitsBase, SqlStore, store_for
from motcua_shared.chassis.settings import DbSettings
from motcua_shared.chassis.singleton import exclusively, run_singleton
from motcua_shared.chassis.wakeups import announce, listen_forever

pytestmark = pytest.mark.integration


class Rate:
    def __init__(self, burst: int, per_minute: float) -> None:
        self.burst = burst
        self.per_minute = per_minute


async def _database(url: str) -> Database:
    db = Database(DbSettings(url=url, auto_migrate=False, pool_size=8))
    async with db.engine.begin() as conn:
        await conn.run_sync(LimitsBase.metadata.create_all)
    return db


@pytest.fixture
async def replicas(fresh_pg_url: str) -> AsyncIterator[tuple[Database, Database]]:
    first, second = await _database(fresh_pg_url), await _database(fresh_pg_url)
    yield first, second
    await first.engine.dispose()
    await second.engine.dispose()


async def test_two_replicas_spend_one_budget_even_at_once(replicas: tuple[Database, Database]) -> None:
    first, second = (Buckets(store_for(db)) for db in replicas)
    assert isinstance(first.store, SqlStore)
    rate = Rate(burst=10, per_minute=0.001)
    waits = await asyncio.gather(*(b.take("writes-ip", rate, "203.0.113.9") for b in [first, second] * 15))
    assert sum(1 for wait in waits if wait == 0) == 10, "ten tokens in all, not ten per replica"
    assert await second.take("writes-ip", rate, "198.51.100.4") == 0, "another key has its own"


async def test_a_backoff_started_on_one_replica_holds_on_the_other(
    replicas: tuple[Database, Database],
) -> None:
    first, second = (Backoff(store_for(db), "sign-in", free=2, longest=60) for db in replicas)
    for _ in range(3):
        await first.failed("canbo.a|203.0.113.9")
    assert await second.wait("canbo.a|203.0.113.9") > 0
    await second.succeeded("canbo.a|203.0.113.9")
    assert await first.wait("canbo.a|203.0.113.9") == 0


async def test_a_key_one_replica_deletes_while_another_waits_for_its_lock(
    replicas: tuple[Database, Database],
) -> None:
    stores = [SqlStore(db) for db in replicas]

    def toggle(current: Entry | None, now: float) -> tuple[Entry | None, bool]:
        # State that starts, then ends (its row deleted) on the next update: a waiter finds the row gone.
        return (Entry(1.0, now, now + 60), True) if current is None else (None, False)

    done = await asyncio.gather(*(store.update("p", "203.0.113.9", toggle) for store in stores * 20))
    assert len(done) == 40, "every update took its turn, none failed"
    assert set(done) == {True, False}, "the state began and ended"


async def test_expired_state_is_purged(replicas: tuple[Database, Database]) -> None:
    db = replicas[0]
    store = SqlStore(db)
    await Buckets(store).take("p", Rate(burst=2, per_minute=6000), "a")
    await asyncio.sleep(0.05)
    assert await store.purge() == 1
    async with db.session() as session:
        assert await session.scalar(text("SELECT count(*) FROM rate_state")) == 0


async def test_singleton_work_runs_in_one_replica_and_fails_over(replicas: tuple[Database, Database]) -> None:
    running: list[str] = []

    def work(name: str) -> Callable[[], Awaitable[None]]:
        async def loop() -> None:
            running.append(name)
            await asyncio.Event().wait()

        return loop

    first = asyncio.create_task(run_singleton(replicas[0], "job", work("first"), retry=0.1, check=0.1))
    await asyncio.sleep(0.5)
    second = asyncio.create_task(run_singleton(replicas[1], "job", work("second"), retry=0.1, check=0.1))
    await asyncio.sleep(0.5)
    assert running == ["first"], "the second replica waits while the first holds the lock"
    first.cancel()
    await asyncio.gather(first, return_exceptions=True)
    for _ in range(50):
        if running == ["first", "second"]:
            break
        await asyncio.sleep(0.1)
    assert running == ["first", "second"], "the second takes over when the first stops"
    second.cancel()
    await asyncio.gather(second, return_exceptions=True)


async def test_singleton_work_stops_when_its_connection_dies(replicas: tuple[Database, Database]) -> None:
    db, other = replicas
    stopped = asyncio.Event()
    leading: list[bool] = []

    async def loop() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            stopped.set()

    task = asyncio.create_task(
        run_singleton(db, "job", loop, retry=0.1, check=0.1, on_leading=leading.append)
    )
    await asyncio.sleep(0.5)
    assert leading == [True]
    async with other.engine.connect() as conn:
        await conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND pid <> pg_backend_pid()"
            )
        )
    async with asyncio.timeout(5):
        await stopped.wait()
    for _ in range(50):
        if leading[-1:] == [True] and len(leading) >= 3:
            break
        await asyncio.sleep(0.1)
    assert leading[:2] == [True, False], "stopped when the lock was lost"
    assert leading[-1] is True, "then took the lock again"
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_the_same_rules_on_sqlite(tmp_path: Path) -> None:
    db = await _database(f"sqlite+aiosqlite:///{tmp_path / 'limits.db'}")
    try:
        buckets = Buckets(SqlStore(db))
        rate = Rate(burst=3, per_minute=0.001)
        waits = [await buckets.take("p", rate, "a") for _ in range(4)]
        assert waits[:3] == [0, 0, 0]
        assert waits[3] > 0
    finally:
        await db.engine.dispose()


async def test_a_wake_up_reaches_every_replica_on_commit_only(replicas: tuple[Database, Database]) -> None:
    writer, listener = replicas
    heard: asyncio.Queue[list[str]] = asyncio.Queue()
    task = asyncio.create_task(listen_forever(listener, "inbox", heard.put_nowait, check=0.2))
    try:
        await asyncio.sleep(0.5)
        async with writer.session() as session, session.begin():
            await announce(session, "inbox", ["citizen:1", "citizen:2"])
            await session.rollback()
        async with writer.session() as session, session.begin():
            await announce(session, "inbox", ["citizen:3", "x" * 5000, "y" * 5000])
        async with asyncio.timeout(5):
            first, second = await heard.get(), await heard.get()
        assert sorted(first + second) == ["citizen:3", "x" * 5000, "y" * 5000], "chunked under 8000 bytes"
        assert heard.empty(), "a rolled-back announcement is never heard"
        # The listening connection dies (a database restart does that): it comes back by itself.
        async with writer.engine.connect() as conn:
            await conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE (query LIKE 'LISTEN%' OR query = 'SELECT 1') AND pid <> pg_backend_pid()"
                )
            )
        for _ in range(50):
            async with writer.session() as session, session.begin():
                await announce(session, "inbox", ["citizen:4"])
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(0.2):
                    if await heard.get() == ["citizen:4"]:
                        break
        else:
            pytest.fail("the listener never came back")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_start_up_work_runs_one_replica_at_a_time(replicas: tuple[Database, Database]) -> None:
    inside: list[str] = []
    overlap = False

    async def start(db: Database, name: str) -> None:
        nonlocal overlap
        async with exclusively(db, "demo-accounts"):
            overlap = overlap or bool(inside)
            inside.append(name)
            await asyncio.sleep(0.3)
            inside.remove(name)

    await asyncio.gather(start(replicas[0], "first"), start(replicas[1], "second"))
    assert not overlap
