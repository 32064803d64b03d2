"""The statistics (stats/service.py) on fake aggregate rows: every cut from the same rows; the 766 rates."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from dossier_fakes import FakeDossierUow, fake_ports

from dossier_svc.ports import Ports
from dossier_svc.stats import service
from dossier_svc.stats.errors import InvalidPeriod
from dossier_svc.stats.models import Closed, Finished, Overdue, Rated, Received
from dossier_svc.stats.schemas import StatsOut

WARD = ("hue.xa.thuan-hoa", "Ủy ban nhân dân phường Thuận Hóa")
DEPT = ("hue.so-tu-phap", "Sở Tư pháp thành phố Huế")


@pytest.fixture
def ports(tmp_path: Path) -> Ports:
    return fake_ports(tmp_path)


def _uow() -> FakeDossierUow:
    """July and August at a ward and a department."""
    uow = FakeDossierUow()
    stats = uow.stats
    stats.received_rows = [
        # agency, name, month; received, online, counter, postal, full online, owing, paid online, digitised
        Received(*WARD, "2025-07", 10, 6, 3, 1, 2, 4, 3, 9),
        Received(*WARD, "2025-08", 5, 5, 0, 0, 5, 2, 2, 5),
        Received(*DEPT, "2025-08", 4, 1, 3, 0, 0, 4, 1, 2),
    ]
    stats.finished_rows = [
        Finished(*WARD, "2025-07", "early", 4, 32.0),
        Finished(*WARD, "2025-07", "on_time", 3, 48.0),
        Finished(*WARD, "2025-07", "late", 1, 40.0),
        Finished(*DEPT, "2025-08", "on_time", 2, 16.0),
    ]
    stats.closed_rows = [Closed(*WARD, "rejected", 1), Closed(*DEPT, "withdrawn", 2)]
    stats.overdue_rows = [
        # In progress and overdue at the end of July, and at the end of the period (now, 4 August).
        Overdue(*WARD, "2025-07", 2),
        Overdue(*WARD, "2025-08", 1),
        Overdue(*DEPT, "2025-08", 3),
        Overdue(*DEPT, "2025-09", 9),  # a month the period has not reached: not asked, not counted
    ]
    stats.rating_rows = [
        Rated(WARD[0], "2025-07", "satisfied", 5),
        Rated(WARD[0], "2025-07", "unsatisfied", 1),
        Rated(DEPT[0], "2025-08", "acceptable", 1),
    ]
    return uow


async def _stats(
    uow: FakeDossierUow,
    ports: Ports,
    agency: str | None = None,
    *,
    start: date | None = date(2025, 7, 1),
    end: date | None = date(2025, 8, 31),
) -> StatsOut:
    return await service.statistics(
        uow.unit, ports.calendar, ports.clock, start=start, end=end, agency=agency, procedure=None
    )


async def test_the_totals_months_agencies_and_agency_months_come_from_the_same_rows(ports: Ports) -> None:
    stats = await _stats(_uow(), ports)
    assert (stats.received, stats.finished, stats.rejected, stats.withdrawn) == (19, 10, 1, 2)
    assert stats.overdue_in_progress == 4
    assert [m.month for m in stats.by_month] == ["2025-07", "2025-08"]
    assert [m.received for m in stats.by_month] == [10, 9]
    assert [m.finished for m in stats.by_month] == [8, 2]
    # Overdue in progress is a stock at each cut's end: July's is July's, the period's is its last month's.
    assert [m.overdue_in_progress for m in stats.by_month] == [2, 4]
    ward, dept = sorted(stats.by_agency, key=lambda a: a.agency_code, reverse=True)
    assert (ward.agency_code, ward.agency_name) == WARD
    assert (ward.received, ward.finished, ward.rejected, ward.overdue_in_progress) == (15, 8, 1, 1)
    assert (dept.received, dept.finished, dept.withdrawn, dept.overdue_in_progress) == (4, 2, 2, 3)
    assert [(m.month, m.received, m.finished) for m in ward.by_month] == [
        ("2025-07", 10, 8),
        ("2025-08", 5, 0),
    ]
    assert [(m.month, m.received, m.finished) for m in dept.by_month] == [("2025-08", 4, 2)]
    # The cuts add up: the months to the total, the agencies to the total.
    assert sum(m.received for m in stats.by_month) == stats.received
    assert sum(a.received for a in stats.by_agency) == stats.received
    assert sum(a.finished for a in stats.by_agency) == stats.finished


async def test_the_766_rates(ports: Ports) -> None:
    stats = await _stats(_uow(), ports)
    july = stats.by_month[0]
    assert (july.timeliness.early, july.timeliness.on_time, july.timeliness.late) == (4, 3, 1)
    assert (july.timeliness.early_rate, july.timeliness.late_rate) == (0.5, 0.125)
    # Timely: (early + on time) / (finished + overdue in progress).
    assert stats.timely_rate == round((4 + 3 + 2) / (10 + 4), 4)
    assert july.timely_rate == 7 / (8 + 2)
    # Channels and full-process online, of those received.
    assert (stats.channels.online, stats.channels.counter, stats.channels.postal) == (12, 6, 1)
    assert stats.channels.online_share == round(12 / 19, 4)
    assert stats.channels.full_online_share == round(7 / 19, 4)
    # Online payment, of the dossiers owing fees.
    assert (stats.payments.with_fees, stats.payments.paid_online) == (10, 6)
    assert stats.payments.online_share == 0.6
    assert stats.digitisation.share == round(16 / 19, 4)
    # Satisfaction: the ratings' shares, and 766's rate 1 − (late + unsatisfied) / finished.
    assert (stats.satisfaction.total, stats.satisfaction.satisfied_share) == (7, round(5 / 7, 4))
    assert stats.satisfaction_rate == 1 - (1 + 1) / 10
    assert july.satisfaction_rate == 1 - (1 + 1) / 8
    # Working days: hours summed over the results, a working day's length from the calendar.
    day_hours = ports.calendar.day_seconds / 3600
    assert july.average_processing_days == round((32 + 48 + 40) / day_hours / 8, 2)


async def test_a_cut_with_nothing_to_divide_by_has_no_rate(ports: Ports) -> None:
    stats = await _stats(FakeDossierUow(), ports)
    assert (stats.received, stats.finished, stats.by_month, stats.by_agency) == (0, 0, [], [])
    assert stats.timely_rate is None
    assert stats.channels.online_share is None
    assert stats.payments.online_share is None
    assert stats.satisfaction_rate is None
    assert stats.average_processing_days is None
    dept_only = await _stats(_uow(), ports, agency=DEPT[0])
    august = dept_only.by_month[0]
    assert (august.month, august.satisfaction.total, august.satisfaction.satisfied_share) == (
        "2025-08",
        1,
        0.0,
    )


async def test_the_period_defaults_to_this_month_in_the_platform_zone_and_refuses_a_reversed_one(
    ports: Ports,
) -> None:
    uow = FakeDossierUow()
    stats = await _stats(uow, ports, start=None, end=None)
    assert (stats.start, stats.end) == (date(2025, 8, 1), date(2025, 8, 4))
    scope = uow.stats.scopes[0]
    assert scope.start.isoformat() == "2025-08-01T00:00:00+07:00"
    assert scope.end.isoformat() == "2025-08-05T00:00:00+07:00"
    with pytest.raises(InvalidPeriod):
        await _stats(uow, ports, start=date(2025, 8, 2), end=date(2025, 8, 1))


async def test_overdue_in_progress_is_taken_at_each_month_s_end_or_now(ports: Ports) -> None:
    """Quyết định 766 reads the dossiers being processed late at the end of the reporting period: a past month
    at its end (00:00 on the 1st of the next, Huế time), the running month now, a month not begun never."""
    uow = _uow()
    await _stats(uow, ports, start=date(2025, 6, 15), end=date(2025, 9, 30))
    zone = ports.calendar.zone
    assert uow.stats.moments == {
        "2025-06": datetime(2025, 7, 1, tzinfo=zone),
        "2025-07": datetime(2025, 8, 1, tzinfo=zone),
        "2025-08": ports.clock.now(),
    }
    await _stats(uow, ports, start=date(2025, 7, 1), end=date(2025, 7, 20))
    assert uow.stats.moments == {"2025-07": datetime(2025, 7, 21, tzinfo=zone)}
