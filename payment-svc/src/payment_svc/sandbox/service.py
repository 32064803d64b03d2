"""The sandbox provider's behaviour: what its gateway and bank remember, sign and send.

State is in memory: it is a sandbox.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import httpx
from pydantic import BaseModel, Field

from payment_svc.providers import bank, vnpay
from payment_svc.sandbox.settings import SandboxSettings

UNDECIDED = "01"


@dataclass
class SandboxTxn:
    """A checkout the sandbox gateway saw."""

    params: dict[str, str]
    txn_ref: str
    amount: int
    created: str
    status: str = UNDECIDED
    response_code: str = ""
    number: str = ""
    pay_date: str = ""
    bank_code: str = "NCB"
    ipn_answers: list[dict[str, Any]] = field(default_factory=list)
    refunded: int = 0


class TransferIn(BaseModel):
    """A simulated incoming transfer."""

    amount: int = Field(strict=True, gt=0)
    description: str = Field(default="", max_length=500)
    account_number: str | None = None


class CheckoutRefused(Exception):
    """A checkout the sandbox gateway will not show: the page's title and the reason, with its error code."""

    def __init__(self, title: str, detail: str) -> None:
        super().__init__(detail)
        self.title = title
        self.detail = detail


class Sandbox:
    """A small gateway and bank that speak the real signed protocols, for one merchant."""

    def __init__(self, settings: SandboxSettings) -> None:
        self.settings = settings
        self._secret = settings.hash_secret.get_secret_value()
        self.txns: dict[str, SandboxTxn] = {}
        self.bank_credits: list[dict[str, Any]] = []
        self.refunds: dict[str, dict[str, str]] = {}
        # Numbered from the moment it starts, in microseconds: a sandbox restarted on the same databases
        # (`make run` on the same var/) never hands out an old number again, so a new payment's IPN
        # cannot collide with an old one's (payment-svc keeps provider transaction ids unique).
        self._counter = itertools.count(time.time_ns() // 1_000)

    # -- the gateway's checkout ----------------------------------------------------------------------

    def open_checkout(self, params: dict[str, str]) -> SandboxTxn:
        """The checkout a signed payment request opens (the same one when the payer comes back)."""
        if (
            not vnpay.verify_query(params, self._secret)
            or params.get("vnp_TmnCode") != self.settings.tmn_code
        ):
            raise CheckoutRefused("Sai chữ ký", "Yêu cầu thanh toán không hợp lệ (mã lỗi 97).")
        expires = vnpay.parse_time(params.get("vnp_ExpireDate", ""))
        if expires is not None and expires < datetime.now(UTC):
            raise CheckoutRefused("Giao dịch hết hạn", "Yêu cầu thanh toán đã quá thời gian (mã lỗi 11).")
        amount = vnpay.from_vnp_amount(params.get("vnp_Amount", ""))
        txn_ref = params.get("vnp_TxnRef", "")
        if amount is None or not txn_ref:
            raise CheckoutRefused("Yêu cầu sai", "Thiếu số tiền hoặc mã giao dịch (mã lỗi 03).")
        return self.txns.setdefault(
            txn_ref,
            SandboxTxn(params=params, txn_ref=txn_ref, amount=amount, created=params["vnp_CreateDate"]),
        )

    def decide(self, txn_ref: str, *, approve: bool) -> SandboxTxn:
        """The payer's button: the first decision of a checkout stands."""
        txn = self.txns.get(txn_ref)
        if txn is None:
            raise CheckoutRefused("Không tìm thấy giao dịch", "Mã lỗi 01.")
        if txn.status == UNDECIDED:
            txn.number = str(next(self._counter))
            txn.pay_date = vnpay.format_time(datetime.now(UTC))
            txn.status, txn.response_code = ("00", "00") if approve else ("02", "24")
        return txn

    def decided(self, txn_ref: str) -> SandboxTxn | None:
        """A checkout the payer decided, if there is one."""
        txn = self.txns.get(txn_ref)
        return None if txn is None or txn.status == UNDECIDED else txn

    def result_params(self, txn: SandboxTxn) -> dict[str, str]:
        """The signed result of a checkout, as the IPN and the return redirect carry it."""
        params = {
            "vnp_TmnCode": self.settings.tmn_code,
            "vnp_Amount": vnpay.to_vnp_amount(txn.amount),
            "vnp_BankCode": txn.bank_code,
            "vnp_CardType": "ATM",
            "vnp_OrderInfo": txn.params.get("vnp_OrderInfo", ""),
            "vnp_PayDate": txn.pay_date,
            "vnp_ResponseCode": txn.response_code,
            "vnp_TransactionNo": txn.number,
            "vnp_TransactionStatus": txn.status,
            "vnp_TxnRef": txn.txn_ref,
            "vnp_CurrCode": "VND",
        }
        params["vnp_SecureHash"] = vnpay.sign_query(params, self._secret)
        return params

    async def send_ipn(self, http: httpx.AsyncClient, txn: SandboxTxn) -> dict[str, Any]:
        """Tell the merchant's server the result; its answer is kept on the checkout and returned."""
        try:
            response = await http.get(self.settings.ipn_url, params=self.result_params(txn))
            answer: dict[str, Any] = {"status": response.status_code, **_json(response)}
        except httpx.HTTPError as exc:
            answer = {"status": 0, "error": type(exc).__name__}
        txn.ipn_answers.append(answer)
        return answer

    # -- the gateway's transaction API -------------------------------------------------------------

    def _signed(self, values: dict[str, str], fields: tuple[str, ...]) -> dict[str, str]:
        values["vnp_SecureHash"] = vnpay.sign_fields(values, fields, self._secret)
        return values

    def _answer_base(self, body: dict[str, str]) -> dict[str, str]:
        return {
            "vnp_ResponseId": uuid.uuid4().hex,
            "vnp_Command": body.get("vnp_Command") or "",
            "vnp_TmnCode": self.settings.tmn_code,
            "vnp_TxnRef": body.get("vnp_TxnRef", ""),
        }

    def query(self, body: dict[str, str]) -> dict[str, str]:
        """``querydr``: the state of one checkout, signed."""
        base = self._answer_base(body)
        fields = vnpay.QUERY_RESPONSE_FIELDS
        if not vnpay.verify_fields(body, vnpay.QUERY_REQUEST_FIELDS, self._secret):
            return self._signed({**base, "vnp_ResponseCode": "97", "vnp_Message": "Invalid checksum"}, fields)
        txn = self.txns.get(body.get("vnp_TxnRef", ""))
        if txn is None:
            return self._signed(
                {**base, "vnp_ResponseCode": "91", "vnp_Message": "Transaction not found"}, fields
            )
        return self._signed(
            {
                **base,
                "vnp_ResponseCode": "00",
                "vnp_Message": "Query success",
                "vnp_Amount": vnpay.to_vnp_amount(txn.amount),
                "vnp_BankCode": txn.bank_code,
                "vnp_PayDate": txn.pay_date,
                "vnp_TransactionNo": txn.number,
                "vnp_TransactionType": "01",
                "vnp_TransactionStatus": txn.status,
                "vnp_OrderInfo": txn.params.get("vnp_OrderInfo", ""),
                "vnp_PromotionCode": "",
                "vnp_PromotionAmount": "",
            },
            fields,
        )

    def refund(self, body: dict[str, str]) -> dict[str, str]:
        """``refund``: return part or all of a paid checkout, once per request id, signed."""
        base = self._answer_base(body)
        fields = vnpay.REFUND_RESPONSE_FIELDS
        if not vnpay.verify_fields(body, vnpay.REFUND_REQUEST_FIELDS, self._secret):
            return self._signed({**base, "vnp_ResponseCode": "97", "vnp_Message": "Invalid checksum"}, fields)
        request_id = body.get("vnp_RequestId", "")
        if request_id in self.refunds:
            return self._signed(self.refunds[request_id], fields)
        txn = self.txns.get(body.get("vnp_TxnRef", ""))
        amount = vnpay.from_vnp_amount(body.get("vnp_Amount", ""))
        if txn is None or txn.status != "00":
            answer = {**base, "vnp_ResponseCode": "91", "vnp_Message": "Transaction not found"}
        elif amount is None or amount <= 0 or txn.refunded + amount > txn.amount:
            answer = {**base, "vnp_ResponseCode": "93", "vnp_Message": "Invalid refund amount"}
        else:
            txn.refunded += amount
            answer = {
                **base,
                "vnp_ResponseCode": "00",
                "vnp_Message": "Refund success",
                "vnp_Amount": body.get("vnp_Amount", ""),
                "vnp_BankCode": txn.bank_code,
                "vnp_PayDate": vnpay.format_time(datetime.now(UTC)),
                "vnp_TransactionNo": str(next(self._counter)),
                "vnp_TransactionType": body.get("vnp_TransactionType", ""),
                "vnp_TransactionStatus": "05",
                "vnp_OrderInfo": body.get("vnp_OrderInfo", ""),
            }
        self.refunds[request_id] = answer
        return self._signed(dict(answer), fields)

    # -- the bank ----------------------------------------------------------------------------------

    async def transfer(self, http: httpx.AsyncClient, body: TransferIn) -> dict[str, Any]:
        """A transfer to the collection account: booked, then notified to the merchant, signed."""
        credit = {
            "id": f"FT{int(time.time())}{next(self._counter)}",
            "account_number": body.account_number or self.settings.bank_account_number,
            "amount": body.amount,
            "currency": "VND",
            "description": body.description,
            "booked_at": datetime.now(UTC).isoformat(),
        }
        self.bank_credits.append(credit)
        raw = json.dumps({"transactions": [credit]}, ensure_ascii=False).encode("utf-8")
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            bank.TIMESTAMP_HEADER: stamp,
            bank.SIGNATURE_HEADER: bank.signature(
                self.settings.bank_webhook_secret.get_secret_value(), stamp, raw
            ),
        }
        try:
            response = await http.post(self.settings.bank_notify_url, content=raw, headers=headers)
            notified: dict[str, Any] = {"status": response.status_code, **_json(response)}
        except httpx.HTTPError as exc:
            notified = {"status": 0, "error": type(exc).__name__}
        return {"credit": credit, "notified": notified}

    # -- statements ----------------------------------------------------------------------------------

    def statement(self, day: date, source: str) -> str:
        """The day's successful transactions as CSV: the bank's credits, or the gateway's checkouts."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["provider_txn_id", "reference", "amount", "currency", "paid_at", "status"])
        if source == "bank":
            for credit in self.bank_credits:
                booked = datetime.fromisoformat(credit["booked_at"]).astimezone(vnpay.VN_TIME)
                if booked.date() == day:
                    row = [credit["id"], credit["description"], credit["amount"], "VND", booked.isoformat()]
                    writer.writerow([*row, "success"])
        else:
            for txn in self.txns.values():
                paid = vnpay.parse_time(txn.pay_date)
                if txn.status == "00" and paid is not None and paid.date() == day:
                    writer.writerow([txn.number, txn.txn_ref, txn.amount, "VND", paid.isoformat(), "success"])
        return out.getvalue()


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        value = response.json()
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
