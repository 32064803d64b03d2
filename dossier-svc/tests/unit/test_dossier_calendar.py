"""Working-day arithmetic against the `holidays` calendar of Vietnam: weekends, Tết, substituted days."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from dossier_svc.calendar.models import WorkCalendar
from dossier_svc.settings import CalendarSettings

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(y: int, m: int, d: int, hh: int = 8, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN)


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar.from_settings(CalendarSettings())


def test_a_working_day_is_the_office_sessions(cal: WorkCalendar) -> None:
    assert cal.day_seconds == 8 * 3600


def test_one_day_from_a_monday_morning_is_tuesday_same_time(cal: WorkCalendar) -> None:
    assert cal.due(at(2025, 8, 4, 8, 30), 1) == at(2025, 8, 5, 8, 30)


def test_friday_afternoon_runs_over_the_weekend_and_the_lunch_break(cal: WorkCalendar) -> None:
    # Fri 16:00 -> 1.5 h that day, Mon 8 h, Tue 8 h, Wed 6.5 h: 07:30-11:30 (4 h) then 13:30 + 2.5 h.
    assert cal.due(at(2025, 8, 8, 16, 0), 3) == at(2025, 8, 13, 16, 0)


def test_a_start_outside_office_hours_counts_from_the_next_session(cal: WorkCalendar) -> None:
    assert cal.due(at(2025, 8, 4, 20, 0), 1) == at(2025, 8, 5, 17, 30)
    assert cal.due(at(2025, 8, 4, 12, 0), 0.5) == at(2025, 8, 4, 17, 30)


def test_zero_days_means_by_the_close_of_the_day(cal: WorkCalendar) -> None:
    assert cal.due(at(2025, 8, 4, 9, 0), 0) == at(2025, 8, 4, 17, 30)
    assert cal.due(at(2025, 8, 9, 9, 0), 0) == at(2025, 8, 11, 17, 30)  # a Saturday filing


def test_tet_2025_is_skipped_whole(cal: WorkCalendar) -> None:
    # Tết At Ty: 27 Jan - 2 Feb 2025 off (Mon 27 to Fri 31 are holidays, then the weekend).
    for day in range(27, 32):
        assert not cal.is_working_day(date(2025, 1, day))
    assert cal.due(at(2025, 1, 24, 9, 0), 1) == at(2025, 2, 3, 9, 0)
    assert cal.due(at(2025, 1, 23, 9, 0), 3) == at(2025, 2, 4, 9, 0)


def test_tet_2026_and_its_reasons(cal: WorkCalendar) -> None:
    off = {d.day: d.reason for d in cal.days_off(date(2026, 2, 14), date(2026, 2, 22))}
    assert set(off) == {date(2026, 2, d) for d in (14, 15, 16, 17, 18, 19, 20, 21, 22)}
    assert off[date(2026, 2, 17)] == "Tết Nguyên Đán"
    assert off[date(2026, 2, 15)] == "Chủ nhật"
    # Filed Friday 13 Feb 2026 at 09:00 with 5 days: back on Monday 23 Feb.
    assert cal.due(at(2026, 2, 13, 9, 0), 5) == at(2026, 2, 27, 9, 0)


def test_substituted_days_and_make_up_saturdays_of_the_library(cal: WorkCalendar) -> None:
    # 2 May 2025 was given off in exchange for working Saturday 26 April 2025.
    assert not cal.is_working_day(date(2025, 5, 2))
    assert cal.is_working_day(date(2025, 4, 26))
    assert cal.due(at(2025, 4, 25, 9, 0), 1) == at(2025, 4, 26, 9, 0)


def test_configured_days_off_and_make_up_days() -> None:
    cal = WorkCalendar.from_settings(
        CalendarSettings(extra_days_off=(date(2025, 8, 5),), extra_working_days=(date(2025, 8, 9),))
    )
    assert not cal.is_working_day(date(2025, 8, 5))
    assert cal.info(date(2025, 8, 5)).reason == "Ngày nghỉ bổ sung"
    assert cal.is_working_day(date(2025, 8, 9))
    # Mon 8:00 + 2 days: Mon, (Tue off), Wed -> Thu 8:00 ... with Saturday worked it changes nothing here.
    assert cal.due(at(2025, 8, 4, 8, 0), 2) == at(2025, 8, 7, 8, 0)
    assert cal.due(at(2025, 8, 8, 8, 0), 1) == at(2025, 8, 9, 8, 0)


def test_configured_office_hours() -> None:
    cal = WorkCalendar.from_settings(CalendarSettings(office_hours=((time(8, 0), time(12, 0)),)))
    assert cal.day_seconds == 4 * 3600
    assert cal.due(at(2025, 8, 4, 10, 0), 1) == at(2025, 8, 5, 10, 0)


def test_overlapping_office_hours_are_refused() -> None:
    with pytest.raises(ValueError, match="office-hours"):
        CalendarSettings(office_hours=((time(8, 0), time(12, 0)), (time(11, 0), time(13, 0))))


def test_working_seconds_and_the_officers_countdown(cal: WorkCalendar) -> None:
    assert cal.working_seconds(at(2025, 8, 8, 16, 0), at(2025, 8, 11, 9, 0)) == 3 * 3600
    assert cal.working_seconds(at(2025, 8, 11, 9, 0), at(2025, 8, 8, 16, 0)) == -3 * 3600
    due = at(2025, 8, 13, 16, 0)
    assert cal.remaining_label(at(2025, 8, 11, 9, 0), due) == "còn 2 ngày 5 giờ"
    assert cal.remaining_label(at(2025, 8, 14, 9, 30), due) == "quá 0 ngày 3 giờ"


def test_subtract_is_the_inverse_of_add(cal: WorkCalendar) -> None:
    start = at(2025, 1, 22, 10, 15)
    for hours in (0.5, 3, 8, 20, 50):
        end = cal.add(start, hours * 3600)
        assert cal.subtract(end, hours * 3600) == start
        assert cal.working_seconds(start, end) == pytest.approx(hours * 3600)


def test_naive_times_and_negative_days_are_refused(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError, match="aware"):
        cal.due(datetime(2025, 8, 4, 8, 0), 1)
    with pytest.raises(ValueError, match="non-negative"):
        cal.due(at(2025, 8, 4), -1)
    assert cal.add(at(2025, 8, 4, 8, 0), 0) + timedelta(0) == at(2025, 8, 4, 8, 0)


def test_only_the_holidays_the_labour_code_dates_are_certain(cal: WorkCalendar) -> None:
    new_year, tet, hung_kings = (
        cal.info(date(2027, 1, 1)),
        cal.info(date(2027, 2, 6)),
        cal.info(date(2026, 4, 26)),
    )
    assert not new_year.working
    assert not new_year.estimated
    assert (tet.reason, tet.estimated) == ("Tết Nguyên Đán", False)
    assert (hung_kings.reason, hung_kings.estimated) == ("Ngày Giỗ Tổ Hùng Vương", False)
    # The other Tết days are chosen by each year's decision; the library only estimates them.
    for day in (date(2027, 2, 4), date(2027, 2, 10)):
        assert not cal.info(day).working
        assert cal.info(day).estimated, day
    swapped = cal.info(date(2026, 8, 31))
    assert (swapped.working, swapped.estimated) == (False, True)
    make_up = cal.info(date(2026, 8, 22))
    assert (make_up.working, make_up.estimated) == (True, True)
    assert cal.estimated_between(date(2027, 2, 1), date(2027, 2, 12))
    assert not cal.estimated_between(date(2025, 8, 4), date(2025, 8, 8))


def test_the_settings_confirm_or_overturn_an_estimate() -> None:
    cal = WorkCalendar.from_settings(
        CalendarSettings(
            extra_days_off=(date(2027, 2, 4),),
            extra_working_days=(date(2027, 2, 10),),
        )
    )
    confirmed = cal.info(date(2027, 2, 4))
    assert (confirmed.working, confirmed.estimated, confirmed.reason) == (False, False, "29 Tết")
    overturned = cal.info(date(2027, 2, 10))
    assert (overturned.working, overturned.estimated) == (True, False)
    assert cal.info(date(2025, 8, 5)).reason is None


def test_the_next_working_day_starts_at_its_first_session(cal: WorkCalendar) -> None:
    assert cal.next_working_day(at(2025, 8, 4, 15, 30)) == at(2025, 8, 5, 7, 30)
    assert cal.next_working_day(at(2025, 8, 8, 16, 0)) == at(2025, 8, 11, 7, 30)
