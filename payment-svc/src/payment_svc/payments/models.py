"""The tables of payments, with their state machine. Behaviour here, I/O in the repository."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Literal

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from motcua_shared.chassis.auth import Principal, Role
from motcua_shared.chassis.idempotency import IdempotencyRecordMixin
from motcua_shared.contracts.common import Actor, ActorRole, Contact, FeeItem, FeeTiming
from motcua_shared.contracts.payment import (
    PaymentExpired,
    PaymentFailed,
    PaymentMethod,
    PaymentRefunded,
    PaymentRefundProposed,
    PaymentRequested,
    PaymentSucceeded,
    RefundCause,
)
from payment_svc.db import Base, Money, UtcDateTime
from payment_svc.payments.errors import IllegalTransition
from payment_svc.providers.bank import REFERENCE_ALPHABET, REFERENCE_LENGTH, REFERENCE_PREFIX


class PaymentStatus(StrEnum):
    """pending → succeeded | failed | expired; failed → pending (a new try); succeeded → refunded."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    EXPIRED = "expired"
    REFUNDED = "refunded"


class AttemptStatus(StrEnum):
    """One checkout: open until the provider reports, or until it lapses."""

    OPEN = "open"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    LAPSED = "lapsed"


class Outcome(StrEnum):
    """What we did with a provider's report of a transaction."""

    CREDITED = "credited"
    FAILED = "failed"
    FLAGGED_REFUND = "flagged_refund"
    AMOUNT_MISMATCH = "amount_mismatch"
    CURRENCY_MISMATCH = "currency_mismatch"
    UNMATCHED = "unmatched"
    DUPLICATE = "duplicate"
    UNKNOWN = "unknown"


FLAGGED: frozenset[Outcome] = frozenset(
    {Outcome.FLAGGED_REFUND, Outcome.AMOUNT_MISMATCH, Outcome.CURRENCY_MISMATCH, Outcome.UNMATCHED}
)
"""Outcomes that leave money with us that is not (or not exactly) owed: someone must look at them."""


class SlipStatus(StrEnum):
    """A manual-transfer slip awaiting, or after, an officer's decision."""

    SUBMITTED = "submitted"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


Awaiting = Literal["slip", "refund"]
"""What an officer's desk lists payments by: a transfer slip (``submitted``) or a refund the platform
proposed (``proposed``) that no officer has decided yet."""


class RefundStatus(StrEnum):
    """A refund is reserved first, then sent to the provider, then done or failed.

    One the platform proposes (the paid dossier was refused or withdrawn) waits as ``proposed`` until an
    officer approves it (then ``requested``, and on as any other) or declines it.
    """

    PROPOSED = "proposed"
    REQUESTED = "requested"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    DECLINED = "declined"


RESERVING: frozenset[RefundStatus] = frozenset(
    {RefundStatus.PROPOSED, RefundStatus.REQUESTED, RefundStatus.SUCCEEDED}
)
"""Refunds whose amount is spoken for: together they never exceed what was paid."""


def new_id(prefix: str) -> str:
    """A random id with a readable prefix (`pay-…`, `att-…`)."""
    return f"{prefix}-{uuid.uuid4().hex[:20]}"


def new_reference() -> str:
    """A payment reference payers quote in transfers: `MC` and 8 characters banks never mangle."""
    tail = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH - 2))
    return REFERENCE_PREFIX + tail


AUDIT_RESOURCE = "payment"
"""What payment-svc's audit records are about: a payment, named by its id (motcua_shared.chassis.audit).
It holds the payer's name, phone and e-mail, shown on the payment, its slips and its receipt."""


def actor_of(who: Principal) -> Actor:
    """The contracts' actor for an authenticated principal."""
    return Actor(id=who.subject, role=ActorRole(who.role.value), agency_code=who.agency_code)


