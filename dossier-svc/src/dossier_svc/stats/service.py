"""Statistics use case: figures computed from the service's indexed tables, cut by month and by agency.

The formulas, and which Quyết định 766/QĐ-TTg indicator each follows, are in dossier-svc's README.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from dossier_svc.calendar.models import WorkCalendar
from dossier_svc.stats.errors import InvalidPeriod
from dossier_svc.stats.models import Scope
from dossier_svc.stats.schemas import (
    AgencyStats,
    Channels,
    Digitisation,
    Figures,
    LateStep,
    Month,
    Payments,
    Satisfaction,
    StatsOut,
    Timeliness,
)
from dossier_svc.uow import DossierUow
from motcua_shared.chassis.clock import Clock

MAX_PERIOD_DAYS = 3 * 366


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _timeliness(counts: Counter[str]) -> Timeliness:
    whole = sum(counts.values())
    return Timeliness(
        early=counts["early"],
        on_time=counts["on_time"],
        late=counts["late"],
        early_rate=_rate(counts["early"], whole),
        on_time_rate=_rate(counts["on_time"], whole),
        late_rate=_rate(counts["late"], whole),
    )


def _satisfaction(counts: Counter[str]) -> Satisfaction:
    whole = sum(counts.values())
    return Satisfaction(
        satisfied=counts["satisfied"],
        acceptable=counts["acceptable"],
        unsatisfied=counts["unsatisfied"],
        total=whole,
        satisfied_share=_rate(counts["satisfied"], whole),
        acceptable_share=_rate(counts["acceptable"], whole),
        unsatisfied_share=_rate(counts["unsatisfied"], whole),
    )


@dataclass
class Tally:
    """The counts of one cut, summed from the rows that fall in it."""

    received: int = 0
    online: int = 0
    counter: int = 0
    postal: int = 0
    full_online: int = 0
    with_fees: int = 0
    paid_online: int = 0
    digitised: int = 0
    results: Counter[str] = field(default_factory=Counter)
    hours: float = 0.0
    overdue: int = 0
    ratings: Counter[str] = field(default_factory=Counter)
    closed: Counter[str] = field(default_factory=Counter)

    def figures(self, day_seconds: float) -> Figures:
        """The figures and rates of these counts (a rate is None when its whole is zero)."""
        finished = sum(self.results.values())
        timely = self.results["early"] + self.results["on_time"]
        dissatisfied = self.results["late"] + self.ratings["unsatisfied"]
        return Figures(
            received=self.received,
            finished=finished,
            timeliness=_timeliness(self.results),
            overdue_in_progress=self.overdue,
            timely_rate=_rate(timely, finished + self.overdue),
            average_processing_days=(
                round(self.hours * 3600 / day_seconds / finished, 2) if finished else None
            ),
            channels=Channels(
                online=self.online,
                counter=self.counter,
                postal=self.postal,
                online_share=_rate(self.online, self.received),
                full_online=self.full_online,
                full_online_share=_rate(self.full_online, self.received),
            ),
            payments=Payments(
                with_fees=self.with_fees,
                paid_online=self.paid_online,
                online_share=_rate(self.paid_online, self.with_fees),
            ),
            digitisation=Digitisation(digitised=self.digitised, share=_rate(self.digitised, self.received)),
            satisfaction=_satisfaction(self.ratings),
            satisfaction_rate=(round(max(0.0, 1 - dissatisfied / finished), 4) if finished else None),
        )


class Cube:
    """Tallies by (agency, month), None standing for "all": the total, each month, each agency, and each
    agency in each month, filled from the same rows."""

    def __init__(self, first_month: str, last_month: str) -> None:
        self._months = (first_month, last_month)
        self.cells: dict[tuple[str | None, str | None], Tally] = {}
        self.names: dict[str, str] = {}

    def cuts(self, agency: str, month: str | None) -> list[Tally]:
        """The tallies a row of ``agency`` in ``month`` counts in (a month outside the period counts only in
        the totals)."""
        keys: list[tuple[str | None, str | None]] = [(None, None), (agency, None)]
        if month is not None and self._months[0] <= month <= self._months[1]:
            keys += [(None, month), (agency, month)]
        return [self.cells.setdefault(key, Tally()) for key in keys]

    def closing_cuts(self, agency: str, month: str, closing: str) -> list[Tally]:
        """The tallies a figure taken at the end of ``month`` counts in: that month's, and the period's and
        the agency's when ``month`` is the period's last (a stock at an instant, not a sum over months)."""
        keys: list[tuple[str | None, str | None]] = [(None, month), (agency, month)]
        if month == closing:
            keys += [(None, None), (agency, None)]
        return [self.cells.setdefault(key, Tally()) for key in keys]

    def name(self, code: str, name: str) -> None:
        """Remember an agency's name."""
        self.names.setdefault(code, name)

    def tally(self, agency: str | None = None, month: str | None = None) -> Tally:
        """The tally of a cut (an empty one when no row fell in it)."""
        return self.cells.get((agency, month)) or Tally()

    def months(self, agency: str | None = None) -> list[str]:
        """The months with any figure, in order."""
        return sorted({m for a, m in self.cells if a == agency and m is not None})

    def agencies(self) -> list[str]:
        """The agencies with any figure, by code."""
        return sorted({a for a, _ in self.cells if a is not None})


