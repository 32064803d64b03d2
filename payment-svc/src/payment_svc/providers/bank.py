"""Bank transaction notifications: how incoming transfers to the collection account reach us.

The bank (or the sandbox standing in for it) POSTs a JSON batch of credits to
``/api/v1/payments/providers/bank/notify`` with ``X-Bank-Timestamp`` (Unix seconds) and
``X-Bank-Signature``, the hex HMAC-SHA256 of ``"<timestamp>.<raw body>"`` under the shared webhook
secret. Signing the timestamp with the body is what lets us refuse a replay outside the window.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime
from typing import Final

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from payment_svc.providers.base import SignatureError

TIMESTAMP_HEADER: Final = "X-Bank-Timestamp"
SIGNATURE_HEADER: Final = "X-Bank-Signature"
PROVIDER: Final = "bank"
REFERENCE_ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE_PREFIX: Final = "MC"
REFERENCE_LENGTH: Final = 10
_CANDIDATE = re.compile(f"(?=({REFERENCE_PREFIX}[{REFERENCE_ALPHABET}]{{{REFERENCE_LENGTH - 2}}}))")


class BankCredit(BaseModel):
    """One incoming transfer, as the bank reports it."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str = Field(min_length=1, max_length=64, description="The bank's transaction id.")
    account_number: str = Field(min_length=1, max_length=32)
    amount: int = Field(gt=0, description="VND received.")
    currency: str = "VND"
    description: str = Field(default="", max_length=500, description="The transfer content.")
    booked_at: AwareDatetime


class BankNotification(BaseModel):
    """A batch of credits."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    transactions: list[BankCredit] = Field(min_length=1, max_length=500)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Bank-Signature`` of ``body`` sent at ``timestamp``."""
    message = timestamp.encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def verify(secret: str, timestamp: str | None, given: str | None, body: bytes, *, now: datetime) -> float:
    """Check the signature; return the signed time (Unix seconds). Raise :class:`SignatureError`."""
    if not timestamp or not given or not timestamp.isdigit():
        raise SignatureError("missing bank signature headers")
    if not hmac.compare_digest(given.lower(), signature(secret, timestamp, body)):
        raise SignatureError("bank signature does not verify")
    return float(timestamp)


def references_in(description: str) -> list[str]:
    """Every payment-reference-shaped run in a transfer description (banks drop spaces and marks)."""
    compact = re.sub(r"[^0-9A-Z]", "", description.upper())
    return list(dict.fromkeys(m.group(1) for m in _CANDIDATE.finditer(compact)))
