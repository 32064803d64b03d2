"""catalog-svc's unit of work: the chassis transaction with the catalogue's repositories."""

from __future__ import annotations

from catalog_svc.directory.repository import DirectoryRepository
from catalog_svc.procedures.repository import ProcedureRepository
from motcua_shared.chassis.uow import UnitOfWork


class CatalogUnitOfWork(UnitOfWork):
    """``async with uow: ...; await uow.commit()`` with ``uow.directory`` and ``uow.procedures``."""

    directory: DirectoryRepository
    procedures: ProcedureRepository

    def open(self) -> None:
        """Build the repositories on this unit of work's session."""
        self.directory = DirectoryRepository(self.session, cache_key=str(self.db.url))
        self.procedures = ProcedureRepository(
            self.session, self.db.url.get_backend_name(), cache_key=str(self.db.url), engine=self.db.engine
        )
