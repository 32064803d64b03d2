"""The VNPay-style gateway protocol (version 2.1.0), spoken by VNPay and by our sandbox alike.

A checkout is a redirect to the gateway with ``vnp_*`` query parameters, sorted by name, URL-encoded
(spaces as ``+``) and signed with HMAC-SHA512 under the merchant's hash secret (``vnp_SecureHash``).
The gateway reports the outcome twice, signed the same way: server to server (IPN, which we answer with
``{"RspCode", "Message"}``) and through the payer's browser (the return URL, display only). Status
queries (``querydr``) and refunds are signed JSON calls whose checksum covers a fixed, ``|``-joined
field list. Amounts travel multiplied by 100; times are ``yyyyMMddHHmmss`` in Vietnam time (GMT+7).
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any, Final
from urllib.parse import quote_plus

import httpx

from payment_svc.providers.base import (
    CheckoutRequest,
    GatewayResult,
    ProviderRefused,
    ProviderUnavailable,
    RefundRequest,
    RefundResult,
    SignatureError,
    TxnState,
)

VERSION: Final = "2.1.0"
VN_TIME: Final = timezone(timedelta(hours=7), "GMT+7")
HASH_FIELDS: Final = frozenset({"vnp_SecureHash", "vnp_SecureHashType"})

QUERY_REQUEST_FIELDS: Final = (
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_TransactionDate",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
)
QUERY_RESPONSE_FIELDS: Final = (
    "vnp_ResponseId",
    "vnp_Command",
    "vnp_ResponseCode",
    "vnp_Message",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_PayDate",
    "vnp_TransactionNo",
    "vnp_TransactionType",
    "vnp_TransactionStatus",
    "vnp_OrderInfo",
    "vnp_PromotionCode",
    "vnp_PromotionAmount",
)
REFUND_REQUEST_FIELDS: Final = (
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TransactionType",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_TransactionNo",
    "vnp_TransactionDate",
    "vnp_CreateBy",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
)
REFUND_RESPONSE_FIELDS: Final = (
    "vnp_ResponseId",
    "vnp_Command",
    "vnp_ResponseCode",
    "vnp_Message",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_PayDate",
    "vnp_TransactionNo",
    "vnp_TransactionType",
    "vnp_TransactionStatus",
    "vnp_OrderInfo",
)


def hmac_sha512(secret: str, data: str) -> str:
    """Lower-case hex HMAC-SHA512 of ``data``."""
    return hmac.new(secret.encode("utf-8"), data.encode("utf-8"), hashlib.sha512).hexdigest()


def canonical_query(params: Mapping[str, str]) -> str:
    """The signed string of a redirect or callback: every ``vnp_*`` field, sorted, URL-encoded.

    Empty fields stay in, as VNPay's IPN sample (``vnpay_ipn.php``, version 2.1.0) hashes every ``vnp_*``
    field it received but the hash itself; a merchant that dropped them would refuse a genuine callback
    carrying, say, an empty ``vnp_BankTranNo``. A request we build leaves empty fields out altogether.
    """
    pairs = sorted((k, v) for k, v in params.items() if k.startswith("vnp_") and k not in HASH_FIELDS)
    return "&".join(f"{quote_plus(k)}={quote_plus(str(v))}" for k, v in pairs)


def sign_query(params: Mapping[str, str], secret: str) -> str:
    """The ``vnp_SecureHash`` of a redirect or callback."""
    return hmac_sha512(secret, canonical_query(params))


def signed_query_string(params: Mapping[str, str], secret: str) -> str:
    """``params`` as a query string ending with its ``vnp_SecureHash``."""
    return f"{canonical_query(params)}&vnp_SecureHash={sign_query(params, secret)}"


def verify_query(params: Mapping[str, str], secret: str) -> bool:
    """Whether ``params`` carry a correct ``vnp_SecureHash`` (compared in constant time)."""
    given = params.get("vnp_SecureHash", "")
    return bool(given) and hmac.compare_digest(given.lower(), sign_query(params, secret))


def sign_fields(values: Mapping[str, Any], fields: Sequence[str], secret: str) -> str:
    """The checksum of a JSON API message: its ``fields`` in that order, joined with ``|``."""
    return hmac_sha512(secret, "|".join(str(values.get(f, "")) for f in fields))


def verify_fields(values: Mapping[str, Any], fields: Sequence[str], secret: str) -> bool:
    """Whether a JSON API message's ``vnp_SecureHash`` covers ``fields`` correctly."""
    given = str(values.get("vnp_SecureHash", ""))
    return bool(given) and hmac.compare_digest(given.lower(), sign_fields(values, fields, secret))


