"""Background work that runs in one replica at a time: the holder of a PostgreSQL advisory lock.

Every replica starts the same loops; :func:`run_singleton` makes each wait for a session-level advisory
lock named after the work, on a connection of its own (autocommit, so nothing stays idle in a
transaction). The replica that gets it runs the work; the others try again every ``retry`` seconds. The
holder pings its connection every ``check`` seconds: if the connection is lost (the database restarted,
the network failed), the work is cancelled at once, because PostgreSQL has already released the lock
and another replica may be taking over. A replica that stops releases the lock with its connection, so
failover takes at most ``retry`` seconds. On SQLite the platform is one process, and the work simply runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from motcua_shared.chassis.background import cancel_and_wait
from motcua_shared.chassis.db import Database

log = logging.getLogger(__name__)


def lock_key(name: str) -> int:
    """The advisory lock's 64-bit key for ``name`` (stable across processes and versions)."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big", signed=True)


async def run_singleton(
    db: Database,
    name: str,
    work: Callable[[], Awaitable[None]],
    *,
    retry: float = 5.0,
    check: float = 5.0,
    on_leading: Callable[[bool], None] | None = None,
) -> None:
    """Run ``work()`` (a loop that runs until cancelled) in one replica at a time; until cancelled.
    ``on_leading`` hears whether this replica holds the work (for a metric or a test)."""
    if not db.is_postgres:
        await work()
        return
    key = lock_key(name)
    while True:
        try:
            async with db.engine.connect() as raw:
                conn = await raw.execution_options(isolation_level="AUTOCOMMIT")
                if await _try_lock(conn, key):
                    log.info("running singleton work", extra={"work": name})
                    if on_leading is not None:
                        on_leading(True)
                    try:
                        await _hold(conn, work, check)
                    finally:
                        if on_leading is not None:
                            on_leading(False)
                        with contextlib.suppress(Exception):
                            await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
        except asyncio.CancelledError:
            raise
        except Exception as error:  # the database is away: try again later, never give up
            log.warning("singleton work interrupted", extra={"work": name, "error": repr(error)})
        await asyncio.sleep(retry)


async def _try_lock(conn: AsyncConnection, key: int) -> bool:
    return bool((await conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key})).scalar())


async def _hold(conn: AsyncConnection, work: Callable[[], Awaitable[None]], check: float) -> None:
    """Run ``work`` while ``conn`` (and so the lock) lives; raise when either ends."""

    async def run() -> None:
        await work()

    task = asyncio.create_task(run(), name="singleton-work")
    try:
        while not task.done():
            done, _ = await asyncio.wait({task}, timeout=check)
            if not done:
                await conn.execute(text("SELECT 1"))
        task.result()
    finally:
        await cancel_and_wait(task)


@contextlib.asynccontextmanager
async def exclusively(db: Database, name: str) -> AsyncIterator[None]:
    """One replica at a time inside (start-up work that checks and then writes, such as creating the demo
    accounts): a session advisory lock named ``name``, waited for; nothing to wait for on SQLite."""
    if not db.is_postgres:
        yield
        return
    key = lock_key(name)
    async with db.engine.connect() as raw:
        conn = await raw.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
        try:
            yield
        finally:
            await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
