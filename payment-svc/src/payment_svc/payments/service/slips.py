"""Manual transfer: the payer's slips and the officers' decisions on them."""

from __future__ import annotations

from motcua_shared.chassis.audit import record_read
from motcua_shared.chassis.auth import Principal
from motcua_shared.chassis.errors import Conflict
from motcua_shared.contracts.payment import PaymentMethod
from payment_svc.payments.errors import IllegalTransition, NothingToReview, PaymentNotFound, SlipRejected
from payment_svc.payments.models import AUDIT_RESOURCE, Payment, PaymentStatus, Slip, SlipStatus, new_id
from payment_svc.payments.service.common import MANUAL, retried_on_race, visible
from payment_svc.payments.service.settlement import Report, settle
from payment_svc.ports import Ports
from payment_svc.uow import PaymentUnitOfWork

SLIP_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg", b"%PDF-": "application/pdf"}


def slip_type(data: bytes) -> str:
    """The media type of an acceptable slip (PNG, JPEG, PDF) from its first bytes."""
    for magic, media_type in SLIP_TYPES.items():
        if data.startswith(magic):
            return media_type
    raise SlipRejected("Chứng từ phải là ảnh PNG, JPEG hoặc tệp PDF.")


@retried_on_race
async def upload_slip(
    uow: PaymentUnitOfWork, ports: Ports, who: Principal, payment_id: str, *, filename: str, data: bytes
) -> Slip:
    """The payer attaches the slip of a transfer they made; an officer will confirm or reject it."""
    if not data:
        raise SlipRejected("Tệp chứng từ rỗng.")
    if len(data) > ports.settings.slip_max_bytes:
        raise SlipRejected(f"Tệp chứng từ vượt quá {ports.settings.slip_max_bytes // 1024} KB.")
    media_type = slip_type(data)

    async with uow:
        now = ports.now()
        payment = await visible(uow, who, payment_id, lock=True)
        if payment.status == PaymentStatus.FAILED:
            payment.reopen(now)
        if payment.status != PaymentStatus.PENDING:
            raise IllegalTransition(payment.status, "slip")
        slip = Slip(
            id=new_id("slp"),
            payment_id=payment.id,
            filename=(filename or "chung-tu")[:200],
            content_type=media_type,
            size=len(data),
            data=data,
            status=SlipStatus.SUBMITTED.value,
            uploaded_by=who.subject,
            uploaded_at=now,
        )
        uow.payments.add(slip)
        await uow.commit()
        return slip


async def slip_file(uow: PaymentUnitOfWork, who: Principal, payment_id: str, slip_id: str) -> Slip:
    """A slip's file, for the payer and the agency (an officer's or admin's download is audited)."""
    async with uow:
        await visible(uow, who, payment_id)
        slip = await uow.payments.slip(payment_id, slip_id)
        if slip is None:
            raise PaymentNotFound()
        await record_read(uow, who, "slip.download", AUDIT_RESOURCE, payment_id, detail=slip.id)
        return slip


@retried_on_race
async def decide_slip(
    uow: PaymentUnitOfWork,
    ports: Ports,
    who: Principal,
    payment_id: str,
    *,
    approve: bool,
    note: str | None,
    bank_txn_id: str | None = None,
) -> Payment:
    """An officer of the payment's agency confirms the transfer (the payment succeeds) or rejects it; the
    decision's audit record commits with it."""
    async with uow:
        now = ports.now()
        payment = await visible(uow, who, payment_id, lock=True)
        slip = await uow.payments.pending_slip(payment.id)
        if slip is None:
            raise NothingToReview()
        decision = "slip.confirm" if approve else "slip.reject"
        uow.audit.record(who, decision, AUDIT_RESOURCE, payment.id, detail=slip.id)
        slip.decided_by = who.subject
        slip.decided_at = now
        slip.note = note
        if not approve:
            slip.status = SlipStatus.REJECTED.value
            await uow.commit()
            return payment
        if payment.status not in (PaymentStatus.PENDING, PaymentStatus.FAILED):
            raise IllegalTransition(payment.status, PaymentStatus.SUCCEEDED)
        slip.status = SlipStatus.CONFIRMED.value
        slip.bank_txn_id = bank_txn_id
        report = Report(
            provider=MANUAL,
            provider_txn_id=bank_txn_id or f"slip:{slip.id}",
            source="officer",
            succeeded=True,
            amount=payment.amount,
            currency="VND",
            method=PaymentMethod.MANUAL_TRANSFER,
            reference=payment.reference,
            occurred_at=now,
            detail=f"confirmed by {who.subject}",
        )
        if await uow.payments.provider_txn(MANUAL, report.provider_txn_id) is not None:
            raise Conflict("Giao dịch ngân hàng này đã được dùng để xác nhận một khoản khác.")
        await settle(uow, payment, None, report, now, receipts=ports.settings.receipts)
        await uow.commit()
        return payment
