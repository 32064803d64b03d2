"""Which failures of an event's handler a consumer waits out (the database or the network away) and which
it retries a few times and then dead-letters (the event's own)."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from motcua_shared.chassis.messaging.consumer import is_infrastructure_failure


class DriverError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"driver says {sqlstate}")
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    "exc",
    [
        DBAPIError("SELECT 1", None, DriverError("57P01")),
        DBAPIError("SELECT 1", None, DriverError("57P03")),
        DBAPIError("SELECT 1", None, DriverError("08006")),
        PoolTimeout("QueuePool limit of size 5 overflow 10 reached"),
        ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)"),
    ],
    ids=["admin-shutdown", "starting-up", "connection-lost", "pool-exhausted", "refused"],
)
def test_the_database_restarting_or_away_is_waited_out(exc: Exception) -> None:
    assert is_infrastructure_failure(exc)


@pytest.mark.parametrize(
    "exc",
    [
        IntegrityError("INSERT", None, DriverError("23505")),
        DBAPIError("SELEC 1", None, DriverError("42601")),
        ValueError("the event names no such dossier"),
    ],
    ids=["unique-violation", "syntax", "handler-bug"],
)
def test_a_failure_of_the_event_itself_is_not(exc: Exception) -> None:
    assert not is_infrastructure_failure(exc)
