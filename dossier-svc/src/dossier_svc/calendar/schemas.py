"""Responses of the calendar API."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from motcua_shared.chassis.clock import PlatformTime


class DueDateOut(BaseModel):
    """A due time computed from a start and a number of working days."""

    start: PlatformTime = Field(description="The start, in the platform's zone.")
    days: float = Field(description="Working days counted.")
    due_at: PlatformTime = Field(description="When it is due (RFC 3339 with offset).")
    working_hours: float = Field(description="Working hours between the start and the due time.")
    hours_per_day: float = Field(description="Working hours in one working day.")
    days_off: list[DayOffOut] = Field(description="Days between start and due that are not worked.")


class DayOffOut(BaseModel):
    """A day that is not worked, and why."""

    day: date
    reason: str = Field(description="E.g. `Tết Nguyên Đán`, `Chủ nhật`, `Ngày nghỉ bổ sung`.")


class DaysOffOut(BaseModel):
    """The days off in a range."""

    items: list[DayOffOut]
    total: int


DueDateOut.model_rebuild()
