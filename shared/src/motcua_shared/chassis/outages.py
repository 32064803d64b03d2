"""A dependency down (PostgreSQL, the broker) is a retryable 503, never a 500: telling it from a bug."""

from __future__ import annotations

from aiokafka.errors import KafkaError, KafkaTimeoutError
from asyncpg.exceptions import InterfaceError, PostgresError  # type: ignore[import-untyped]
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from motcua_shared.chassis.db import lost_race

RETRY_AFTER_SECONDS = 5
"""What a 503 for a dependency down asks the client to wait: about what a PostgreSQL restart or a broker's
leader election takes."""

DOWN_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "53300"})
"""PostgreSQL shutting down (by an administrator, after a crash), still starting up, or out of connections;
the connection class (08) is told by its prefix."""

OUTAGE_TYPES: tuple[type[Exception], ...] = (
    DBAPIError,
    PostgresError,
    InterfaceError,
    PoolTimeout,
    ConnectionError,
    TimeoutError,
    KafkaError,
)
"""The exception classes among which :func:`dependency_down` looks (the handlers are installed on these); the
driver's own (asyncpg's) arrive unwrapped when connecting fails."""


def database_down(exc: BaseException) -> bool:
    """Whether ``exc`` says PostgreSQL cannot be reached, is shutting down or starting, or has no connection
    to spare (wrapped by SQLAlchemy or raw from the driver, which raises connection failures unwrapped), or
    the pool gave none in time."""
    if isinstance(exc, PoolTimeout):
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        exc = exc.orig if exc.orig is not None else exc
    sqlstate = getattr(exc, "sqlstate", None)
    if isinstance(sqlstate, str) and (sqlstate.startswith("08") or sqlstate in DOWN_SQLSTATES):
        return True
    return isinstance(exc, (ConnectionError, TimeoutError))


def broker_down(exc: BaseException) -> bool:
    """Whether ``exc`` is the broker unreachable or not answering in time (aiokafka's retriable errors)."""
    return isinstance(exc, KafkaError) and (exc.retriable or isinstance(exc, KafkaTimeoutError))


def dependency_down(exc: BaseException) -> bool:
    """Whether a request failed because a dependency is down or busy, so the same request may succeed a little
    later: the database or the broker unreachable, or the database aborting a transaction that lost a race."""
    return database_down(exc) or broker_down(exc) or lost_race(exc)
