"""What payment-svc does with the dossier events it subscribes to (idempotent through the inbox)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from motcua_shared.chassis.messaging.consumer import Handlers
from motcua_shared.contracts.base import CloudEvent
from motcua_shared.contracts.dossier import (
    DossierApproved,
    DossierRejected,
    DossierSubmitted,
    DossierSupplementRequested,
    DossierWithdrawn,
)
from motcua_shared.contracts.payment import RefundCause
from payment_svc.payments import service
from payment_svc.uow import PaymentUnitOfWork


def build_handlers(*, payment_ttl: timedelta) -> Handlers[PaymentUnitOfWork]:
    """The handler registry, closed over the settings the handlers need."""
    handlers: Handlers[PaymentUnitOfWork] = Handlers()

    @handlers.on(DossierSubmitted)
    async def submitted(uow: PaymentUnitOfWork, event: DossierSubmitted, envelope: CloudEvent) -> None:
        await service.request_for_submission(uow, event, now=datetime.now(UTC), ttl=payment_ttl)

    @handlers.on(DossierSupplementRequested)
    async def supplement_requested(
        uow: PaymentUnitOfWork, event: DossierSupplementRequested, envelope: CloudEvent
    ) -> None:
        await service.request_at_supplement(uow, event, now=datetime.now(UTC), ttl=payment_ttl)

    @handlers.on(DossierApproved)
    async def approved(uow: PaymentUnitOfWork, event: DossierApproved, envelope: CloudEvent) -> None:
        await service.request_at_result(uow, event, now=datetime.now(UTC), ttl=payment_ttl)

    @handlers.on(DossierWithdrawn)
    async def withdrawn(uow: PaymentUnitOfWork, event: DossierWithdrawn, envelope: CloudEvent) -> None:
        await service.end_for_dossier(
            uow, event.dossier_code, now=datetime.now(UTC), cause=RefundCause.WITHDRAWN, ended_by=event.actor
        )

    @handlers.on(DossierRejected)
    async def rejected(uow: PaymentUnitOfWork, event: DossierRejected, envelope: CloudEvent) -> None:
        await service.end_for_dossier(
            uow, event.dossier_code, now=datetime.now(UTC), cause=RefundCause.REJECTED, ended_by=event.actor
        )

    return handlers
