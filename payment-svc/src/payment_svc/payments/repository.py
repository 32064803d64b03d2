"""Every query payments make."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from motcua_shared.chassis.auth import Principal, Role
from motcua_shared.chassis.db import conflict_insert
from payment_svc.payments.models import (
    FLAGGED,
    RESERVING,
    Attempt,
    AttemptStatus,
    Awaiting,
    EndedDossier,
    FeeDue,
    IdempotencyRecord,
    Payment,
    PaymentStatus,
    ProviderTransaction,
    ReceiptSeries,
    Refund,
    RefundStatus,
    Slip,
    SlipStatus,
)


def _visible(who: Principal) -> ColumnElement[bool]:
    if who.role is Role.ADMIN:
        return Payment.id.is_not(None)
    if who.role is Role.OFFICER:
        return Payment.agency_code == who.agency_code
    if who.role is Role.CITIZEN:
        return Payment.applicant_id == who.subject
    return false()


class PaymentRepository:
    """Payments and what hangs off them, on the unit of work's session."""

    def __init__(self, session: AsyncSession, *, is_postgres: bool) -> None:
        self.session = session
        self._is_postgres = is_postgres

    def add(self, row: object) -> None:
        """Stage a new row."""
        self.session.add(row)

    async def flush(self) -> None:
        """Send staged changes (to surface constraint violations inside the transaction)."""
        await self.session.flush()

    async def get(self, payment_id: str, *, lock: bool = False) -> Payment | None:
        """A payment by id; ``lock`` takes its row lock (PostgreSQL) until the transaction ends."""
        query = select(Payment).where(Payment.id == payment_id)
        if lock:
            query = query.with_for_update()
        return (await self.session.scalars(query)).one_or_none()

    async def by_dossier(self, dossier_code: str, *, lock: bool = False) -> list[Payment]:
        """A dossier's payments, newest first; ``lock`` locks them all (in `lock_dossier`'s order)."""
        if lock:
            return sorted(await self.lock_dossier(dossier_code), key=lambda p: p.created_at, reverse=True)
        query = (
            select(Payment).where(Payment.dossier_code == dossier_code).order_by(Payment.created_at.desc())
        )
        return list(await self.session.scalars(query))

    async def lock_dossier(self, dossier_code: str, fee_timing: str | None = None) -> list[Payment]:
        """Lock every payment of a dossier (of one fee, when ``fee_timing`` is given), oldest first.

        Under READ COMMITTED a locking statement that waited for a concurrent transaction (a renewal) does not
        see the rows that transaction inserted, so the rows are read and locked again, each statement with its
        own snapshot, until no new one turns up; then no request of the fee is left unlocked.

        The locks are taken oldest first, the one order every locker of a dossier's payments follows: a new
        request is always the newest, so what a transaction holds is the start of that order and it only ever
        waits for a later row. Newest first deadlocked: a renewal holding the old request from its first
        statement wanted the new one in its second, while a renewal arriving later held the new one and wanted
        the old.
        """
        query = select(Payment).where(Payment.dossier_code == dossier_code)
        if fee_timing is not None:
            query = query.where(Payment.fee_timing == fee_timing)
        query = (
            query.order_by(Payment.created_at, Payment.request_no, Payment.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        seen: set[str] | None = None
        while True:
            rows = list(await self.session.scalars(query))
            ids = {p.id for p in rows}
            if ids == seen:
                return rows
            seen = ids

    async def renewal_of(self, payment_id: str) -> Payment | None:
        """The request that replaced ``payment_id``, if it was renewed."""
        return (await self.session.scalars(select(Payment).where(Payment.renews == payment_id))).one_or_none()

    async def by_reference(self, reference: str, *, lock: bool = False) -> Payment | None:
        """The payment a transfer quotes."""
        query = select(Payment).where(Payment.reference == reference)
        if lock:
            query = query.with_for_update()
        return (await self.session.scalars(query)).one_or_none()

    async def page(
        self,
        who: Principal,
        *,
        dossier_code: str | None,
        status: str | None,
        flagged: bool | None,
        limit: int,
        after: tuple[datetime, str] | None,
        awaiting: Awaiting | None = None,
    ) -> tuple[list[Payment], int]:
        """The caller's visible payments, newest first, keyset-paginated; and how many match."""
        where: list[ColumnElement[bool]] = [_visible(who)]
        if awaiting == "slip":
            slips = select(Slip.payment_id).where(Slip.status == SlipStatus.SUBMITTED.value)
            where.append(Payment.id.in_(slips))
        elif awaiting == "refund":
            refunds = select(Refund.payment_id).where(Refund.status == RefundStatus.PROPOSED.value)
            where.append(Payment.id.in_(refunds))
        if dossier_code:
            where.append(Payment.dossier_code == dossier_code)
        if status:
            where.append(Payment.status == status)
        if flagged is not None:
            where.append(Payment.flagged.is_(flagged))
        total = int(await self.session.scalar(select(func.count()).select_from(Payment).where(*where)) or 0)
        query: Select[Payment] = select(Payment).where(*where)
        if after is not None:
            created, pid = after
            query = query.where(
                or_(Payment.created_at < created, and_(Payment.created_at == created, Payment.id < pid))
            )
        query = query.order_by(Payment.created_at.desc(), Payment.id.desc()).limit(limit)
        return list(await self.session.scalars(query)), total

    async def due_to_expire(self, now: datetime, limit: int) -> list[Payment]:
        """Pending (or failed) payments past their expiry."""
        query = (
            select(Payment)
            .where(
                Payment.status.in_([PaymentStatus.PENDING, PaymentStatus.FAILED]),
                Payment.expires_at <= now,
            )
            .order_by(Payment.expires_at)
            .limit(limit)
        )
        return list(await self.session.scalars(query))

    # attempts
    async def attempt(self, attempt_id: str) -> Attempt | None:
        """An attempt by id."""
        return await self.session.get(Attempt, attempt_id)

    async def attempt_by_txn_ref(self, txn_ref: str) -> Attempt | None:
        """The gateway checkout a provider names."""
        return (await self.session.scalars(select(Attempt).where(Attempt.txn_ref == txn_ref))).one_or_none()

    async def attempts_of(self, payment_id: str) -> list[Attempt]:
        """A payment's attempts, oldest first."""
        query = select(Attempt).where(Attempt.payment_id == payment_id).order_by(Attempt.created_at)
        return list(await self.session.scalars(query))

    async def open_attempts_before(self, before: datetime, limit: int) -> list[Attempt]:
        """Gateway checkouts still open that began before ``before`` (and not queried since)."""
        query = (
            select(Attempt)
            .where(
                Attempt.status == AttemptStatus.OPEN,
                Attempt.txn_ref.is_not(None),
                Attempt.created_at <= before,
                or_(Attempt.queried_at.is_(None), Attempt.queried_at <= before),
            )
            .order_by(Attempt.created_at)
            .limit(limit)
        )
        return list(await self.session.scalars(query))

    async def close_open_attempts(self, payment_id: str, status: AttemptStatus, at: datetime) -> None:
        """Close every open attempt of a payment."""
        await self.session.execute(
            update(Attempt)
            .where(Attempt.payment_id == payment_id, Attempt.status == AttemptStatus.OPEN)
            .values(status=status, closed_at=at)
        )

    # provider transactions
    async def provider_txn(self, provider: str, provider_txn_id: str) -> ProviderTransaction | None:
        """A transaction report already recorded."""
        query = select(ProviderTransaction).where(
            ProviderTransaction.provider == provider, ProviderTransaction.provider_txn_id == provider_txn_id
        )
        return (await self.session.scalars(query)).one_or_none()

    async def transactions_of(self, payment_id: str) -> list[ProviderTransaction]:
        """Every report about a payment."""
        query = (
            select(ProviderTransaction)
            .where(ProviderTransaction.payment_id == payment_id)
            .order_by(ProviderTransaction.id)
        )
        return list(await self.session.scalars(query))

    async def anomalies(self, who: Principal, limit: int) -> list[ProviderTransaction]:
        """Unresolved flagged reports the caller may see (unmatched money: admins only)."""
        query = select(ProviderTransaction).where(
            ProviderTransaction.outcome.in_([o.value for o in FLAGGED]),
            ProviderTransaction.resolved_at.is_(None),
        )
        if who.role is not Role.ADMIN:
            query = query.join(Payment, Payment.id == ProviderTransaction.payment_id).where(_visible(who))
        return list(await self.session.scalars(query.order_by(ProviderTransaction.id.desc()).limit(limit)))

    async def credited_between(self, start: datetime, end: datetime) -> list[ProviderTransaction]:
        """Credited transactions received in ``[start, end)``, for reconciliation."""
        query = select(ProviderTransaction).where(
            ProviderTransaction.succeeded.is_(True),
            ProviderTransaction.received_at >= start,
            ProviderTransaction.received_at < end,
        )
        return list(await self.session.scalars(query))

    # slips
    async def slips_of(self, payment_id: str) -> list[Slip]:
        """A payment's slips, newest first."""
        query = select(Slip).where(Slip.payment_id == payment_id).order_by(Slip.uploaded_at.desc())
        return list(await self.session.scalars(query))

    async def decisions_of(
        self, payment_ids: Sequence[str]
    ) -> tuple[dict[str, list[Refund]], dict[str, list[Slip]]]:
        """The refunds (oldest first) and slips (newest first) of several payments, by payment id."""
        refunds: dict[str, list[Refund]] = {i: [] for i in payment_ids}
        slips: dict[str, list[Slip]] = {i: [] for i in payment_ids}
        if payment_ids:
            ids = list(payment_ids)
            for refund in await self.session.scalars(
                select(Refund).where(Refund.payment_id.in_(ids)).order_by(Refund.created_at)
            ):
                refunds[refund.payment_id].append(refund)
            for slip in await self.session.scalars(
                select(Slip).where(Slip.payment_id.in_(ids)).order_by(Slip.uploaded_at.desc())
            ):
                slips[slip.payment_id].append(slip)
        return refunds, slips

    async def slip(self, payment_id: str, slip_id: str) -> Slip | None:
        """One slip of a payment."""
        query = select(Slip).where(Slip.payment_id == payment_id, Slip.id == slip_id)
        return (await self.session.scalars(query)).one_or_none()

    async def pending_slip(self, payment_id: str) -> Slip | None:
        """The newest slip awaiting a decision."""
        query = (
            select(Slip)
            .where(Slip.payment_id == payment_id, Slip.status == SlipStatus.SUBMITTED)
            .order_by(Slip.uploaded_at.desc())
            .limit(1)
        )
        return (await self.session.scalars(query)).first()

    # refunds
    async def refunds_of(self, payment_id: str) -> list[Refund]:
        """A payment's refunds, oldest first."""
        query = select(Refund).where(Refund.payment_id == payment_id).order_by(Refund.created_at)
        return list(await self.session.scalars(query))

    async def refund(self, refund_id: str) -> Refund | None:
        """A refund by id."""
        return await self.session.get(Refund, refund_id)

    async def reserved_refunds(self, payment_id: str) -> int:
        """VND refunded or being refunded."""
        query = select(func.coalesce(func.sum(Refund.amount), 0)).where(
            Refund.payment_id == payment_id,
            Refund.status.in_(sorted(RESERVING)),
        )
        return int(await self.session.scalar(query) or 0)

    # idempotency
    async def idempotency(self, subject: str, operation: str, key: str) -> IdempotencyRecord | None:
        """A key this caller already used for ``operation``."""
        return await self.session.get(
            IdempotencyRecord, {"subject": subject, "operation": operation, "key": key}
        )

    def remember(
        self, subject: str, operation: str, key: str, *, fingerprint: str, result_id: str, at: datetime
    ) -> None:
        """Stage what ``key`` did for this caller's ``operation`` (the row a replay answers from)."""
        self.session.add(
            IdempotencyRecord(
                subject=subject,
                operation=operation,
                key=key,
                fingerprint=fingerprint,
                result_id=result_id,
                created_at=at,
            )
        )

    # receipts
    async def next_receipt_number(self, series: str) -> int:
        """The next e-receipt number of ``series``; the row lock serialises concurrent issuers."""
        await self.session.execute(
            conflict_insert(ReceiptSeries, postgres=self._is_postgres)
            .values(series=series, last=0)
            .on_conflict_do_nothing(index_elements=["series"])
        )
        result = await self.session.execute(
            update(ReceiptSeries)
            .where(ReceiptSeries.series == series)
            .values(last=ReceiptSeries.last + 1)
            .returning(ReceiptSeries.last)
        )
        return int(result.scalar_one())

    # fees kept for a supplement request or the result
    async def fee_due(self, dossier_code: str) -> FeeDue | None:
        """Fees of a dossier kept for a supplement request or its result."""
        return await self.session.get(FeeDue, dossier_code)

    # dossiers that ended
    async def ended(self, dossier_code: str) -> EndedDossier | None:
        """Whether (and why) a dossier was withdrawn, refused or stopped."""
        return await self.session.get(EndedDossier, dossier_code)

    async def mark_ended(self, dossier_code: str, reason: str, at: datetime) -> None:
        """Record that a dossier ended (the first reason stays)."""
        if await self.ended(dossier_code) is None:
            self.session.add(EndedDossier(dossier_code=dossier_code, reason=reason, ended_at=at))

    async def payments_in(self, ids: Sequence[str]) -> dict[str, Payment]:
        """Payments by id."""
        if not ids:
            return {}
        rows = await self.session.scalars(select(Payment).where(Payment.id.in_(list(ids))))
        return {p.id: p for p in rows}
