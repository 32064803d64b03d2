"""Every query on dossiers, their steps, timeline, sequences, idempotency keys and ratings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from dossier_svc.dossiers.models import (
    Dossier,
    DossierSequence,
    DossierStep,
    IdempotencyRecord,
    RatingRecord,
    TimelineEntry,
)
from dossier_svc.dossiers.workflow import RUNNING, State


class DossierRepository:
    """Dossier rows and what hangs off them."""

    def __init__(self, session: AsyncSession, *, postgres: bool) -> None:
        self._session = session
        self._postgres = postgres

    async def by_code(self, code: str) -> Dossier | None:
        """The dossier ``code`` (a draft's provisional code too), with its steps."""
        query = select(Dossier).options(selectinload(Dossier.steps)).where(Dossier.code == code)
        found: Dossier | None = await self._session.scalar(query)
        return found

    async def by_id(self, dossier_id: str) -> Dossier | None:
        """The dossier with row id ``dossier_id``, with its steps."""
        query = select(Dossier).options(selectinload(Dossier.steps)).where(Dossier.id == dossier_id)
        found: Dossier | None = await self._session.scalar(query)
        return found

    def add(self, dossier: Dossier) -> None:
        """Stage a new dossier (its steps cascade)."""
        self._session.add(dossier)

    async def delete(self, dossier: Dossier) -> None:
        """Delete a dossier (drafts only; the service checks)."""
        await self._session.delete(dossier)

    def append(self, entry: TimelineEntry) -> None:
        """Append to a timeline (entries are never updated)."""
        self._session.add(entry)

    async def timeline(self, dossier_id: str) -> Sequence[TimelineEntry]:
        """A dossier's timeline, oldest first."""
        rows = await self._session.scalars(
            select(TimelineEntry).where(TimelineEntry.dossier_id == dossier_id).order_by(TimelineEntry.id)
        )
        return rows.all()

    async def next_number(self, agency_code: str, day: str) -> int:
        """The next number of ``agency_code`` on ``day``: an atomic upsert, safe under concurrent filings."""
        insert = pg_insert if self._postgres else sqlite_insert
        statement = (
            insert(DossierSequence)
            .values(agency_code=agency_code, day=day, last=1)
            .on_conflict_do_update(
                index_elements=[DossierSequence.agency_code, DossierSequence.day],
                set_={"last": DossierSequence.last + 1},
            )
            .returning(DossierSequence.last)
        )
        number = (await self._session.execute(statement)).scalar_one()
        return int(number)

    async def idempotency(self, subject: str, key: str) -> IdempotencyRecord | None:
        """What ``subject`` got for ``key`` before."""
        return await self._session.get(IdempotencyRecord, (subject, key))

    def remember(self, record: IdempotencyRecord) -> None:
        """Stage an idempotency record (its primary key makes a concurrent duplicate fail)."""
        self._session.add(record)

    async def list(
        self,
        *,
        applicant_id: str | None = None,
        agency_code: str | None = None,
        holding_only: bool = True,
        status: State | None = None,
        procedure_code: str | None = None,
        limit: int,
        offset: int,
    ) -> tuple[Sequence[Dossier], int]:
        """A page and the total: a citizen's own (newest first) or an agency's queue (due first)."""
        query = select(Dossier)
        if applicant_id is not None:
            query = query.where(Dossier.applicant_id == applicant_id)
        if agency_code is not None:
            query = query.where(Dossier.status != State.DRAFT.value)
            if holding_only:
                query = query.where(Dossier.holder_agency_code == agency_code)
            else:
                involved = select(DossierStep.dossier_id).where(
                    DossierStep.agency_code == agency_code, DossierStep.first_started_at.is_not(None)
                )
                query = query.where(
                    or_(
                        Dossier.agency_code == agency_code,
                        Dossier.holder_agency_code == agency_code,
                        Dossier.id.in_(involved),
                    )
                )
        if status is not None:
            query = query.where(Dossier.status == status.value)
        if procedure_code is not None:
            query = query.where(Dossier.procedure_code == procedure_code)
        total = await self._session.scalar(select(func.count()).select_from(query.subquery())) or 0
        if agency_code is not None:
            # Soonest due first; dossiers without a due time (not received, paused) after them.
            query = query.order_by(Dossier.due_at.is_(None), Dossier.due_at, Dossier.created_at, Dossier.id)
        else:
            query = query.order_by(Dossier.created_at.desc(), Dossier.id.desc())
        rows = await self._session.scalars(
            query.options(selectinload(Dossier.steps)).limit(limit).offset(offset)
        )
        return rows.all(), int(total)

    async def due_soon(self, now: datetime, limit: int) -> Sequence[str]:
        """Ids of running dossiers entering their last working day and not yet announced."""
        rows = await self._session.scalars(
            select(Dossier.id)
            .where(
                Dossier.status.in_([s.value for s in RUNNING]),
                Dossier.due_soon_at <= now,
                Dossier.due_at > now,
                Dossier.due_soon_sent_at.is_(None),
            )
            .order_by(Dossier.due_soon_at)
            .limit(limit)
        )
        return rows.all()

    async def overdue(self, now: datetime, limit: int) -> Sequence[str]:
        """Ids of running dossiers past their due time and not yet announced."""
        rows = await self._session.scalars(
            select(Dossier.id)
            .where(
                Dossier.status.in_([s.value for s in RUNNING]),
                Dossier.due_at <= now,
                Dossier.overdue_sent_at.is_(None),
            )
            .order_by(Dossier.due_at)
            .limit(limit)
        )
        return rows.all()

    async def supplements_expired(self, now: datetime, limit: int) -> Sequence[str]:
        """Ids of dossiers whose supplement was not given in time."""
        rows = await self._session.scalars(
            select(Dossier.id)
            .where(Dossier.status == State.SUPPLEMENT_REQUESTED.value, Dossier.respond_by <= now)
            .order_by(Dossier.respond_by)
            .limit(limit)
        )
        return rows.all()

    async def rating(self, dossier_id: str) -> RatingRecord | None:
        """The dossier's rating, if given."""
        return await self._session.get(RatingRecord, dossier_id)

    def add_rating(self, rating: RatingRecord) -> None:
        """Stage a rating (its primary key makes a second one fail)."""
        self._session.add(rating)
