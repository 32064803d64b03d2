"""`/api/v1/dossiers`: filing, drafts, reading, the work queue, actions, timeline and rating."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from dossier_svc import multipart
from dossier_svc.deps import PortsDep, UowDep
from dossier_svc.documents.errors import FileTooLarge, UnsupportedFileType
from dossier_svc.documents.service import IncomingFile
from dossier_svc.dossiers import service
from dossier_svc.dossiers.errors import (
    ActionForbidden,
    AlreadyRated,
    DossierNotFound,
    GuardRefused,
    IllegalAction,
    InvalidDossier,
    StaleDossier,
)
from dossier_svc.dossiers.schemas import (
    ActionIn,
    DossierOut,
    DossierPage,
    DraftIn,
    DraftPatch,
    RatingIn,
    RatingOut,
    SubmissionIn,
    TimelineOut,
)
from dossier_svc.dossiers.workflow import Action, DueFilter, State
from dossier_svc.openapi import inline_schema
from dossier_svc.procedures.errors import ProcedureNotOpen, ReceivingAgencyInvalid
from motcua_shared.chassis.auth import PrincipalDep
from motcua_shared.chassis.errors import Unauthenticated, Unprocessable
from motcua_shared.chassis.idempotency import (
    KEY_MAX_LENGTH,
    IdempotencyKeyDep,
    IdempotencyKeyMissing,
    IdempotencyKeyReused,
)
from motcua_shared.chassis.openapi import IDEMPOTENT_REPLAYED, idempotent
from motcua_shared.chassis.pages import CursorQuery
from motcua_shared.chassis.problems import problems
from motcua_shared.contracts.common import Channel

router = APIRouter(prefix="/api/v1/dossiers", tags=["dossiers"])

_MULTIPART_OVERHEAD = 1024 * 1024

_SUBMISSION_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": inline_schema(SubmissionIn)},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["dossier"],
                    "properties": {
                        "dossier": {
                            **inline_schema(SubmissionIn),
                            "description": "The submission as JSON (the application/json body's schema).",
                        }
                    },
                    "additionalProperties": {
                        "type": "string",
                        "format": "binary",
                        "description": "One file per part, the part named by its document code.",
                    },
                },
                "encoding": {"dossier": {"contentType": "application/json"}},
            },
        },
    }
}
_SUBMISSION = {
    **_SUBMISSION_BODY,
    **idempotent(max_length=KEY_MAX_LENGTH, status=201, headers=("Location",)),
}


async def _read_submission(
    request: Request, max_bytes: int, max_files: int
) -> tuple[SubmissionIn, list[IncomingFile]]:
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raw = await request.body()
        return _parse(raw, ("body",)), []
    declared = request.headers.get("content-length")
    limit = max_files * max_bytes + _MULTIPART_OVERHEAD
    too_large = f"Yêu cầu vượt quá {max_files} tệp × {max_bytes} byte."
    if declared and declared.isdigit() and int(declared) > limit:
        raise FileTooLarge(too_large)
    boundary, charset = multipart.boundary_and_charset(content_type)
    try:
        raw = await multipart.read_body(request, limit)
    except multipart.BodyTooLarge:
        raise FileTooLarge(too_large) from None
    parts = multipart.split(raw, boundary, charset=charset, max_files=max_files, max_fields=10)
    # Of several parts named `dossier`, the last counts (as in a form's dictionary).
    dossier = next((part for part in reversed(parts) if part.name == "dossier"), None)
    if dossier is None or dossier.filename is not None:
        raise Unprocessable(
            "Thiếu phần 'dossier' (JSON) trong yêu cầu multipart.",
            errors=[{"field": "dossier", "message": "required JSON part"}],
        )
    body = _parse(dossier.text(charset), ("body", "dossier"))
    files = [
        IncomingFile(document_code=part.name, filename=part.filename, data=part.data)
        for part in parts
        if part.filename is not None
    ]
    return body, files


def _parse(raw: str | bytes, loc: tuple[str, ...]) -> SubmissionIn:
    try:
        return SubmissionIn.model_validate_json(raw)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": (*loc, *e["loc"])} for e in exc.errors(include_url=False, include_input=False)]
        ) from None


@router.post(
    "",
    status_code=201,
    response_model=DossierOut,
    responses=problems(
        Unauthenticated,
        ActionForbidden,
        IdempotencyKeyMissing,
        IdempotencyKeyReused,
        InvalidDossier,
        ProcedureNotOpen,
        ReceivingAgencyInvalid,
        FileTooLarge,
        UnsupportedFileType,
    ),
    summary="File a dossier (JSON, or multipart with its documents)",
    openapi_extra=_SUBMISSION,
)
async def submit(
    request: Request,
    uow: UowDep,
    ports: PortsDep,
    who: PrincipalDep,
    idempotency_key: IdempotencyKeyDep,
) -> Response:
    """File a dossier: a citizen online, or an officer at the counter or by post.

    Send `multipart/form-data` with a `dossier` JSON part and one file part per document (the part named
    by its document code), or `application/json` when the procedure requires no document. The same
    `Idempotency-Key` with the same request answers the same; with another request, 409.
    """
    settings = ports.settings.documents
    body, files = await _read_submission(request, settings.max_bytes, settings.max_files_per_request)
    result = await service.submit(uow, ports, who, body, files, idempotency_key)
    headers = {"Location": f"/api/v1/dossiers/{result.code}"}
    if result.replayed:
        headers[IDEMPOTENT_REPLAYED] = "true"
    return Response(result.body, status_code=201, headers=headers, media_type="application/json")


@router.get(
    "",
    response_model=DossierPage,
    responses=problems(Unauthenticated, ActionForbidden, InvalidDossier),
    summary="My dossiers, or my agency's work queue",
    operation_id="dossiers.list",
)
async def listing(
    uow: UowDep,
    ports: PortsDep,
    who: PrincipalDep,
    status: State | None = None,
    procedure: Annotated[str | None, Query(max_length=64)] = None,
    scope: Annotated[
        Literal["holding", "involved"],
        Query(description="Officers: `holding` (at my agency now, the queue) or `involved` (ever)."),
    ] = "holding",
    channel: Annotated[Channel | None, Query(description="Only dossiers filed by this channel.")] = None,
    due: Annotated[
        DueFilter | None,
        Query(
            description="`soon`: in progress and within the last working day before the due time "
            "(sắp đến hạn); `overdue`: in progress past it (quá hạn)."
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: CursorQuery = None,
) -> DossierPage:
    """A citizen sees their own dossiers, newest first; an officer their agency's queue, soonest due first."""
    listing = await service.listing(
        uow,
        ports,
        who,
        status=status,
        scope=scope,
        procedure_code=procedure,
        channel=channel,
        due=due,
        limit=limit,
        cursor=cursor,
    )
    return DossierPage.of(listing, ports.calendar)


