"""Dossiers follow the payment service's confirmations.

A fee due at submission gates receipt, one due at result gates its return (both read the recorded payment
through the transition table's guards); one due at supplement gates the resumption, and a request that
asked for the fee alone resumes here, as the system, once it is paid.
"""

from __future__ import annotations

import logging

from dossier_svc.calendar.models import WorkCalendar
from dossier_svc.uow import DossierUow
from motcua_shared.chassis.clock import Clock
from motcua_shared.chassis.errors import PermanentError
from motcua_shared.chassis.messaging.consumer import Handlers
from motcua_shared.contracts.base import CloudEvent
from motcua_shared.contracts.payment import PaymentSucceeded

log = logging.getLogger(__name__)


def register(handlers: Handlers[DossierUow], *, calendar: WorkCalendar, clock: Clock) -> None:
    """Subscribe dossiers to payment confirmations (``calendar`` restarts a resumed dossier's clock)."""

    @handlers.on(PaymentSucceeded)
    async def payment_succeeded(uow: DossierUow, event: PaymentSucceeded, envelope: CloudEvent) -> None:
        dossier = await uow.dossiers.by_code(event.dossier_code)
        if dossier is None:
            # Payments are requested from our own `submitted` event, so the dossier exists or never will.
            raise PermanentError(f"payment {event.payment_id} names an unknown dossier")
        now = clock.now()
        entry = dossier.note_payment(event.payment_id, event.amount, now, method=event.method.value)
        if entry is None:
            log.info("payment for a dossier already paid", extra={"payment_id": event.payment_id})
            return
        uow.dossiers.append(entry)
        resumed = dossier.resume_when_paid(now, calendar)
        if resumed is not None:
            uow.dossiers.append(resumed.entry)
            if resumed.event is not None:
                uow.outbox.add(resumed.event)
