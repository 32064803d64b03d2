"""What the payment use cases share: running again after a lost race, and the payment a caller may see."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from motcua_shared.chassis.auth import Principal
from motcua_shared.chassis.db import lost_race
from payment_svc.payments.errors import PaymentNotFound
from payment_svc.payments.models import Payment
from payment_svc.uow import PaymentUnitOfWork

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

MANUAL = "manual"
"""The provider of money an officer confirms by hand (a transfer slip)."""

RACE_ATTEMPTS = 5


def retried_on_race(
    use_case: Callable[P, Coroutine[Any, Any, T]],
) -> Callable[P, Coroutine[Any, Any, T]]:
    """Run a use case again when it lost a race to a concurrent one.

    Losing shows as a unique violation, a stale row version, or PostgreSQL aborting the transaction as a
    deadlock's victim or a serialization failure; the next run, in a fresh transaction, sees what the winner
    did. The use case must open its own unit of work, so that each run is one transaction.
    """

    @functools.wraps(use_case)
    async def run(*args: P.args, **kwargs: P.kwargs) -> T:
        for attempt in range(1, RACE_ATTEMPTS + 1):
            try:
                return await use_case(*args, **kwargs)
            except (IntegrityError, StaleDataError, DBAPIError) as exc:
                if attempt == RACE_ATTEMPTS or not _lost(exc):
                    raise
                log.info("use case lost a race; running it again", extra={"attempt": attempt})
        raise AssertionError("unreachable")

    return run


def _lost(exc: Exception) -> bool:
    return isinstance(exc, (IntegrityError, StaleDataError)) or lost_race(exc)


async def visible(uow: PaymentUnitOfWork, who: Principal, payment_id: str, *, lock: bool = False) -> Payment:
    """The payment ``who`` may see, optionally locked; `PaymentNotFound` when there is none."""
    payment = await uow.payments.get(payment_id, lock=lock)
    if payment is None or not payment.visible_to(who):
        raise PaymentNotFound()
    return payment
