"""Use cases of payments. Each runs in one transaction that also writes its events to the outbox.

Concurrency: every change to a payment takes its row lock first (PostgreSQL; SQLite serialises writers
anyway), a provider transaction id is unique per provider, and the payment row is versioned. A use case
that loses a race (unique violation, stale version) is simply run again, and then sees what the winner
did: two identical IPNs at the same instant credit once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from motcua_shared.chassis.auth import Principal, Role
from motcua_shared.chassis.errors import Conflict, PermanentError, Unavailable, Unprocessable
from motcua_shared.contracts.common import FeeTiming
from motcua_shared.contracts.dossier import DossierApproved, DossierSubmitted, DossierSupplementRequested
from motcua_shared.contracts.payment import PaymentMethod
from payment_svc.payments.errors import (
    FeeAlreadyPaid,
    IdempotencyKeyReused,
    IllegalTransition,
    NothingToReview,
    NotRenewable,
    PaymentNotFound,
    RefundTooLarge,
    RenewalRefusal,
    SlipRejected,
)
from payment_svc.payments.models import (
    Attempt,
    AttemptStatus,
    FeeDue,
    Outcome,
    Payment,
    PaymentStatus,
    ProviderTransaction,
    Refund,
    RefundStatus,
    Slip,
    SlipStatus,
    new_id,
    new_reference,
)
from payment_svc.ports import Ports
from payment_svc.providers import bank as bank_protocol
from payment_svc.providers.bank import BankCredit
from payment_svc.providers.base import (
    CheckoutRequest,
    GatewayResult,
    ProviderRefused,
    ProviderUnavailable,
    RefundRequest,
    TxnState,
)
from payment_svc.uow import PaymentUnitOfWork

log = logging.getLogger(__name__)

T = TypeVar("T")
VN = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")
MANUAL = "manual"
METHOD_PROVIDER = {PaymentMethod.VIETQR: "vietqr", PaymentMethod.MANUAL_TRANSFER: MANUAL}
SLIP_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg", b"%PDF-": "application/pdf"}


async def _retrying(run: Callable[[], Awaitable[T]], *, attempts: int = 5) -> T:
    """Run a use case again when it lost a race to a concurrent one."""
    for attempt in range(1, attempts + 1):
        try:
            return await run()
        except (IntegrityError, StaleDataError):
            if attempt == attempts:
                raise
            log.info("use case lost a race; running it again", extra={"attempt": attempt})
    raise AssertionError("unreachable")


def _fingerprint(**fields: Any) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()


# ---------------------------------------------------------------------------------------------------
# Payment requests, from the dossier's events


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
    uow: PaymentUnitOfWork, dossier_code: str, *, now: datetime, reason: str = "ended"
) -> int:
    """The dossier was withdrawn, refused or stopped: it owes nothing any more. Its open requests expire,
    none is renewed after this, and fees still kept for a supplement or result are cancelled, never requested
    later (the caller commits). Returns how many requests it expired."""
    # Marked before the requests are locked: a renewal holding their locks now either has not read the mark
    # (then its new request is committed before the locks are ours, and expired below) or will see it.
    await uow.payments.mark_ended(dossier_code, reason, now)
    ended = 0
    for payment in await uow.payments.lock_dossier(dossier_code):
        if payment.is_open:
            uow.outbox.add(payment.expire(now))
            await uow.payments.close_open_attempts(payment.id, AttemptStatus.LAPSED, now)
            ended += 1
    due = await uow.payments.fee_due(dossier_code)
    if due is not None and due.status == "waiting":
        due.status = "cancelled"
    return ended


# ---------------------------------------------------------------------------------------------------
# Reading


@dataclass
class PaymentView:
    """A payment with what the caller may see of its history."""

    payment: Payment
    attempts: list[Attempt] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)
    slips: list[Slip] = field(default_factory=list)
    transactions: list[ProviderTransaction] = field(default_factory=list)
    renewed_by: str | None = None


async def _visible(uow: PaymentUnitOfWork, who: Principal, payment_id: str, *, lock: bool = False) -> Payment:
    payment = await uow.payments.get(payment_id, lock=lock)
    if payment is None or not payment.visible_to(who):
        raise PaymentNotFound()
    return payment


async def get(uow: PaymentUnitOfWork, who: Principal, payment_id: str) -> PaymentView:
    """One payment the caller may see; officers and admins also see its provider transactions."""
    async with uow:
        payment = await _visible(uow, who, payment_id)
        view = PaymentView(
            payment,
            attempts=await uow.payments.attempts_of(payment.id),
            refunds=await uow.payments.refunds_of(payment.id),
            slips=await uow.payments.slips_of(payment.id),
        )
        if who.role is not Role.CITIZEN:
            view.transactions = await uow.payments.transactions_of(payment.id)
        if payment.status == PaymentStatus.EXPIRED:
            renewal = await uow.payments.renewal_of(payment.id)
            view.renewed_by = renewal.id if renewal is not None else None
        return view


async def by_checkout(uow: PaymentUnitOfWork, txn_ref: str) -> Payment | None:
    """The payment a gateway checkout reference belongs to (for the browser's return page)."""
    async with uow:
        attempt = await uow.payments.attempt_by_txn_ref(txn_ref)
        return await uow.payments.get(attempt.payment_id) if attempt is not None else None


async def list_payments(
    uow: PaymentUnitOfWork,
    who: Principal,
    *,
    dossier_code: str | None = None,
    status: str | None = None,
    flagged: bool | None = None,
    limit: int = 20,
    after: tuple[datetime, str] | None = None,
) -> tuple[list[Payment], int]:
    """The caller's payments (a citizen's own, an officer's agency's, all for an admin)."""
    async with uow:
        return await uow.payments.page(
            who, dossier_code=dossier_code, status=status, flagged=flagged, limit=limit, after=after
        )


async def anomalies(uow: PaymentUnitOfWork, who: Principal, *, limit: int = 100) -> list[ProviderTransaction]:
    """Money we hold that is not exactly owed (late, double, wrong amount, unmatched), unresolved."""
    async with uow:
        return await uow.payments.anomalies(who, limit)


# ---------------------------------------------------------------------------------------------------
# Paying


@dataclass(frozen=True)
class CheckoutCommand:
    """A payer's choice: which payment (by id or by dossier) and how."""

    method: PaymentMethod
    payment_id: str | None = None
    dossier_code: str | None = None

    def fingerprint(self) -> str:
        """What makes two requests under one Idempotency-Key the same request."""
        return _fingerprint(method=self.method.value, payment_id=self.payment_id, dossier=self.dossier_code)


@dataclass(frozen=True)
class Checkout:
    """What the payer's app needs next."""

    payment: Payment
    attempt: Attempt
    replayed: bool


async def _target(uow: PaymentUnitOfWork, who: Principal, command: CheckoutCommand) -> Payment:
    if command.payment_id:
        return await _visible(uow, who, command.payment_id, lock=True)
    payable = [
        p
        for p in await uow.payments.by_dossier(command.dossier_code or "", lock=True)
        if p.visible_to(who) and p.status in (PaymentStatus.PENDING, PaymentStatus.FAILED)
    ]
    if not payable:
        raise PaymentNotFound()
    return payable[0]


async def _attempt_for(
    uow: PaymentUnitOfWork, ports: Ports, payment: Payment, method: PaymentMethod, *, client_ip: str
) -> Attempt:
    now = ports.now()
    if method is not PaymentMethod.GATEWAY:
        for attempt in await uow.payments.attempts_of(payment.id):
            if attempt.method == method.value and attempt.status == AttemptStatus.OPEN:
                return attempt
    attempt = Attempt(
        id=new_id("att"),
        payment_id=payment.id,
        method=method.value,
        provider=METHOD_PROVIDER.get(method, ports.gateway.code),
        amount=payment.amount,
        status=AttemptStatus.OPEN.value,
        client_ip=client_ip,
        created_at=now,
        expires_at=payment.expires_at,
    )
    if method is PaymentMethod.GATEWAY:
        tail = "".join(secrets.choice(bank_protocol.REFERENCE_ALPHABET) for _ in range(6))
        attempt.txn_ref = payment.reference + tail
        attempt.expires_at = min(now + ports.settings.checkout_ttl, payment.expires_at)
        attempt.redirect_url = ports.gateway.checkout_url(
            CheckoutRequest(
                txn_ref=attempt.txn_ref,
                amount=payment.amount,
                order_info=f"Thanh toan phi, le phi ho so {payment.dossier_code}",
                return_url=ports.settings.callback_url(ports.gateway.code, "return"),
                client_ip=client_ip,
                created_at=now,
                expires_at=attempt.expires_at,
            )
        )
    uow.payments.add(attempt)
    return attempt


async def checkout(
    uow: PaymentUnitOfWork,
    ports: Ports,
    who: Principal,
    command: CheckoutCommand,
    *,
    key: str,
    client_ip: str,
) -> Checkout:
    """The payer chooses how to pay their payment; the same key and body give the same checkout."""

    async def once() -> Checkout:
        async with uow:
            now = ports.now()
            seen = await uow.payments.idempotency(who.subject, "checkout", key)
            if seen is not None:
                if seen.request_hash != command.fingerprint():
                    raise IdempotencyKeyReused()
                attempt = await uow.payments.attempt(seen.result_id)
                assert attempt is not None
                return Checkout(await _visible(uow, who, attempt.payment_id), attempt, replayed=True)
            payment = await _target(uow, who, command)
            if payment.status == PaymentStatus.FAILED:
                payment.reopen(now)
            if payment.status != PaymentStatus.PENDING or payment.expires_at <= now:
                wanted = "paid" if payment.status == PaymentStatus.PENDING else PaymentStatus.PENDING
                raise IllegalTransition(
                    PaymentStatus.EXPIRED if payment.expires_at <= now else payment.status, wanted
                )
            attempt = await _attempt_for(uow, ports, payment, command.method, client_ip=client_ip)
            uow.payments.remember(
                who.subject, "checkout", key, request_hash=command.fingerprint(), result_id=attempt.id, at=now
            )
            await uow.payments.flush()
            await uow.commit()
            return Checkout(payment, attempt, replayed=False)

    return await _retrying(once)


# ---------------------------------------------------------------------------------------------------
# Renewing a request that expired or failed unpaid


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
    fingerprint = _fingerprint(payment_id=payment_id)

    async def once() -> Renewal:
        async with uow:
            now = ports.now()
            seen = await uow.payments.idempotency(who.subject, RENEW, key)
            if seen is None:
                payment = await _owned(uow, who, payment_id)
                fee = await uow.payments.lock_dossier(payment.dossier_code, payment.fee_timing)
                # The same request may have renewed it while we waited for the locks: answer as it did.
                seen = await uow.payments.idempotency(who.subject, RENEW, key)
            if seen is not None:
                if seen.request_hash != fingerprint:
                    raise IdempotencyKeyReused()
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
            uow.payments.remember(
                who.subject, RENEW, key, request_hash=fingerprint, result_id=renewed.id, at=now
            )
            await uow.payments.flush()
            await uow.commit()
            return Renewal(renewed, replayed=False)

    return await _retrying(once)


# ---------------------------------------------------------------------------------------------------
# Provider reports: gateway callbacks and status queries, bank credits, officers' confirmations


@dataclass(frozen=True)
class Report:
    """A verified statement that money moved (or did not) for a payment."""

    provider: str
    provider_txn_id: str
    source: str
    succeeded: bool
    amount: int
    currency: str
    method: PaymentMethod
    reference: str | None = None
    occurred_at: datetime | None = None
    detail: str = ""
    txn_ref: str | None = None


@dataclass(frozen=True)
class Applied:
    """What a report did."""

    outcome: Outcome
    payment: Payment | None = None


async def _receipt_number(uow: PaymentUnitOfWork, now: datetime) -> str:
    year = now.astimezone(VN).year
    return f"BL-{year}-{await uow.payments.next_receipt_number(year):06d}"


async def _settle(
    uow: PaymentUnitOfWork, payment: Payment, attempt: Attempt | None, report: Report, now: datetime
) -> Outcome:
    """Apply a report to a locked payment, record it whatever happens, and say what was done."""
    if report.currency != "VND":
        outcome = Outcome.CURRENCY_MISMATCH
    elif report.succeeded and report.amount != payment.amount:
        outcome = Outcome.AMOUNT_MISMATCH
    elif not report.succeeded:
        outcome = Outcome.FAILED
        if attempt is not None:
            attempt.close(AttemptStatus.FAILED, now)
        if payment.status == PaymentStatus.PENDING:
            reason = report.detail or "provider reported failure"
            uow.outbox.add(
                payment.fail(
                    provider=report.provider, provider_txn_id=report.provider_txn_id, reason=reason, at=now
                )
            )
    elif payment.status in (PaymentStatus.PENDING, PaymentStatus.FAILED):
        outcome = Outcome.CREDITED
        if attempt is not None:
            attempt.close(AttemptStatus.SUCCEEDED, now)
        event = payment.succeed(
            provider=report.provider,
            provider_txn_id=report.provider_txn_id,
            method=report.method,
            receipt_number=await _receipt_number(uow, now),
            at=now,
            txn_ref=report.txn_ref or report.reference,
        )
        uow.outbox.add(event)
        await uow.payments.close_open_attempts(payment.id, AttemptStatus.LAPSED, now)
    else:
        # Money for a payment that expired, or was already paid: kept on record and flagged for refund.
        outcome = Outcome.FLAGGED_REFUND
        if attempt is not None:
            attempt.close(AttemptStatus.SUCCEEDED, now)
    if outcome in (Outcome.FLAGGED_REFUND, Outcome.AMOUNT_MISMATCH, Outcome.CURRENCY_MISMATCH):
        payment.flagged = True
        payment.updated_at = now
    uow.payments.add(
        ProviderTransaction(
            provider=report.provider,
            provider_txn_id=report.provider_txn_id,
            payment_id=payment.id,
            attempt_id=attempt.id if attempt else None,
            source=report.source,
            succeeded=report.succeeded,
            amount=report.amount,
            currency=report.currency[:8],
            reference=report.txn_ref or report.reference,
            outcome=outcome.value,
            detail=report.detail[:500],
            occurred_at=report.occurred_at,
            received_at=now,
        )
    )
    await uow.payments.flush()
    if outcome in (Outcome.AMOUNT_MISMATCH, Outcome.CURRENCY_MISMATCH, Outcome.FLAGGED_REFUND):
        log.warning(
            "payment report flagged",
            extra={"payment_id": payment.id, "provider": report.provider, "outcome": outcome.value},
        )
    return outcome


async def apply_gateway_result(
    uow: PaymentUnitOfWork, ports: Ports, result: GatewayResult, *, source: str
) -> Applied:
    """A verified gateway report (IPN or status query) about one checkout."""
    provider = ports.gateway.code
    if result.state is TxnState.PENDING:
        return Applied(Outcome.UNKNOWN)
    txn_id = result.provider_txn_id or f"{result.txn_ref}:{result.code or 'none'}"

    async def once() -> Applied:
        async with uow:
            attempt = await uow.payments.attempt_by_txn_ref(result.txn_ref)
            if attempt is None or attempt.provider != provider:
                return Applied(Outcome.UNKNOWN)
            payment = await uow.payments.get(attempt.payment_id, lock=True)
            assert payment is not None
            if await uow.payments.provider_txn(provider, txn_id) is not None:
                return Applied(Outcome.DUPLICATE, payment)
            report = Report(
                provider=provider,
                provider_txn_id=txn_id,
                source=source,
                succeeded=result.state is TxnState.SUCCEEDED,
                amount=result.amount,
                currency=result.currency,
                method=PaymentMethod.GATEWAY,
                occurred_at=result.occurred_at,
                detail=f"{result.code}: {result.message}".strip(": "),
                txn_ref=result.txn_ref,
            )
            outcome = await _settle(uow, payment, attempt, report, ports.now())
            await uow.commit()
            return Applied(outcome, payment)

    return await _retrying(once)


async def apply_bank_credit(uow: PaymentUnitOfWork, ports: Ports, credit: BankCredit) -> Applied:
    """An incoming transfer the bank reported: matched by the reference in its description."""

    async def once() -> Applied:
        async with uow:
            now = ports.now()
            if await uow.payments.provider_txn(bank_protocol.PROVIDER, credit.id) is not None:
                return Applied(Outcome.DUPLICATE)
            payment: Payment | None = None
            if credit.account_number == ports.settings.bank.account_number:
                for reference in bank_protocol.references_in(credit.description):
                    payment = await uow.payments.by_reference(reference, lock=True)
                    if payment is not None:
                        break
            if payment is None:
                uow.payments.add(
                    ProviderTransaction(
                        provider=bank_protocol.PROVIDER,
                        provider_txn_id=credit.id,
                        payment_id=None,
                        source="bank",
                        succeeded=True,
                        amount=credit.amount,
                        currency=credit.currency[:8],
                        reference=None,
                        outcome=Outcome.UNMATCHED.value,
                        detail="no payment reference matched the transfer",
                        occurred_at=credit.booked_at,
                        received_at=now,
                    )
                )
                await uow.payments.flush()
                await uow.commit()
                log.warning("bank credit matched no payment", extra={"provider_txn_id": credit.id})
                return Applied(Outcome.UNMATCHED)
            methods = {a.method for a in await uow.payments.attempts_of(payment.id)}
            manual_only = PaymentMethod.MANUAL_TRANSFER.value in methods and "vietqr" not in methods
            report = Report(
                provider=bank_protocol.PROVIDER,
                provider_txn_id=credit.id,
                source="bank",
                succeeded=True,
                amount=credit.amount,
                currency=credit.currency,
                method=PaymentMethod.MANUAL_TRANSFER if manual_only else PaymentMethod.VIETQR,
                reference=payment.reference,
                occurred_at=credit.booked_at,
                detail="bank credit",
            )
            outcome = await _settle(uow, payment, None, report, now)
            await uow.commit()
            return Applied(outcome, payment)

    return await _retrying(once)


async def resolve_anomaly(
    uow: PaymentUnitOfWork, ports: Ports, who: Principal, transaction_id: int, *, accept: bool, note: str
) -> ProviderTransaction:
    """Close a flagged transaction: refunded outside (``accept=False``) or credited after all.

    Accepting credits a payment that expired or failed with this money, when the amount is exact.
    """

    async def once() -> ProviderTransaction:
        async with uow:
            now = ports.now()
            txn = await uow.session.get(ProviderTransaction, transaction_id, with_for_update=True)
            if txn is None or txn.resolved_at is not None or txn.outcome == Outcome.CREDITED:
                raise Conflict("Giao dịch này không cần xử lý.")
            payment = await uow.payments.get(txn.payment_id, lock=True) if txn.payment_id else None
            if payment is not None and not payment.visible_to(who):
                raise PaymentNotFound()
            if payment is None and who.role is not Role.ADMIN:
                raise PaymentNotFound()
            if accept:
                if payment is None or txn.amount != payment.amount or txn.currency != "VND":
                    raise Unprocessable("Chỉ chấp nhận được giao dịch khớp đúng số tiền của một khoản.")
                fee = await uow.payments.lock_dossier(payment.dossier_code, payment.fee_timing)
                paid = next((p for p in fee if p.id != payment.id and p.is_paid), None)
                if paid is not None:
                    raise FeeAlreadyPaid(paid.id)
                event = payment.succeed(
                    provider=txn.provider,
                    provider_txn_id=txn.provider_txn_id,
                    method=PaymentMethod.GATEWAY if txn.source in ("ipn", "query") else PaymentMethod.VIETQR,
                    receipt_number=await _receipt_number(uow, now),
                    at=now,
                    txn_ref=txn.reference,
                    late=True,
                )
                uow.outbox.add(event)
                txn.outcome = Outcome.CREDITED.value
                for other in fee:
                    if other.id != payment.id and other.is_open:
                        # The accepted money pays the fee: the request that renewed this one is owed no more.
                        uow.outbox.add(other.expire(now))
                        await uow.payments.close_open_attempts(other.id, AttemptStatus.LAPSED, now)
            txn.resolved_at = now
            txn.detail = f"{txn.detail} | {who.role.value} {who.subject}: {note}"[:500]
            await uow.commit()
            return txn

    return await _retrying(once)


# ---------------------------------------------------------------------------------------------------
# Manual transfer: slips and officers' decisions


def slip_type(data: bytes) -> str:
    """The media type of an acceptable slip (PNG, JPEG, PDF) from its first bytes."""
    for magic, media_type in SLIP_TYPES.items():
        if data.startswith(magic):
            return media_type
    raise SlipRejected("Chứng từ phải là ảnh PNG, JPEG hoặc tệp PDF.")


async def upload_slip(
    uow: PaymentUnitOfWork, ports: Ports, who: Principal, payment_id: str, *, filename: str, data: bytes
) -> Slip:
    """The payer attaches the slip of a transfer they made; an officer will confirm or reject it."""
    if not data:
        raise SlipRejected("Tệp chứng từ rỗng.")
    if len(data) > ports.settings.slip_max_bytes:
        raise SlipRejected(f"Tệp chứng từ vượt quá {ports.settings.slip_max_bytes // 1024} KB.")
    media_type = slip_type(data)

    async def once() -> Slip:
        async with uow:
            now = ports.now()
            payment = await _visible(uow, who, payment_id, lock=True)
            if payment.status == PaymentStatus.FAILED:
                payment.reopen(now)
            if payment.status != PaymentStatus.PENDING:
                raise IllegalTransition(payment.status, "slip")
            slip = Slip(
                id=new_id("slp"),
                payment_id=payment.id,
                filename=(filename or "chung-tu")[:200],
                content_type=media_type,
                size=len(data),
                data=data,
                status=SlipStatus.SUBMITTED.value,
                uploaded_by=who.subject,
                uploaded_at=now,
            )
            uow.payments.add(slip)
            await uow.commit()
            return slip

    return await _retrying(once)


async def slip_file(uow: PaymentUnitOfWork, who: Principal, payment_id: str, slip_id: str) -> Slip:
    """A slip's file, for the payer and the agency."""
    async with uow:
        await _visible(uow, who, payment_id)
        slip = await uow.payments.slip(payment_id, slip_id)
        if slip is None:
            raise PaymentNotFound()
        return slip


async def decide_slip(
    uow: PaymentUnitOfWork,
    ports: Ports,
    who: Principal,
    payment_id: str,
    *,
    approve: bool,
    note: str | None,
    bank_txn_id: str | None = None,
) -> Payment:
    """An officer of the payment's agency confirms the transfer (the payment succeeds) or rejects it."""

    async def once() -> Payment:
        async with uow:
            now = ports.now()
            payment = await _visible(uow, who, payment_id, lock=True)
            slip = await uow.payments.pending_slip(payment.id)
            if slip is None:
                raise NothingToReview()
            slip.decided_by = who.subject
            slip.decided_at = now
            slip.note = note
            if not approve:
                slip.status = SlipStatus.REJECTED.value
                await uow.commit()
                return payment
            if payment.status not in (PaymentStatus.PENDING, PaymentStatus.FAILED):
                raise IllegalTransition(payment.status, PaymentStatus.SUCCEEDED)
            slip.status = SlipStatus.CONFIRMED.value
            slip.bank_txn_id = bank_txn_id
            report = Report(
                provider=MANUAL,
                provider_txn_id=bank_txn_id or f"slip:{slip.id}",
                source="officer",
                succeeded=True,
                amount=payment.amount,
                currency="VND",
                method=PaymentMethod.MANUAL_TRANSFER,
                reference=payment.reference,
                occurred_at=now,
                detail=f"confirmed by {who.subject}",
            )
            if await uow.payments.provider_txn(MANUAL, report.provider_txn_id) is not None:
                raise Conflict("Giao dịch ngân hàng này đã được dùng để xác nhận một khoản khác.")
            await _settle(uow, payment, None, report, now)
            await uow.commit()
            return payment

    return await _retrying(once)


# ---------------------------------------------------------------------------------------------------
# Refunds


async def refund(
    uow: PaymentUnitOfWork,
    ports: Ports,
    who: Principal,
    payment_id: str,
    *,
    amount: int,
    reason: str,
    key: str,
    client_ip: str,
) -> tuple[Refund, Payment]:
    """Refund all or part of a paid payment, never more than was paid.

    Three steps, because a provider call cannot sit inside a transaction: reserve the amount (so two
    refunds cannot together exceed the payment), ask the provider, then record its answer. A provider
    outage leaves the refund reserved; the same request with the same Idempotency-Key resumes it.
    """
    fingerprint = _fingerprint(payment_id=payment_id, amount=amount, reason=reason)

    async def reserve() -> tuple[Refund, Payment]:
        async with uow:
            now = ports.now()
            seen = await uow.payments.idempotency(who.subject, "refund", key)
            if seen is not None:
                if seen.request_hash != fingerprint:
                    raise IdempotencyKeyReused()
                found = await uow.payments.refund(seen.result_id)
                assert found is not None
                return found, await _visible(uow, who, found.payment_id)
            payment = await _visible(uow, who, payment_id, lock=True)
            if payment.status not in (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED):
                raise IllegalTransition(payment.status, PaymentStatus.REFUNDED)
            left = payment.amount - await uow.payments.reserved_refunds(payment.id)
            if amount > left:
                raise RefundTooLarge(left)
            gateway_paid = payment.method == PaymentMethod.GATEWAY.value
            new = Refund(
                id=new_id("rfd"),
                payment_id=payment.id,
                amount=amount,
                reason=reason,
                status=RefundStatus.REQUESTED.value,
                provider=(payment.provider or MANUAL) if gateway_paid else MANUAL,
                request_id=uuid.uuid4().hex,
                actor_id=who.subject,
                actor_role=who.role.value,
                actor_agency=who.agency_code,
                created_at=now,
            )
            uow.payments.add(new)
            uow.payments.remember(
                who.subject, "refund", key, request_hash=fingerprint, result_id=new.id, at=now
            )
            await uow.payments.flush()
            await uow.commit()
            return new, payment

    reserved, payment = await _retrying(reserve)
    if reserved.status != RefundStatus.REQUESTED:
        return reserved, payment
    provider_txn_id: str | None = None
    if reserved.provider != MANUAL:
        if reserved.provider != ports.gateway.code:
            raise Unavailable(f"Nhà cung cấp '{reserved.provider}' không còn được cấu hình để hoàn tiền.")
        assert payment.paid_txn_ref is not None
        assert payment.provider_txn_id is not None
        assert payment.paid_at is not None
        try:
            result = await ports.gateway.refund(
                RefundRequest(
                    request_id=reserved.request_id,
                    txn_ref=payment.paid_txn_ref,
                    provider_txn_id=payment.provider_txn_id,
                    amount=reserved.amount,
                    full=reserved.amount == payment.amount,
                    paid_at=payment.paid_at,
                    actor=who.subject,
                    client_ip=client_ip,
                    order_info=f"Hoan tien ho so {payment.dossier_code}",
                )
            )
        except ProviderUnavailable as exc:
            log.warning("refund left reserved: provider unavailable", extra={"refund_id": reserved.id})
            raise Unavailable(
                "Cổng thanh toán chưa phản hồi; gửi lại yêu cầu với cùng Idempotency-Key để tiếp tục.",
                headers={"Retry-After": "30"},
            ) from exc
        except ProviderRefused as exc:
            await _finish_refund(uow, ports, who, reserved.id, failure=str(exc))
            raise Conflict(f"Cổng thanh toán từ chối hoàn tiền ({exc}).") from exc
        provider_txn_id = result.provider_txn_id
    return await _finish_refund(uow, ports, who, reserved.id, provider_txn_id=provider_txn_id)


async def _finish_refund(
    uow: PaymentUnitOfWork,
    ports: Ports,
    who: Principal,
    refund_id: str,
    *,
    provider_txn_id: str | None = None,
    failure: str | None = None,
) -> tuple[Refund, Payment]:
    async def once() -> tuple[Refund, Payment]:
        async with uow:
            now = ports.now()
            found = await uow.payments.refund(refund_id)
            assert found is not None
            payment = await uow.payments.get(found.payment_id, lock=True)
            assert payment is not None
            if found.status != RefundStatus.REQUESTED:
                return found, payment
            found.completed_at = now
            if failure is not None:
                found.status = RefundStatus.FAILED.value
                found.failure = failure[:500]
            else:
                found.status = RefundStatus.SUCCEEDED.value
                found.provider_txn_id = provider_txn_id
                uow.outbox.add(payment.refunded(found, who, now))
            await uow.commit()
            return found, payment

    return await _retrying(once)


# ---------------------------------------------------------------------------------------------------
# Jobs


async def expire_due(uow: PaymentUnitOfWork, ports: Ports) -> int:
    """Expire requests left unpaid past their time (one batch; the job calls it periodically)."""

    async def once() -> int:
        async with uow:
            now = ports.now()
            due = await uow.payments.due_to_expire(now, ports.settings.jobs.batch)
            for payment in due:
                uow.outbox.add(payment.expire(now))
                await uow.payments.close_open_attempts(payment.id, AttemptStatus.LAPSED, now)
            await uow.commit()
            return len(due)

    return await _retrying(once)


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
