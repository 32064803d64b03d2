"""Wake-ups that reach every replica: PostgreSQL ``NOTIFY`` sent with a commit, ``LISTEN`` in each replica.

A unit of work that changed something a live stream shows calls :func:`announce` inside its transaction;
PostgreSQL delivers the notification to every listening connection when (and only if) the transaction
commits. Each replica runs :func:`listen_forever`, which hands the keys to its in-process hub, so a client
connected to any replica hears of a change made by any other at once. Listening reconnects by itself
after the database comes back; while it is away, the streams' periodic re-reads still catch up.
On SQLite there is one process, and its in-process hub is all there is.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from motcua_shared.chassis.backoff import backoff
from motcua_shared.chassis.db import Database

log = logging.getLogger(__name__)

# PostgreSQL refuses payloads of 8000 bytes or more; keys are sent in chunks well under that.
_PAYLOAD_LIMIT = 7000


def _chunks(keys: Iterable[str]) -> list[str]:
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for key in sorted(set(keys)):
        length = len(key.encode("utf-8")) + 1
        if current and size + length > _PAYLOAD_LIMIT:
            chunks.append("\n".join(current))
            current, size = [], 0
        current.append(key)
        size += length
    if current:
        chunks.append("\n".join(current))
    return chunks


async def announce(session: AsyncSession, channel: str, keys: Iterable[str]) -> None:
    """Queue a wake-up of ``keys`` on ``channel`` for every replica, sent when the transaction commits
    (nothing is sent on SQLite or after a rollback)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for payload in _chunks(keys):
        await session.execute(
            text("SELECT pg_notify(:channel, :payload)"), {"channel": channel, "payload": payload}
        )


def _dsn(db: Database) -> str:
    return db.url.set(drivername="postgresql").render_as_string(hide_password=False)


async def listen_forever(
    db: Database,
    channel: str,
    on_keys: Callable[[list[str]], None],
    *,
    connect: Callable[[str], Any] = asyncpg.connect,
    check: float = 10.0,
) -> None:
    """Hand the keys announced on ``channel`` by any replica to ``on_keys``, until cancelled; reconnects
    with backoff whenever the connection is lost. Nothing to do on SQLite."""
    if not db.is_postgres:
        return
    attempt = 0
    while True:
        conn = None
        try:
            conn = await connect(_dsn(db))
            lost = asyncio.Event()
            conn.add_termination_listener(lambda _conn, lost=lost: lost.set())

            def heard(_conn: object, _pid: int, _channel: str, payload: str) -> None:
                on_keys(payload.split("\n"))

            await conn.add_listener(channel, heard)
            attempt = 0
            while not lost.is_set():
                try:
                    async with asyncio.timeout(check):
                        await lost.wait()
                except TimeoutError:
                    await conn.execute("SELECT 1")  # a dead peer is noticed here
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.warning(
                "listening for wake-ups interrupted", extra={"channel": channel, "error": repr(error)}
            )
        finally:
            if conn is not None and not conn.is_closed():
                conn.terminate()
        attempt += 1
        await asyncio.sleep(backoff(attempt, initial=0.5, maximum=15.0))
