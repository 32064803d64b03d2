"""HTTP API of reconciliation (admins: it spans every agency's money)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from motcua_shared.chassis.errors import Forbidden, Unauthenticated, Unprocessable
from motcua_shared.chassis.openapi import IsoDate
from motcua_shared.chassis.problems import problems
from payment_svc.deps import AdminDep, PortsDep, UowDep
from payment_svc.reconciliation import service
from payment_svc.reconciliation.errors import StatementInvalid
from payment_svc.reconciliation.schemas import ImportOut, ReportOut

router = APIRouter(
    prefix="/api/v1/payments/reconciliation",
    tags=["reconciliation"],
    responses=problems(Unauthenticated, Forbidden, StatementInvalid, Unprocessable),
)
Provider = Annotated[
    str | None, Query(pattern=r"^[a-z0-9_-]{2,32}$", description="`bank`, `sandbox`, `vnpay`…")
]
MAX_STATEMENT_BYTES = 20 * 1024 * 1024


@router.get(
    "",
    response_model=ReportOut,
    summary="How a day's statements match our records",
    operation_id="reconciliation.get",
)
async def reconciliation(
    uow: UowDep, who: AdminDep, day: Annotated[IsoDate, Query(alias="date")], provider: Provider = None
) -> ReportOut:
    """Matched, amount mismatches, missing on our side, missing on theirs, for one day (Vietnam time)."""
    return ReportOut.of(await service.report(uow, day=day, provider=provider))


@router.post(
    "/statements",
    response_model=ImportOut,
    status_code=201,
    summary="Import a provider or bank statement (CSV)",
    openapi_extra={
        "requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}, "required": True}
    },
)
async def import_statement(
    request: Request,
    uow: UowDep,
    ports: PortsDep,
    who: AdminDep,
    day: Annotated[IsoDate, Query(alias="date")],
    provider: Annotated[str, Query(pattern=r"^[a-z0-9_-]{2,32}$")],
) -> ImportOut:
    """The CSV body has a header with `provider_txn_id`, `amount` and optionally `reference`,
    `currency`, `paid_at`, `status`. Lines already imported are skipped."""
    raw = await request.body()
    if len(raw) > MAX_STATEMENT_BYTES:
        raise StatementInvalid("Bảng kê quá lớn.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise StatementInvalid("Bảng kê phải là CSV mã hóa UTF-8.") from None
    result = await service.import_statement(uow, who, provider=provider, day=day, text=text, now=ports.now())
    report = await service.report(uow, day=day, provider=provider)
    return ImportOut(
        imported=result.imported,
        duplicates=result.duplicates,
        errors=result.errors,
        report=ReportOut.of(report),
    )
