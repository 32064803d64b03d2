"""HTTP API of payments: parse, authorise, call the use case, shape the answer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Path, Query, UploadFile
from fastapi.responses import Response

from motcua_shared.chassis.auth import PrincipalDep
from motcua_shared.chassis.errors import Forbidden, Unauthenticated, Unprocessable
from motcua_shared.chassis.idempotency import (
    KEY_MAX_LENGTH,
    IdempotencyKeyDep,
    IdempotencyKeyMissing,
    IdempotencyKeyReused,
)
from motcua_shared.chassis.openapi import IDEMPOTENT_REPLAYED, idempotent
from motcua_shared.chassis.pages import CursorQuery
from motcua_shared.chassis.problems import problems
from motcua_shared.chassis.signing import SigningUnavailable
from motcua_shared.contracts.payment import PaymentMethod
from payment_svc.deps import (
    CitizenDep,
    ClientIpDep,
    PortsDep,
    StaffDep,
    UowDep,
)
from payment_svc.payments import service
from payment_svc.payments.errors import (
    IllegalTransition,
    PaymentNotFound,
    RefundDecided,
    RefundNotFound,
    RefundTooLarge,
)
from payment_svc.payments.models import Awaiting, Payment
from payment_svc.payments.schemas import (
    BASE,
    AnomalyList,
    CheckoutIn,
    CheckoutOut,
    GatewayOut,
    PaymentOut,
    PaymentPage,
    RefundDecisionIn,
    RefundIn,
    RefundOut,
    RefundResultOut,
    ResolveIn,
    SlipConfirmIn,
    SlipOut,
    SlipRejectIn,
    TransactionOut,
    TransferOut,
    VietQrOut,
)
from payment_svc.ports import Ports
from payment_svc.providers import vietqr
from payment_svc.receipts.service import receipt_pdf

IDEMPOTENT = idempotent(max_length=KEY_MAX_LENGTH, status=201)

router = APIRouter(
    prefix=BASE,
    tags=["payments"],
    responses=problems(
        IdempotencyKeyMissing,
        Unauthenticated,
        Forbidden,
        PaymentNotFound,
        IllegalTransition,
        IdempotencyKeyReused,
        Unprocessable,
    ),
)


def _bank(ports: Ports, payment: Payment) -> dict[str, Any]:
    bank = ports.settings.bank
    return {
        "bank_bin": bank.bin,
        "bank_name": bank.bank_name,
        "account_number": bank.account_number,
        "account_name": bank.account_name,
        "amount": payment.amount,
        "reference": payment.reference,
    }


def _qr_payload(ports: Ports, payment: Payment) -> str:
    bank = ports.settings.bank
    return vietqr.payload(
        bank_bin=bank.bin, account=bank.account_number, amount=payment.amount, purpose=payment.reference
    )


@router.get("", response_model=PaymentPage, summary="The caller's payments", operation_id="payments.list")
async def list_payments(
    uow: UowDep,
    who: PrincipalDep,
    dossier_code: str | None = Query(default=None, max_length=64),
    status: str | None = Query(
        default=None, pattern="^(pending|succeeded|failed|expired|refunded)$", max_length=16
    ),
    flagged: bool | None = None,
    awaiting: Awaiting | None = Query(
        default=None,
        description="Only payments awaiting an officer's decision: `slip`, a manual transfer slip to "
        "confirm or reject; `refund`, a refund the platform proposed to approve or decline.",
    ),
    limit: int = Query(default=20, ge=1, le=100),
    cursor: CursorQuery = None,
) -> PaymentPage:
    """A citizen's own payments, an officer's agency's, or all for an admin; newest first."""
    page = await service.list_payments(
        uow,
        who,
        dossier_code=dossier_code,
        status=status,
        flagged=flagged,
        awaiting=awaiting,
        limit=limit,
        cursor=cursor,
    )
    items = [PaymentOut.of(v.payment, v) for v in page.items]
    return PaymentPage(items=items, total=page.total, next_cursor=page.next_cursor)


