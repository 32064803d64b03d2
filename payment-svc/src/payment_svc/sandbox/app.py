"""The sandbox provider: a small gateway and bank that speak the real signed protocols.

* ``GET /pay`` — the checkout page a payer is redirected to (a VNPay-style signed query); it shows the
  amount and two buttons. ``POST /decide`` approves or declines: the sandbox signs the result, sends the
  IPN to the merchant's server (unless told to lose it) and redirects the browser to the return URL.
* ``POST /api/transaction`` — ``querydr`` and ``refund``, signed both ways.
* ``POST /ipn/{txn_ref}/resend`` — send a checkout's IPN again (providers retry; tests replay).
* ``GET /bank`` and ``POST /bank/transfers`` — a transfer to the collection account; the sandbox bank
  sends a signed credit notification.
* ``GET /statements/{date}.csv`` — the day's successful transactions, to import for reconciliation.

State is in memory: it is a sandbox. ``create_sandbox_app(settings, http=...)`` lets the embedded mode
mount it inside payment-svc and hand it a client that reaches payment-svc in-process.
"""

from __future__ import annotations

import contextlib
import csv
import html
import io
import itertools
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

import httpx
from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from payment_svc.providers import bank, vnpay
from payment_svc.sandbox.settings import SandboxSettings

log = logging.getLogger(__name__)


@dataclass
class SandboxTxn:
    """A checkout the sandbox gateway saw."""

    params: dict[str, str]
    txn_ref: str
    amount: int
    created: str
    status: str = "01"
    response_code: str = ""
    number: str = ""
    pay_date: str = ""
    bank_code: str = "NCB"
    ipn_answers: list[dict[str, Any]] = field(default_factory=list)
    refunded: int = 0


@dataclass
class SandboxState:
    """Everything the sandbox remembers."""

    txns: dict[str, SandboxTxn] = field(default_factory=dict)
    bank_credits: list[dict[str, Any]] = field(default_factory=list)
    refunds: dict[str, dict[str, str]] = field(default_factory=dict)
    counter: itertools.count[int] = field(default_factory=lambda: itertools.count(14_000_001))


class TransferIn(BaseModel):
    """A simulated incoming transfer."""

    amount: int = Field(strict=True, gt=0)
    description: str = Field(default="", max_length=500)
    account_number: str | None = None


def _page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(
        f"""<!doctype html><html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width"><title>{html.escape(title)}</title></head>
<body style="font-family:sans-serif;max-width:34rem;margin:2rem auto">
<p style="background:#fde68a;padding:.4rem">MÔI TRƯỜNG THỬ NGHIỆM — không có tiền thật</p>
<h1>{html.escape(title)}</h1>{body}</body></html>""",
        headers={"Cache-Control": "no-store"},
    )


