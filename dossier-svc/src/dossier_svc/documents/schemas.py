"""Document responses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from dossier_svc.documents.models import DossierDocument, DossierDocuments, IssuedResult, WalletDocument
from motcua_shared.chassis.clock import PlatformTime
from motcua_shared.chassis.pages import Page


class ReusedFrom(BaseModel):
    """The wallet document a reused one stands for."""

    document_id: str
    dossier_code: str = Field(description="The dossier the document was first uploaded to (or issued in).")


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
    reused_from: ReusedFrom | None = Field(
        default=None,
        description="When the citizen reused a document of their wallet instead of uploading: which one, and "
        "from which dossier (the same stored file).",
    )
    signed_by: str | None = Field(
        default=None,
        description="For a result (`document_code` `KET-QUA`): the agency whose certificate the platform "
        "signed it with.",
    )

    @classmethod
    def of(cls, code: str, row: DossierDocument) -> DocumentOut:
        """Shape a row."""
        reused = (
            ReusedFrom(document_id=row.reused_from_id, dossier_code=row.reused_from_dossier)
            if row.reused_from_id and row.reused_from_dossier
            else None
        )
        return cls(
            id=row.id,
            document_code=row.document_code,
            filename=row.filename,
            content_type=row.content_type,
            size=row.size,
            sha256=row.sha256,
            uploaded_at=row.uploaded_at,
            href=f"/api/v1/dossiers/{code}/documents/{row.id}",
            reused_from=reused,
            signed_by=row.issuer_name if row.is_result else None,
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


class IssuedResultOut(BaseModel):
    """The record of a signed result, as its QR code's reference finds it."""

    kind: Literal["ket-qua"] = "ket-qua"
    reference: str = Field(description="The reference the result's QR code holds.")
    issuer: str = Field(description="The agency that issued it, whose certificate signed it.")
    agency_code: str
    dossier_code: str
    result_name: str | None = Field(
        description="What the result is (the procedure's result, or as approved)."
    )
    filename: str
    sha256: str = Field(description="Digest of the signed file: a copy checked by upload must match it.")
    issued_at: PlatformTime
    returned: bool = Field(description="Already handed to the applicant.")

    @classmethod
    def of(cls, issued: IssuedResult) -> IssuedResultOut:
        """Shape an issued result."""
        row = issued.row
        assert row.issuer_code is not None, "only a signed result is issued"
        assert row.issuer_name is not None, "only a signed result is issued"
        return cls(
            reference=row.id,
            issuer=row.issuer_name,
            agency_code=row.issuer_code,
            dossier_code=issued.dossier_code,
            result_name=issued.result_name,
            filename=row.filename,
            sha256=row.sha256,
            issued_at=row.uploaded_at,
            returned=issued.returned,
        )


class ReuseIn(BaseModel):
    """A document of the caller's wallet, attached by reference for one of the procedure's documents."""

    model_config = ConfigDict(extra="forbid")

    document_id: str = Field(min_length=1, max_length=32, description="The wallet document's id.")
    document_code: str = Field(min_length=1, max_length=64, description="The procedure document it is for.")


class WalletItemOut(DocumentOut):
    """A document of the citizen's wallet."""

    dossier_code: str = Field(description="The dossier it belongs to.")
    origin: Literal["uploaded", "issued"] = Field(
        description="`uploaded` by the citizen (theirs), or `issued` by the agency (a result or a "
        "counter scan: a public record)."
    )

    @classmethod
    def of_wallet(cls, item: WalletDocument) -> WalletItemOut:
        """Shape a wallet entry."""
        shaped = DocumentOut.of(item.dossier_code, item.row)
        return cls(
            **shaped.model_dump(),
            dossier_code=item.dossier_code,
            origin="issued" if item.issued else "uploaded",
        )


class WalletPage(Page[WalletItemOut]):
    """A page of the citizen's wallet, newest first."""

    @classmethod
    def of(cls, page: Page[WalletDocument]) -> WalletPage:
        """Shape a page of wallet entries."""
        return cls(
            items=[WalletItemOut.of_wallet(i) for i in page.items],
            total=page.total,
            next_cursor=page.next_cursor,
        )
