"""Events of payments (payment-svc), on topic ``motcua.payment.v1``, keyed by payment id.

Amounts are integer VND everywhere. Every event names the dossier it pays for and the payer's account,
so that dossier-svc and notify-svc need no call back.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import AwareDatetime, Field

from motcua_shared.contracts import topics
from motcua_shared.contracts.base import Event
from motcua_shared.contracts.common import PERSONAL, Actor, Contact, FeeItem, FeeTiming
from motcua_shared.contracts.registry import register


class PaymentMethod(StrEnum):
    """How the payer paid."""

    VIETQR = "vietqr"
    GATEWAY = "gateway"
    MANUAL_TRANSFER = "manual_transfer"


class RefundCause(StrEnum):
    """Why a refund was proposed without anyone asking for it."""

    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class PaymentEvent(Event):
    """Fields every payment event carries. Not an event type itself."""

    SUBJECT_FIELD: ClassVar[str] = "payment_id"
    TOPIC: ClassVar[str] = topics.PAYMENT

    payment_id: str = Field(min_length=1, description="The payment's id; the CloudEvents subject.")
    dossier_code: str = Field(min_length=1, description="The dossier the payment is for.")
    applicant_id: str | None = Field(
        default=None, description="The payer's account subject (JWT `sub`), for in-app notices."
    )
    amount: int = Field(ge=0, description="The payment's amount in VND (integer).")
    currency: Literal["VND"] = Field(default="VND", description="Always VND.")
    occurred_at: AwareDatetime = Field(description="When it happened.")


@register
class PaymentRequested(PaymentEvent):
    """A payment is due for a dossier's fees; the payer may now pay it.

    Emitted again, with a new payment id, reference and expiry and with `renews` set, when the payer renews a
    request that expired or failed while the fee is still owed.
    """

    TYPE: ClassVar[str] = "vn.motcua.payment.payment.requested.v1"
    SUMMARY: ClassVar[str] = "A payment of a dossier's fees is due."

    procedure_code: str = Field(min_length=1, description="The dossier's procedure code.")
    agency_code: str = Field(min_length=1, description="The agency the fees are paid to.")
    items: tuple[FeeItem, ...] = Field(
        min_length=1, description="The fee items; `amount` is the sum of what they make payable."
    )
    fee_timing: FeeTiming = Field(
        description="Whether it is due at submission, at a supplement request, or at result."
    )
    payer: Contact = Field(
        description="Who pays, and how to reach them. Personal data.", json_schema_extra=PERSONAL
    )
    reference: str = Field(
        min_length=1,
        description="The payment reference the payer quotes in a bank transfer, matched on statements.",
    )
    expires_at: AwareDatetime | None = Field(default=None, description="When the request expires unpaid.")
    renews: str | None = Field(
        default=None,
        description="When the payer renewed a request that expired or failed unpaid: the id of the payment "
        "this one replaces (its reference no longer pays the fee). Absent for a dossier's first request.",
    )


@register
class PaymentSucceeded(PaymentEvent):
    """The provider confirmed the payment (signed callback, status query or an officer's confirmation)."""

    TYPE: ClassVar[str] = "vn.motcua.payment.payment.succeeded.v1"
    SUMMARY: ClassVar[str] = "A payment was confirmed; the dossier may go on."

    provider: str = Field(min_length=1, description="The provider's code, e.g. `vnpay`, `vietqr`, `sandbox`.")
    provider_txn_id: str = Field(min_length=1, description="The provider's transaction id.")
    method: PaymentMethod = Field(description="How it was paid.")
    receipt_number: str | None = Field(default=None, description="The e-receipt's number, once issued.")


@register
class PaymentFailed(PaymentEvent):
    """The provider reported the payment failed; the payer may try again."""

    TYPE: ClassVar[str] = "vn.motcua.payment.payment.failed.v1"
    SUMMARY: ClassVar[str] = "A payment attempt failed."

    provider: str = Field(min_length=1, description="The provider's code.")
    provider_txn_id: str | None = Field(default=None, description="The provider's transaction id, if any.")
    reason: str = Field(
        min_length=1,
        description="Why, as the provider reported it (its code and message); may contain personal data.",
        json_schema_extra=PERSONAL,
    )


@register
class PaymentExpired(PaymentEvent):
    """The payment was not made before it expired."""

    TYPE: ClassVar[str] = "vn.motcua.payment.payment.expired.v1"
    SUMMARY: ClassVar[str] = "A payment request expired unpaid."


@register
class PaymentRefunded(PaymentEvent):
    """Money was refunded on a succeeded payment, in full or in part."""

    TYPE: ClassVar[str] = "vn.motcua.payment.payment.refunded.v1"
    SUMMARY: ClassVar[str] = "A payment was refunded, in full or in part."

    refund_id: str = Field(min_length=1, description="The refund's id.")
    refunded_amount: int = Field(gt=0, description="What this refund returns, in VND.")
    total_refunded: int = Field(
        gt=0, description="All refunds on the payment so far, in VND; at most `amount`."
    )
    provider: str = Field(min_length=1, description="The provider's code.")
    provider_txn_id: str | None = Field(default=None, description="The provider's id of the refund.")
    reason: str = Field(
        min_length=1,
        description="Why it was refunded; may contain personal data.",
        json_schema_extra=PERSONAL,
    )
    actor: Actor = Field(description="The officer or admin who refunded it.")


@register
class PaymentRefundProposed(PaymentEvent):
    """A paid dossier was refused or withdrawn: a refund of what is left of its payment is proposed.

    An officer of the agency approves it (in full or in part, then `refunded` follows through the refund
    flow) or declines it; nothing is returned before that.
    """

    TYPE: ClassVar[str] = "vn.motcua.payment.payment.refund_proposed.v1"
    SUMMARY: ClassVar[str] = (
        "A refund awaits an officer's approval after the paid dossier was refused or withdrawn."
    )

    refund_id: str = Field(min_length=1, description="The proposed refund's id, to approve or decline.")
    proposed_amount: int = Field(gt=0, description="What the proposal returns, in VND: all not yet refunded.")
    agency_code: str = Field(min_length=1, description="The agency whose officers decide it.")
    cause: RefundCause = Field(description="Whether the dossier was refused or withdrawn.")
    reason: str = Field(
        min_length=1,
        description="The proposal's reason, as the refund records it; may contain personal data.",
        json_schema_extra=PERSONAL,
    )
