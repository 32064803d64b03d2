"""Queries on dossier documents."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dossier_svc.documents.models import RESULT_DOCUMENT, DossierDocument
from dossier_svc.dossiers.models import Dossier
from motcua_shared.chassis.auth import Role


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
        return await self._one_with_dossier(
            DossierDocument.id == document_id,
            DossierDocument.document_code == RESULT_DOCUMENT,
            DossierDocument.issuer_code.is_not(None),
        )

    async def _one_with_dossier(self, *where: ColumnElement[bool]) -> tuple[DossierDocument, Dossier] | None:
        query = (
            select(DossierDocument, Dossier)
            .join(Dossier, Dossier.id == DossierDocument.dossier_id)
            .where(*where)
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
            .where(Dossier.applicant_id == owner, DossierDocument.wallet_removed_at.is_(None))
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
            .where(Dossier.applicant_id == owner, DossierDocument.wallet_removed_at.is_(None))
        )
        return int(await self._session.scalar(query) or 0)

    async def owned(self, owner: str, document_id: str) -> tuple[DossierDocument, Dossier] | None:
        """One document of ``owner``'s wallet with its dossier; None when it is not theirs (or left it)."""
        return await self._one_with_dossier(
            Dossier.applicant_id == owner,
            DossierDocument.id == document_id,
            DossierDocument.wallet_removed_at.is_(None),
        )

    async def purge_uploads(self, *, closed_before: datetime, limit: int) -> set[str]:
        """Delete up to ``limit`` citizens' uploads to dossiers closed before ``closed_before``; the storage
        keys they held."""
        expired = (
            select(DossierDocument.id, DossierDocument.storage_key)
            .join(Dossier, Dossier.id == DossierDocument.dossier_id)
            .where(
                Dossier.closed_at.is_not(None),
                Dossier.closed_at < closed_before,
                DossierDocument.uploaded_role == Role.CITIZEN.value,
            )
            .limit(limit)
        )
        rows = (await self._session.execute(expired)).all()
        if rows:
            await self._session.execute(
                delete(DossierDocument).where(DossierDocument.id.in_([r[0] for r in rows]))
            )
        return {r[1] for r in rows}

    async def referenced(self, keys: set[str]) -> set[str]:
        """Which of ``keys`` some document still holds."""
        if not keys:
            return set()
        query = select(DossierDocument.storage_key).where(DossierDocument.storage_key.in_(keys)).distinct()
        return set((await self._session.scalars(query)).all())
