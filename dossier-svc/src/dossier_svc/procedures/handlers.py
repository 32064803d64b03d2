"""The replica follows the catalogue's events (idempotent: the inbox dedupes, versions only move forward)."""

from __future__ import annotations

import logging

from dossier_svc.procedures.models import Procedure
from dossier_svc.uow import DossierUow
from motcua_shared.chassis.messaging.consumer import Handlers
from motcua_shared.contracts.base import CloudEvent
from motcua_shared.contracts.catalog import ProcedurePublished, ProcedureWithdrawn

log = logging.getLogger(__name__)


def register(handlers: Handlers[DossierUow]) -> None:
    """Subscribe the replica to the catalogue's procedure events."""

    @handlers.on(ProcedurePublished)
    async def published(uow: DossierUow, event: ProcedurePublished, envelope: CloudEvent) -> None:
        row = await uow.procedures.get(event.code, for_update=True)
        if row is None:
            uow.procedures.add(Procedure.from_published(event))
        elif not row.apply_published(event):
            log.info("stale procedure version ignored", extra={"code": event.code, "version": event.version})

    @handlers.on(ProcedureWithdrawn)
    async def withdrawn(uow: DossierUow, event: ProcedureWithdrawn, envelope: CloudEvent) -> None:
        row = await uow.procedures.get(event.code, for_update=True)
        if row is None:
            # Withdrawn before we ever saw it published: nothing can be filed under it anyway.
            log.info("withdrawal of an unknown procedure", extra={"code": event.code})
            return
        row.apply_withdrawn(event)
