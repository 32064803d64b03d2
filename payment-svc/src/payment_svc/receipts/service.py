"""Use cases of e-receipts."""

from __future__ import annotations

import asyncio

from motcua_shared.chassis.auth import Principal
from motcua_shared.chassis.errors import Conflict
from payment_svc.payments.errors import PaymentNotFound
from payment_svc.receipts import pdf
from payment_svc.uow import PaymentUnitOfWork


async def receipt_pdf(
    uow: PaymentUnitOfWork, who: Principal, payment_id: str, *, issuer: str
) -> tuple[str, bytes]:
    """The receipt number and PDF of a paid payment, for its payer and its agency."""
    async with uow:
        payment = await uow.payments.get(payment_id)
        if payment is None or not payment.visible_to(who):
            raise PaymentNotFound()
        if not payment.receipt_number:
            raise Conflict("Khoản thanh toán chưa hoàn tất nên chưa có biên lai.")
    # Rendering is CPU work (font subsetting); keep it off the event loop.
    document = await asyncio.to_thread(pdf.render, payment, issuer=issuer)
    return payment.receipt_number, document
