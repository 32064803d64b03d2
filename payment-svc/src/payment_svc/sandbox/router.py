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

import html
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

import httpx
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response

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


def _page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(
        f"""<!doctype html><html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width"><title>{html.escape(title)}</title></head>
<body style="font-family:sans-serif;max-width:34rem;margin:2rem auto">
<p style="background:#fde68a;padding:.4rem">MÔI TRƯỜNG THỬ NGHIỆM — không có tiền thật</p>
<h1>{html.escape(title)}</h1>{body}</body></html>""",
        headers={"Cache-Control": "no-store"},
    )


def _refused(refusal: CheckoutRefused) -> HTMLResponse:
    return _page(refusal.title, f"<p>{refusal.detail}</p>")


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
        return _refused(refusal)
    ref = html.escape(txn.txn_ref)
    return _page(
        "Cổng thanh toán thử nghiệm",
        f"""<p>Số tiền: <strong>{f"{txn.amount:,}".replace(",", ".")} đ</strong></p>
<p>Nội dung: {html.escape(params.get("vnp_OrderInfo", ""))}</p><p>Mã giao dịch: {ref}</p>
<form method="post" action="decide"><input type="hidden" name="txn_ref" value="{ref}">
<label><input type="checkbox" name="lose_ipn" value="1"> Giả lập mất IPN</label><br>
<button name="decision" value="approve">Thanh toán</button>
<button name="decision" value="decline">Hủy giao dịch</button></form>""",
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
        return _refused(refusal)
    if not lose_ipn:
        await sandbox.send_ipn(http, txn)
    return_url = txn.params.get("vnp_ReturnUrl", "")
    if not return_url:
        return _page("Đã xử lý", "<p>Không có địa chỉ trả về.</p>")
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
    return _page(
        "Ngân hàng thử nghiệm",
        f"""<p>Chuyển khoản đến tài khoản {html.escape(sandbox.settings.bank_account_number)}.</p>
<form method="post" action="bank/form"><label>Số tiền <input name="amount" inputmode="numeric"></label><br>
<label>Nội dung <input name="description"></label><br><button>Chuyển khoản</button></form>""",
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
    return _page("Đã chuyển khoản", f"<p>Mã giao dịch {html.escape(result['credit']['id'])}.</p>")


@router.get("/statements/{day}.csv", response_class=PlainTextResponse)
async def statement(sandbox: SandboxDep, day: date, source: str = "gateway") -> PlainTextResponse:
    """A day's statement as CSV (``source=bank`` for the bank's credits)."""
    return PlainTextResponse(sandbox.statement(day, source), media_type="text/csv; charset=utf-8")
