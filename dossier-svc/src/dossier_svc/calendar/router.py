"""`/api/v1/calendar`: the working-day arithmetic deadlines use (public)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from dossier_svc.calendar import service
from dossier_svc.calendar.errors import CalendarRangeTooLong
from dossier_svc.calendar.schemas import DaysOffOut, DueDateOut
from dossier_svc.deps import PortsDep
from motcua_shared.chassis.openapi import IsoDate, IsoDateTime
from motcua_shared.chassis.problems import problems

router = APIRouter(prefix="/api/v1/calendar", tags=["calendar"])


@router.get(
    "/due-date",
    response_model=DueDateOut,
    responses=problems(CalendarRangeTooLong),
    summary="Due time in working days",
)
async def due_date(
    ports: PortsDep,
    start: Annotated[IsoDateTime, Query(description="Start (RFC 3339); without offset, platform time.")],
    days: Annotated[
        float,
        Query(ge=0, le=service.MAX_DAYS, description="Working days (0.5 = half a day, 0 = same day)."),
    ],
) -> DueDateOut:
    """Add ``days`` working days to ``start``: weekends, Vietnamese holidays and office hours respected."""
    if start.tzinfo is None:
        start = start.replace(tzinfo=ports.calendar.zone)
    return DueDateOut.of(service.due_date(ports.calendar, start, days))


@router.get(
    "/days-off",
    response_model=DaysOffOut,
    responses=problems(CalendarRangeTooLong),
    summary="Days not worked",
)
async def days_off(
    ports: PortsDep,
    start: Annotated[IsoDate, Query(alias="from")],
    end: Annotated[IsoDate, Query(alias="to")],
) -> DaysOffOut:
    """Weekends, holidays and extra days off between two dates, each with its reason."""
    return DaysOffOut.of(service.days_off(ports.calendar, start, end))
