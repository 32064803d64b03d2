"""Reading payments: one with its history, a page of them, the anomalies to resolve."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pydantic import TypeAdapter

from motcua_shared.chassis.audit import record_read
from motcua_shared.chassis.auth import Principal, Role
from motcua_shared.chassis.pages import Cursor, Page
from payment_svc.payments.models import (
    AUDIT_RESOURCE,
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

PAYMENT_CURSOR = Cursor(TypeAdapter(tuple[datetime, str]))
"""Positions in a listing of payments, newest first: ``(created_at, id)`` of the last payment read."""


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
        await record_read(uow, who, "payment.read", AUDIT_RESOURCE, payment.id)
        return view


async def payable(uow: PaymentUnitOfWork, who: Principal, payment_id: str) -> Payment:
    """The payment whose VietQR code the caller may draw. Not audited: the code holds the collecting
    account, the amount and the reference, nothing of the payer."""
    async with uow:
        return await visible(uow, who, payment_id)


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
    cursor: str | None = None,
) -> Page[PaymentView]:
    """A page of the caller's payments (a citizen's own, an officer's agency's, all for an admin), newest
    first, each with its refunds and slips (what an officer decides from the list); ``awaiting`` keeps those
    with a slip or a proposed refund no officer has decided yet. An officer's or admin's page is recorded in
    the audit trail, one record per payment shown."""
    after = PAYMENT_CURSOR.decode(cursor)
    async with uow:
        found, total = await uow.payments.page(
            who,
            dossier_code=dossier_code,
            status=status,
            flagged=flagged,
            awaiting=awaiting,
            limit=limit + 1,
            after=after,
        )
        shown, next_cursor = PAYMENT_CURSOR.cut(found, limit, lambda p: (p.created_at, p.id))
        refunds, slips = await uow.payments.decisions_of([p.id for p in shown])
        await record_read(uow, who, "payment.list", AUDIT_RESOURCE, [p.id for p in shown])
        views = [PaymentView(p, refunds=refunds[p.id], slips=slips[p.id]) for p in shown]
        return Page(items=views, total=total, next_cursor=next_cursor)


async def anomalies(uow: PaymentUnitOfWork, who: Principal, *, limit: int = 100) -> list[ProviderTransaction]:
    """Money we hold that is not exactly owed (late, double, wrong amount, unmatched), unresolved."""
    async with uow:
        return await uow.payments.anomalies(who, limit)