class Payment(Base):
    """One request to pay a dossier's fee (due at submission, at a supplement request or at result).

    A fee has one request at a time: the first (``request_no`` 1), then, each time the payer renews one that
    expired or failed unpaid, the next (``renews`` names the one it replaces). The unique
    ``(dossier_code, fee_timing, request_no)`` makes two concurrent renewals open one request.
    """

    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("dossier_code", "fee_timing", "request_no"),
        Index("ix_payments_status_expires_at", "status", "expires_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    dossier_code: Mapped[str] = mapped_column(String(64), index=True)
    fee_timing: Mapped[str] = mapped_column(String(16))
    request_no: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    renews: Mapped[str | None] = mapped_column(ForeignKey("payments.id"), unique=True)
    procedure_code: Mapped[str] = mapped_column(String(64))
    procedure_name: Mapped[str] = mapped_column(String(500))
    agency_code: Mapped[str] = mapped_column(String(64), index=True)
    agency_name: Mapped[str] = mapped_column(String(500))
    applicant_id: Mapped[str | None] = mapped_column(String(128), index=True)
    payer_name: Mapped[str] = mapped_column(String(200))
    payer_phone: Mapped[str] = mapped_column(String(20))
    payer_email: Mapped[str | None] = mapped_column(String(254))
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    amount: Mapped[int] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default="VND")
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    method: Mapped[str | None] = mapped_column(String(32))
    provider: Mapped[str | None] = mapped_column(String(32))
    provider_txn_id: Mapped[str | None] = mapped_column(String(64))
    paid_txn_ref: Mapped[str | None] = mapped_column(String(40))
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    refunded_amount: Mapped[int] = mapped_column(Money, default=0)
    receipt_number: Mapped[str | None] = mapped_column(String(32), unique=True)
    receipt_form: Mapped[str | None] = mapped_column(String(16))
    receipt_series: Mapped[str | None] = mapped_column(String(16))
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declarative API

    def fee_items(self) -> tuple[FeeItem, ...]:
        """The fee items, as the contract types them."""
        return tuple(FeeItem.model_validate(i) for i in self.items)

    def payer(self) -> Contact:
        """Who pays."""
        return Contact(name=self.payer_name, phone=self.payer_phone, email=self.payer_email)

    def _common(self, at: datetime) -> dict[str, Any]:
        return {
            "payment_id": self.id,
            "dossier_code": self.dossier_code,
            "applicant_id": self.applicant_id,
            "amount": self.amount,
            "occurred_at": at,
        }

    def _move(self, to: PaymentStatus, allowed_from: tuple[PaymentStatus, ...], at: datetime) -> None:
        if self.status not in allowed_from:
            raise IllegalTransition(self.status, to)
        self.status = to
        self.updated_at = at

    def requested(self) -> PaymentRequested:
        """The event announcing this payment is due."""
        return PaymentRequested(
            **self._common(self.created_at),
            procedure_code=self.procedure_code,
            agency_code=self.agency_code,
            items=self.fee_items(),
            fee_timing=FeeTiming(self.fee_timing),
            payer=self.payer(),
            reference=self.reference,
            expires_at=self.expires_at,
            renews=self.renews,
        )

    def renewal(self, *, at: datetime, ttl: timedelta) -> Payment:
        """The next request for this fee: the same payer, items and amount, a new reference and expiry."""
        return Payment(
            id=new_id("pay"),
            dossier_code=self.dossier_code,
            fee_timing=self.fee_timing,
            request_no=self.request_no + 1,
            renews=self.id,
            procedure_code=self.procedure_code,
            procedure_name=self.procedure_name,
            agency_code=self.agency_code,
            agency_name=self.agency_name,
            applicant_id=self.applicant_id,
            payer_name=self.payer_name,
            payer_phone=self.payer_phone,
            payer_email=self.payer_email,
            items=[dict(item) for item in self.items],
            amount=self.amount,
            currency=self.currency,
            reference=new_reference(),
            status=PaymentStatus.PENDING.value,
            expires_at=at + ttl,
            refunded_amount=0,
            flagged=False,
            created_at=at,
            updated_at=at,
        )

    @property
    def is_paid(self) -> bool:
        """Money was credited to it (it may have been refunded since)."""
        return self.status in (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED)

    @property
    def is_open(self) -> bool:
        """Still awaiting money: pending, or failed and open to another try."""
        return self.status in (PaymentStatus.PENDING, PaymentStatus.FAILED)

    def reopen(self, at: datetime) -> None:
        """A failed payment may be tried again."""
        self._move(PaymentStatus.PENDING, (PaymentStatus.FAILED,), at)

    def succeed(
        self,
        *,
        provider: str,
        provider_txn_id: str,
        method: PaymentMethod,
        receipt: ReceiptNo,
        at: datetime,
        txn_ref: str | None = None,
        late: bool = False,
    ) -> PaymentSucceeded:
        """Credit the payment: from pending, from failed when money arrived after all, and from
        expired only when an officer accepts late money (``late``)."""
        allowed = (PaymentStatus.PENDING, PaymentStatus.FAILED)
        self._move(PaymentStatus.SUCCEEDED, (*allowed, PaymentStatus.EXPIRED) if late else allowed, at)
        self.provider = provider
        self.provider_txn_id = provider_txn_id
        self.method = method.value
        self.paid_at = at
        self.paid_txn_ref = txn_ref
        self.receipt_number = receipt.number
        self.receipt_form = receipt.form
        self.receipt_series = receipt.series
        return PaymentSucceeded(
            **self._common(at),
            provider=provider,
            provider_txn_id=provider_txn_id,
            method=method,
            receipt_number=receipt.number,
        )

    def fail(self, *, provider: str, provider_txn_id: str | None, reason: str, at: datetime) -> PaymentFailed:
        """The provider reported the attempt failed."""
        self._move(PaymentStatus.FAILED, (PaymentStatus.PENDING,), at)
        return PaymentFailed(
            **self._common(at), provider=provider, provider_txn_id=provider_txn_id, reason=reason
        )

    def expire(self, at: datetime) -> PaymentExpired:
        """Unpaid in time (or the dossier ended before it was paid)."""
        self._move(PaymentStatus.EXPIRED, (PaymentStatus.PENDING, PaymentStatus.FAILED), at)
        return PaymentExpired(**self._common(at))

    @property
    def refundable(self) -> int:
        """What is left to refund, in VND."""
        return self.amount - self.refunded_amount

    def refunded(self, refund: Refund, who: Principal, at: datetime) -> PaymentRefunded:
        """Apply a refund the provider accepted."""
        if refund.amount > self.refundable:
            raise IllegalTransition(self.status, PaymentStatus.REFUNDED)
        self._move(PaymentStatus.REFUNDED, (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED), at)
        self.refunded_amount += refund.amount
        return PaymentRefunded(
            **self._common(at),
            refund_id=refund.id,
            refunded_amount=refund.amount,
            total_refunded=self.refunded_amount,
            provider=refund.provider,
            provider_txn_id=refund.provider_txn_id,
            reason=refund.reason,
            actor=actor_of(who),
        )

    def refund_proposed(self, refund: Refund, cause: RefundCause, at: datetime) -> PaymentRefundProposed:
        """Announce a refund the platform proposes for an officer of the agency to decide."""
        return PaymentRefundProposed(
            **self._common(at),
            refund_id=refund.id,
            proposed_amount=refund.amount,
            agency_code=self.agency_code,
            cause=cause,
            reason=refund.reason,
        )

    def owned_by(self, who: Principal) -> bool:
        """The citizen who pays it."""
        return who.role is Role.CITIZEN and self.applicant_id is not None and who.subject == self.applicant_id

    def visible_to(self, who: Principal) -> bool:
        """A citizen sees their own payments, an officer their agency's, an admin all."""
        if who.role is Role.ADMIN:
            return True
        if who.role is Role.OFFICER:
            return who.agency_code == self.agency_code
        if who.role is Role.CITIZEN:
            return self.applicant_id is not None and who.subject == self.applicant_id
        return False


