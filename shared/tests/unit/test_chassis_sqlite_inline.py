"""The inline SQLite driver: aiosqlite's semantics without its thread, and writers that wait on the loop."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import create_async_engine

from motcua_shared.chassis import sqlite as inline_sqlite
from motcua_shared.chassis.db import Database
from motcua_shared.chassis.settings import DbSettings


def _db(path: Path, *, inline: bool = True) -> Database:
    return Database(DbSettings(url=f"sqlite+aiosqlite:///{path}", sqlite_inline=inline))


async def _schema(db: Database) -> None:
    async with db.engine.begin() as conn:
        await conn.execute(text("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)"))


@pytest.mark.parametrize("inline", [True, False], ids=["inline", "aiosqlite"])
async def test_both_drivers_give_the_same_results(tmp_path: Path, inline: bool) -> None:
    db = _db(tmp_path / "t.db", inline=inline)
    assert db.engine.dialect.driver == (inline_sqlite.DRIVER if inline else "aiosqlite")
    await _schema(db)
    async with db.session() as session:
        inserted = await session.execute(text("INSERT INTO t (v) VALUES ('a'), ('b') RETURNING id"))
        assert [row.id for row in inserted] == [1, 2]
        await session.execute(text("INSERT INTO t (v) VALUES (:v)"), [{"v": "c"}, {"v": "d"}])
        await session.commit()
    async with db.reader() as session:
        result = await session.execute(text("SELECT v FROM t ORDER BY id"))
        rows_later = result.scalars().all()  # rows were fetched at execute, as with aiosqlite
    assert rows_later == ["a", "b", "c", "d"]
    async with db.session() as session:
        with pytest.raises(IntegrityError):
            await session.execute(text("INSERT INTO t (v) VALUES ('a')"))
        await session.rollback()
    async with db.session() as session:
        await session.execute(text("INSERT INTO t (v) VALUES ('e')"))
        await session.rollback()
    async with db.reader() as session:
        assert (await session.execute(text("SELECT count(*) FROM t"))).scalar_one() == 4
    assert await db.ping()
    await db.dispose()


async def test_statements_run_on_the_loops_thread(tmp_path: Path) -> None:
    db = _db(tmp_path / "t.db")
    threads: set[int] = set()

    def record(conn: object, *_: object) -> None:
        threads.add(threading.get_ident())

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    await _schema(db)
    async with db.session() as session:
        await session.execute(text("INSERT INTO t (v) VALUES ('x')"))
        await session.commit()
    assert threads == {threading.get_ident()}
    await db.dispose()


async def test_a_writer_waits_for_another_writer_of_the_same_process_without_blocking_the_loop(
    tmp_path: Path,
) -> None:
    # Two engines on one file: SQLite's busy handler, had it blocked the loop, would have kept the
    # holder (which needs the loop to commit) from ever finishing.
    first, second = _db(tmp_path / "t.db"), _db(tmp_path / "t.db")
    await _schema(first)
    holding = asyncio.Event()
    order: list[str] = []

    async def hold() -> None:
        async with first.session() as session:
            await session.execute(text("INSERT INTO t (v) VALUES ('first')"))
            holding.set()
            await asyncio.sleep(0.3)
            order.append("first commits")
            await session.commit()

    async def write() -> None:
        await holding.wait()
        async with second.session() as session:
            await session.execute(text("INSERT INTO t (v) VALUES ('second')"))
            order.append("second wrote")
            await session.commit()

    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while len(order) < 2:
            ticks += 1
            await asyncio.sleep(0.01)

    await asyncio.wait_for(asyncio.gather(hold(), write(), tick()), timeout=10)
    assert order == ["first commits", "second wrote"]
    assert ticks >= 10, "the loop kept running while the second writer waited"
    async with second.reader() as session:
        assert (await session.execute(text("SELECT count(*) FROM t"))).scalar_one() == 2
    await first.dispose()
    await second.dispose()


async def test_a_writer_gives_up_after_the_connections_timeout(tmp_path: Path) -> None:
    holder = _db(tmp_path / "t.db")
    await _schema(holder)
    waiter = create_async_engine(
        f"sqlite+{inline_sqlite.DRIVER}:///{tmp_path / 't.db'}", connect_args={"timeout": 0.2}
    )
    async with holder.session() as session:
        await session.execute(text("INSERT INTO t (v) VALUES ('held')"))
        async with waiter.connect() as conn:
            started = time.monotonic()
            with pytest.raises(OperationalError, match="locked"):
                await conn.exec_driver_sql("BEGIN IMMEDIATE")
            assert time.monotonic() - started >= 0.2
        await session.commit()
    await waiter.dispose()
    await holder.dispose()