def format_time(at: datetime) -> str:
    """``yyyyMMddHHmmss`` in Vietnam time."""
    return at.astimezone(VN_TIME).strftime("%Y%m%d%H%M%S")


def parse_time(text: str) -> datetime | None:
    """The aware datetime of a ``yyyyMMddHHmmss`` Vietnam time, or None when absent or malformed."""
    try:
        return datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=VN_TIME)
    except (TypeError, ValueError):
        return None


def to_vnp_amount(amount: int) -> str:
    """VND as the protocol carries it (times 100)."""
    return str(amount * 100)


def from_vnp_amount(text: str) -> int | None:
    """The VND of a protocol amount, or None when it is not a whole number of đồng."""
    if not text.isdigit():
        return None
    hundredths = int(text)
    return hundredths // 100 if hundredths % 100 == 0 else None


def state_of(response_code: str, transaction_status: str) -> TxnState:
    """The outcome a response and transaction status pair means."""
    if transaction_status == "00" and response_code in ("", "00"):
        return TxnState.SUCCEEDED
    if transaction_status == "01":
        return TxnState.PENDING
    return TxnState.FAILED


def result_from(params: Mapping[str, str]) -> GatewayResult:
    """A :class:`GatewayResult` from verified ``vnp_*`` fields (callback or query answer)."""
    amount = from_vnp_amount(params.get("vnp_Amount", ""))
    number = params.get("vnp_TransactionNo", "")
    return GatewayResult(
        txn_ref=params.get("vnp_TxnRef", ""),
        state=state_of(params.get("vnp_ResponseCode", ""), params.get("vnp_TransactionStatus", "")),
        # -1 can never equal a payment's amount, so a malformed amount is a mismatch, never a credit.
        amount=amount if amount is not None else -1,
        currency=params.get("vnp_CurrCode", "VND") or "VND",
        provider_txn_id=number if number and number != "0" else None,
        occurred_at=parse_time(params.get("vnp_PayDate", "")),
        code=params.get("vnp_ResponseCode", "") or params.get("vnp_TransactionStatus", ""),
        message=params.get("vnp_Message", ""),
        raw={k: v for k, v in params.items() if k not in HASH_FIELDS},
    )


