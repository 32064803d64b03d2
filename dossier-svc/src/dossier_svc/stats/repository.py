"""Aggregate queries behind the public statistics (grouped in SQL over indexed time columns)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dossier_svc.dossiers.models import Dossier, DossierStep, RatingRecord
from dossier_svc.dossiers.workflow import RUNNING, State
from dossier_svc.stats.models import Scope


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

    async def received_by_month(self, scope: Scope) -> dict[str, int]:
        """Dossiers received in the period, by month."""
        rows = await self._session.execute(
            select(Dossier.received_month, func.count())
            .where(
                Dossier.received_at >= scope.start,
                Dossier.received_at < scope.end,
                *self._filters(scope, Dossier.agency_code, Dossier.procedure_code),
            )
            .group_by(Dossier.received_month)
        )
        return {str(month): int(n) for month, n in rows.all()}

    async def finished_by_month(self, scope: Scope) -> list[tuple[str, str, int, float]]:
        """Results produced in the period: (month, timeliness, count, sum of processing hours)."""
        rows = await self._session.execute(
            select(
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
            .group_by(Dossier.finished_month, Dossier.timeliness)
        )
        return [(str(m), str(t), int(n), float(h or 0.0)) for m, t, n, h in rows.all()]

    async def closed_without_result(self, scope: Scope) -> dict[str, int]:
        """Dossiers refused or withdrawn in the period, by status."""
        rows = await self._session.execute(
            select(Dossier.status, func.count())
            .where(
                Dossier.closed_at >= scope.start,
                Dossier.closed_at < scope.end,
                Dossier.status.in_([State.REJECTED.value, State.WITHDRAWN.value]),
                *self._filters(scope, Dossier.agency_code, Dossier.procedure_code),
            )
            .group_by(Dossier.status)
        )
        return {str(s): int(n) for s, n in rows.all()}

    async def overdue_in_progress(self, scope: Scope, now: datetime) -> int:
        """Dossiers running past their due time now."""
        count = await self._session.scalar(
            select(func.count())
            .select_from(Dossier)
            .where(
                Dossier.status.in_([s.value for s in RUNNING]),
                Dossier.due_at < now,
                *self._filters(scope, Dossier.agency_code, Dossier.procedure_code),
            )
        )
        return int(count or 0)

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

    async def ratings_by_month(self, scope: Scope) -> list[tuple[str, str, int]]:
        """Ratings given in the period: (month, rating, count)."""
        rows = await self._session.execute(
            select(RatingRecord.rated_month, RatingRecord.rating, func.count())
            .where(
                RatingRecord.rated_at >= scope.start,
                RatingRecord.rated_at < scope.end,
                *self._filters(scope, RatingRecord.agency_code, RatingRecord.procedure_code),
            )
            .group_by(RatingRecord.rated_month, RatingRecord.rating)
        )
        return [(str(m), str(r), int(n)) for m, r, n in rows.all()]
