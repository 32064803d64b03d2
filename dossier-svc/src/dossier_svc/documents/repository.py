"""Queries on dossier documents."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dossier_svc.documents.models import DossierDocument


class DocumentRepository:
    """Document rows."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, document: DossierDocument) -> None:
        """Stage a new document row."""
        self._session.add(document)

    async def for_dossier(self, dossier_id: str) -> Sequence[DossierDocument]:
        """A dossier's documents, oldest first."""
        rows = await self._session.scalars(
            select(DossierDocument)
            .where(DossierDocument.dossier_id == dossier_id)
            .order_by(DossierDocument.uploaded_at, DossierDocument.id)
        )
        return rows.all()

    async def get(self, dossier_id: str, document_id: str) -> DossierDocument | None:
        """One document of one dossier."""
        return await self._session.scalar(
            select(DossierDocument).where(
                DossierDocument.dossier_id == dossier_id, DossierDocument.id == document_id
            )
        )

    async def codes(self, dossier_id: str, *, since: datetime | None = None) -> set[str]:
        """The document codes uploaded (after ``since`` when given)."""
        query = select(DossierDocument.document_code).where(DossierDocument.dossier_id == dossier_id)
        if since is not None:
            query = query.where(DossierDocument.uploaded_at >= since)
        return set((await self._session.scalars(query)).all())
