"""Calendar use cases: the working-day arithmetic the API exposes."""

from __future__ import annotations

from datetime import date, datetime

from dossier_svc.calendar.errors import CalendarRangeTooLong
from dossier_svc.calendar.models import DayInfo, DueDate, WorkCalendar

MAX_DAYS = 2000.0
"""About eight years of working days: within the ten calendar years the calendar scans for working time."""
MAX_RANGE_DAYS = 800


def due_date(calendar: WorkCalendar, start: datetime, days: float) -> DueDate:
    """When a matter started at ``start`` with ``days`` working days is due, and the days off between."""
    if days > MAX_DAYS:
        raise CalendarRangeTooLong(
            "Số ngày làm việc quá lớn.", errors=[{"field": "days", "message": f"at most {MAX_DAYS:g}"}]
        )
    local_start = calendar.local(start)
    try:
        due = calendar.due(local_start, days)
    except OverflowError:
        raise CalendarRangeTooLong(
            "Ngày bắt đầu nằm ngoài phạm vi lịch.", errors=[{"field": "start", "message": "too late"}]
        ) from None
    return DueDate(
        start=local_start,
        days=days,
        due_at=due,
        working_seconds=calendar.working_seconds(local_start, due),
        day_seconds=calendar.day_seconds,
        days_off=calendar.days_off(local_start.date(), due.date()),
        estimated=calendar.estimated_between(local_start.date(), due.date()),
    )


def days_off(calendar: WorkCalendar, start: date, end: date) -> list[DayInfo]:
    """The days from ``start`` to ``end`` that are not worked."""
    if (end - start).days > MAX_RANGE_DAYS or end < start:
        raise CalendarRangeTooLong(
            "Khoảng ngày không hợp lệ hoặc quá dài.",
            errors=[{"field": "to", "message": f"after `from`, at most {MAX_RANGE_DAYS} days later"}],
        )
    return calendar.days_off(start, end)
