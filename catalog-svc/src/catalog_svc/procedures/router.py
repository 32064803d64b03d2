"""HTTP routes of the catalogue: `/api/v1/procedures` (search and read are public; writes are for admins)."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response, status

from catalog_svc.deps import AdminDep, SettingsDep, UowDep
from catalog_svc.procedures import service
from catalog_svc.procedures.errors import (
    InvalidProcedure,
    InvalidSynonym,
    NothingToPublish,
    NotPublished,
    ProcedureExists,
    ProcedureNotFound,
    SynonymNotFound,
)
from catalog_svc.procedures.models import Status
from catalog_svc.procedures.schemas import (
    ImportReport,
    ProcedureAdminOut,
    ProcedureIn,
    ProcedureOut,
    SearchPage,
    SynonymIn,
    SynonymList,
    SynonymOut,
    WithdrawIn,
    WorkingCopyPage,
    WorkingCopySummary,
)
from catalog_svc.procedures.search_types import SearchFilters
from motcua_shared.chassis.errors import DomainError, Forbidden, Unauthenticated, Unprocessable
from motcua_shared.chassis.pages import CursorQuery, InvalidCursor
from motcua_shared.chassis.problems import problems

router = APIRouter(prefix="/api/v1/procedures", tags=["procedures"])


class PayloadTooLarge(DomainError):
    """The import file is larger than the service accepts."""

    status = 413
    type = "https://motcua.vn/problems/payload-too-large"
    title = "Tệp quá lớn"
    title_en = "File too large"


ADMIN_ONLY = (Unauthenticated, Forbidden)


@router.get(
    "",
    response_model=SearchPage,
    responses=problems(InvalidProcedure, InvalidCursor),
    summary="Search the catalogue",
)
async def search(
    uow: UowDep,
    q: Annotated[str | None, Query(max_length=200, description="Words, with or without accents.")] = None,
    field: Annotated[str | None, Query(max_length=64, description="A field code.")] = None,
    agency: Annotated[
        str | None, Query(max_length=64, description="An implementing or competent agency code.")
    ] = None,
    level: Annotated[str | None, Query(max_length=32, description="`province` or `commune`.")] = None,
    online: Annotated[
        Literal["full", "partial", "any"] | None,
        Query(description="Online service: full, partial, or either."),
    ] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    size: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: CursorQuery = None,
) -> SearchPage:
    """Ranked, accent-insensitive search of published procedures, with facet counts. Page by number, or
    follow ``next_cursor`` (``null`` on the last page) with the same query."""
    filters = SearchFilters(field=field, agency=agency, level=level, online=online)
    return SearchPage.of(await service.search(uow, q, filters, page=page, size=size, cursor=cursor))


@router.post(
    "",
    response_model=ProcedureAdminOut,
    status_code=status.HTTP_201_CREATED,
    responses=problems(*ADMIN_ONLY, ProcedureExists, InvalidProcedure),
    summary="Create a procedure (admin)",
)
async def create(body: ProcedureIn, uow: UowDep, admin: AdminDep) -> ProcedureAdminOut:
    """Create a draft; it is public once published."""
    return ProcedureAdminOut.of(await service.create(uow, body, by=admin))


@router.post(
    "/import",
    response_model=ImportReport,
    responses=problems(*ADMIN_ONLY, InvalidProcedure, Unprocessable, PayloadTooLarge),
    summary="Bulk import and publish (admin)",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "schema": {"type": "object", "properties": {"procedures": {"type": "array"}}}
                },
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                },
            }
        }
    },
    operation_id="procedures.import",
)
async def import_procedures(
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    admin: AdminDep,
    dry_run: Annotated[
        bool, Query(description="Check every row and report what would be done, changing nothing.")
    ] = False,
) -> ImportReport:
    """Import a JSON file (`{"procedures": [...]}` or a list), as the body or as the multipart field `file`.

    Every row is checked first; if any is rejected the answer lists each with its reason and nothing changes.
    With `dry_run=true` the answer is the report of what the import would do, its rejected rows included.
    """
    raw = await _read_import(request, settings.imports.max_bytes)
    rows = raw.get("procedures") if isinstance(raw, dict) else raw
    if not isinstance(rows, list):
        raise Unprocessable(
            "Tệp nhập phải là một mảng thủ tục hoặc một đối tượng có khóa 'procedures'.",
            errors=[{"field": "procedures", "in": "body", "message": "Cần một mảng.", "code": "list_type"}],
        )
    if len(rows) > settings.imports.max_rows:
        raise PayloadTooLarge(f"Mỗi lần nhập tối đa {settings.imports.max_rows} thủ tục.")
    return await service.import_procedures(
        uow, rows, allow_synthetic=settings.allow_synthetic, dry_run=dry_run, by=admin
    )


async def _read_import(request: Request, max_bytes: int) -> Any:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise PayloadTooLarge(f"Tệp nhập vượt quá {max_bytes} byte.")
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form(max_files=1, max_fields=4)
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise Unprocessable(
                "Thiếu tệp trong trường 'file'.",
                errors=[{"field": "file", "in": "body", "message": "Cần một tệp JSON.", "code": "missing"}],
            )
        body = await upload.read(max_bytes + 1)
    else:
        buffer = bytearray()
        async for chunk in request.stream():
            buffer.extend(chunk)
            if len(buffer) > max_bytes:
                break
        body = bytes(buffer)
    if len(body) > max_bytes:
        raise PayloadTooLarge(f"Tệp nhập vượt quá {max_bytes} byte.")
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Unprocessable(
            "Tệp nhập không phải JSON hợp lệ.",
            errors=[{"field": "file", "in": "body", "message": str(exc)[:200], "code": "json_invalid"}],
        ) from None


@router.get(
    "/admin/synonyms",
    response_model=SynonymList,
    responses=problems(*ADMIN_ONLY),
    summary="Search synonyms and abbreviations (admin)",
    operation_id="procedures.list_synonyms",
)
async def list_synonyms(uow: UowDep, _admin: AdminDep) -> SynonymList:
    """What the search reads citizens' words and abbreviations as (`lltp` → `lý lịch tư pháp`)."""
    return SynonymList(items=[SynonymOut.of(row) for row in await service.list_synonyms(uow)])


