"""Queries on the procedure replica."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from dossier_svc.procedures.models import Procedure


class ProcedureRepository:
    """The replica's rows."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, code: str, *, for_update: bool = False) -> Procedure | None:
        """The procedure ``code``, or None."""
        return await self._session.get(Procedure, code, with_for_update=for_update)

    def add(self, procedure: Procedure) -> None:
        """Stage a new replica row."""
        self._session.add(procedure)
