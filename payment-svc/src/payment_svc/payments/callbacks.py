"""Provider callbacks: the gateway's signed IPN and browser return, and the bank's credit notifications.

Only a verified server-to-server message changes state. The gateway's IPN is answered as VNPay's
integration guide says: HTTP 200 whatever happened, with ``{"RspCode", "Message"}`` naming the outcome
(any other status makes the gateway retry). Anything forged or unknown changes nothing; a message signed
longer ago than the callback window is answered from what is recorded, or applied as the gateway's status
query states it now. The bank's notifications and the browser return answer problem documents.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Final

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
from payment_svc.ports import Ports
from payment_svc.providers import bank
from payment_svc.providers.base import ProviderUnavailable, SignatureError
from payment_svc.receipts.amounts import vnd
from payment_svc.uow import PaymentUnitOfWork

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1/payments/providers", tags=["payment-providers"])

# VNPay's IPN answers (vnpay_ipn.php, version 2.1.0): the only ones the gateway understands.
CONFIRMED: Final = ("00", "Confirm Success")
NOT_FOUND: Final = ("01", "Order not found")
ALREADY_CONFIRMED: Final = ("02", "Order already confirmed")
INVALID_AMOUNT: Final = ("04", "Invalid amount")
INVALID_SIGNATURE: Final = ("97", "Invalid signature")
UNKNOWN_ERROR: Final = ("99", "Unknown error")

IPN_ANSWERS: dict[Outcome, tuple[str, str]] = {
    Outcome.CREDITED: CONFIRMED,
    Outcome.FAILED: CONFIRMED,
    # Money for a request that expired or was paid another way: recorded and flagged for a refund.
    Outcome.FLAGGED_REFUND: CONFIRMED,
    Outcome.DUPLICATE: ALREADY_CONFIRMED,
    Outcome.AMOUNT_MISMATCH: INVALID_AMOUNT,
    Outcome.CURRENCY_MISMATCH: INVALID_AMOUNT,
    Outcome.UNKNOWN: NOT_FOUND,
}


def _fresh(at: datetime | None, now: datetime, window_seconds: float) -> bool:
    # A little future skew is tolerated (the provider's clock), nothing older than the window.
    return at is not None and -300 <= (now - at).total_seconds() <= window_seconds


async def _answer_ipn(
    provider: str, params: dict[str, str], uow: PaymentUnitOfWork, ports: Ports
) -> tuple[str, str]:
    if provider != ports.gateway.code:
        return NOT_FOUND
    try:
        result = ports.gateway.verify_callback(params)
    except SignatureError:
        log.warning("IPN refused: bad signature", extra={"provider": provider})
        return INVALID_SIGNATURE
    if _fresh(result.occurred_at, ports.now(), ports.settings.callback_window.total_seconds()):
        applied = await service.apply_gateway_result(uow, ports, result, source="ipn")
    else:
        log.info("late IPN: answered from the record or the status query", extra={"provider": provider})
        applied = await service.apply_late_gateway_result(uow, ports, result)
    return IPN_ANSWERS[applied.outcome]


@router.get(
    "/{provider}/ipn",
    summary="Gateway IPN (server to server, signed)",
    responses={
        200: {
            "description": "Always 200 with `{RspCode, Message}`: 00 confirmed, 01 order not found, "
            "02 already confirmed, 04 invalid amount, 97 invalid signature, 99 unknown error"
        }
    },
)
async def ipn(provider: str, request: Request, uow: UowDep, ports: PortsDep) -> JSONResponse:
    """Verify the signature, then apply: credited once however often it is sent."""
    try:
        code, message = await _answer_ipn(provider, dict(request.query_params), uow, ports)
    except ProviderUnavailable:
        log.warning("late IPN not confirmed: the status query failed", extra={"provider": provider})
        code, message = UNKNOWN_ERROR
    except Exception:
        # The gateway retries on 99; any other status would make it retry as well, without a reason.
        log.exception("IPN failed", extra={"provider": provider})
        code, message = UNKNOWN_ERROR
    return JSONResponse({"RspCode": code, "Message": message})


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
