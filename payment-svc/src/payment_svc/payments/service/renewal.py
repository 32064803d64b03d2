"""Renewing a request that expired or failed unpaid while the dossier still owes the fee."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from motcua_shared.chassis.auth import Principal
from motcua_shared.chassis.idempotency import fingerprint
from payment_svc.payments.errors import NotRenewable, PaymentNotFound, RenewalRefusal
from payment_svc.payments.models import AttemptStatus, Payment, PaymentStatus
from payment_svc.payments.service.common import retried_on_race
from payment_svc.ports import Ports
from payment_svc.uow import PaymentUnitOfWork

RENEW = "renew"


@dataclass(frozen=True)
class Renewal:
    """The fee's new payment request (for a replayed key, the one the key made)."""

    payment: Payment
    replayed: bool


async def _owned(uow: PaymentUnitOfWork, who: Principal, payment_id: str) -> Payment:
    payment = await uow.payments.get(payment_id)
    if payment is None or not payment.owned_by(who):
        raise PaymentNotFound()
    return payment


def renewal_refusal(
    payment: Payment, fee: Sequence[Payment], *, now: datetime, ended: bool
) -> NotRenewable | None:
    """Why ``payment`` may not be renewed, given every request of its fee (``fee``, itself included) and
    whether its dossier ended; None when it may: it is the fee's latest request, expired or failed (or pending
    past its expiry), nothing paid the fee and the dossier still owes it."""
    paid = next((p for p in fee if p.is_paid), None)
    if paid is not None:
        return NotRenewable(RenewalRefusal.PAID, current=paid.id)
    if ended:
        return NotRenewable(RenewalRefusal.DOSSIER_ENDED)
    latest = max(fee, key=lambda p: p.request_no)
    if latest.id != payment.id:
        return NotRenewable(RenewalRefusal.SUPERSEDED, current=latest.id)
    if payment.status == PaymentStatus.PENDING and payment.expires_at > now:
        return NotRenewable(RenewalRefusal.STILL_PAYABLE)
    return None


@retried_on_race
async def renew(
    uow: PaymentUnitOfWork, ports: Ports, who: Principal, payment_id: str, *, key: str
) -> Renewal:
    """The payer asks again for a fee whose request expired or failed unpaid while the dossier still owes it.

    Opens the fee's next request: the same items and amount, a new reference and expiry, announced by
    `payment.requested` with `renews`. The replaced request is closed as expired first when it was not yet
    (failed, or pending past its expiry before the job reached it), so money that still arrives for it is
    flagged for refund, never credited beside the new one. Only the payer may renew; the same key gives the
    same renewal, and two renewals at once open one request (the fee's rows are locked, and
    ``(dossier_code, fee_timing, request_no)`` is unique).
    """
    request = fingerprint({"payment_id": payment_id})

    async with uow:
        now = ports.now()
        seen = await uow.payments.idempotency(who.subject, RENEW, key)
        if seen is None:
            payment = await _owned(uow, who, payment_id)
            fee = await uow.payments.lock_dossier(payment.dossier_code, payment.fee_timing)
            # The same request may have renewed it while we waited for the locks: answer as it did.
            seen = await uow.payments.idempotency(who.subject, RENEW, key)
        if seen is not None:
            seen.replays(request)
            return Renewal(await _owned(uow, who, seen.result_id), replayed=True)
        ended = await uow.payments.ended(payment.dossier_code) is not None
        refusal = renewal_refusal(payment, fee, now=now, ended=ended)
        if refusal is not None:
            raise refusal
        if payment.is_open:
            uow.outbox.add(payment.expire(now))
            await uow.payments.close_open_attempts(payment.id, AttemptStatus.LAPSED, now)
        renewed = payment.renewal(at=now, ttl=ports.settings.payment_ttl)
        uow.payments.add(renewed)
        uow.outbox.add(renewed.requested())
        uow.payments.remember(who.subject, RENEW, key, fingerprint=request, result_id=renewed.id, at=now)
        await uow.payments.flush()
        await uow.commit()
        return Renewal(renewed, replayed=False)
