"""dossier-svc's unit of work: the chassis one, with this service's repositories."""

from __future__ import annotations

from typing import Any

from dossier_svc.documents.repository import DocumentRepository
from dossier_svc.dossiers.repository import DossierRepository
from dossier_svc.procedures.repository import ProcedureRepository
from dossier_svc.stats.repository import StatsRepository
from motcua_shared.chassis.uow import UnitOfWork
from motcua_shared.contracts.base import Event


class DossierUow(UnitOfWork):
    """One transaction over the replica, dossiers, documents and statistics."""

    procedures: ProcedureRepository
    dossiers: DossierRepository
    documents: DocumentRepository
    stats: StatsRepository

    def open(self) -> None:
        """Build the repositories on this unit's session."""
        self.procedures = ProcedureRepository(self.session)
        self.dossiers = DossierRepository(self.session, postgres=self.db.is_postgres)
        self.documents = DocumentRepository(self.session)
        self.stats = StatsRepository(self.session)

    async def autocommit(self) -> None:
        """On PostgreSQL, let each statement commit on its own (no BEGIN/COMMIT round trips).

        Only for a use case whose reads need no common snapshot and whose whole write is one atomic
        statement (the filing, see :meth:`DossierRepository.file`). Call it first. On SQLite the unit stays
        one transaction.
        """
        if self.db.is_postgres:
            await self.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})

    def outbox_values(self, event: Event) -> dict[str, Any]:
        """The column values of ``event``'s outbox row, made by the chassis outbox but left for the caller
        to insert, for a write done as one statement; :meth:`commit` still wakes the relay."""
        envelope = self.outbox.add(event)
        return self.outbox.detach(envelope.id)
