"""Reading payments: one with its history, a page of them, the anomalies to resolve."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from motcua_shared.chassis.auth import Principal, Role
from payment_svc.payments.models import (
    Attempt,
    Awaiting,
    Payment,
    PaymentStatus,
    ProviderTransaction,
    Refund,
    Slip,
)
from payment_svc.payments.service.common import visible
from payment_svc.uow import PaymentUnitOfWork


@dataclass
class PaymentView:
    """A payment with what the caller may see of its history."""

    payment: Payment
    attempts: list[Attempt] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)
    slips: list[Slip] = field(default_factory=list)
    transactions: list[ProviderTransaction] = field(default_factory=list)
    renewed_by: str | None = None


async def get(uow: PaymentUnitOfWork, who: Principal, payment_id: str) -> PaymentView:
    """One payment the caller may see; officers and admins also see its provider transactions."""
    async with uow:
        payment = await visible(uow, who, payment_id)
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
    awaiting: Awaiting | None = None,
    limit: int = 20,
    after: tuple[datetime, str] | None = None,
) -> tuple[list[PaymentView], int]:
    """The caller's payments (a citizen's own, an officer's agency's, all for an admin), each with its refunds
    and slips (what an officer decides from the list); ``awaiting`` keeps those with a slip or a proposed
    refund no officer has decided yet."""
    async with uow:
        found, total = await uow.payments.page(
            who,
            dossier_code=dossier_code,
            status=status,
            flagged=flagged,
            awaiting=awaiting,
            limit=limit,
            after=after,
        )
        refunds, slips = await uow.payments.decisions_of([p.id for p in found])
        return [PaymentView(p, refunds=refunds[p.id], slips=slips[p.id]) for p in found], total


async def anomalies(uow: PaymentUnitOfWork, who: Principal, *, limit: int = 100) -> list[ProviderTransaction]:
    """Money we hold that is not exactly owed (late, double, wrong amount, unmatched), unresolved."""
    async with uow:
        return await uow.payments.anomalies(who, limit)
