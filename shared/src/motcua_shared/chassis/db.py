"""The service's own database: one async engine and session factory, SQLite or PostgreSQL."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Integer, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

from motcua_shared.chassis import sqlite as inline_sqlite
from motcua_shared.chassis.settings import DbSettings


class Database:
    """An engine and a session factory for one service database."""

    def __init__(self, settings: DbSettings) -> None:
        self.settings = settings
        self.url = make_url(settings.url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.is_postgres = self.url.get_backend_name() == "postgresql"
        if self.is_sqlite and settings.sqlite_inline and self.url.get_driver_name() == "aiosqlite":
            self.url = self.url.set(drivername=f"sqlite+{inline_sqlite.DRIVER}")
        kwargs: dict[str, Any] = {"echo": settings.echo}
        read_kwargs: dict[str, Any] | None = None
        if self.is_sqlite:
            database = self.url.database or ""
            kwargs["connect_args"] = {"timeout": 30}
            if database in ("", ":memory:"):
                kwargs["poolclass"] = StaticPool
            else:
                Path(database).parent.mkdir(parents=True, exist_ok=True)
                # SQLite has one writer. Writers queue here for the one writing connection instead of in
                # SQLite's busy handler, which polls with sleeps of up to 100 ms; readers (WAL) get their
                # own pool and never wait for a writer.
                read_kwargs = {**kwargs, "pool_size": settings.pool_size, "max_overflow": 0}
                kwargs.update(pool_size=1, max_overflow=0, pool_timeout=60)
        else:
            kwargs.update(
                pool_size=settings.pool_size,
                max_overflow=settings.pool_overflow,
                pool_timeout=settings.pool_timeout,
                pool_pre_ping=settings.pool_pre_ping,
                pool_recycle=settings.pool_recycle,
            )
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        pragmas = functools.partial(_sqlite_pragmas, synchronous=settings.sqlite_synchronous)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", pragmas)
            # Take over pysqlite's transaction handling and begin IMMEDIATE: a deferred transaction that
            # reads and then writes fails at once (SQLITE_BUSY_SNAPSHOT) when another writer got in
            # between, which busy_timeout cannot cure; SQLite has one writer anyway.
            event.listen(self.engine.sync_engine, "begin", _sqlite_begin)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        # Reads need no writer lock on SQLite (see _sqlite_begin); elsewhere the option is ignored.
        self._read_engine = self.engine.execution_options(sqlite_begin="DEFERRED")
        self._readers_engine: AsyncEngine | None = None
        if read_kwargs is not None:
            readers = self._readers_engine = create_async_engine(self.url, **read_kwargs)
            event.listen(readers.sync_engine, "connect", pragmas)
            event.listen(readers.sync_engine, "begin", _sqlite_begin)
            self._read_engine = readers.execution_options(sqlite_begin="DEFERRED")
        self._readers = async_sessionmaker(self._read_engine, expire_on_commit=False, autoflush=False)

    def session(self) -> AsyncSession:
        """A new session (the caller owns its transaction)."""
        return self.sessionmaker()

    def reader(self) -> AsyncSession:
        """A session for reads only: on SQLite it does not take the writer's lock."""
        return self._readers()

    async def ping(self) -> bool:
        """True when the database answers."""
        try:
            async with self._read_engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()
        if self._readers_engine is not None:
            await self._readers_engine.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any, *, synchronous: str) -> None:
    # The busy timeout is the driver's ``timeout`` (connect_args): aiosqlite waits in SQLite's busy
    # handler, the inline driver on the loop (see motcua_shared.chassis.sqlite).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA synchronous={synchronous}")  # a Literal of the settings: FULL or NORMAL
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
    conn.exec_driver_sql("BEGIN DEFERRED" if mode == "DEFERRED" else "BEGIN IMMEDIATE")


NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """An aware instant stored in UTC; SQLite, which keeps no offset, gives it back aware too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive times; store UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Read back an aware UTC time whatever the database kept."""
        if value is None:
            return None
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        assert isinstance(moment, datetime)
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


BigId = BigInteger().with_variant(Integer, "sqlite")
"""A 64-bit key that auto-increments on SQLite too (only INTEGER PRIMARY KEY does there)."""

Json = JSON().with_variant(JSONB(), "postgresql")
"""A JSON document column (JSONB on PostgreSQL)."""


def conflict_insert(target: Any, *, postgres: bool) -> postgresql.Insert | sqlite.Insert:
    """An ``INSERT`` into ``target`` (a model or table) that takes ``ON CONFLICT`` clauses, in the
    dialect of the service's database (PostgreSQL or SQLite, which spell them the same)."""
    return postgresql.insert(target) if postgres else sqlite.insert(target)


RACE_SQLSTATES = frozenset({"40001", "40P01"})
"""PostgreSQL's serialization failure and deadlock detected: the transaction lost to a concurrent one."""


def lost_race(exc: BaseException) -> bool:
    """Whether ``exc`` is the database aborting the transaction for a concurrent one (a deadlock or a
    serialization failure): nothing was written, and the same transaction run again may well succeed."""
    if not isinstance(exc, DBAPIError):
        return False
    return getattr(exc.orig, "sqlstate", None) in RACE_SQLSTATES