@router.post(
    "",
    response_model=CheckoutOut,
    status_code=201,
    summary="Pay a payment: choose a method",
    operation_id="payments.create",
    openapi_extra=IDEMPOTENT,
)
async def pay(
    body: CheckoutIn,
    uow: UowDep,
    ports: PortsDep,
    who: CitizenDep,
    key: IdempotencyKeyDep,
    ip: ClientIpDep,
    response: Response,
) -> CheckoutOut:
    """Choose how to pay one of your payments and get what your app needs: a gateway redirect, a
    VietQR code, or the account to transfer to. Needs `Idempotency-Key`."""
    command = service.CheckoutCommand(
        method=body.method, payment_id=body.payment_id, dossier_code=body.dossier_code
    )
    done = await service.checkout(uow, ports, who, command, key=key, client_ip=ip)
    if done.replayed:
        response.headers[IDEMPOTENT_REPLAYED] = "true"
    payment, attempt = done.payment, done.attempt
    out = CheckoutOut(payment=PaymentOut.of(payment), attempt_id=attempt.id, method=body.method)
    if body.method is PaymentMethod.GATEWAY:
        assert attempt.redirect_url is not None
        out.gateway = GatewayOut(redirect_url=attempt.redirect_url, expires_at=attempt.expires_at)
    elif body.method is PaymentMethod.VIETQR:
        out.vietqr = VietQrOut(
            **_bank(ports, payment),
            payload=_qr_payload(ports, payment),
            png_url=f"{BASE}/{payment.id}/vietqr.png",
            svg_url=f"{BASE}/{payment.id}/vietqr.svg",
        )
    else:
        out.transfer = TransferOut(**_bank(ports, payment), slip_upload_url=f"{BASE}/{payment.id}/slips")
    return out


@router.post(
    "/{payment_id}/renew",
    response_model=PaymentOut,
    status_code=201,
    summary="Renew a payment request that expired or failed unpaid",
    openapi_extra=IDEMPOTENT,
)
async def renew(
    payment_id: str,
    uow: UowDep,
    ports: PortsDep,
    who: CitizenDep,
    key: IdempotencyKeyDep,
    response: Response,
) -> PaymentOut:
    """Get a new payment request (new reference, new expiry; same items and amount) for a fee your dossier
    still owes, when its request expired or failed unpaid; then pay the new one. Needs `Idempotency-Key`.
    409 `payment-not-renewable` when the request is still payable, a newer one exists, the fee was paid, or
    the dossier was withdrawn or refused (`errors[0].reason`)."""
    done = await service.renew(uow, ports, who, payment_id, key=key)
    if done.replayed:
        response.headers[IDEMPOTENT_REPLAYED] = "true"
    return PaymentOut.of(done.payment)


@router.get("/anomalies", response_model=AnomalyList, summary="Flagged money awaiting a decision")
async def list_anomalies(
    uow: UowDep, who: StaffDep, limit: int = Query(default=100, ge=1, le=500)
) -> AnomalyList:
    """Late or double payments, wrong amounts and unmatched transfers not yet resolved."""
    rows = await service.anomalies(uow, who, limit=limit)
    return AnomalyList(items=[TransactionOut.model_validate(r) for r in rows])


@router.post(
    "/anomalies/{transaction_id}/resolve", response_model=TransactionOut, summary="Resolve flagged money"
)
async def resolve_anomaly(
    transaction_id: Annotated[int, Path(ge=1, le=2**63 - 1, description="The transaction's id (64-bit).")],
    body: ResolveIn,
    uow: UowDep,
    ports: PortsDep,
    who: StaffDep,
) -> TransactionOut:
    """Accept the money for its payment after all, or record that it was refunded."""
    txn = await service.resolve_anomaly(
        uow, ports, who, transaction_id, accept=body.action == "accept", note=body.note
    )
    return TransactionOut.model_validate(txn)


@router.get("/{payment_id}", response_model=PaymentOut, summary="One payment", operation_id="payments.get")
async def get_payment(payment_id: str, uow: UowDep, who: PrincipalDep) -> PaymentOut:
    """A payment you may see, with its attempts, refunds and slips."""
    view = await service.get(uow, who, payment_id)
    return PaymentOut.of(view.payment, view)


@router.get(
    "/{payment_id}/vietqr.{kind}",
    summary="The payment's VietQR code as an image",
    response_class=Response,
    responses={200: {"content": {"image/png": {}, "image/svg+xml": {}}}},
)
async def vietqr_image(
    payment_id: str, kind: str, uow: UowDep, ports: PortsDep, who: PrincipalDep
) -> Response:
    """The VietQR code of an unpaid payment, PNG or SVG."""
    if kind not in ("png", "svg"):
        raise PaymentNotFound()
    text = _qr_payload(ports, await service.payable(uow, who, payment_id))
    if kind == "png":
        return Response(vietqr.png(text), media_type="image/png", headers={"Cache-Control": "private"})
    return Response(vietqr.svg(text), media_type="image/svg+xml", headers={"Cache-Control": "private"})


