"""Working time: the arithmetic every deadline is computed with. Pure; no I/O.

A working day is the sum of the office-hours sessions (8 hours by default); a deadline of ``n`` working
days is ``n`` times that much working time after the start, counted only inside sessions of working days.
A day is a working day when it is a make-up working day, or a weekday that is neither a public holiday
(the `holidays` library's Vietnam calendar: Tết, substituted and observed days included) nor an extra day
off.

Only the holidays the Labour Code fixes by date (Bộ luật Lao động 2019, Điều 112: 1/1, the first day of Tết,
the Hùng Kings' day 10/3 lunar, 30/4, 1/5, 2/9) are certain. The rest of what the library gives — the other
Tết days, the day beside 2/9, observed days, swapped days and their make-up Saturdays — is announced each
year by decision, so it is *estimated* until the settings confirm it (a day listed in the extra days off or
the extra working days is what the decision said).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache

import holidays

from dossier_svc.settings import CalendarSettings
from motcua_shared.chassis.clock import PLATFORM_TZ

# No sane deadline reaches this far; the bound turns a calendar without working days into an error.
_MAX_DAYS_SCANNED = 366 * 10


@dataclass(frozen=True)
class DayInfo:
    """Whether a day is worked, and why not when it is not."""

    day: date
    working: bool
    reason: str | None = None
    estimated: bool = False
    """True when only the `holidays` library's estimate makes the day off (or a make-up working day)."""


