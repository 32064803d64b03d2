"""Statistics use case: figures computed from the service's indexed tables."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from dossier_svc.calendar.models import WorkCalendar
from dossier_svc.stats.errors import InvalidPeriod
from dossier_svc.stats.models import Scope
from dossier_svc.stats.schemas import LateStep, Month, Satisfaction, StatsOut, Timeliness
from dossier_svc.uow import DossierUow
from motcua_shared.chassis.clock import Clock

MAX_PERIOD_DAYS = 3 * 366


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _timeliness(counts: dict[str, int]) -> Timeliness:
    whole = sum(counts.values())
    return Timeliness(
        early=counts.get("early", 0),
        on_time=counts.get("on_time", 0),
        late=counts.get("late", 0),
        early_rate=_rate(counts.get("early", 0), whole),
        on_time_rate=_rate(counts.get("on_time", 0), whole),
        late_rate=_rate(counts.get("late", 0), whole),
    )


def _satisfaction(counts: dict[str, int]) -> Satisfaction:
    whole = sum(counts.values())
    return Satisfaction(
        satisfied=counts.get("satisfied", 0),
        acceptable=counts.get("acceptable", 0),
        unsatisfied=counts.get("unsatisfied", 0),
        total=whole,
        satisfied_share=_rate(counts.get("satisfied", 0), whole),
        acceptable_share=_rate(counts.get("acceptable", 0), whole),
        unsatisfied_share=_rate(counts.get("unsatisfied", 0), whole),
    )


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
    """Received, finished, early/on-time/late, lateness by agency and step, satisfaction, by month."""
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
        received = await uow.stats.received_by_month(scope)
        finished = await uow.stats.finished_by_month(scope)
        closed = await uow.stats.closed_without_result(scope)
        overdue = await uow.stats.overdue_in_progress(scope, now)
        steps = await uow.stats.late_steps(scope)
        ratings = await uow.stats.ratings_by_month(scope)

    months: dict[str, Month] = {}

    def month(key: str) -> Month:
        return months.setdefault(key, Month(month=key))

    for key, n in received.items():
        month(key).received = n
    total_timeliness: dict[str, int] = defaultdict(int)
    per_month_timeliness: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    hours = 0.0
    for key, kind, n, worked in finished:
        month(key).finished += n
        total_timeliness[kind] += n
        per_month_timeliness[key][kind] += n
        hours += worked
    for key, counts in per_month_timeliness.items():
        month(key).timeliness = _timeliness(counts)
    total_ratings: dict[str, int] = defaultdict(int)
    per_month_ratings: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for key, rating, n in ratings:
        total_ratings[rating] += n
        per_month_ratings[key][rating] += n
    for key, counts in per_month_ratings.items():
        month(key).satisfaction = _satisfaction(counts)
    finished_total = sum(total_timeliness.values())
    return StatsOut(
        start=start,
        end=end,
        agency=agency,
        procedure=procedure,
        received=sum(received.values()),
        finished=finished_total,
        rejected=closed.get("rejected", 0),
        withdrawn=closed.get("withdrawn", 0),
        timeliness=_timeliness(total_timeliness),
        overdue_in_progress=overdue,
        average_processing_days=(
            round(hours * 3600 / calendar.day_seconds / finished_total, 2) if finished_total else None
        ),
        satisfaction=_satisfaction(total_ratings),
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
        by_month=[months[k] for k in sorted(months)],
    )