@router.post(
    "/drafts",
    status_code=201,
    response_model=DossierOut,
    responses=problems(Unauthenticated, ActionForbidden, InvalidDossier, ProcedureNotOpen),
    summary="Save a draft",
)
async def create_draft(body: DraftIn, uow: UowDep, ports: PortsDep, who: PrincipalDep) -> DossierOut:
    """Save an unfinished dossier; attach documents to it, then `POST …/actions/submit`."""
    return DossierOut.of_view(await service.create_draft(uow, ports, who, body), ports.calendar)


@router.get(
    "/{code}",
    response_model=DossierOut,
    responses=problems(Unauthenticated, DossierNotFound),
    summary="One dossier",
)
async def get(code: str, uow: UowDep, ports: PortsDep, who: PrincipalDep) -> DossierOut:
    """A dossier, for its applicant and the officers of the agencies handling it."""
    return DossierOut.of_view(await service.get(uow, ports, who, code), ports.calendar)


@router.patch(
    "/{code}",
    response_model=DossierOut,
    responses=problems(Unauthenticated, DossierNotFound, IllegalAction, InvalidDossier, ProcedureNotOpen),
    summary="Change a draft",
)
async def update_draft(
    code: str, body: DraftPatch, uow: UowDep, ports: PortsDep, who: PrincipalDep
) -> DossierOut:
    """Change a draft's case, applicant block, form data or exemptions."""
    return DossierOut.of_view(await service.update_draft(uow, ports, who, code, body), ports.calendar)


@router.delete(
    "/{code}",
    status_code=204,
    responses=problems(Unauthenticated, DossierNotFound, IllegalAction),
    summary="Discard a draft",
)
async def delete_draft(code: str, uow: UowDep, who: PrincipalDep) -> Response:
    """Discard a draft (a submitted dossier is withdrawn, not deleted)."""
    await service.delete_draft(uow, who, code)
    return Response(status_code=204)


@router.get(
    "/{code}/timeline",
    response_model=TimelineOut,
    responses=problems(Unauthenticated, DossierNotFound),
    summary="A dossier's timeline",
)
async def timeline(code: str, uow: UowDep, who: PrincipalDep) -> TimelineOut:
    """Every transition with its actor, role, time and note; never edited."""
    return TimelineOut.of(await service.timeline(uow, who, code))


@router.post(
    "/{code}/actions/{action}",
    response_model=DossierOut,
    responses=problems(
        Unauthenticated,
        ActionForbidden,
        DossierNotFound,
        IllegalAction,
        GuardRefused,
        StaleDossier,
        InvalidDossier,
    ),
    summary="Act on a dossier",
)
async def act(
    code: str, action: Action, uow: UowDep, ports: PortsDep, who: PrincipalDep, body: ActionIn | None = None
) -> DossierOut:
    """Perform a lifecycle action: 409 when its state does not allow it, 403 when the party may not."""
    return DossierOut.of_view(
        await service.act(uow, ports, who, code, action, body or ActionIn()), ports.calendar
    )


@router.post(
    "/{code}/rating",
    status_code=201,
    response_model=RatingOut,
    responses=problems(
        Unauthenticated, ActionForbidden, DossierNotFound, IllegalAction, AlreadyRated, InvalidDossier
    ),
    summary="Rate",
)
async def rate(code: str, body: RatingIn, uow: UowDep, ports: PortsDep, who: PrincipalDep) -> RatingOut:
    """The applicant rates a returned dossier, once."""
    return RatingOut.of(await service.rate(uow, ports, who, code, body))