class Attempt(Base):
    """One try at paying: a gateway checkout (with its own reference), a VietQR code or a transfer."""

    __tablename__ = "payment_attempts"
    __table_args__ = (Index("ix_payment_attempts_status_created_at", "status", "created_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    payment_id: Mapped[str] = mapped_column(ForeignKey("payments.id"), index=True)
    method: Mapped[str] = mapped_column(String(32))
    provider: Mapped[str] = mapped_column(String(32))
    txn_ref: Mapped[str | None] = mapped_column(String(40), unique=True)
    amount: Mapped[int] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(16))
    redirect_url: Mapped[str | None] = mapped_column(Text)
    client_ip: Mapped[str] = mapped_column(String(64), default="127.0.0.1")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    queried_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    def close(self, status: AttemptStatus, at: datetime) -> None:
        """Record the provider's verdict (the first one wins)."""
        if self.status == AttemptStatus.OPEN:
            self.status = status
            self.closed_at = at


class ProviderTransaction(Base):
    """Every verified report of money moving, kept whatever we did with it: nothing is dropped."""

    __tablename__ = "provider_transactions"
    __table_args__ = (UniqueConstraint("provider", "provider_txn_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    provider: Mapped[str] = mapped_column(String(32))
    provider_txn_id: Mapped[str] = mapped_column(String(80))
    payment_id: Mapped[str | None] = mapped_column(ForeignKey("payments.id"), index=True)
    attempt_id: Mapped[str | None] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(16))
    succeeded: Mapped[bool] = mapped_column(Boolean)
    amount: Mapped[int] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(8))
    reference: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(24), index=True)
    detail: Mapped[str] = mapped_column(String(500), default="")
    occurred_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Slip(Base):
    """A transfer slip a payer uploaded for a manual bank transfer."""

    __tablename__ = "payment_slips"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    payment_id: Mapped[str] = mapped_column(ForeignKey("payments.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16))
    uploaded_by: Mapped[str] = mapped_column(String(128))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    note: Mapped[str | None] = mapped_column(String(500))
    bank_txn_id: Mapped[str | None] = mapped_column(String(64))


class Refund(Base):
    """A refund: reserved, sent to the provider, then done or failed."""

    __tablename__ = "payment_refunds"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    payment_id: Mapped[str] = mapped_column(ForeignKey("payments.id"), index=True)
    amount: Mapped[int] = mapped_column(Money)
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16))
    provider: Mapped[str] = mapped_column(String(32))
    provider_txn_id: Mapped[str | None] = mapped_column(String(80))
    request_id: Mapped[str] = mapped_column(String(40), unique=True)
    actor_id: Mapped[str] = mapped_column(String(128))
    actor_role: Mapped[str] = mapped_column(String(16))
    actor_agency: Mapped[str | None] = mapped_column(String(64))
    failure: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    @classmethod
    def reserve(
        cls,
        payment: Payment,
        *,
        amount: int,
        reason: str,
        status: Literal[RefundStatus.PROPOSED, RefundStatus.REQUESTED],
        provider: str,
        by: Actor,
        now: datetime,
    ) -> Refund:
        """A new refund of ``amount`` of ``payment``, reserving it as proposed (awaiting an officer) or
        requested (to be sent to ``provider``), by ``by``; its provider request id is fresh."""
        return cls(
            id=new_id("rfd"),
            payment_id=payment.id,
            amount=amount,
            reason=reason,
            status=status.value,
            provider=provider,
            request_id=uuid.uuid4().hex,
            actor_id=by.id,
            actor_role=by.role.value,
            actor_agency=by.agency_code,
            created_at=now,
        )


