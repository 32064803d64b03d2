"""HTTP: the delivery log for staff, and the SMS provider's delivery receipts."""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request

from motcua_shared.chassis.auth import PrincipalDep
from motcua_shared.chassis.errors import Forbidden, NotFound, Unauthenticated, Unprocessable
from motcua_shared.chassis.pages import CursorQuery
from motcua_shared.chassis.problems import problems
from motcua_shared.contracts.notify import NotifyChannel
from notify_svc.deliveries import service
from notify_svc.deliveries.errors import BadReceiptSignature, UnknownMessage
from notify_svc.deliveries.models import DeliveryStatus
from notify_svc.deliveries.schemas import (
    DELIVERY_CURSOR,
    DeliveryOut,
    DeliveryPage,
    ReceiptIn,
    ReceiptOut,
    delivery_position,
)
from notify_svc.deps import PortsDep, SettingsDep, UowDep

router = APIRouter(prefix="/api/v1/notifications", tags=["deliveries"])


@router.get(
    "/deliveries",
    response_model=DeliveryPage,
    summary="Delivery log (staff)",
    responses=problems(Unauthenticated, Forbidden, Unprocessable),
    operation_id="deliveries.list",
)
async def list_deliveries(
    uow: UowDep,
    who: PrincipalDep,
    channel: NotifyChannel | None = None,
    status: DeliveryStatus | None = None,
    dossier_code: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: CursorQuery = None,
) -> DeliveryPage:
    """Admins see every delivery, officers those about their agency's dossiers; `?status=failed` shows
    what did not reach people."""
    before = DELIVERY_CURSOR.decode(cursor)
    rows, total = await service.list_for_staff(
        uow,
        who,
        channel=channel.value if channel else None,
        status=status.value if status else None,
        dossier_code=dossier_code,
        limit=limit + 1,
        before=before,
    )
    rows, next_cursor = DELIVERY_CURSOR.cut(rows, limit, delivery_position)
    return DeliveryPage(items=[DeliveryOut.of(d) for d in rows], total=total, next_cursor=next_cursor)


@router.post(
    "/receipts/sms",
    response_model=ReceiptOut,
    summary="SMS delivery receipt (provider callback, signed)",
    responses=problems(BadReceiptSignature, NotFound, UnknownMessage, Unprocessable),
)
async def sms_receipt(
    request: Request,
    uow: UowDep,
    ports: PortsDep,
    settings: SettingsDep,
    signature: Annotated[str | None, Header(alias="X-Signature")] = None,
) -> ReceiptOut:
    """Verified first (``X-Signature: sha256=<hex HMAC-SHA256 of the body>``), then applied; a receipt
    never reopens a delivered or failed message."""
    secret = settings.sms.receipt_secret
    if secret is None:
        raise NotFound("Không nhận báo cáo gửi tin ở cấu hình này.")
    raw = await request.body()
    expected = "sha256=" + hmac.new(secret.get_secret_value().encode(), raw, hashlib.sha256).hexdigest()
    if signature is None or not hmac.compare_digest(signature, expected):
        raise BadReceiptSignature("Chữ ký báo cáo gửi tin không hợp lệ.")
    try:
        receipt = ReceiptIn.model_validate_json(raw)
    except ValueError:
        raise Unprocessable("Báo cáo gửi tin không đúng định dạng.") from None
    delivery, changed = await service.apply_receipt(
        uow,
        ports,
        message_id=receipt.message_id,
        delivered=receipt.status == "delivered",
        error=receipt.error,
    )
    return ReceiptOut(delivery_id=delivery.id, status=delivery.status, changed=changed)
