"""`/api/v1/verify`: anyone checks a paper the platform issued, by uploading it or by its QR code.

Verification is the chassis's (``motcua_shared.chassis.signing``) and needs only the trust roots, so the
upload serves every paper, a dossier's forms as well as receipts; the look-up by reference knows receipts.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from motcua_shared.chassis.problems import problems
from payment_svc.deps import PortsDep, UowDep
from payment_svc.verify import service
from payment_svc.verify.errors import NotAPdfFile, PaperNotFound
from payment_svc.verify.schemas import IssuedReceiptOut, VerificationOut

router = APIRouter(prefix="/api/v1/verify", tags=["verify"])


@router.post(
    "",
    response_model=VerificationOut,
    responses=problems(NotAPdfFile),
    summary="Verify a paper by uploading it",
    operation_id="verify.upload",
)
async def upload(
    file: Annotated[UploadFile, File(description="The PDF paper.")], ports: PortsDep
) -> VerificationOut:
    """Who signed the paper, when, for which receipt or dossier, and whether it is intact; a tampered
    file is answered 200 with the verdict `tampered`."""
    data = await file.read(service.MAX_BYTES + 1)
    return VerificationOut.of(await service.verify_upload(ports.signer, data))


@router.get(
    "/{reference}",
    response_model=IssuedReceiptOut,
    responses={
        **problems(PaperNotFound),
        303: {"description": "A browser (asking for HTML first) is sent to the citizen app's verify screen."},
    },
    summary="The issued paper a QR code refers to",
    operation_id="verify.lookup",
)
async def lookup(
    reference: str, request: Request, uow: UowDep, ports: PortsDep
) -> IssuedReceiptOut | Response:
    """What the platform issued under the reference a receipt's QR code holds. A browser, which asks for
    HTML before JSON (a receipt printed before the QR code named the app's screen), is sent to that screen."""
    if _wants_html(request.headers.get("accept", "")):
        page = f"{ports.settings.public_url}/xac-thuc/bien-lai/{quote(reference, safe='')}"
        return RedirectResponse(page, status_code=303)
    return IssuedReceiptOut.of(await service.issued_receipt(uow, reference))


def _wants_html(accept: str) -> bool:
    """Whether ``text/html`` comes before any JSON type in an Accept header (browsers list it first)."""
    kinds = [part.split(";", 1)[0].strip().lower() for part in accept.split(",")]
    html = kinds.index("text/html") if "text/html" in kinds else None
    json = next((i for i, k in enumerate(kinds) if k in ("application/json", "application/*")), None)
    return html is not None and (json is None or html < json)
