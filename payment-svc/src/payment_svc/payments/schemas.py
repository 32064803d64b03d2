"""Request and response bodies of the payments API. Money is integer VND, strictly."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from motcua_shared.chassis.clock import PlatformTime
from motcua_shared.chassis.pages import Page
from motcua_shared.contracts.common import FeeKind
from motcua_shared.contracts.payment import PaymentMethod
from payment_svc.payments.models import Payment, Slip
from payment_svc.payments.service.reading import PaymentView

BASE = "/api/v1/payments"
Vnd = Annotated[int, Field(strict=True, gt=0, le=10**12, description="VND, an integer.")]


class Out(BaseModel):
    """Base of response bodies."""

    model_config = ConfigDict(from_attributes=True)


class FeeItemOut(Out):
    """One fee item of the payment."""

    name: str
    kind: FeeKind
    amount: int = Field(description="VND before exemption.")
    exempt: bool


class PayerOut(Out):
    """Who pays (shown only to the payer and the agency)."""

    name: str
    phone: str
    email: str | None


class AttemptOut(Out):
    """One try at paying."""

    id: str
    method: PaymentMethod
    provider: str
    status: str
    created_at: PlatformTime
    expires_at: PlatformTime


class RefundOut(Out):
    """A refund on the payment."""

    id: str
    amount: int
    reason: str
    status: str
    provider: str
    provider_txn_id: str | None
    created_at: PlatformTime
    completed_at: PlatformTime | None


class SlipOut(Out):
    """A manual-transfer slip."""

    id: str
    filename: str
    content_type: str
    size: int
    status: str
    uploaded_at: PlatformTime
    decided_at: PlatformTime | None
    note: str | None
    url: str

    @classmethod
    def of(cls, slip: Slip) -> SlipOut:
        """Shape a slip."""
        return cls.model_validate(
            {**{k: getattr(slip, k) for k in cls.model_fields if k != "url"}, "url": slip_url(slip)}
        )


class TransactionOut(Out):
    """A provider's report of money moving, and what we did with it (staff only)."""

    id: int
    provider: str
    provider_txn_id: str
    payment_id: str | None
    source: str
    succeeded: bool
    amount: int
    currency: str
    reference: str | None
    outcome: str
    detail: str
    occurred_at: PlatformTime | None
    received_at: PlatformTime
    resolved_at: PlatformTime | None


class PaymentOut(Out):
    """A payment of a dossier's fees."""

    id: str
    dossier_code: str
    procedure_code: str
    procedure_name: str
    agency_code: str
    agency_name: str
    fee_timing: str
    items: list[FeeItemOut]
    amount: int = Field(description="VND payable: the sum of the non-exempt items.")
    currency: Literal["VND"] = "VND"
    reference: str = Field(description="Quote it in a bank transfer's description.")
    status: str
    method: PaymentMethod | None
    provider: str | None
    provider_txn_id: str | None
    paid_at: PlatformTime | None
    expires_at: PlatformTime
    refunded_amount: int
    receipt_number: str | None
    receipt_url: str | None
    flagged: bool
    payer: PayerOut
    renews: str | None = Field(
        default=None, description="The request this one replaced (it expired or failed unpaid), if any."
    )
    renewed_by: str | None = Field(
        default=None,
        description="The request that replaced this expired one, if it was renewed "
        "(in `GET /payments/{id}` only).",
    )
    created_at: PlatformTime
    updated_at: PlatformTime
    attempts: list[AttemptOut] = Field(default=[], description="In `GET /payments/{id}` only.")
    refunds: list[RefundOut] = Field(default=[], description="Oldest first; in the list too.")
    slips: list[SlipOut] = Field(default=[], description="Transfer slips, newest first; in the list too.")
    transactions: list[TransactionOut] = Field(default=[], description="Staff only.")

    @classmethod
    def of(cls, payment: Payment, view: PaymentView | None = None) -> PaymentOut:
        """Shape a payment (and its history when given)."""
        return cls(
            id=payment.id,
            dossier_code=payment.dossier_code,
            procedure_code=payment.procedure_code,
            procedure_name=payment.procedure_name,
            agency_code=payment.agency_code,
            agency_name=payment.agency_name,
            fee_timing=payment.fee_timing,
            items=[FeeItemOut.model_validate(i) for i in payment.items],
            amount=payment.amount,
            reference=payment.reference,
            status=payment.status,
            method=PaymentMethod(payment.method) if payment.method else None,
            provider=payment.provider,
            provider_txn_id=payment.provider_txn_id,
            paid_at=payment.paid_at,
            expires_at=payment.expires_at,
            refunded_amount=payment.refunded_amount,
            receipt_number=payment.receipt_number,
            receipt_url=f"{BASE}/{payment.id}/receipt.pdf" if payment.receipt_number else None,
            flagged=payment.flagged,
            payer=PayerOut(name=payment.payer_name, phone=payment.payer_phone, email=payment.payer_email),
            renews=payment.renews,
            renewed_by=view.renewed_by if view else None,
            created_at=payment.created_at,
            updated_at=payment.updated_at,
            attempts=[AttemptOut.model_validate(a) for a in view.attempts] if view else [],
            refunds=[RefundOut.model_validate(r) for r in view.refunds] if view else [],
            slips=[SlipOut.of(s) for s in view.slips] if view else [],
            transactions=[TransactionOut.model_validate(t) for t in view.transactions] if view else [],
        )


