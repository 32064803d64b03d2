"""HTTP: the sandbox SMS inbox (embedded and development only; 404 in production settings)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from motcua_shared.chassis.errors import Unprocessable
from motcua_shared.chassis.pages import CursorQuery
from motcua_shared.chassis.problems import problems
from motcua_shared.contracts.common import NotAMobileNumber, vn_mobile
from notify_svc.deliveries import service as deliveries
from notify_svc.deliveries.schemas import ReceiptOut
from notify_svc.deps import PortsDep, SettingsDep, UowDep
from notify_svc.sandbox import service
from notify_svc.sandbox.errors import SandboxDisabled
from notify_svc.sandbox.schemas import SMS_CURSOR, SandboxReceiptIn, SandboxSmsOut, SandboxSmsPage
from notify_svc.settings import Settings

router = APIRouter(prefix="/api/v1/sandbox", tags=["sandbox"], responses=problems(SandboxDisabled))


def _available(settings: Settings) -> None:
    if not settings.sandbox_enabled:
        raise SandboxDisabled()


@router.get(
    "/sms",
    response_model=SandboxSmsPage,
    summary="SMS the sandbox provider received",
    operation_id="sandbox.list_sms",
)
async def sandbox_sms(
    uow: UowDep,
    settings: SettingsDep,
    phone: Annotated[
        str,
        Query(
            max_length=32,
            examples=["0905123456", "+84905123456"],
            description="The mobile number, written as at sign-in (`0905123456`, `+84905123456`).",
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: CursorQuery = None,
) -> SandboxSmsPage:
    """Newest first. Development only: there is no such inbox in production."""
    _available(settings)
    try:
        e164 = vn_mobile(phone)
    except NotAMobileNumber as exc:
        raise Unprocessable(
            "Số điện thoại di động không hợp lệ.",
            errors=[{"field": "phone", "in": "query", "message": str(exc)}],
        ) from None
    found, total = await service.messages_to(uow, e164, limit=limit + 1, before=SMS_CURSOR.decode(cursor))
    rows, next_cursor = SMS_CURSOR.cut(found, limit, lambda r: r.id)
    return SandboxSmsPage(
        items=[SandboxSmsOut.model_validate(r, from_attributes=True) for r in rows],
        total=total,
        next_cursor=next_cursor,
    )


@router.post(
    "/sms/{message_id}/receipt",
    response_model=ReceiptOut,
    summary="Simulate the provider's delivery receipt",
    operation_id="sandbox.sms_receipt",
)
async def sandbox_receipt(
    message_id: str, body: SandboxReceiptIn, uow: UowDep, ports: PortsDep, settings: SettingsDep
) -> ReceiptOut:
    """What a real provider's signed callback does, for development."""
    _available(settings)
    delivery, changed = await deliveries.apply_receipt(
        uow, ports, message_id=message_id, delivered=body.status == "delivered", error=body.error
    )
    return ReceiptOut(delivery_id=delivery.id, status=delivery.status, changed=changed)
