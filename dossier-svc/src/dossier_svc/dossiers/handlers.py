"""Dossiers follow the payment service's confirmations (fees due at submission gate receipt)."""

from __future__ import annotations

import logging

from dossier_svc.db import utcnow
from dossier_svc.uow import DossierUow
from motcua_shared.chassis.errors import PermanentError
from motcua_shared.chassis.messaging.consumer import Handlers
from motcua_shared.contracts.base import CloudEvent
from motcua_shared.contracts.payment import PaymentSucceeded

log = logging.getLogger(__name__)


def register(handlers: Handlers[DossierUow]) -> None:
    """Subscribe dossiers to payment confirmations."""

    @handlers.on(PaymentSucceeded)
    async def payment_succeeded(uow: DossierUow, event: PaymentSucceeded, envelope: CloudEvent) -> None:
        dossier = await uow.dossiers.by_code(event.dossier_code)
        if dossier is None:
            # Payments are requested from our own `submitted` event, so the dossier exists or never will.
            raise PermanentError(f"payment {event.payment_id} names an unknown dossier")
        entry = dossier.note_payment(event.payment_id, event.amount, utcnow())
        if entry is None:
            log.info("payment for a dossier already paid", extra={"payment_id": event.payment_id})
            return
        uow.dossiers.append(entry)
