"""The sandbox provider's HTTP face: the checkout pages, the transaction API, the bank and its statements.

* ``GET /pay`` — the checkout page a payer is redirected to (a VNPay-style signed query); it shows the
  amount and two buttons. ``POST /decide`` approves or declines: the sandbox signs the result, sends the
  IPN to the merchant's server (unless told to lose it) and redirects the browser to the return URL.
* ``POST /api/transaction`` — ``querydr`` and ``refund``, signed both ways.
* ``POST /ipn/{txn_ref}/resend`` — send a checkout's IPN again (providers retry; tests replay).
* ``GET /bank`` and ``POST /bank/transfers`` — a transfer to the collection account; the sandbox bank
  sends a signed credit notification.
* ``GET /statements/{date}.csv`` — the day's successful transactions, to import for reconciliation.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

import httpx
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response

from payment_svc.pages import page
from payment_svc.sandbox.service import CheckoutRefused, Sandbox, TransferIn

router = APIRouter()


def _sandbox(request: Request) -> Sandbox:
    sandbox: Sandbox = request.app.state.sandbox
    return sandbox


def _http(request: Request) -> httpx.AsyncClient:
    found: httpx.AsyncClient | None = request.app.state.http
    if found is None:
        raise RuntimeError("the sandbox has no HTTP client yet")
    return found


SandboxDep = Annotated[Sandbox, Depends(_sandbox)]
HttpDep = Annotated[httpx.AsyncClient, Depends(_http)]


def _message(title: str, message: str) -> HTMLResponse:
    return page("sandbox/message.html", title=title, message=message)


@router.get("/healthz", include_in_schema=False)
@router.get("/readyz", include_in_schema=False)
async def healthz() -> dict[str, str]:
    """Alive (and ready: it holds nothing but memory)."""
    return {"status": "ok"}


@router.get("/pay", response_class=HTMLResponse)
async def pay(request: Request, sandbox: SandboxDep) -> HTMLResponse:
    """The checkout page of a signed payment request."""
    params = dict(request.query_params)
    try:
        txn = sandbox.open_checkout(params)
    except CheckoutRefused as refusal:
        return _message(refusal.title, refusal.detail)
    return page(
        "sandbox/pay.html",
        title="Cổng thanh toán thử nghiệm",
        amount=f"{txn.amount:,}".replace(",", ".") + " đ",
        order_info=params.get("vnp_OrderInfo", ""),
        txn_ref=txn.txn_ref,
    )


@router.post("/decide")
async def decide(
    sandbox: SandboxDep,
    http: HttpDep,
    txn_ref: Annotated[str, Form()],
    decision: Annotated[str, Form(pattern="^(approve|decline)$")],
    lose_ipn: Annotated[str | None, Form()] = None,
) -> Response:
    """The payer approves or declines; the IPN goes out and the browser goes back to the merchant."""
    try:
        txn = sandbox.decide(txn_ref, approve=decision == "approve")
    except CheckoutRefused as refusal:
        return _message(refusal.title, refusal.detail)
    if not lose_ipn:
        await sandbox.send_ipn(http, txn)
    return_url = txn.params.get("vnp_ReturnUrl", "")
    if not return_url:
        return _message("Đã xử lý", "Không có địa chỉ trả về.")
    query = urlencode(sandbox.result_params(txn))
    return RedirectResponse(f"{return_url}?{query}", status_code=303)


@router.post("/ipn/{txn_ref}/resend")
async def resend(sandbox: SandboxDep, http: HttpDep, txn_ref: str) -> JSONResponse:
    """Send a decided checkout's IPN again."""
    txn = sandbox.decided(txn_ref)
    if txn is None:
        return JSONResponse({"error": "no decided transaction"}, status_code=404)
    return JSONResponse(await sandbox.send_ipn(http, txn))


@router.get("/ipn/{txn_ref}")
async def ipn_params(sandbox: SandboxDep, txn_ref: str) -> JSONResponse:
    """The signed IPN parameters of a decided checkout (for tests that replay them)."""
    txn = sandbox.decided(txn_ref)
    if txn is None:
        return JSONResponse({"error": "no decided transaction"}, status_code=404)
    return JSONResponse(sandbox.result_params(txn))


@router.post("/api/transaction")
async def transaction_api(request: Request, sandbox: SandboxDep) -> JSONResponse:
    """The merchant's server-to-server API: ``querydr`` and ``refund``."""
    try:
        body = {k: str(v) for k, v in (await request.json()).items()}
    except (ValueError, AttributeError):
        return JSONResponse({"vnp_ResponseCode": "03", "vnp_Message": "Invalid format"}, status_code=400)
    command = body.get("vnp_Command")
    if command == "querydr":
        return JSONResponse(sandbox.query(body))
    if command == "refund":
        return JSONResponse(sandbox.refund(body))
    return JSONResponse({"vnp_ResponseCode": "99", "vnp_Message": "Unknown command"}, status_code=400)


@router.post("/bank/transfers")
async def bank_transfer(sandbox: SandboxDep, http: HttpDep, body: TransferIn) -> dict[str, Any]:
    """A transfer to the collection account, by API."""
    return await sandbox.transfer(http, body)


@router.get("/bank", response_class=HTMLResponse)
async def bank_page(sandbox: SandboxDep) -> HTMLResponse:
    """The sandbox bank's transfer form."""
    return page(
        "sandbox/bank.html",
        title="Ngân hàng thử nghiệm",
        account_number=sandbox.settings.bank_account_number,
    )


@router.post("/bank/form", response_class=HTMLResponse)
async def bank_form(
    sandbox: SandboxDep,
    http: HttpDep,
    amount: Annotated[int, Form(gt=0)],
    description: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """A transfer to the collection account, from the form."""
    result = await sandbox.transfer(http, TransferIn(amount=amount, description=description))
    return _message("Đã chuyển khoản", f"Mã giao dịch {result['credit']['id']}.")


@router.get("/statements/{day}.csv", response_class=PlainTextResponse)
async def statement(sandbox: SandboxDep, day: date, source: str = "gateway") -> PlainTextResponse:
    """A day's statement as CSV (``source=bank`` for the bank's credits)."""
    return PlainTextResponse(sandbox.statement(day, source), media_type="text/csv; charset=utf-8")
