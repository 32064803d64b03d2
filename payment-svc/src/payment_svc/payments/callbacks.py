"""Provider callbacks: the gateway's signed IPN and browser return, and the bank's credit notifications.

Only a verified server-to-server message changes state. Anything forged, stale or unknown is refused
with a 4xx and changes nothing; the gateway's IPN is answered in its own format (``RspCode``,
``Message``), carried as extension members of a problem document when it is an error.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import ValidationError

from motcua_shared.chassis.errors import PROBLEM_BASE
from motcua_shared.chassis.http import problem
from motcua_shared.chassis.problems import problems
from payment_svc.deps import PortsDep, UowDep
from payment_svc.pages import page
from payment_svc.payments import service
from payment_svc.payments.errors import BadSignature, PaymentNotFound
from payment_svc.payments.models import Outcome
from payment_svc.providers import bank
from payment_svc.providers.base import SignatureError
from payment_svc.receipts.pdf import vnd

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1/payments/providers", tags=["payment-providers"])

# The IPN answers the provider's protocol (`RspCode`) inside a problem document of its own type.
_IPN_PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}

# What each outcome answers to the gateway: HTTP status, RspCode, Message.
IPN_ANSWERS: dict[Outcome, tuple[int, str, str]] = {
    Outcome.CREDITED: (200, "00", "Confirm Success"),
    Outcome.FAILED: (200, "00", "Confirm Success"),
    Outcome.FLAGGED_REFUND: (200, "00", "Confirm Success"),
    Outcome.DUPLICATE: (200, "02", "Order already confirmed"),
    Outcome.AMOUNT_MISMATCH: (422, "04", "Invalid amount"),
    Outcome.CURRENCY_MISMATCH: (422, "04", "Invalid amount"),
    Outcome.UNKNOWN: (404, "01", "Order not found"),
}


def _ipn_answer(status: int, code: str, message: str, detail: str | None = None) -> JSONResponse:
    if status < 400:
        return JSONResponse({"RspCode": code, "Message": message}, status_code=status)
    body = problem(
        status,
        title=message,
        detail=detail or message,
        type_=PROBLEM_BASE + "provider-callback",
    )
    document: dict[str, Any] = json.loads(bytes(body.body))
    document.update({"RspCode": code, "Message": message})
    return JSONResponse(document, status_code=status, media_type="application/problem+json")


def _fresh(at: datetime | None, now: datetime, window_seconds: float) -> bool:
    # A little future skew is tolerated (the provider's clock), nothing older than the window.
    return at is not None and -300 <= (now - at).total_seconds() <= window_seconds


@router.get(
    "/{provider}/ipn",
    summary="Gateway IPN (server to server, signed)",
    responses={
        200: {"description": "`{RspCode, Message}`"},
        400: {"description": "Chữ ký không hợp lệ hoặc ngoài khung thời gian (`RspCode` 97)", **_IPN_PROBLEM},
        404: {"description": "Nhà cung cấp hoặc giao dịch không tồn tại (`RspCode` 01)", **_IPN_PROBLEM},
        422: {"description": "Số tiền không khớp (`RspCode` 04)", **_IPN_PROBLEM},
    },
)
async def ipn(provider: str, request: Request, uow: UowDep, ports: PortsDep) -> JSONResponse:
    """Verify the signature and freshness, then apply: credited once however often it is sent."""
    if provider != ports.gateway.code:
        return _ipn_answer(404, "01", "Order not found", "Unknown provider.")
    params = dict(request.query_params)
    try:
        result = ports.gateway.verify_callback(params)
    except SignatureError:
        log.warning("IPN refused: bad signature", extra={"provider": provider})
        return _ipn_answer(400, "97", "Invalid signature")
    window = ports.settings.callback_window.total_seconds()
    if not _fresh(result.occurred_at, ports.now(), window):
        log.warning("IPN refused: outside the time window", extra={"provider": provider})
        return _ipn_answer(400, "97", "Invalid signature", "The callback is outside its time window.")
    applied = await service.apply_gateway_result(uow, ports, result, source="ipn")
    status, code, message = IPN_ANSWERS.get(applied.outcome, (200, "00", "Confirm Success"))
    return _ipn_answer(status, code, message)


@router.get(
    "/{provider}/return",
    summary="Gateway browser return (display only)",
    response_class=HTMLResponse,
    responses=problems(BadSignature, PaymentNotFound),
)
async def browser_return(provider: str, request: Request, uow: UowDep, ports: PortsDep) -> HTMLResponse:
    """Show the payer where their payment stands. It changes nothing: only the IPN (or a status query)
    does, so a doctored return URL can at most show a wrong page to whoever doctored it."""
    if provider != ports.gateway.code:
        raise PaymentNotFound()
    try:
        result = ports.gateway.verify_callback(dict(request.query_params))
    except SignatureError:
        raise BadSignature("Liên kết trả về không hợp lệ.") from None
    payment = await service.by_checkout(uow, result.txn_ref)
    if payment is None:
        raise PaymentNotFound()
    if payment.status in ("succeeded", "refunded"):
        title, text = "Thanh toán thành công", f"Biên lai số {payment.receipt_number}."
    elif payment.status == "failed":
        title, text = "Thanh toán không thành công", "Bạn có thể thử lại bằng cách khác."
    elif payment.status == "expired":
        title, text = "Yêu cầu thanh toán đã hết hạn", "Vui lòng liên hệ bộ phận một cửa."
    else:
        title, text = "Đang chờ xác nhận", "Kết quả sẽ được cập nhật khi ngân hàng xác nhận giao dịch."
    return page(
        "payment_return.html",
        title=title,
        text=text,
        dossier_code=payment.dossier_code,
        dossier_url=ports.settings.dossier_page(payment.dossier_code),
        amount=vnd(payment.amount),
        payment_id=payment.id,
        status=payment.status,
    )


@router.post("/bank/notify", summary="Bank credit notifications (signed)", responses=problems(BadSignature))
async def bank_notify(request: Request, uow: UowDep, ports: PortsDep) -> JSONResponse:
    """Incoming transfers to the collection account, matched to payments by reference and amount.

    Every credit is recorded; one that matches no payment is kept as unmatched money for an admin.
    """
    body = await request.body()
    secret = ports.settings.bank.webhook_secret.get_secret_value()
    now = ports.now()
    try:
        signed_at = bank.verify(
            secret,
            request.headers.get(bank.TIMESTAMP_HEADER),
            request.headers.get(bank.SIGNATURE_HEADER),
            body,
            now=now,
        )
    except SignatureError:
        log.warning("bank notification refused: bad signature")
        raise BadSignature("Chữ ký thông báo ngân hàng không hợp lệ.") from None
    if not _fresh(
        datetime.fromtimestamp(signed_at, UTC), now, ports.settings.callback_window.total_seconds()
    ):
        raise BadSignature("Thông báo ngân hàng nằm ngoài khung thời gian cho phép.")
    try:
        notification = bank.BankNotification.model_validate_json(body)
    except ValidationError as exc:
        return problem(
            422,
            title="Dữ liệu không hợp lệ",
            detail=f"{exc.error_count()} field(s) are invalid.",
            type_=PROBLEM_BASE + "validation",
        )
    results = []
    for credit in notification.transactions:
        applied = await service.apply_bank_credit(uow, ports, credit)
        results.append({"id": credit.id, "outcome": applied.outcome.value})
    return JSONResponse({"results": results})
