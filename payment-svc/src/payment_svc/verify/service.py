"""Use cases of verification: anyone may check a paper, by its file or by its QR code's reference."""

from __future__ import annotations

from motcua_shared.chassis.signing import NotAPdf, PaperSigner, Verdict
from payment_svc.payments.models import Payment
from payment_svc.uow import PaymentUnitOfWork
from payment_svc.verify.errors import NotAPdfFile, PaperNotFound

MAX_BYTES = 10 * 1024 * 1024
"""The largest file checked: our papers are a few tens of kilobytes."""


async def verify_upload(signer: PaperSigner, data: bytes) -> Verdict:
    """The verdict on an uploaded paper; a file that is no PDF is refused."""
    if len(data) > MAX_BYTES or not data.lstrip()[:5] == b"%PDF-":
        raise NotAPdfFile("Tệp tải lên không phải giấy tờ PDF (hoặc lớn hơn 10 MB).")
    try:
        return await signer.verify(data)
    except NotAPdf as exc:
        raise NotAPdfFile("Không đọc được tệp PDF tải lên.") from exc


async def issued_receipt(uow: PaymentUnitOfWork, reference: str) -> Payment:
    """The paid payment whose receipt's QR code holds ``reference``."""
    async with uow:
        payment = await uow.payments.get(reference)
    if payment is None or payment.receipt_number is None:
        raise PaperNotFound()
    return payment
