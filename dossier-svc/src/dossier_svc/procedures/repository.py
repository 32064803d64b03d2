"""Queries on the procedure replica."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dossier_svc.procedures.models import Procedure


class ProcedureRepository:
    """The replica's rows."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, code: str, *, for_update: bool = False) -> Procedure | None:
        """The procedure ``code``, or None."""
        return await self._session.get(Procedure, code, with_for_update=for_update)

    async def parse(self, procedure: Procedure) -> None:
        """Have the snapshot of a row read without it parsed: the JSON is read only for a version this
        process has not parsed yet (a filing reads its procedure every time; a version never changes)."""
        if not procedure.snapshot_parsed():
            snapshot = await self._session.scalar(
                select(Procedure.snapshot).where(Procedure.code == procedure.code)
            )
            procedure.snapshot = snapshot or {}
            procedure.to_snapshot()

    def add(self, procedure: Procedure) -> None:
        """Stage a new replica row."""
        self._session.add(procedure)
