"""What payment-svc needs from a payment gateway, whichever one the settings choose."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class SignatureError(Exception):
    """A message claims to come from a provider but its signature does not verify."""


class ProviderUnavailable(Exception):
    """The provider could not be reached or answered nonsense; trying again later may work."""


class ProviderRefused(Exception):
    """The provider answered, signed, and said no (its code and message are in the text)."""


class TxnState(StrEnum):
    """What the provider says about one checkout."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    PENDING = "pending"


@dataclass(frozen=True)
class GatewayResult:
    """A verified statement by the provider about one checkout (from a callback or a status query)."""

    txn_ref: str
    state: TxnState
    amount: int
    currency: str
    provider_txn_id: str | None
    occurred_at: datetime | None
    code: str
    message: str
    raw: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckoutRequest:
    """What a checkout needs: our transaction reference, the amount and where to send the payer back."""

    txn_ref: str
    amount: int
    order_info: str
    return_url: str
    client_ip: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class RefundRequest:
    """A refund of (part of) a paid checkout."""

    request_id: str
    txn_ref: str
    provider_txn_id: str
    amount: int
    full: bool
    paid_at: datetime
    actor: str
    client_ip: str
    order_info: str


@dataclass(frozen=True)
class RefundResult:
    """The provider accepted a refund."""

    provider_txn_id: str
    code: str
    message: str


class GatewayProvider(Protocol):
    """A redirect payment gateway (card, e-wallet): checkout URL, signed callbacks, query, refund."""

    @property
    def code(self) -> str:
        """The provider's code as events and records name it (`sandbox`, `vnpay`)."""
        ...

    def checkout_url(self, request: CheckoutRequest) -> str:
        """The signed URL the payer's browser is sent to."""
        ...

    def verify_callback(self, params: Mapping[str, str]) -> GatewayResult:
        """Parse a signed callback (IPN or browser return); raise :class:`SignatureError` if forged."""
        ...

    async def query(self, txn_ref: str, *, created_at: datetime, client_ip: str) -> GatewayResult | None:
        """Ask the provider about a checkout; None when it never saw it."""
        ...

    async def refund(self, request: RefundRequest) -> RefundResult:
        """Refund; raise :class:`ProviderRefused` or :class:`ProviderUnavailable`."""
        ...
