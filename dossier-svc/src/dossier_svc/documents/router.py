"""`/api/v1/dossiers/{code}/documents`: upload (multipart), list and download."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import Response

from dossier_svc.deps import PortsDep, UowDep
from dossier_svc.documents import service
from dossier_svc.documents.errors import (
    DocumentKept,
    DocumentNotFound,
    FileTooLarge,
    ResultNotFound,
    UnsupportedFileType,
)
from dossier_svc.documents.schemas import DocumentList, DocumentOut, IssuedResultOut, ReuseIn, WalletPage
from dossier_svc.documents.service import IncomingFile
from dossier_svc.dossiers.errors import ActionForbidden, DossierNotFound, IllegalAction, InvalidDossier
from motcua_shared.chassis.auth import PrincipalDep
from motcua_shared.chassis.errors import NotFound, Unauthenticated
from motcua_shared.chassis.pages import CursorQuery
from motcua_shared.chassis.problems import problems
from motcua_shared.chassis.signing import SigningUnavailable

router = APIRouter(prefix="/api/v1/dossiers/{code}/documents", tags=["documents"])


@router.post(
    "",
    status_code=201,
    response_model=DocumentOut,
    responses=problems(
        Unauthenticated,
        ActionForbidden,
        DossierNotFound,
        IllegalAction,
        InvalidDossier,
        FileTooLarge,
        UnsupportedFileType,
    ),
    summary="Upload a document",
)
async def upload(
    code: str,
    uow: UowDep,
    ports: PortsDep,
    who: PrincipalDep,
    document_code: Annotated[str, Form(min_length=1, max_length=64)],
    file: Annotated[UploadFile, File(description="PDF, JPEG or PNG, checked by content.")],
) -> DocumentOut:
    """Attach a file to a draft, a dossier being received, or one being supplemented."""
    data = await file.read(ports.settings.documents.max_bytes + 1)
    incoming = IncomingFile(document_code=document_code, filename=file.filename, data=data)
    return DocumentOut.of(code, await service.upload(uow, ports, who, code, incoming))


@router.post(
    "/reuse",
    status_code=201,
    response_model=DocumentOut,
    responses=problems(
        Unauthenticated, ActionForbidden, DossierNotFound, DocumentNotFound, IllegalAction, InvalidDossier
    ),
    summary="Reuse a wallet document",
)
async def reuse(code: str, body: ReuseIn, uow: UowDep, ports: PortsDep, who: PrincipalDep) -> DocumentOut:
    """Attach a document of your wallet (`GET /api/v1/wallet/documents`) to this dossier without uploading it
    again; the officer sees which document it reuses and from which dossier."""
    row = await service.reuse(
        uow, ports, who, code, document_id=body.document_id, document_code=body.document_code
    )
    return DocumentOut.of(code, row)


@router.post(
    "/result",
    status_code=201,
    response_model=DocumentOut,
    responses=problems(
        Unauthenticated,
        ActionForbidden,
        DossierNotFound,
        IllegalAction,
        FileTooLarge,
        UnsupportedFileType,
        SigningUnavailable,
    ),
    summary="Issue the dossier's result, signed",
    operation_id="documents.issue_result",
)
async def issue_result(
    code: str,
    uow: UowDep,
    ports: PortsDep,
    who: PrincipalDep,
    file: Annotated[
        UploadFile, File(description="The result as a PDF (checked by content; images refused).")
    ],
) -> DocumentOut:
    """The approving agency's officer attaches the result of an approved dossier (before it is returned):
    the platform signs it with the agency's certificate (PAdES, a visible stamp with a QR code to verify
    it) and keeps the signed file, which the citizen's wallet shows as issued. A new upload replaces the
    previous one."""
    data = await file.read(ports.settings.documents.max_bytes + 1)
    return DocumentOut.of(code, await service.upload_result(uow, ports, who, code, file.filename, data))


@router.get(
    "",
    response_model=DocumentList,
    responses=problems(Unauthenticated, DossierNotFound),
    summary="A dossier's documents",
    operation_id="documents.list",
)
async def listing(code: str, uow: UowDep, who: PrincipalDep) -> DocumentList:
    """The documents attached to a dossier."""
    return DocumentList.of(await service.listing(uow, who, code))


@router.get(
    "/{document_id}",
    responses={
        **problems(Unauthenticated, DossierNotFound, NotFound),
        200: {"content": {"application/pdf": {}, "image/jpeg": {}, "image/png": {}}},
    },
    response_class=Response,
    summary="Download a document",
)
async def download(code: str, document_id: str, uow: UowDep, ports: PortsDep, who: PrincipalDep) -> Response:
    """The file, for the dossier's owner and the officers handling it."""
    row, data = await service.download(uow, ports, who, code, document_id)
    return Response(
        data,
        media_type=row.content_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(row.filename)}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


wallet_router = APIRouter(prefix="/api/v1/wallet", tags=["wallet"])


@wallet_router.get(
    "/documents",
    response_model=WalletPage,
    responses=problems(Unauthenticated, ActionForbidden),
    summary="My document wallet",
    operation_id="wallet.documents",
)
async def wallet(
    uow: UowDep,
    who: PrincipalDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: CursorQuery = None,
) -> WalletPage:
    """Every document of your dossiers, newest first: what you uploaded and what agencies issued to you
    (results, counter scans). Reuse one with `POST /api/v1/dossiers/{code}/documents/reuse`."""
    return WalletPage.of(await service.wallet(uow, who, limit=limit, cursor=cursor))


@wallet_router.delete(
    "/documents/{document_id}",
    status_code=204,
    response_class=Response,
    responses=problems(Unauthenticated, ActionForbidden, DocumentNotFound, DocumentKept),
    summary="Remove an upload from my wallet",
    operation_id="wallet.remove",
)
async def remove(document_id: str, uow: UowDep, ports: PortsDep, who: PrincipalDep) -> Response:
    """Remove a document you uploaded: deleted from a draft; from a closed dossier it leaves your wallet and
    stays with the dossier until the retention period ends. Refused (409) while its dossier is being decided
    and for what an agency issued (results, counter scans: public records)."""
    await service.remove_from_wallet(uow, ports, who, document_id)
    return Response(status_code=204)


verify_router = APIRouter(prefix="/api/v1/verify/results", tags=["verify"])


@verify_router.get(
    "/{reference}",
    response_model=IssuedResultOut,
    responses=problems(ResultNotFound),
    summary="The issued result a result's QR code refers to",
    operation_id="verify.result",
)
async def issued_result(reference: str, uow: UowDep) -> IssuedResultOut:
    """What the platform issued under the reference a signed result's QR code holds: anyone may ask. Check a
    copy's bytes by uploading it to `POST /api/v1/verify`; its `sha256` must match this one's."""
    return IssuedResultOut.of(await service.issued_result(uow, reference))
