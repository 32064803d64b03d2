"""`/api/v1/stats`: public processing statistics."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from dossier_svc.deps import PortsDep, UowDep
from dossier_svc.stats import service
from dossier_svc.stats.errors import InvalidPeriod
from dossier_svc.stats.schemas import StatsOut
from motcua_shared.chassis.openapi import IsoDate
from motcua_shared.chassis.problems import problems

router = APIRouter(prefix="/api/v1/stats", tags=["stats"])


@router.get(
    "",
    response_model=StatsOut,
    response_model_by_alias=True,
    responses=problems(InvalidPeriod),
    summary="Statistics",
    operation_id="stats.get",
)
async def statistics(
    uow: UowDep,
    ports: PortsDep,
    start: Annotated[
        IsoDate | None, Query(alias="from", description="First day (default: this month's).")
    ] = None,
    end: Annotated[
        IsoDate | None, Query(alias="to", description="Last day, inclusive (default: today).")
    ] = None,
    agency: Annotated[str | None, Query(max_length=64)] = None,
    procedure: Annotated[str | None, Query(max_length=64)] = None,
) -> StatsOut:
    """On-time and late results (late attributed to agency and step), satisfaction, by month."""
    return await service.statistics(
        uow, ports.calendar, ports.clock, start=start, end=end, agency=agency, procedure=procedure
    )