@router.put(
    "/admin/synonyms/{term}",
    response_model=SynonymOut,
    responses=problems(*ADMIN_ONLY, InvalidSynonym),
    summary="Add or change a search synonym (admin)",
    operation_id="procedures.put_synonym",
)
async def put_synonym(
    term: Annotated[str, Path(max_length=64, description="What citizens type, accents optional.")],
    body: SynonymIn,
    uow: UowDep,
    _admin: AdminDep,
    response: Response,
) -> SynonymOut:
    """The search replaces the term (folded) by the expansion from the next search on (201 when new)."""
    synonym, created = await service.put_synonym(uow, term, body.expansion, body.note)
    if created:
        response.status_code = status.HTTP_201_CREATED
    return SynonymOut.of(synonym)


@router.delete(
    "/admin/synonyms/{term}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(*ADMIN_ONLY, SynonymNotFound),
    summary="Remove a search synonym (admin)",
    operation_id="procedures.delete_synonym",
)
async def delete_synonym(term: Annotated[str, Path(max_length=64)], uow: UowDep, _admin: AdminDep) -> None:
    """The search stops expanding the term."""
    await service.delete_synonym(uow, term)


@router.get(
    "/working-copies",
    response_model=WorkingCopyPage,
    responses=problems(*ADMIN_ONLY, InvalidCursor),
    summary="Every procedure, drafts and withdrawn ones included (admin)",
    operation_id="procedures.list_working_copies",
)
async def list_working_copies(
    uow: UowDep,
    _admin: AdminDep,
    state: Annotated[
        Status | None, Query(alias="status", description="Only procedures in this state.")
    ] = None,
    changed: Annotated[
        bool | None, Query(description="Only those whose working copy differs from what is published.")
    ] = None,
    q: Annotated[
        str | None,
        Query(min_length=1, max_length=200, description="Part of a code, or words of a published name."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: CursorQuery = None,
) -> WorkingCopyPage:
    """By code; a draft never published is found by its code (its name is searchable once published)."""
    page = await service.list_working_copies(
        uow, status=state, changed=changed, q=q, limit=limit, cursor=cursor
    )
    return WorkingCopyPage(
        items=[WorkingCopySummary.of(p) for p in page.items], total=page.total, next_cursor=page.next_cursor
    )


@router.get(
    "/{code}",
    response_model=ProcedureOut,
    responses=problems(ProcedureNotFound),
    summary="One published procedure",
    operation_id="procedures.get",
)
async def get_procedure(
    code: str,
    uow: UowDep,
    version: Annotated[
        int | None, Query(ge=1, le=2**31 - 1, description="An earlier published version.")
    ] = None,
) -> ProcedureOut:
    """The latest (or a given) published version: cases, days, fees, documents, steps, sources."""
    return ProcedureOut.of(await service.get_published(uow, code, version))


@router.get(
    "/{code}/admin",
    response_model=ProcedureAdminOut,
    responses=problems(*ADMIN_ONLY, ProcedureNotFound),
    summary="Working copy (admin)",
    operation_id="procedures.get_working_copy",
)
async def get_admin(code: str, uow: UowDep, _admin: AdminDep) -> ProcedureAdminOut:
    """The working copy beside the published version."""
    return ProcedureAdminOut.of(await service.get_admin(uow, code))


@router.put(
    "/{code}",
    response_model=ProcedureAdminOut,
    responses=problems(*ADMIN_ONLY, ProcedureNotFound, InvalidProcedure),
    summary="Edit (admin)",
)
async def update(code: str, body: ProcedureIn, uow: UowDep, admin: AdminDep) -> ProcedureAdminOut:
    """Replace the working copy; nothing public changes until it is published."""
    return ProcedureAdminOut.of(await service.update(uow, code, body, by=admin))


@router.post(
    "/{code}/publish",
    response_model=ProcedureOut,
    responses=problems(*ADMIN_ONLY, ProcedureNotFound, NothingToPublish, InvalidProcedure),
    summary="Publish (admin)",
)
async def publish(code: str, uow: UowDep, admin: AdminDep) -> ProcedureOut:
    """Publish the working copy as the next version (emits `procedure.published`)."""
    return ProcedureOut.of(await service.publish(uow, code, by=admin))


@router.post(
    "/{code}/withdraw",
    response_model=ProcedureOut,
    responses=problems(*ADMIN_ONLY, ProcedureNotFound, NotPublished),
    summary="Withdraw (admin)",
)
async def withdraw(code: str, body: WithdrawIn, uow: UowDep, admin: AdminDep) -> ProcedureOut:
    """Take no more dossiers (emits `procedure.withdrawn`); filed dossiers go on."""
    return ProcedureOut.of(await service.withdraw(uow, code, body.reason, by=admin))
