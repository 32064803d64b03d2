"""The background jobs: expire unpaid requests, re-query abandoned checkouts.

They run in one replica at a time (:func:`run_singleton`); each run is also a use case whose effects are
guarded by row locks and versions, so even an overlap during a failover does the work once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from motcua_shared.chassis.app import Runtime
from motcua_shared.chassis.singleton import run_singleton
from payment_svc.payments import service
from payment_svc.ports import Ports
from payment_svc.uow import PaymentUnitOfWork

log = logging.getLogger(__name__)


async def every(interval: float, name: str, work: Callable[[], Awaitable[Any]]) -> None:
    """Run ``work`` every ``interval`` seconds until cancelled; a failure is logged, not fatal."""
    while True:
        try:
            await work()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("payment job failed", extra={"job": name})
        await asyncio.sleep(interval)


def start(runtime: Runtime[PaymentUnitOfWork], ports: Ports) -> None:
    """Run the expiry and re-query jobs until the service stops."""
    interval = ports.settings.jobs.interval

    async def both() -> None:
        await asyncio.gather(
            every(interval, "expire", lambda: service.expire_due(runtime.uow(), ports)),
            every(interval, "requery", lambda: service.requery_open(runtime.uow(), ports)),
        )

    runtime.run_in_background(run_singleton(runtime.db, "payment-jobs", both), name="payment-jobs")
