"""The periodic jobs' use cases: expiring unpaid requests and asking the gateway about open checkouts."""

from __future__ import annotations

import logging
from datetime import datetime

from payment_svc.payments.models import AttemptStatus
from payment_svc.payments.service.common import retried_on_race
from payment_svc.payments.service.settlement import apply_gateway_result
from payment_svc.ports import Ports
from payment_svc.providers.base import ProviderUnavailable, TxnState
from payment_svc.uow import PaymentUnitOfWork

log = logging.getLogger(__name__)


@retried_on_race
async def expire_due(uow: PaymentUnitOfWork, ports: Ports) -> int:
    """Expire requests left unpaid past their time (one batch; the job calls it periodically)."""
    async with uow:
        now = ports.now()
        due = await uow.payments.due_to_expire(now, ports.settings.jobs.batch)
        for payment in due:
            uow.outbox.add(payment.expire(now))
            await uow.payments.close_open_attempts(payment.id, AttemptStatus.LAPSED, now)
        await uow.commit()
        return len(due)


async def requery_open(uow: PaymentUnitOfWork, ports: Ports) -> int:
    """Ask the provider about checkouts left open (the payer closed the browser, an IPN was lost).

    Returns how many reports it applied.
    """
    async with uow:
        now = ports.now()
        attempts = await uow.payments.open_attempts_before(
            now - ports.settings.jobs.requery_after, ports.settings.jobs.batch
        )
        for attempt in attempts:
            attempt.queried_at = now
        await uow.commit()
    applied = 0
    for attempt in attempts:
        assert attempt.txn_ref is not None
        try:
            result = await ports.gateway.query(
                attempt.txn_ref, created_at=attempt.created_at, client_ip=attempt.client_ip
            )
        except ProviderUnavailable as exc:
            log.warning("status query failed", extra={"attempt_id": attempt.id, "error": str(exc)})
            continue
        if result is None or result.state is TxnState.PENDING:
            if attempt.expires_at <= ports.now() - ports.settings.jobs.requery_after:
                await _lapse(uow, attempt.id, ports.now())
            continue
        await apply_gateway_result(uow, ports, result, source="query")
        applied += 1
    return applied


async def _lapse(uow: PaymentUnitOfWork, attempt_id: str, now: datetime) -> None:
    async with uow:
        attempt = await uow.payments.attempt(attempt_id)
        if attempt is not None:
            attempt.close(AttemptStatus.LAPSED, now)
        await uow.commit()