class IdempotencyRecord(IdempotencyRecordMixin, Base):
    """An `Idempotency-Key` already used by a caller for an operation (a key is the caller's per
    operation), and what it produced."""

    __tablename__ = "idempotency_keys"

    operation: Mapped[str] = mapped_column(String(32), primary_key=True)
    result_id: Mapped[str] = mapped_column(String(40))


@dataclass(frozen=True)
class ReceiptNo:
    """An e-receipt's identity: its form (ký hiệu mẫu), series (ký hiệu) and sequence number in the series."""

    form: str
    series: str
    sequence: int

    @property
    def number(self) -> str:
        """The receipt's printed number within its series, seven digits (``0000042``)."""
        return f"{self.series}-{self.sequence:07d}"


class ReceiptSeries(Base):
    """The last number issued in one e-receipt series; a number is never issued twice in a series.

    The row is locked by the update that takes the next number, so concurrent issuers queue on it, and the
    number is taken in the transaction that credits the payment: a rolled-back credit gives its number back
    to nobody else, as the update is rolled back with it.
    """

    __tablename__ = "receipt_series"

    series: Mapped[str] = mapped_column(String(16), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class FeeDue(Base):
    """Fees announced at submission but payable later: at a supplement request, or when the result is ready.

    ``status``: ``waiting``, then ``requested`` (the payment is open) or ``cancelled`` (the dossier ended).
    """

    __tablename__ = "fee_dues"

    dossier_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    submitted: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class EndedDossier(Base):
    """A dossier that was withdrawn, refused or stopped: it owes none of its fees any more, so none of its
    payment requests is renewed."""

    __tablename__ = "ended_dossiers"

    dossier_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    reason: Mapped[str] = mapped_column(String(16))
    ended_at: Mapped[datetime] = mapped_column(UtcDateTime)
