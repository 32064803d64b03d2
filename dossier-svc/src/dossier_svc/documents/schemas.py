"""Document responses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, Field

from dossier_svc.documents.models import DossierDocument, DossierDocuments
from motcua_shared.chassis.clock import PlatformTime


class DocumentOut(BaseModel):
    """An uploaded document (download it from `href`)."""

    id: str
    document_code: str = Field(description="The procedure document it is for.")
    filename: str
    content_type: str = Field(description="As sniffed from the content: PDF, JPEG or PNG.")
    size: int
    sha256: str
    uploaded_at: PlatformTime
    href: str

    @classmethod
    def of(cls, code: str, row: DossierDocument) -> DocumentOut:
        """Shape a row."""
        return cls(
            id=row.id,
            document_code=row.document_code,
            filename=row.filename,
            content_type=row.content_type,
            size=row.size,
            sha256=row.sha256,
            uploaded_at=row.uploaded_at,
            href=f"/api/v1/dossiers/{code}/documents/{row.id}",
        )

    @classmethod
    def of_values(cls, code: str, values: Mapping[str, Any]) -> DocumentOut:
        """Shape a row not loaded but about to be written (its column values)."""
        return cls(
            id=values["id"],
            document_code=values["document_code"],
            filename=values["filename"],
            content_type=values["content_type"],
            size=values["size"],
            sha256=values["sha256"],
            uploaded_at=values["uploaded_at"],
            href=f"/api/v1/dossiers/{code}/documents/{values['id']}",
        )


class DocumentList(BaseModel):
    """A dossier's documents."""

    items: list[DocumentOut]
    total: int

    @classmethod
    def of(cls, documents: DossierDocuments) -> DocumentList:
        """Shape a dossier's documents."""
        items = [DocumentOut.of(documents.dossier_code, r) for r in documents.rows]
        return cls(items=items, total=len(items))