@router.get(
    "/{payment_id}/receipt.pdf",
    summary="The e-receipt",
    response_class=Response,
    responses={**problems(SigningUnavailable), 200: {"content": {"application/pdf": {}}}},
)
async def receipt(payment_id: str, uow: UowDep, ports: PortsDep, who: PrincipalDep) -> Response:
    """The PDF receipt of a paid payment, for the payer and the agency."""
    number, document = await receipt_pdf(uow, ports, who, payment_id)
    return Response(
        document,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="bien-lai-{number}.pdf"',
            "Cache-Control": "private",
        },
    )


@router.post(
    "/{payment_id}/refund",
    response_model=RefundResultOut,
    status_code=201,
    summary="Refund, in full or part",
    openapi_extra=idempotent(max_length=KEY_MAX_LENGTH, status=201, replays=False),
)
async def refund(
    payment_id: str,
    body: RefundIn,
    uow: UowDep,
    ports: PortsDep,
    who: StaffDep,
    key: IdempotencyKeyDep,
    ip: ClientIpDep,
) -> RefundResultOut:
    """An officer of the payment's agency, or an admin, refunds up to what was paid. Needs
    `Idempotency-Key`."""
    done, payment = await service.refund(
        uow, ports, who, payment_id, amount=body.amount, reason=body.reason, key=key, client_ip=ip
    )
    return RefundResultOut(refund=RefundOut.model_validate(done), payment=PaymentOut.of(payment))


@router.post(
    "/{payment_id}/refunds/{refund_id}/decision",
    response_model=RefundResultOut,
    summary="Approve or decline a proposed refund",
    responses=problems(PaymentNotFound, RefundNotFound, RefundDecided, RefundTooLarge),
)
async def decide_refund(
    payment_id: str,
    refund_id: str,
    body: RefundDecisionIn,
    uow: UowDep,
    ports: PortsDep,
    who: StaffDep,
    ip: ClientIpDep,
) -> RefundResultOut:
    """An officer of the payment's agency, or an admin, decides a refund proposed when the paid dossier was
    refused or withdrawn. Approving sends it as any refund (sending the approval again resumes one a
    provider outage left requested)."""
    done, payment = await service.decide_proposal(
        uow,
        ports,
        who,
        payment_id,
        refund_id,
        approve=body.action == "approve",
        amount=body.amount,
        note=body.note,
        client_ip=ip,
    )
    return RefundResultOut(refund=RefundOut.model_validate(done), payment=PaymentOut.of(payment))


@router.post("/{payment_id}/slips", response_model=SlipOut, status_code=201, summary="Upload a transfer slip")
async def upload_slip(
    payment_id: str,
    uow: UowDep,
    ports: PortsDep,
    who: CitizenDep,
    file: Annotated[UploadFile, File(description="PNG, JPEG or PDF of the transfer.")],
) -> SlipOut:
    """Attach the slip of a manual bank transfer; an officer will confirm or reject it."""
    data = await file.read(ports.settings.slip_max_bytes + 1)
    slip = await service.upload_slip(uow, ports, who, payment_id, filename=file.filename or "", data=data)
    return SlipOut.of(slip)


@router.get(
    "/{payment_id}/slips/{slip_id}",
    summary="A transfer slip's file",
    response_class=Response,
    responses={200: {"content": {"image/png": {}, "image/jpeg": {}, "application/pdf": {}}}},
)
async def slip_file(payment_id: str, slip_id: str, uow: UowDep, who: PrincipalDep) -> Response:
    """The slip as uploaded, for the payer and the agency."""
    slip = await service.slip_file(uow, who, payment_id, slip_id)
    return Response(
        slip.data,
        media_type=slip.content_type,
        headers={"Cache-Control": "private", "X-Content-Type-Options": "nosniff"},
    )


@router.post("/{payment_id}/slips/confirm", response_model=PaymentOut, summary="Confirm a transfer slip")
async def confirm_slip(
    payment_id: str, body: SlipConfirmIn, uow: UowDep, ports: PortsDep, who: StaffDep
) -> PaymentOut:
    """The transfer arrived: the payment succeeds and its receipt is issued."""
    payment = await service.decide_slip(
        uow, ports, who, payment_id, approve=True, note=body.note, bank_txn_id=body.bank_txn_id
    )
    return PaymentOut.of(payment)


@router.post("/{payment_id}/slips/reject", response_model=PaymentOut, summary="Reject a transfer slip")
async def reject_slip(
    payment_id: str, body: SlipRejectIn, uow: UowDep, ports: PortsDep, who: StaffDep
) -> PaymentOut:
    """The slip does not show a transfer for this payment; the payer may upload another."""
    payment = await service.decide_slip(uow, ports, who, payment_id, approve=False, note=body.reason)
    return PaymentOut.of(payment)
