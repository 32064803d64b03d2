"""A use case that lost a race runs again; any other database failure is not retried."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import pytest
from sqlalchemy.exc import DBAPIError

from payment_svc.payments.service.common import RACE_ATTEMPTS, retried_on_race


class DriverError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def failing(sqlstate: str, times: int) -> tuple[list[int], Callable[[], Coroutine[Any, Any, str]]]:
    calls: list[int] = []

    @retried_on_race
    async def use_case() -> str:
        calls.append(1)
        if len(calls) <= times:
            raise DBAPIError("SELECT 1 FOR UPDATE", None, DriverError(sqlstate))
        return "done"

    return calls, use_case


@pytest.mark.parametrize("sqlstate", ["40P01", "40001"], ids=["deadlock", "serialization"])
async def test_a_deadlock_victim_or_serialization_failure_runs_again(sqlstate: str) -> None:
    calls, use_case = failing(sqlstate, times=2)
    assert await use_case() == "done"
    assert len(calls) == 3


async def test_a_race_lost_every_time_gives_up_after_the_attempts() -> None:
    calls, use_case = failing("40P01", times=RACE_ATTEMPTS)
    with pytest.raises(DBAPIError):
        await use_case()
    assert len(calls) == RACE_ATTEMPTS


async def test_other_database_failures_are_not_retried() -> None:
    calls, use_case = failing("57P01", times=1)
    with pytest.raises(DBAPIError):
        await use_case()
    assert len(calls) == 1
