"""SQLite for the async engine without a worker thread: statements run on the event loop's thread.

aiosqlite runs each connection in its own thread and hands every call (cursor, execute, fetch, close,
commit) across with a future: about four thread hops and loop wake-ups per statement. In WAL mode a
statement of ours takes microseconds and a commit waits only for one sync of the log (``synchronous=FULL``,
a fraction of a millisecond), so the hops cost more than the work they move off the loop. This driver
keeps SQLAlchemy's own async adapter (rows fetched at execute, cursors soft-closed, the same semantics as
aiosqlite) over an aiosqlite-shaped object whose coroutines call the standard library's ``sqlite3`` and
finish at once.

The one place SQLite can wait is for the writer's lock. A process that blocked its loop in SQLite's busy
handler could be waiting for a transaction of its own that needs that loop to finish, so the busy
handler waits a few milliseconds at most, and ``BEGIN IMMEDIATE``, where writers queue, is retried with
``asyncio.sleep`` until the connection's ``timeout`` has passed.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Sequence
from typing import Any, cast

from sqlalchemy import pool
from sqlalchemy.connectors.asyncio import (
    AsyncAdapt_dbapi_connection,
    AsyncAdapt_dbapi_module,
)
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import URL

DRIVER = "motcua_inline"
"""The driver name of this dialect in a URL: ``sqlite+motcua_inline:///path``."""

BUSY_WAIT = 0.005
"""Seconds SQLite's own busy handler may block the loop before a statement reports the lock taken."""

_RETRY_DELAYS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05)

# sqlite3.connect's overloads do not take the keyword arguments SQLAlchemy's URL parsing produces as **.
_connect = cast(Callable[..., sqlite3.Connection], sqlite3.connect)


class _Cursor:
    """An aiosqlite-shaped cursor over a ``sqlite3`` cursor; its coroutines never suspend but to wait
    for the writer's lock."""

    __slots__ = ("_cursor", "_timeout")

    def __init__(self, cursor: sqlite3.Cursor, timeout: float) -> None:
        self._cursor = cursor
        self._timeout = timeout

    async def __aenter__(self) -> _Cursor:
        return self

    @property
    def description(self) -> Any:
        """The result's columns, or ``None`` for a statement without rows."""
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        """Rows changed by the last statement."""
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        """The rowid of the last inserted row."""
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        """Rows per ``fetchmany`` by default."""
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Any = ()) -> _Cursor:
        """Run one statement; a ``BEGIN IMMEDIATE`` that finds the lock taken waits on the loop."""
        if not sql.startswith("BEGIN IMMEDIATE"):
            self._cursor.execute(sql, parameters)
            return self
        deadline = time.monotonic() + self._timeout
        attempt = 0
        while True:
            try:
                self._cursor.execute(sql, parameters)
                return self
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() >= deadline:
                    raise
            await asyncio.sleep(_RETRY_DELAYS[min(attempt, len(_RETRY_DELAYS) - 1)])
            attempt += 1

    async def executemany(self, sql: str, parameters: Sequence[Any]) -> _Cursor:
        """Run one statement for each set of parameters."""
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchone(self) -> Any:
        """The next row."""
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        """The next rows."""
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        """The remaining rows."""
        return self._cursor.fetchall()

    async def close(self) -> None:
        """Release the statement."""
        self._cursor.close()


class _Connection:
    """An aiosqlite-shaped connection over a ``sqlite3`` connection."""

    __slots__ = ("_conn", "_timeout")

    def __init__(self, connection: sqlite3.Connection, timeout: float) -> None:
        self._conn = connection
        self._timeout = timeout

    def cursor(self) -> _Cursor:
        """A new cursor."""
        return _Cursor(self._conn.cursor(), self._timeout)

    async def commit(self) -> None:
        """Commit the transaction."""
        self._conn.commit()

    async def rollback(self) -> None:
        """Roll the transaction back."""
        self._conn.rollback()

    async def close(self) -> None:
        """Close the connection."""
        self._conn.close()


class InlineConnection(AsyncAdapt_dbapi_connection):
    """SQLAlchemy's async adapter over one inline connection (as it adapts aiosqlite's)."""

    __slots__ = ()
    _connection: Any

    @property
    def isolation_level(self) -> str | None:
        """``sqlite3``'s transaction control (``None``: we issue ``BEGIN`` ourselves)."""
        return self._connection._conn.isolation_level  # type: ignore[no-any-return]

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        self._connection._conn.isolation_level = value

    def create_function(self, *args: Any, **kwargs: Any) -> None:
        """Register a SQL function (SQLAlchemy registers ``regexp``)."""
        self._connection._conn.create_function(*args, **kwargs)


class _InlineDBAPI(AsyncAdapt_dbapi_module):
    """The module-like DBAPI object SQLAlchemy expects: ``sqlite3``'s names and a ``connect``."""

    def __init__(self) -> None:
        super().__init__(sqlite3, dbapi_module=sqlite3)
        self.paramstyle = "qmark"
        self.sqlite = sqlite3
        for name in (
            "DatabaseError",
            "DataError",
            "Error",
            "IntegrityError",
            "InterfaceError",
            "InternalError",
            "NotSupportedError",
            "OperationalError",
            "ProgrammingError",
            "Warning",
            "sqlite_version",
            "sqlite_version_info",
            "PARSE_COLNAMES",
            "PARSE_DECLTYPES",
            "Binary",
        ):
            setattr(self, name, getattr(sqlite3, name))

    def connect(self, *args: Any, **kwargs: Any) -> InlineConnection:
        """Open a connection; its ``timeout`` bounds the wait for the writer's lock."""
        kwargs.pop("async_creator_fn", None)
        timeout = float(kwargs.pop("timeout", 30.0))
        kwargs["check_same_thread"] = False
        connection = _connect(*args, timeout=BUSY_WAIT, **kwargs)
        # SQLAlchemy types the wrapped connection as a protocol that only duck-typing satisfies.
        return InlineConnection(self, cast(Any, _Connection(connection, timeout)))


class InlineSQLiteDialect(SQLiteDialect_pysqlite):
    """The ``sqlite3`` dialect behind SQLAlchemy's async adapter, pooled as aiosqlite is."""

    driver = DRIVER
    is_async = True
    supports_statement_cache = True
    supports_server_side_cursors = False

    @classmethod
    def import_dbapi(cls) -> Any:
        """The DBAPI object of this dialect."""
        return _InlineDBAPI()

    @classmethod
    def get_pool_class(cls, url: URL) -> type[pool.Pool]:
        """An async queue pool for a file; one shared connection for an in-memory database."""
        return pool.AsyncAdaptedQueuePool if cls._is_url_file_db(url) else pool.StaticPool

    def get_driver_connection(self, connection: Any) -> Any:
        """The ``sqlite3`` connection under the pool's."""
        return connection._connection._conn


registry.register(f"sqlite.{DRIVER}", __name__, "InlineSQLiteDialect")
