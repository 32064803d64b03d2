"""Quyết định 766's "hồ sơ đang giải quyết quá hạn" read at the end of each month, on the real queries
(SQLite): dossiers worked through the API, their history then moved to fixed days of July and August 2025."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from dossier_testkit import OFFICER, POLICE_OFFICER, Harness
from sqlalchemy import select

from dossier_svc.dossiers.models import TimelineEntry
from dossier_svc.stats import service
from dossier_svc.stats.schemas import StatsOut
from motcua_shared.chassis.clock import SettableClock

HUE = ZoneInfo("Asia/Ho_Chi_Minh")


def _at(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2025, month, day, hour, tzinfo=HUE)


async def _worked(harness: Harness, *actions: tuple[str, dict[str, str], dict[str, object]]) -> str:
    code: str = (await harness.submit())["code"]
    for action, who, body in actions:
        response = await harness.act(code, action, who, **body)
        assert response.status_code == 200, (action, response.text)
    return code


async def _as_if(harness: Harness, code: str, *, due: datetime, when: dict[str, datetime]) -> None:
    """Move the dossier's history to the days ``when`` gives each action (submission with its receipt)."""
    async with harness.uow() as uow:
        dossier = await uow.dossiers.by_code(code)
        assert dossier is not None
        entries = (
            await uow.session.scalars(select(TimelineEntry).where(TimelineEntry.dossier_id == dossier.id))
        ).all()
        for entry in entries:
            entry.at = when.get(entry.action, when["receive"])
        dossier.received_at = when["receive"]
        dossier.received_month = when["receive"].strftime("%Y-%m")
        dossier.due_at = due
        if "approve" in when:
            dossier.approved_at = when["approve"]
            dossier.finished_month = when["approve"].strftime("%Y-%m")
            dossier.timeliness = "late" if when["approve"] > due else "on_time"
        await uow.commit()


async def _stats(harness: Harness, clock: SettableClock, *, last_day: int, last_month: int) -> StatsOut:
    """The figures from 1 July to the given day, asked at the clock's instant."""
    return await service.statistics(
        harness.uow(),
        harness.ports.calendar,
        clock,
        start=_at(7, 1).date(),
        end=_at(last_month, last_day).date(),
        agency=None,
        procedure=None,
    )


async def test_a_past_month_counts_what_was_in_progress_and_overdue_at_its_end(harness: Harness) -> None:
    receive: tuple[str, dict[str, str], dict[str, object]] = ("receive", OFFICER, {})
    # Received in July, due 15/7, still running: overdue at both months' ends.
    still = await _worked(harness, receive)
    await _as_if(harness, still, due=_at(7, 15, 17), when={"receive": _at(7, 10)})
    # Received in July, due 15/7, finished on 5/8: overdue at July's end only.
    finished = await _worked(
        harness,
        receive,
        ("forward", OFFICER, {}),
        ("forward", POLICE_OFFICER, {}),
        ("approve", OFFICER, {}),
    )
    august = _at(8, 5)
    await _as_if(
        harness,
        finished,
        due=_at(7, 15, 17),
        when={"receive": _at(7, 10), "forward": august, "approve": august},
    )
    # Received on 2/8, due 20/8, still running: overdue at August's end only.
    later = await _worked(harness, receive)
    await _as_if(harness, later, due=_at(8, 20, 17), when={"receive": _at(8, 2)})
    # Overdue, but waiting for the applicant's supplement since 20/7: the clock stopped, not late.
    waiting = await _worked(
        harness,
        receive,
        ("request-supplement", OFFICER, {"reason": "Thiếu tờ khai", "documents": ["to-khai"]}),
    )
    await _as_if(
        harness, waiting, due=_at(7, 15, 17), when={"receive": _at(7, 10), "request-supplement": _at(7, 20)}
    )

    clock = SettableClock(_at(9, 10))
    stats = await _stats(harness, clock, last_day=31, last_month=8)
    july, aug = stats.by_month
    assert (july.month, july.overdue_in_progress) == ("2025-07", 2), (
        "the running one and the one finished in August"
    )
    assert (aug.month, aug.overdue_in_progress) == ("2025-08", 2), (
        "the running one and the one received in August"
    )
    assert stats.overdue_in_progress == aug.overdue_in_progress, "the period's figure is at its end"
    (agency,) = stats.by_agency
    assert [m.overdue_in_progress for m in agency.by_month] == [2, 2]
    assert july.timely_rate == 0.0, "nothing finished in July, two late at its end"
    assert aug.timely_rate == 0.0, "the one finished in August was late"

    # Asked in the middle of July, July's figure is taken then: only what was overdue by 14/7 counts.
    clock.set(_at(7, 16, 8))
    mid = await _stats(harness, clock, last_day=31, last_month=7)
    assert mid.overdue_in_progress == 3, "the two received on 10/7 and the one waiting only since 20/7"