def closing_moments(start: date, end: datetime, now: datetime, calendar: WorkCalendar) -> dict[str, datetime]:
    """For each month of the period that has begun by ``now``: the instant its overdue-in-progress figure is
    taken at, the month's end, or the period's ``end``, or ``now``, whichever comes first (766 reads the
    dossiers being processed late at the end of the reporting period)."""
    moments: dict[str, datetime] = {}
    first = start.replace(day=1)
    while True:
        begins = max(
            datetime.combine(first, time(), calendar.zone), datetime.combine(start, time(), calendar.zone)
        )
        if begins >= end or begins > now:
            return moments
        following = (first + timedelta(days=32)).replace(day=1)
        moments[first.strftime("%Y-%m")] = min(datetime.combine(following, time(), calendar.zone), end, now)
        first = following


def _month(key: str, tally: Tally, day_seconds: float) -> Month:
    return Month(month=key, **dict(tally.figures(day_seconds)))


async def statistics(
    uow: DossierUow,
    calendar: WorkCalendar,
    clock: Clock,
    *,
    start: date | None,
    end: date | None,
    agency: str | None,
    procedure: str | None,
) -> StatsOut:
    """Received, finished, early/on-time/late, overdue, channels, online payment, digitisation and
    satisfaction, for the period, by month, by receiving agency and by agency and month; lateness by agency
    and step."""
    now = clock.now()
    today = calendar.local(now).date()
    end = end or today
    start = start or end.replace(day=1)
    if end < start or (end - start).days > MAX_PERIOD_DAYS:
        raise InvalidPeriod(
            "Khoảng thời gian không hợp lệ.",
            errors=[{"field": "to", "message": f"after `from`, at most {MAX_PERIOD_DAYS} days later"}],
        )
    scope = Scope(
        start=datetime.combine(start, time(), calendar.zone),
        end=datetime.combine(end + timedelta(days=1), time(), calendar.zone),
        agency_code=agency,
        procedure_code=procedure,
    )
    async with uow:
        received = await uow.stats.received(scope)
        finished = await uow.stats.finished(scope)
        closed = await uow.stats.closed_without_result(scope)
        moments = closing_moments(start, scope.end, now, calendar)
        overdue = await uow.stats.overdue_at(scope, moments)
        steps = await uow.stats.late_steps(scope)
        ratings = await uow.stats.ratings(scope)

    cube = Cube(start.strftime("%Y-%m"), end.strftime("%Y-%m"))
    for r in received:
        cube.name(r.agency_code, r.agency_name)
        for t in cube.cuts(r.agency_code, r.month):
            t.received += r.received
            t.online += r.online
            t.counter += r.counter
            t.postal += r.postal
            t.full_online += r.full_online
            t.with_fees += r.with_fees
            t.paid_online += r.paid_online
            t.digitised += r.digitised
    for f in finished:
        cube.name(f.agency_code, f.agency_name)
        for t in cube.cuts(f.agency_code, f.month):
            t.results[f.timeliness] += f.count
            t.hours += f.hours
    closing = max(moments, default="")
    for o in overdue:
        cube.name(o.agency_code, o.agency_name)
        for t in cube.closing_cuts(o.agency_code, o.month, closing):
            t.overdue += o.count
    for c in closed:
        cube.name(c.agency_code, c.agency_name)
        for t in cube.cuts(c.agency_code, None):
            t.closed[c.status] += c.count
    for rating in ratings:
        for t in cube.cuts(rating.agency_code, rating.month):
            t.ratings[rating.rating] += rating.count

    seconds = calendar.day_seconds
    total = cube.tally()
    return StatsOut(
        start=start,
        end=end,
        agency=agency,
        procedure=procedure,
        **dict(total.figures(seconds)),
        rejected=total.closed["rejected"],
        withdrawn=total.closed["withdrawn"],
        late_by_step=sorted(
            (
                LateStep(
                    agency_code=a,
                    agency_name=an,
                    step_name=s,
                    finished=n,
                    late=lt,
                    late_rate=round(lt / n, 4),
                )
                for a, an, s, n, lt in steps
                if lt
            ),
            key=lambda item: (-item.late, item.agency_code, item.step_name),
        ),
        by_month=[_month(m, cube.tally(None, m), seconds) for m in cube.months()],
        by_agency=[
            AgencyStats(
                agency_code=code,
                agency_name=cube.names.get(code, code),
                **dict(cube.tally(code).figures(seconds)),
                rejected=cube.tally(code).closed["rejected"],
                withdrawn=cube.tally(code).closed["withdrawn"],
                by_month=[_month(m, cube.tally(code, m), seconds) for m in cube.months(code)],
            )
            for code in cube.agencies()
        ],
    )