class VnpayGateway:
    """A :class:`~payment_svc.providers.base.GatewayProvider` speaking the VNPay protocol."""

    def __init__(
        self,
        *,
        code: str,
        tmn_code: str,
        hash_secret: str,
        pay_url: str,
        api_url: str,
        http: httpx.AsyncClient,
        timeout: float = 10.0,
    ) -> None:
        self._code = code
        self._tmn_code = tmn_code
        self._secret = hash_secret
        self._pay_url = pay_url
        self._api_url = api_url
        self._http = http
        self._timeout = timeout

    def __repr__(self) -> str:
        return f"VnpayGateway(code={self._code!r}, tmn_code={self._tmn_code!r})"

    @property
    def code(self) -> str:
        """The provider's code."""
        return self._code

    def checkout_url(self, request: CheckoutRequest) -> str:
        """The signed redirect to the gateway's checkout page."""
        params = {
            "vnp_Version": VERSION,
            "vnp_Command": "pay",
            "vnp_TmnCode": self._tmn_code,
            "vnp_Amount": to_vnp_amount(request.amount),
            "vnp_CurrCode": "VND",
            "vnp_TxnRef": request.txn_ref,
            "vnp_OrderInfo": request.order_info,
            "vnp_OrderType": "billpayment",
            "vnp_Locale": "vn",
            "vnp_ReturnUrl": request.return_url,
            "vnp_IpAddr": request.client_ip,
            "vnp_CreateDate": format_time(request.created_at),
            "vnp_ExpireDate": format_time(request.expires_at),
        }
        # As VNPay's sample does, an optional field with no value is not sent at all.
        present = {k: v for k, v in params.items() if v != ""}
        return f"{self._pay_url}?{signed_query_string(present, self._secret)}"

    def verify_callback(self, params: Mapping[str, str]) -> GatewayResult:
        """Verify an IPN or return; raise :class:`SignatureError` when forged or for another merchant."""
        if not verify_query(params, self._secret):
            raise SignatureError("vnp_SecureHash does not verify")
        if params.get("vnp_TmnCode") != self._tmn_code:
            raise SignatureError("the callback is for another merchant")
        return result_from(params)

    async def _call(self, body: dict[str, str], response_fields: Sequence[str]) -> dict[str, str]:
        try:
            response = await self._http.post(self._api_url, json=body, timeout=self._timeout)
            answer = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ProviderUnavailable(f"{self._code} API unreachable: {type(exc).__name__}") from exc
        if not isinstance(answer, dict) or response.status_code >= 500:
            raise ProviderUnavailable(f"{self._code} API answered {response.status_code}")
        values = {k: str(v) for k, v in answer.items() if v is not None}
        if not verify_fields(values, response_fields, self._secret):
            raise ProviderUnavailable(f"{self._code} API answer is not signed correctly")
        return values

    async def query(self, txn_ref: str, *, created_at: datetime, client_ip: str) -> GatewayResult | None:
        """``querydr``: the provider's record of ``txn_ref``, or None if it has none."""
        body = {
            "vnp_RequestId": uuid.uuid4().hex,
            "vnp_Version": VERSION,
            "vnp_Command": "querydr",
            "vnp_TmnCode": self._tmn_code,
            "vnp_TxnRef": txn_ref,
            "vnp_OrderInfo": f"Truy van giao dich {txn_ref}",
            "vnp_TransactionDate": format_time(created_at),
            "vnp_CreateDate": format_time(datetime.now(VN_TIME)),
            "vnp_IpAddr": client_ip,
        }
        body["vnp_SecureHash"] = sign_fields(body, QUERY_REQUEST_FIELDS, self._secret)
        values = await self._call(body, QUERY_RESPONSE_FIELDS)
        code = values.get("vnp_ResponseCode", "")
        if code == "91":  # the gateway has no such transaction
            return None
        if code != "00":
            raise ProviderUnavailable(f"querydr answered {code}: {values.get('vnp_Message', '')}")
        return result_from(values)

    async def refund(self, request: RefundRequest) -> RefundResult:
        """Refund all (``02``) or part (``03``) of a paid checkout."""
        body = {
            "vnp_RequestId": request.request_id,
            "vnp_Version": VERSION,
            "vnp_Command": "refund",
            "vnp_TmnCode": self._tmn_code,
            "vnp_TransactionType": "02" if request.full else "03",
            "vnp_TxnRef": request.txn_ref,
            "vnp_Amount": to_vnp_amount(request.amount),
            "vnp_TransactionNo": request.provider_txn_id,
            "vnp_TransactionDate": format_time(request.paid_at),
            "vnp_CreateBy": request.actor,
            "vnp_CreateDate": format_time(datetime.now(VN_TIME)),
            "vnp_IpAddr": request.client_ip,
            "vnp_OrderInfo": request.order_info,
        }
        body["vnp_SecureHash"] = sign_fields(body, REFUND_REQUEST_FIELDS, self._secret)
        values = await self._call(body, REFUND_RESPONSE_FIELDS)
        code = values.get("vnp_ResponseCode", "")
        if code != "00":
            raise ProviderRefused(f"{code}: {values.get('vnp_Message', '')}")
        return RefundResult(
            provider_txn_id=values.get("vnp_TransactionNo", "") or request.request_id,
            code=code,
            message=values.get("vnp_Message", ""),
        )