def create_sandbox_app(
    settings: SandboxSettings | None = None, *, http: httpx.AsyncClient | None = None
) -> FastAPI:
    """The sandbox provider app. ``http`` reaches the merchant (else one is made in the lifespan)."""
    settings = settings or SandboxSettings()
    secret = settings.hash_secret.get_secret_value()
    state = SandboxState()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if getattr(app.state, "http", None) is not None:
            yield
            return
        async with httpx.AsyncClient(timeout=10) as client:
            app.state.http = client
            yield

    app = FastAPI(title="motcua sandbox payment provider", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.http = http
    app.state.sandbox = state

    def client(request: Request) -> httpx.AsyncClient:
        found: httpx.AsyncClient | None = request.app.state.http
        if found is None:
            raise RuntimeError("the sandbox has no HTTP client yet")
        return found

    def result_params(txn: SandboxTxn) -> dict[str, str]:
        params = {
            "vnp_TmnCode": settings.tmn_code,
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
        params["vnp_SecureHash"] = vnpay.sign_query(params, secret)
        return params

    async def send_ipn(request: Request, txn: SandboxTxn) -> dict[str, Any]:
        params = result_params(txn)
        try:
            response = await client(request).get(settings.ipn_url, params=params)
            answer: dict[str, Any] = {"status": response.status_code, **_json(response)}
        except httpx.HTTPError as exc:
            answer = {"status": 0, "error": type(exc).__name__}
        txn.ipn_answers.append(answer)
        return answer

    @app.get("/healthz", include_in_schema=False)
    @app.get("/readyz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/pay", response_class=HTMLResponse)
    async def pay(request: Request) -> HTMLResponse:
        params = dict(request.query_params)
        if not vnpay.verify_query(params, secret) or params.get("vnp_TmnCode") != settings.tmn_code:
            return _page("Sai chữ ký", "<p>Yêu cầu thanh toán không hợp lệ (mã lỗi 97).</p>")
        expires = vnpay.parse_time(params.get("vnp_ExpireDate", ""))
        if expires is not None and expires < datetime.now(UTC):
            return _page("Giao dịch hết hạn", "<p>Yêu cầu thanh toán đã quá thời gian (mã lỗi 11).</p>")
        amount = vnpay.from_vnp_amount(params.get("vnp_Amount", ""))
        txn_ref = params.get("vnp_TxnRef", "")
        if amount is None or not txn_ref:
            return _page("Yêu cầu sai", "<p>Thiếu số tiền hoặc mã giao dịch (mã lỗi 03).</p>")
        state.txns.setdefault(
            txn_ref,
            SandboxTxn(params=params, txn_ref=txn_ref, amount=amount, created=params["vnp_CreateDate"]),
        )
        ref = html.escape(txn_ref)
        return _page(
            "Cổng thanh toán thử nghiệm",
            f"""<p>Số tiền: <strong>{f"{amount:,}".replace(",", ".")} đ</strong></p>
<p>Nội dung: {html.escape(params.get("vnp_OrderInfo", ""))}</p><p>Mã giao dịch: {ref}</p>
<form method="post" action="decide"><input type="hidden" name="txn_ref" value="{ref}">
<label><input type="checkbox" name="lose_ipn" value="1"> Giả lập mất IPN</label><br>
<button name="decision" value="approve">Thanh toán</button>
<button name="decision" value="decline">Hủy giao dịch</button></form>""",
        )

    @app.post("/decide")
    async def decide(
        request: Request,
        txn_ref: Annotated[str, Form()],
        decision: Annotated[str, Form(pattern="^(approve|decline)$")],
        lose_ipn: Annotated[str | None, Form()] = None,
    ) -> Response:
        txn = state.txns.get(txn_ref)
        if txn is None:
            return _page("Không tìm thấy giao dịch", "<p>Mã lỗi 01.</p>")
        if txn.status == "01":
            txn.number = str(next(state.counter))
            txn.pay_date = vnpay.format_time(datetime.now(UTC))
            approved = decision == "approve"
            txn.status, txn.response_code = ("00", "00") if approved else ("02", "24")
        if not lose_ipn:
            await send_ipn(request, txn)
        return_url = txn.params.get("vnp_ReturnUrl", "")
        if not return_url:
            return _page("Đã xử lý", "<p>Không có địa chỉ trả về.</p>")
        query = urlencode(result_params(txn))
        return RedirectResponse(f"{return_url}?{query}", status_code=303)

    @app.post("/ipn/{txn_ref}/resend")
    async def resend(request: Request, txn_ref: str) -> JSONResponse:
        txn = state.txns.get(txn_ref)
        if txn is None or txn.status == "01":
            return JSONResponse({"error": "no decided transaction"}, status_code=404)
        return JSONResponse(await send_ipn(request, txn))

    @app.get("/ipn/{txn_ref}")
    async def ipn_params(txn_ref: str) -> JSONResponse:
        """The signed IPN parameters of a decided checkout (for tests that replay them)."""
        txn = state.txns.get(txn_ref)
        if txn is None or txn.status == "01":
            return JSONResponse({"error": "no decided transaction"}, status_code=404)
        return JSONResponse(result_params(txn))

    def api_answer(values: dict[str, str], fields: tuple[str, ...]) -> JSONResponse:
        values["vnp_SecureHash"] = vnpay.sign_fields(values, fields, secret)
        return JSONResponse(values)

    @app.post("/api/transaction")
    async def transaction_api(request: Request) -> JSONResponse:
        try:
            body = {k: str(v) for k, v in (await request.json()).items()}
        except (ValueError, AttributeError):
            return JSONResponse({"vnp_ResponseCode": "03", "vnp_Message": "Invalid format"}, status_code=400)
        command = body.get("vnp_Command")
        base = {
            "vnp_ResponseId": uuid.uuid4().hex,
            "vnp_Command": command or "",
            "vnp_TmnCode": settings.tmn_code,
            "vnp_TxnRef": body.get("vnp_TxnRef", ""),
        }
        if command == "querydr":
            if not vnpay.verify_fields(body, vnpay.QUERY_REQUEST_FIELDS, secret):
                return api_answer(
                    {**base, "vnp_ResponseCode": "97", "vnp_Message": "Invalid checksum"},
                    vnpay.QUERY_RESPONSE_FIELDS,
                )
            txn = state.txns.get(body.get("vnp_TxnRef", ""))
            if txn is None:
                return api_answer(
                    {**base, "vnp_ResponseCode": "91", "vnp_Message": "Transaction not found"},
                    vnpay.QUERY_RESPONSE_FIELDS,
                )
            return api_answer(
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
                vnpay.QUERY_RESPONSE_FIELDS,
            )
        if command == "refund":
            if not vnpay.verify_fields(body, vnpay.REFUND_REQUEST_FIELDS, secret):
                return api_answer(
                    {**base, "vnp_ResponseCode": "97", "vnp_Message": "Invalid checksum"},
                    vnpay.REFUND_RESPONSE_FIELDS,
                )
            request_id = body.get("vnp_RequestId", "")
            if request_id in state.refunds:
                return api_answer(state.refunds[request_id], vnpay.REFUND_RESPONSE_FIELDS)
            txn = state.txns.get(body.get("vnp_TxnRef", ""))
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
                    "vnp_TransactionNo": str(next(state.counter)),
                    "vnp_TransactionType": body.get("vnp_TransactionType", ""),
                    "vnp_TransactionStatus": "05",
                    "vnp_OrderInfo": body.get("vnp_OrderInfo", ""),
                }
            state.refunds[request_id] = answer
            return api_answer(dict(answer), vnpay.REFUND_RESPONSE_FIELDS)
        return JSONResponse({"vnp_ResponseCode": "99", "vnp_Message": "Unknown command"}, status_code=400)

    async def transfer(request: Request, body: TransferIn) -> dict[str, Any]:
        credit = {
            "id": f"FT{int(time.time())}{next(state.counter)}",
            "account_number": body.account_number or settings.bank_account_number,
            "amount": body.amount,
            "currency": "VND",
            "description": body.description,
            "booked_at": datetime.now(UTC).isoformat(),
        }
        state.bank_credits.append(credit)
        raw = json.dumps({"transactions": [credit]}, ensure_ascii=False).encode("utf-8")
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            bank.TIMESTAMP_HEADER: stamp,
            bank.SIGNATURE_HEADER: bank.signature(
                settings.bank_webhook_secret.get_secret_value(), stamp, raw
            ),
        }
        try:
            response = await client(request).post(settings.bank_notify_url, content=raw, headers=headers)
            notified: dict[str, Any] = {"status": response.status_code, **_json(response)}
        except httpx.HTTPError as exc:
            notified = {"status": 0, "error": type(exc).__name__}
        return {"credit": credit, "notified": notified}

    @app.post("/bank/transfers")
    async def bank_transfer(request: Request, body: TransferIn) -> dict[str, Any]:
        return await transfer(request, body)

    @app.get("/bank", response_class=HTMLResponse)
    async def bank_page() -> HTMLResponse:
        return _page(
            "Ngân hàng thử nghiệm",
            f"""<p>Chuyển khoản đến tài khoản {html.escape(settings.bank_account_number)}.</p>
<form method="post" action="bank/form"><label>Số tiền <input name="amount" inputmode="numeric"></label><br>
<label>Nội dung <input name="description"></label><br><button>Chuyển khoản</button></form>""",
        )

    @app.post("/bank/form", response_class=HTMLResponse)
    async def bank_form(
        request: Request, amount: Annotated[int, Form(gt=0)], description: Annotated[str, Form()] = ""
    ) -> HTMLResponse:
        result = await transfer(request, TransferIn(amount=amount, description=description))
        return _page("Đã chuyển khoản", f"<p>Mã giao dịch {html.escape(result['credit']['id'])}.</p>")

    @app.get("/statements/{day}.csv", response_class=PlainTextResponse)
    async def statement(day: date, source: str = "gateway") -> PlainTextResponse:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["provider_txn_id", "reference", "amount", "currency", "paid_at", "status"])
        if source == "bank":
            for credit in state.bank_credits:
                booked = datetime.fromisoformat(credit["booked_at"]).astimezone(vnpay.VN_TIME)
                if booked.date() == day:
                    writer.writerow(
                        [
                            credit["id"],
                            credit["description"],
                            credit["amount"],
                            "VND",
                            booked.isoformat(),
                            "success",
                        ]
                    )
        else:
            for txn in state.txns.values():
                paid = vnpay.parse_time(txn.pay_date)
                if txn.status == "00" and paid is not None and paid.date() == day:
                    writer.writerow([txn.number, txn.txn_ref, txn.amount, "VND", paid.isoformat(), "success"])
        return PlainTextResponse(out.getvalue(), media_type="text/csv; charset=utf-8")

    return app


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        value = response.json()
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def query_of(url: str) -> dict[str, str]:
    """The query parameters of a URL (tests read the sandbox's redirects with it)."""
    return dict(parse_qsl(url.split("?", 1)[1] if "?" in url else "", keep_blank_values=True))
