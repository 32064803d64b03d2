"""Use cases of e-receipts: the signed PDF, and what anyone holding its QR code may check."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from motcua_shared.chassis.audit import record_read
from motcua_shared.chassis.auth import Principal
from motcua_shared.chassis.errors import Conflict
from motcua_shared.chassis.signing import Seal
from payment_svc.payments.errors import PaymentNotFound
from payment_svc.payments.models import AUDIT_RESOURCE, Payment
from payment_svc.ports import Ports
from payment_svc.uow import PaymentUnitOfWork

KIND = "bien-lai"
"""The kind of paper a receipt's signature names (``/MotcuaKind``)."""


def verify_url(ports: Ports, payment_id: str) -> str:
    """What a receipt's QR code holds: the citizen app's verify screen for this receipt, a page for people
    (it reads the record from `/api/v1/verify/{payment_id}`, which machines call directly)."""
    return f"{ports.settings.public_url}/xac-thuc/bien-lai/{quote(payment_id, safe='')}"


def seal(payment: Payment) -> Seal:
    """What the collecting agency's signature on the receipt of ``payment`` says."""
    assert payment.receipt_number is not None, "only a paid payment has a receipt"
    return Seal(
        agency_code=payment.agency_code,
        agency_name=payment.agency_name,
        kind=KIND,
        reference=payment.receipt_number,
        reason=f"Biên lai thu phí, lệ phí số {payment.receipt_number}",
        dossier_code=payment.dossier_code,
    )


async def receipt_pdf(
    uow: PaymentUnitOfWork, ports: Ports, who: Principal, payment_id: str
) -> tuple[str, bytes]:
    """The receipt number and signed PDF of a paid payment, for its payer and its agency. The receipt prints
    the payer's name: an officer's or admin's download is recorded before it is issued."""
    async with uow:
        payment = await uow.payments.get(payment_id)
        if payment is None or not payment.visible_to(who):
            raise PaymentNotFound()
        if not payment.receipt_number:
            raise Conflict("Khoản thanh toán chưa hoàn tất nên chưa có biên lai.")
        await record_read(
            uow, who, "receipt.download", AUDIT_RESOURCE, payment.id, detail=payment.receipt_number
        )
    settings = ports.settings

    def issue() -> bytes:
        # fpdf2 and fontTools cost ~30 MB a process: loaded by the replica that first issues a receipt.
        from payment_svc.receipts import pdf

        document = pdf.render(
            payment, receipts=settings.receipts, bank=settings.bank, verify_url=verify_url(ports, payment.id)
        )
        return ports.signer.sign_blocking(document, seal(payment))

    # Laying out, subsetting the font and signing are CPU work: keep them off the event loop.
    return payment.receipt_number, await asyncio.to_thread(issue)
