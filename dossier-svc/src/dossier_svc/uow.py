"""dossier-svc's unit of work: the chassis one, with this service's repositories."""

from __future__ import annotations

from dossier_svc.documents.repository import DocumentRepository
from dossier_svc.dossiers.repository import DossierRepository
from dossier_svc.procedures.repository import ProcedureRepository
from dossier_svc.stats.repository import StatsRepository
from motcua_shared.chassis.uow import UnitOfWork


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