def slip_url(slip: Slip) -> str:
    """Where a slip's file is downloaded."""
    return f"{BASE}/{slip.payment_id}/slips/{slip.id}"


class PaymentPage(Page[PaymentOut]):
    """A page of payments."""


class CheckoutIn(BaseModel):
    """Which payment to pay (by id, or the open one of a dossier) and how."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "oneOf": [
                {
                    "required": ["payment_id"],
                    "properties": {"payment_id": {"type": "string"}, "dossier_code": {"type": "null"}},
                },
                {
                    "required": ["dossier_code"],
                    "properties": {"dossier_code": {"type": "string"}, "payment_id": {"type": "null"}},
                },
            ]
        },
    )

    payment_id: str | None = Field(default=None, min_length=1, max_length=40)
    dossier_code: str | None = Field(default=None, min_length=1, max_length=64)
    method: PaymentMethod = Field(description="`vietqr`, `gateway` (card, e-wallet) or `manual_transfer`.")

    @model_validator(mode="after")
    def _one_target(self) -> Self:
        if (self.payment_id is None) == (self.dossier_code is None):
            raise ValueError("give exactly one of payment_id and dossier_code")
        return self


class GatewayOut(BaseModel):
    """Send the payer's browser here."""

    redirect_url: str
    expires_at: PlatformTime


class BankAccountOut(BaseModel):
    """Where to transfer."""

    bank_bin: str
    bank_name: str
    account_number: str
    account_name: str
    amount: int
    reference: str = Field(description="The transfer description must contain it.")


class VietQrOut(BankAccountOut):
    """A VietQR code any Vietnamese banking app can scan."""

    payload: str = Field(description="The EMVCo payload, for apps that draw the code themselves.")
    png_url: str
    svg_url: str


class TransferOut(BankAccountOut):
    """A manual transfer, then the slip."""

    slip_upload_url: str


class CheckoutOut(BaseModel):
    """What the payer's app needs to pay, by the chosen method."""

    payment: PaymentOut
    attempt_id: str
    method: PaymentMethod
    gateway: GatewayOut | None = None
    vietqr: VietQrOut | None = None
    transfer: TransferOut | None = None


class RefundIn(BaseModel):
    """A refund: how much (VND) and why."""

    model_config = ConfigDict(extra="forbid")

    amount: Vnd
    reason: str = Field(min_length=3, max_length=500)


class RefundDecisionIn(BaseModel):
    """An officer's decision on a refund the platform proposed: approve (all, or `amount`) or decline."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["approve", "decline"]
    amount: Vnd | None = Field(
        default=None, description="Approve only this much (VND, at most the proposal); all of it when absent."
    )
    note: str = Field(min_length=3, max_length=300, description="Why: kept on the refund.")


class RefundResultOut(BaseModel):
    """The refund and the payment after it."""

    refund: RefundOut
    payment: PaymentOut


class SlipConfirmIn(BaseModel):
    """An officer confirms a transfer slip."""

    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=500)
    bank_txn_id: str | None = Field(
        default=None, min_length=1, max_length=64, description="The bank's transaction id, if known."
    )


class SlipRejectIn(BaseModel):
    """An officer rejects a transfer slip, saying why."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=500)


class ResolveIn(BaseModel):
    """Close a flagged transaction: `accept` credits it to its payment, `refunded` says it went back."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["accept", "refunded"]
    note: str = Field(min_length=3, max_length=300)


class AnomalyList(BaseModel):
    """Flagged transactions awaiting someone."""

    items: list[TransactionOut]
