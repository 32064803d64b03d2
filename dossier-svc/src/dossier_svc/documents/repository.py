"""Queries on dossier documents."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dossier_svc.documents.models import RESULT_DOCUMENT, DossierDocument
from dossier_svc.dossiers.models import Dossier


class DocumentRepository:
    """Document rows."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, document: DossierDocument) -> None:
        """Stage a new document row."""
        self._session.add(document)

    async def delete(self, document: DossierDocument) -> None:
        """Delete a document row (its bytes stay in the store: another row may share them)."""
        await self._session.delete(document)

    async def result(self, document_id: str) -> tuple[DossierDocument, Dossier] | None:
        """A signed result and its dossier, by the result's id; None when there is none."""
        query = (
            select(DossierDocument, Dossier)
            .join(Dossier, Dossier.id == DossierDocument.dossier_id)
            .where(
                DossierDocument.id == document_id,
                DossierDocument.document_code == RESULT_DOCUMENT,
                DossierDocument.issuer_code.is_not(None),
            )
        )
        found = (await self._session.execute(query)).first()
        return (found[0], found[1]) if found is not None else None

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

    async def of_owner(
        self, owner: str, *, after: tuple[datetime, str] | None, limit: int
    ) -> Sequence[tuple[DossierDocument, str]]:
        """The documents of ``owner``'s dossiers with each dossier's code, newest first, after a position."""
        query = (
            select(DossierDocument, Dossier.code)
            .join(Dossier, Dossier.id == DossierDocument.dossier_id)
            .where(Dossier.applicant_id == owner)
            .order_by(DossierDocument.uploaded_at.desc(), DossierDocument.id.desc())
            .limit(limit)
        )
        if after is not None:
            at, document_id = after
            query = query.where(
                (DossierDocument.uploaded_at < at)
                | ((DossierDocument.uploaded_at == at) & (DossierDocument.id < document_id))
            )
        return [(row, code) for row, code in (await self._session.execute(query)).all()]

    async def count_of_owner(self, owner: str) -> int:
        """How many documents ``owner``'s dossiers hold."""
        query = (
            select(func.count())
            .select_from(DossierDocument)
            .join(Dossier, Dossier.id == DossierDocument.dossier_id)
            .where(Dossier.applicant_id == owner)
        )
        return int(await self._session.scalar(query) or 0)

    async def owned(self, owner: str, document_id: str) -> tuple[DossierDocument, str] | None:
        """One document of ``owner``'s dossiers with its dossier's code; None when it is not theirs."""
        query = (
            select(DossierDocument, Dossier.code)
            .join(Dossier, Dossier.id == DossierDocument.dossier_id)
            .where(Dossier.applicant_id == owner, DossierDocument.id == document_id)
        )
        found = (await self._session.execute(query)).first()
        return (found[0], found[1]) if found is not None else None
