"""Provider reports (gateway callbacks and status queries, bank credits, officers' confirmations) applied
to payments, and flagged money resolved."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from motcua_shared.chassis.auth import Principal, Role
from motcua_shared.chassis.clock import PLATFORM_TZ
from motcua_shared.chassis.errors import Conflict, Unprocessable
from motcua_shared.contracts.payment import PaymentMethod
from payment_svc.payments.errors import FeeAlreadyPaid, PaymentNotFound
from payment_svc.payments.models import (
    AUDIT_RESOURCE,
    Attempt,
    AttemptStatus,
    Outcome,
    Payment,
    PaymentStatus,
    ProviderTransaction,
    ReceiptNo,
)
from payment_svc.payments.service.common import retried_on_race
from payment_svc.ports import Ports
from payment_svc.providers import bank as bank_protocol
from payment_svc.providers.bank import BankCredit
from payment_svc.providers.base import GatewayResult, TxnState
from payment_svc.settings import ReceiptSettings
from payment_svc.uow import PaymentUnitOfWork

log = logging.getLogger(__name__)


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


async def _receipt_number(uow: PaymentUnitOfWork, now: datetime, receipts: ReceiptSettings) -> ReceiptNo:
    """The next receipt of the series of ``now``'s year in Vietnam (``AA-26E-0000042``)."""
    series = receipts.series_of(now.astimezone(PLATFORM_TZ).year)
    sequence = await uow.payments.next_receipt_number(series)
    return ReceiptNo(form=receipts.form_number, series=series, sequence=sequence)


async def settle(
    uow: PaymentUnitOfWork,
    payment: Payment,
    attempt: Attempt | None,
    report: Report,
    now: datetime,
    *,
    receipts: ReceiptSettings,
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
            receipt=await _receipt_number(uow, now, receipts),
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


def _txn_id(result: GatewayResult) -> str:
    """The provider transaction a report records (a failure without a number: its checkout and code)."""
    return result.provider_txn_id or f"{result.txn_ref}:{result.code or 'none'}"


@retried_on_race
async def apply_gateway_result(
    uow: PaymentUnitOfWork, ports: Ports, result: GatewayResult, *, source: str
) -> Applied:
    """A verified gateway report (IPN or status query) about one checkout."""
    provider = ports.gateway.code
    if result.state is TxnState.PENDING:
        return Applied(Outcome.UNKNOWN)
    txn_id = _txn_id(result)

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
        outcome = await settle(uow, payment, attempt, report, ports.now(), receipts=ports.settings.receipts)
        await uow.commit()
        return Applied(outcome, payment)


async def apply_late_gateway_result(uow: PaymentUnitOfWork, ports: Ports, result: GatewayResult) -> Applied:
    """A verified report signed longer ago than the callback window (the gateway retrying late, or a replay).

    What is already recorded answers it (a retry of a confirmed payment is a duplicate); anything new is
    applied only as the gateway's status query states it now, never from the old message itself. Raises
    :class:`~payment_svc.providers.base.ProviderUnavailable` when the gateway cannot be asked.
    """
    provider = ports.gateway.code
    async with uow:
        attempt = await uow.payments.attempt_by_txn_ref(result.txn_ref)
        if attempt is None or attempt.provider != provider:
            return Applied(Outcome.UNKNOWN)
        if await uow.payments.provider_txn(provider, _txn_id(result)) is not None:
            return Applied(Outcome.DUPLICATE, await uow.payments.get(attempt.payment_id))
        created_at, client_ip = attempt.created_at, attempt.client_ip
    current = await ports.gateway.query(result.txn_ref, created_at=created_at, client_ip=client_ip)
    if current is None:
        return Applied(Outcome.UNKNOWN)
    return await apply_gateway_result(uow, ports, current, source="query")


@retried_on_race
async def apply_bank_credit(uow: PaymentUnitOfWork, ports: Ports, credit: BankCredit) -> Applied:
    """An incoming transfer the bank reported: matched by the reference in its description."""
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
        outcome = await settle(uow, payment, None, report, now, receipts=ports.settings.receipts)
        await uow.commit()
        return Applied(outcome, payment)


@retried_on_race
async def resolve_anomaly(
    uow: PaymentUnitOfWork, ports: Ports, who: Principal, transaction_id: int, *, accept: bool, note: str
) -> ProviderTransaction:
    """Close a flagged transaction: refunded outside (``accept=False``) or credited after all.

    Accepting credits a payment that expired or failed with this money, when the amount is exact.
    """
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
                receipt=await _receipt_number(uow, now, ports.settings.receipts),
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
        # Money matched to no payment (an admin's) is named by its transaction.
        resource_id = payment.id if payment is not None else f"txn-{txn.id}"
        action = "anomaly.accept" if accept else "anomaly.refunded"
        uow.audit.record(who, action, AUDIT_RESOURCE, resource_id, detail=f"transaction {txn.id}")
        await uow.commit()
        return txn
