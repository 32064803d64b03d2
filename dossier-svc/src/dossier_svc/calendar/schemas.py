"""Responses of the calendar API."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from pydantic import BaseModel, Field

from dossier_svc.calendar.models import DayInfo, DueDate
from motcua_shared.chassis.clock import PlatformTime


class DueDateOut(BaseModel):
    """A due time computed from a start and a number of working days."""

    start: PlatformTime = Field(description="The start, in the platform's zone.")
    days: float = Field(description="Working days counted.")
    due_at: PlatformTime = Field(description="When it is due (RFC 3339 with offset).")
    working_hours: float = Field(description="Working hours between the start and the due time.")
    hours_per_day: float = Field(description="Working hours in one working day.")
    days_off: list[DayOffOut] = Field(description="Days between start and due that are not worked.")
    estimated: bool = Field(
        description="True when the due time rests on a day off (or a make-up working day) that is only "
        "estimated: not fixed by the Labour Code and not yet confirmed by the deployment's settings."
    )

    @classmethod
    def of(cls, due: DueDate) -> DueDateOut:
        """Shape a due date."""
        return cls(
            start=due.start,
            days=due.days,
            due_at=due.due_at,
            working_hours=round(due.working_seconds / 3600, 4),
            hours_per_day=due.day_seconds / 3600,
            days_off=[DayOffOut.of(d) for d in due.days_off],
            estimated=due.estimated,
        )


class DayOffOut(BaseModel):
    """A day that is not worked, and why."""

    day: date
    reason: str = Field(description="E.g. `Tết Nguyên Đán`, `Chủ nhật`, `Ngày nghỉ bổ sung`.")
    estimated: bool = Field(
        description="True when the day off is the `holidays` library's estimate (e.g. Tết days announced "
        "each year, swapped days) that no decision entered in the settings confirms yet."
    )

    @classmethod
    def of(cls, info: DayInfo) -> DayOffOut:
        """Shape a day off."""
        return cls(day=info.day, reason=info.reason or "", estimated=info.estimated)


class DaysOffOut(BaseModel):
    """The days off in a range."""

    items: list[DayOffOut]
    total: int

    @classmethod
    def of(cls, days: Sequence[DayInfo]) -> DaysOffOut:
        """Shape the days off in a range."""
        items = [DayOffOut.of(d) for d in days]
        return cls(items=items, total=len(items))


DueDateOut.model_rebuild()
