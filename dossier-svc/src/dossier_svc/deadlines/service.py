"""The deadline job: due-soon and overdue notices (once per dossier), and supplements not given in time.

Each dossier is handled in its own transaction; the dossier's row version makes two replicas sweeping at
the same moment announce it once (the second one's update is stale and is skipped).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm.exc import StaleDataError

from dossier_svc.calendar.models import WorkCalendar
from dossier_svc.dossiers.models import SYSTEM_ACTOR
from dossier_svc.dossiers.workflow import Action, ActionInput, Party
from dossier_svc.settings import DeadlineSettings
from dossier_svc.uow import DossierUow
from motcua_shared.chassis.clock import Clock
from motcua_shared.chassis.errors import DomainError
from motcua_shared.contracts.common import FeeTiming

log = logging.getLogger(__name__)

EXPIRED_REASON = "Quá thời hạn bổ sung hồ sơ mà người nộp chưa bổ sung."
UNPAID_REASON = "Quá thời hạn mà người nộp chưa thực hiện nghĩa vụ tài chính (phí, lệ phí)."


@dataclass
class SweepResult:
    """What one sweep did."""

    due_soon: int = 0
    overdue: int = 0
    expired: int = 0


async def sweep(
    uow_factory: Callable[[], DossierUow],
    calendar: WorkCalendar,
    settings: DeadlineSettings,
    *,
    now: datetime,
) -> SweepResult:
    """One pass over the dossiers whose deadlines need attention at ``now``."""
    result = SweepResult()
    async with uow_factory() as uow:
        due_soon = await uow.dossiers.due_soon(now, settings.batch_size)
        overdue = await uow.dossiers.overdue(now, settings.batch_size)
        expired = await uow.dossiers.supplements_expired(now, settings.batch_size)
    for dossier_id in due_soon:
        result.due_soon += await _notice(uow_factory(), dossier_id, now, overdue=False)
    for dossier_id in overdue:
        result.overdue += await _notice(uow_factory(), dossier_id, now, overdue=True)
    action = Action.EXPIRE_SUPPLEMENT if settings.supplement_expiry == "reject" else Action.RESUME
    for dossier_id in expired:
        result.expired += await _expire(uow_factory(), dossier_id, now, calendar, action)
    return result


async def _notice(uow: DossierUow, dossier_id: str, now: datetime, *, overdue: bool) -> int:
    async with uow:
        dossier = await uow.dossiers.by_id(dossier_id)
        if dossier is None:
            return 0
        event = dossier.notice_overdue(now) if overdue else dossier.notice_due_soon(now)
        if event is None:
            return 0
        uow.outbox.add(event)
        try:
            await uow.commit()
        except StaleDataError:
            return 0
    return 1


async def _expire(
    uow: DossierUow, dossier_id: str, now: datetime, calendar: WorkCalendar, action: Action
) -> int:
    async with uow:
        dossier = await uow.dossiers.by_id(dossier_id)
        if dossier is None or dossier.respond_by is None or dossier.respond_by > now:
            return 0
        if dossier.fee_outstanding(FeeTiming.SUPPLEMENT):
            # Processing cannot go on without the fee (the table refuses `resume`, and `approve` later), so
            # whatever the policy, the dossier stops rather than run its clock towards a result it cannot get.
            given = ActionInput(reason=UNPAID_REASON)
            action = Action.EXPIRE_SUPPLEMENT
        else:
            given = ActionInput(reason=EXPIRED_REASON if action is Action.EXPIRE_SUPPLEMENT else None)
        try:
            outcome = dossier.act(
                action, frozenset({Party.SYSTEM}), SYSTEM_ACTOR, given, now=now, calendar=calendar
            )
        except DomainError as exc:
            log.warning("supplement expiry refused", extra={"dossier": dossier.code, "error": exc.detail})
            return 0
        uow.dossiers.append(outcome.entry)
        if outcome.event is not None:
            uow.outbox.add(outcome.event)
        try:
            await uow.commit()
        except StaleDataError:
            return 0
    return 1


async def run_forever(
    uow_factory: Callable[[], DossierUow], calendar: WorkCalendar, settings: DeadlineSettings, clock: Clock
) -> None:
    """Sweep every ``settings.sweep_interval`` seconds until cancelled; a failed pass is logged."""
    while True:
        try:
            result = await sweep(uow_factory, calendar, settings, now=clock.now())
            if result.due_soon or result.overdue or result.expired:
                log.info(
                    "deadline sweep",
                    extra={"due_soon": result.due_soon, "overdue": result.overdue, "expired": result.expired},
                )
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("deadline sweep failed")
        await asyncio.sleep(settings.sweep_interval)
