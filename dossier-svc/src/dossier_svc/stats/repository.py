"""Aggregate queries behind the public statistics (grouped in SQL by agency and month, over indexed time
columns); the use case derives every cut (total, month, agency, agency and month) from the same rows."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from dossier_svc.documents.models import DossierDocument
from dossier_svc.dossiers.models import Dossier, DossierStep, RatingRecord, TimelineEntry
from dossier_svc.dossiers.workflow import RUNNING, State
from dossier_svc.stats.models import Closed, Finished, Overdue, Rated, Received, Scope
from motcua_shared.contracts.common import Channel
from motcua_shared.contracts.payment import PaymentMethod

FULL_ONLINE_LEVEL = 4
"""Level 4 is the full-process online service (dịch vụ công trực tuyến toàn trình, Nghị định 42/2022)."""

ONLINE_METHODS = (PaymentMethod.VIETQR.value, PaymentMethod.GATEWAY.value)
"""Paid through an online payment service; a bank-transfer slip an officer confirms by hand is not."""


def _count(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


class StatsRepository:
    """Read-only aggregates."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    @staticmethod
    def _filters(scope: Scope, agency: Any, procedure: Any) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        if scope.agency_code:
            out.append(agency == scope.agency_code)
        if scope.procedure_code:
            out.append(procedure == scope.procedure_code)
        return out

    async def received(self, scope: Scope) -> list[Received]:
        """Dossiers received in the period, by agency and month."""
        has_file = exists().where(DossierDocument.dossier_id == Dossier.id)
        rows = await self._session.execute(
            select(
                Dossier.agency_code,
                func.min(Dossier.agency_name),
                Dossier.received_month,
                func.count(),
                _count(Dossier.channel == Channel.ONLINE.value),
                _count(Dossier.channel == Channel.COUNTER.value),
                _count(Dossier.channel == Channel.POSTAL.value),
                _count(
                    and_(Dossier.channel == Channel.ONLINE.value, Dossier.online_level >= FULL_ONLINE_LEVEL)
                ),
                _count(Dossier.fee_total > 0),
                _count(and_(Dossier.fee_total > 0, Dossier.paid_method.in_(ONLINE_METHODS))),
                _count(has_file),
            )
            .where(
                Dossier.received_at >= scope.start,
                Dossier.received_at < scope.end,
                *self._filters(scope, Dossier.agency_code, Dossier.procedure_code),
            )
            .group_by(Dossier.agency_code, Dossier.received_month)
        )
        return [
            Received(str(a), str(an), str(m), *(int(n) for n in counts)) for a, an, m, *counts in rows.all()
        ]

    async def finished(self, scope: Scope) -> list[Finished]:
        """Results produced in the period, by agency, month and timeliness."""
        rows = await self._session.execute(
            select(
                Dossier.agency_code,
                func.min(Dossier.agency_name),
                Dossier.finished_month,
                Dossier.timeliness,
                func.count(),
                func.coalesce(func.sum(Dossier.processing_hours), 0.0),
            )
            .where(
                Dossier.approved_at >= scope.start,
                Dossier.approved_at < scope.end,
                *self._filters(scope, Dossier.agency_code, Dossier.procedure_code),
            )
            .group_by(Dossier.agency_code, Dossier.finished_month, Dossier.timeliness)
        )
        return [
            Finished(str(a), str(an), str(m), str(t), int(n), float(h or 0.0))
            for a, an, m, t, n, h in rows.all()
        ]

    async def closed_without_result(self, scope: Scope) -> list[Closed]:
        """Dossiers refused or withdrawn in the period, by agency and status."""
        rows = await self._session.execute(
            select(Dossier.agency_code, func.min(Dossier.agency_name), Dossier.status, func.count())
            .where(
                Dossier.closed_at >= scope.start,
                Dossier.closed_at < scope.end,
                Dossier.status.in_([State.REJECTED.value, State.WITHDRAWN.value]),
                *self._filters(scope, Dossier.agency_code, Dossier.procedure_code),
            )
            .group_by(Dossier.agency_code, Dossier.status)
        )
        return [Closed(str(a), str(an), str(s), int(n)) for a, an, s, n in rows.all()]

    async def overdue_at(self, scope: Scope, moments: Mapping[str, datetime]) -> list[Overdue]:
        """Dossiers in progress and past their due time at each moment (Quyết định 766's "hồ sơ đang giải
        quyết quá hạn" at the end of a period), whenever received, by agency; ``moments`` maps each month to
        the instant its figure is taken at. In progress then: received, neither approved nor closed yet, and
        the last step of its timeline up to that instant left it running (not waiting for a supplement)."""
        running = [s.value for s in RUNNING]
        out: list[Overdue] = []
        for month, moment in moments.items():
            state_then = (
                select(TimelineEntry.to_status)
                .where(TimelineEntry.dossier_id == Dossier.id, TimelineEntry.at <= moment)
                .order_by(TimelineEntry.at.desc(), TimelineEntry.id.desc())
                .limit(1)
                .scalar_subquery()
            )
            rows = await self._session.execute(
                select(Dossier.agency_code, func.min(Dossier.agency_name), func.count())
                .where(
                    Dossier.received_at <= moment,
                    Dossier.due_at < moment,
                    or_(Dossier.approved_at.is_(None), Dossier.approved_at > moment),
                    or_(Dossier.closed_at.is_(None), Dossier.closed_at > moment),
                    state_then.in_(running),
                    *self._filters(scope, Dossier.agency_code, Dossier.procedure_code),
                )
                .group_by(Dossier.agency_code)
            )
            out += [Overdue(str(a), str(an), month, int(n)) for a, an, n in rows.all()]
        return out

    async def late_steps(self, scope: Scope) -> list[tuple[str, str, str, int, int]]:
        """Steps finished in the period: (agency code, agency name, step name, finished, late)."""
        late = func.sum(case((DossierStep.late.is_(True), 1), else_=0))
        rows = await self._session.execute(
            select(
                DossierStep.agency_code,
                func.min(DossierStep.agency_name),
                DossierStep.name,
                func.count(),
                late,
            )
            .where(
                DossierStep.finished_at >= scope.start,
                DossierStep.finished_at < scope.end,
                *self._filters(scope, DossierStep.agency_code, DossierStep.procedure_code),
            )
            .group_by(DossierStep.agency_code, DossierStep.name)
        )
        return [(str(a), str(an), str(s), int(n), int(lt or 0)) for a, an, s, n, lt in rows.all()]

    async def ratings(self, scope: Scope) -> list[Rated]:
        """Ratings given in the period, by agency, month and rating."""
        rows = await self._session.execute(
            select(RatingRecord.agency_code, RatingRecord.rated_month, RatingRecord.rating, func.count())
            .where(
                RatingRecord.rated_at >= scope.start,
                RatingRecord.rated_at < scope.end,
                *self._filters(scope, RatingRecord.agency_code, RatingRecord.procedure_code),
            )
            .group_by(RatingRecord.agency_code, RatingRecord.rated_month, RatingRecord.rating)
        )
        return [Rated(str(a), str(m), str(r), int(n)) for a, m, r, n in rows.all()]
