"""Payment requests, opened from the dossier's events: at submission, or kept and released at
supplement or at result; ended with the dossier."""

from __future__ import annotations

from datetime import datetime, timedelta

from motcua_shared.chassis.errors import PermanentError
from motcua_shared.contracts.common import Actor, FeeTiming
from motcua_shared.contracts.dossier import DossierApproved, DossierSubmitted, DossierSupplementRequested
from motcua_shared.contracts.payment import RefundCause
from payment_svc.payments.models import AttemptStatus, FeeDue, Payment, PaymentStatus, new_id, new_reference
from payment_svc.payments.service.refunds import propose_refund
from payment_svc.uow import PaymentUnitOfWork


def _new_payment(submitted: DossierSubmitted, *, now: datetime, ttl: timedelta) -> Payment:
    return Payment(
        id=new_id("pay"),
        dossier_code=submitted.dossier_code,
        fee_timing=submitted.fee_timing.value,
        request_no=1,
        procedure_code=submitted.procedure_code,
        procedure_name=submitted.procedure_name,
        agency_code=submitted.agency_code,
        agency_name=submitted.agency_name,
        applicant_id=submitted.applicant_id,
        payer_name=submitted.applicant.name,
        payer_phone=submitted.applicant.phone,
        payer_email=submitted.applicant.email,
        items=[item.model_dump(mode="json") for item in submitted.fee_items],
        amount=submitted.fee_total,
        currency="VND",
        reference=new_reference(),
        status=PaymentStatus.PENDING.value,
        expires_at=now + ttl,
        refunded_amount=0,
        flagged=False,
        created_at=now,
        updated_at=now,
    )


async def _open_payment(
    uow: PaymentUnitOfWork, submitted: DossierSubmitted, *, now: datetime, ttl: timedelta
) -> Payment | None:
    existing = await uow.payments.by_dossier(submitted.dossier_code)
    if any(p.fee_timing == submitted.fee_timing.value for p in existing):
        return None
    payment = _new_payment(submitted, now=now, ttl=ttl)
    uow.payments.add(payment)
    uow.outbox.add(payment.requested())
    return payment


KEPT = frozenset({FeeTiming.SUPPLEMENT, FeeTiming.RESULT})
"""Timings whose fees are kept at submission (a `FeeDue`) and requested later, by a dossier event."""


async def request_for_submission(
    uow: PaymentUnitOfWork, submitted: DossierSubmitted, *, now: datetime, ttl: timedelta
) -> Payment | None:
    """A dossier was filed: request its fees now, keep them for later, or do nothing if free.

    Fees due at supplement or at result are kept until `dossier.supplement_requested` or `dossier.approved`
    makes them payable. Runs inside the consumer's transaction (the caller commits).
    """
    payable = sum(item.payable() for item in submitted.fee_items)
    if payable != submitted.fee_total:
        raise PermanentError(
            f"fee_total {submitted.fee_total} is not the sum of the payable items ({payable})"
        )
    if payable == 0:
        return None
    if submitted.fee_timing in KEPT:
        if await uow.payments.fee_due(submitted.dossier_code) is None:
            uow.payments.add(
                FeeDue(
                    dossier_code=submitted.dossier_code,
                    submitted=submitted.model_dump(mode="json"),
                    status="waiting",
                    created_at=now,
                )
            )
        return None
    return await _open_payment(uow, submitted, now=now, ttl=ttl)


async def _release(
    uow: PaymentUnitOfWork, dossier_code: str, timing: FeeTiming, *, now: datetime, ttl: timedelta
) -> Payment | None:
    """Open the payment of fees kept for ``timing``; None when none wait for it (free, exempt, other
    timing, already requested or cancelled), so a redelivered or repeated event opens nothing."""
    due = await uow.payments.fee_due(dossier_code)
    if due is None or due.status != "waiting":
        return None
    submitted = DossierSubmitted.model_validate(due.submitted)
    if submitted.fee_timing is not timing:
        return None
    due.status = "requested"
    return await _open_payment(uow, submitted, now=now, ttl=ttl)


async def request_at_supplement(
    uow: PaymentUnitOfWork, requested: DossierSupplementRequested, *, now: datetime, ttl: timedelta
) -> Payment | None:
    """The agency asked for the financial obligation: the fees kept for it become payable (the caller
    commits). dossier-svc asks for them with the first supplement request made while they are owed; a later
    request finds them requested already."""
    return await _release(uow, requested.dossier_code, FeeTiming.SUPPLEMENT, now=now, ttl=ttl)


async def request_at_result(
    uow: PaymentUnitOfWork, approved: DossierApproved, *, now: datetime, ttl: timedelta
) -> Payment | None:
    """The result is ready: the fees kept for it become payable (the caller commits)."""
    return await _release(uow, approved.dossier_code, FeeTiming.RESULT, now=now, ttl=ttl)


async def end_for_dossier(
    uow: PaymentUnitOfWork, dossier_code: str, *, now: datetime, cause: RefundCause, ended_by: Actor
) -> int:
    """The dossier was withdrawn or refused: it owes nothing any more. Its open requests expire, none is
    renewed after this, fees still kept for a supplement or result are cancelled, never requested later, and
    what was already paid is proposed for a refund (the caller commits). Returns how many requests it
    expired."""
    reason = cause.value
    # Marked before the requests are locked: a renewal holding their locks now either has not read the mark
    # (then its new request is committed before the locks are ours, and expired below) or will see it.
    await uow.payments.mark_ended(dossier_code, reason, now)
    ended = 0
    for payment in await uow.payments.lock_dossier(dossier_code):
        if payment.is_open:
            uow.outbox.add(payment.expire(now))
            await uow.payments.close_open_attempts(payment.id, AttemptStatus.LAPSED, now)
            ended += 1
        else:
            await propose_refund(uow, payment, cause=cause, ended_by=ended_by, now=now)
    due = await uow.payments.fee_due(dossier_code)
    if due is not None and due.status == "waiting":
        due.status = "cancelled"
    return ended
