"""What a benchmark's storage promises about a crash, read from the engine itself, for the reports' headers.

Every report under ``bench/results/`` states the durability its figures were measured on (issue 19: the
published figures are durable ones; fast ones stand beside them, labelled):

* PostgreSQL: ``fsync``, ``synchronous_commit`` and ``full_page_writes`` as the server answers ``SHOW``;
* SQLite: ``journal_mode`` and ``synchronous`` on a connection opened the way the services open theirs
  (``motcua_shared.chassis.db.Database``, whose connect hook sets them).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

from motcua.infra._procs import run_coro_blocking
from motcua_shared.chassis.db import Database
from motcua_shared.chassis.settings import DbSettings

PG_SETTINGS = ("fsync", "synchronous_commit", "full_page_writes")
"""The PostgreSQL settings a crash-safe commit depends on."""

_SQLITE_SYNCHRONOUS = {"0": "OFF", "1": "NORMAL", "2": "FULL", "3": "EXTRA"}

FAST_LABEL = "FAST, NOT DURABLE"
"""How a report marks a figure measured on storage that may lose acknowledged commits."""


async def postgres_durability(conn: AsyncConnection) -> dict[str, str]:
    """The server's :data:`PG_SETTINGS` as ``SHOW`` gives them, over ``conn``."""
    return {name: str(await conn.scalar(text(f"SHOW {name}"))) for name in PG_SETTINGS}


def postgres_settings(url: str) -> dict[str, str]:
    """:func:`postgres_durability` of the server of ``url`` (a SQLAlchemy asyncpg URL); blocks, in or out
    of an event loop."""

    async def read() -> dict[str, str]:
        engine = create_async_engine(url, poolclass=NullPool)
        try:
            async with engine.connect() as conn:
                return await postgres_durability(conn)
        finally:
            await engine.dispose()

    return run_coro_blocking(read)


def postgres_is_durable(settings: Mapping[str, str]) -> bool:
    """Whether a commit the server acknowledged survives an OS crash or a power loss, by ``settings``."""
    return (
        settings.get("fsync") == "on"
        and settings.get("full_page_writes") == "on"
        and settings.get("synchronous_commit") in ("on", "remote_apply")
    )


def postgres_label(settings: Mapping[str, str]) -> str:
    """One sentence for a report's header: the settings read and what they mean."""
    values = ", ".join(f"{name} {settings.get(name, '?')}" for name in PG_SETTINGS)
    if postgres_is_durable(settings):
        return f"PostgreSQL durable ({values}: an acknowledged commit survives an OS crash or power loss)"
    return (
        f"PostgreSQL **{FAST_LABEL}** ({values}: an OS crash or power loss can lose acknowledged commits "
        "or corrupt the cluster; these figures are not the published durable ones)"
    )


def sqlite_settings(url: str) -> dict[str, str]:
    """``journal_mode`` and ``synchronous`` of the SQLite database ``url`` as the chassis opens it; blocks,
    in or out of an event loop."""

    async def read() -> tuple[str, str]:
        db = Database(DbSettings(url=url))
        try:
            async with db.engine.connect() as conn:
                journal = await conn.scalar(text("PRAGMA journal_mode"))
                return str(journal), str(await conn.scalar(text("PRAGMA synchronous")))
        finally:
            await db.dispose()

    journal, synchronous = run_coro_blocking(read)
    return {"journal_mode": journal.upper(), "synchronous": _SQLITE_SYNCHRONOUS.get(synchronous, synchronous)}


def sqlite_label(settings: Mapping[str, str]) -> str:
    """One sentence for a report's header: SQLite's settings read and what they mean for a crash."""
    journal, synchronous = settings.get("journal_mode", "?"), settings.get("synchronous", "?")
    values = f"journal_mode={journal}, synchronous={synchronous}"
    if journal == "WAL" and synchronous == "NORMAL":
        meaning = (
            "a commit survives the process crashing; the last commits before an OS crash or power loss "
            "can be lost, as the WAL is synced at checkpoints, not at each commit; the database stays "
            "consistent"
        )
    elif synchronous in ("FULL", "EXTRA"):
        meaning = "every commit is synced: it survives an OS crash or power loss"
    elif synchronous == "OFF":
        meaning = f"{FAST_LABEL}: an OS crash or power loss can lose commits or corrupt the database"
    else:
        meaning = "durability unknown"
    return f"SQLite {values} ({meaning})"