@dataclass
class WorkCalendar:
    """Working days and office hours in one time zone."""

    zone: tzinfo
    sessions: tuple[tuple[time, time], ...]
    extra_days_off: frozenset[date] = frozenset()
    extra_working_days: frozenset[date] = frozenset()
    _holidays: holidays.HolidayBase = field(init=False, repr=False)
    _info: Callable[[date], DayInfo] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._holidays = holidays.country_holidays("VN", language="vi")
        self._info = lru_cache(maxsize=4096)(self._compute_info)

    @classmethod
    def from_settings(cls, settings: CalendarSettings) -> WorkCalendar:
        """The calendar the settings describe."""
        return cls(
            zone=PLATFORM_TZ,
            sessions=settings.office_hours,
            extra_days_off=frozenset(settings.extra_days_off),
            extra_working_days=frozenset(settings.extra_working_days),
        )

    @property
    def day_seconds(self) -> float:
        """The length of one working day, in seconds."""
        return float(sum(_seconds(end) - _seconds(start) for start, end in self.sessions))

    def info(self, day: date) -> DayInfo:
        """Whether ``day`` is a working day, with the reason when it is not."""
        return self._info(day)

    def _compute_info(self, day: date) -> DayInfo:
        if day in self.extra_working_days:
            return DayInfo(day, True)
        name = self._holidays.get(day)
        if day in self.extra_days_off:
            return DayInfo(day, False, str(name) if name is not None else "Ngày nghỉ bổ sung")
        if name is not None:
            return DayInfo(day, False, str(name), estimated=not _fixed_by_law(day, str(name)))
        if day in self._holidays.weekend_workdays:
            return DayInfo(day, True, estimated=True)
        if day.weekday() >= 5:
            return DayInfo(day, False, "Thứ Bảy" if day.weekday() == 5 else "Chủ nhật")
        return DayInfo(day, True)

    def estimated_between(self, start: date, end: date) -> bool:
        """True when a day from ``start`` to ``end`` (inclusive) is worked or not on an estimate only."""
        day = start
        while day <= end:
            if self.info(day).estimated:
                return True
            day += timedelta(days=1)
        return False

    def next_working_day(self, moment: datetime) -> datetime:
        """The start of the first working session on a day after ``moment``'s (local) date."""
        following = self.local(moment).date() + timedelta(days=1)
        return self.add(datetime.combine(following, time.min, self.zone), 0)

    def is_working_day(self, day: date) -> bool:
        """True when ``day`` is worked."""
        return self.info(day).working

    def local(self, moment: datetime) -> datetime:
        """``moment`` in the calendar's zone (it must be aware)."""
        if moment.tzinfo is None:
            raise ValueError("an aware datetime is required")
        return moment.astimezone(self.zone)

    def _day_sessions(self, day: date) -> list[tuple[datetime, datetime]]:
        if not self.is_working_day(day):
            return []
        return [
            (datetime.combine(day, start, self.zone), datetime.combine(day, end, self.zone))
            for start, end in self.sessions
        ]

    def add(self, start: datetime, seconds: float) -> datetime:
        """The moment ``seconds`` of working time after ``start`` (``0`` snaps to the next working moment)."""
        if seconds < 0 or math.isnan(seconds):
            raise ValueError("seconds must be non-negative")
        cursor = self.local(start)
        remaining = seconds
        day = cursor.date()
        for _ in range(_MAX_DAYS_SCANNED):
            for session_start, session_end in self._day_sessions(day):
                if cursor > session_end:
                    continue
                begin = max(cursor, session_start)
                available = (session_end - begin).total_seconds()
                if remaining <= available:
                    return begin + timedelta(seconds=remaining)
                remaining -= available
            day += timedelta(days=1)
        raise ValueError("no working time within ten years")

    def subtract(self, end: datetime, seconds: float) -> datetime:
        """The moment ``seconds`` of working time before ``end``."""
        if seconds < 0 or math.isnan(seconds):
            raise ValueError("seconds must be non-negative")
        cursor = self.local(end)
        remaining = seconds
        day = cursor.date()
        for _ in range(_MAX_DAYS_SCANNED):
            for session_start, session_end in reversed(self._day_sessions(day)):
                if cursor < session_start:
                    continue
                finish = min(cursor, session_end)
                available = (finish - session_start).total_seconds()
                if remaining <= available:
                    return finish - timedelta(seconds=remaining)
                remaining -= available
            day -= timedelta(days=1)
        raise ValueError("no working time within ten years")

    def due(self, start: datetime, days: float) -> datetime:
        """When something started at ``start`` with ``days`` working days is due.

        ``0`` days means the same working day: due at the close of the day work starts on.
        """
        if days < 0 or math.isnan(days):
            raise ValueError("days must be non-negative")
        if days == 0:
            begin = self.add(start, 0)
            return self._day_sessions(begin.date())[-1][1]
        return self.add(start, days * self.day_seconds)

    def working_seconds(self, start: datetime, end: datetime) -> float:
        """Working time from ``start`` to ``end``, negative when ``end`` is earlier."""
        a, b = self.local(start), self.local(end)
        if b < a:
            return -self.working_seconds(end, start)
        total = 0.0
        day = a.date()
        while day <= b.date():
            for session_start, session_end in self._day_sessions(day):
                overlap = (min(b, session_end) - max(a, session_start)).total_seconds()
                if overlap > 0:
                    total += overlap
            day += timedelta(days=1)
        return total

    def remaining(self, now: datetime, due: datetime) -> tuple[int, int, bool]:
        """Working days and hours left before ``due`` (or past it): ``(days, hours, overdue)``."""
        seconds = self.working_seconds(now, due)
        overdue = seconds < 0
        hours = math.floor(abs(seconds) / 3600)
        per_day = max(1, round(self.day_seconds / 3600))
        return hours // per_day, hours % per_day, overdue

    def remaining_label(self, now: datetime, due: datetime) -> str:
        """What an officer sees: ``còn X ngày Y giờ`` or ``quá X ngày Y giờ``."""
        days, hours, overdue = self.remaining(now, due)
        return f"{'quá' if overdue else 'còn'} {days} ngày {hours} giờ"

    def days_off(self, start: date, end: date) -> list[DayInfo]:
        """The days from ``start`` to ``end`` (inclusive) that are not worked, with their reasons."""
        out: list[DayInfo] = []
        day = start
        while day <= end:
            info = self.info(day)
            if not info.working:
                out.append(info)
            day += timedelta(days=1)
        return out


_FIXED_DATES = frozenset({(1, 1), (4, 30), (5, 1), (9, 2)})
_FIXED_LUNAR = frozenset({"Tết Nguyên Đán", "Ngày Giỗ Tổ Hùng Vương"})
"""The library's Vietnamese names of the lunar holidays whose day the Labour Code fixes (its observed days
carry a suffix, so they do not match)."""


def _fixed_by_law(day: date, name: str) -> bool:
    return (day.month, day.day) in _FIXED_DATES or name in _FIXED_LUNAR


def _seconds(moment: time) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second


@dataclass(frozen=True)
class DueDate:
    """When a matter started at ``start`` with ``days`` working days is due, and the days off between."""

    start: datetime
    days: float
    due_at: datetime
    working_seconds: float
    day_seconds: float
    days_off: list[DayInfo]
    estimated: bool
    """True when a day between the start and the due time is worked or not on an estimate only."""
