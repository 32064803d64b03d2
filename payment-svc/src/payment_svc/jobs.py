"""The background jobs: expire unpaid requests, re-query abandoned checkouts.

Every replica may run them: each run is a use case whose effects are guarded by row locks and versions,
so two replicas at once do the work once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

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


def start(uow_factory: Callable[[], PaymentUnitOfWork], ports: Ports) -> list[asyncio.Task[None]]:
    """Start the expiry and re-query jobs."""
    interval = ports.settings.jobs.interval
    return [
        asyncio.create_task(
            every(interval, "expire", lambda: service.expire_due(uow_factory(), ports)), name="payment-expire"
        ),
        asyncio.create_task(
            every(interval, "requery", lambda: service.requery_open(uow_factory(), ports)),
            name="payment-requery",
        ),
    ]
