"""dossier-svc's unit of work over memory, for the use cases' unit tests (milliseconds, no database)."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from dossier_testkit import published, snapshot

from dossier_svc.calendar.models import WorkCalendar
from dossier_svc.documents.models import DossierDocument
from dossier_svc.documents.store import LocalFileStore
from dossier_svc.dossiers.models import Dossier, RatingRecord, TimelineEntry
from dossier_svc.dossiers.workflow import RUNNING, DueFilter, State
from dossier_svc.lookup.models import LookupGuard
from dossier_svc.ports import Ports
from dossier_svc.procedures.models import Procedure
from dossier_svc.settings import CalendarSettings, Settings
from dossier_svc.stats.models import Closed, Finished, Overdue, Rated, Received, Scope
from dossier_svc.uow import DossierUow
from motcua_shared.chassis.clock import SettableClock
from motcua_shared.chassis.signing import PaperSigner
from motcua_shared.contracts.catalog import ProcedureSnapshot
from motcua_shared.contracts.common import Channel
from motcua_shared.testing import FakeUnitOfWork, flushed

#: A Monday morning in Huế.
MONDAY = datetime(2025, 8, 4, 1, 0, tzinfo=UTC)


class FakeProcedures:
    """The procedure replica."""

    def __init__(self) -> None:
        self.rows: dict[str, Procedure] = {}

    async def get(self, code: str, *, for_update: bool = False) -> Procedure | None:
        return self.rows.get(code)

    async def parse(self, procedure: Procedure) -> None:
        procedure.to_snapshot()

    def add(self, procedure: Procedure) -> None:
        self.rows[procedure.code] = flushed(procedure)


class FakeDossiers:
    """Dossiers, their timelines and ratings."""

    def __init__(self) -> None:
        self.rows: dict[str, Dossier] = {}
        self.entries: list[TimelineEntry] = []
        self.ratings: dict[str, RatingRecord] = {}
        self.numbers: dict[tuple[str, str], itertools.count[int]] = {}

    async def by_code(self, code: str) -> Dossier | None:
        return next((d for d in self.rows.values() if d.code == code), None)

    async def by_id(self, dossier_id: str) -> Dossier | None:
        return self.rows.get(dossier_id)

    def add(self, dossier: Dossier) -> None:
        self.rows[dossier.id] = flushed(dossier)

    async def delete(self, dossier: Dossier) -> None:
        del self.rows[dossier.id]

    def append(self, entry: TimelineEntry) -> None:
        self.entries.append(flushed(entry))

    async def timeline(self, dossier_id: str) -> Sequence[TimelineEntry]:
        return [e for e in self.entries if e.dossier_id == dossier_id]

    async def next_number(self, agency_code: str, day: str) -> int:
        return next(self.numbers.setdefault((agency_code, day), itertools.count(1)))

    async def list(
        self,
        *,
        applicant_id: str | None = None,
        agency_code: str | None = None,
        holding_only: bool = True,
        status: State | None = None,
        procedure_code: str | None = None,
        channel: Channel | None = None,
        due: DueFilter | None = None,
        now: datetime | None = None,
        limit: int,
        offset: int,
    ) -> tuple[Sequence[Dossier], int]:
        found = list(self.rows.values())
        if applicant_id is not None:
            found = [d for d in found if d.applicant_id == applicant_id]
        if agency_code is not None:
            found = [d for d in found if not d.is_draft]
            if holding_only:
                found = [d for d in found if d.holder_agency_code == agency_code]
            else:
                found = [d for d in found if agency_code in {d.agency_code, d.holder_agency_code}]
        if status is not None:
            found = [d for d in found if d.status == status.value]
        if procedure_code is not None:
            found = [d for d in found if d.procedure_code == procedure_code]
        if channel is not None:
            found = [d for d in found if d.channel == channel.value]
        if due is not None and now is not None:
            found = [
                d
                for d in found
                if d.state in RUNNING
                and d.due_at is not None
                and (
                    d.due_at <= now
                    if due == "overdue"
                    else d.due_soon_at is not None and d.due_soon_at <= now < d.due_at
                )
            ]
        found.sort(key=lambda d: (d.created_at, d.id), reverse=True)
        return found[offset : offset + limit], len(found)

    async def received_by(
        self, agency_code: str, since: datetime, until: datetime, limit: int
    ) -> Sequence[Dossier]:
        found = [
            d
            for d in self.rows.values()
            if d.agency_code == agency_code and d.received_at is not None and since <= d.received_at < until
        ]
        return sorted(found, key=lambda d: (d.received_at or since, d.id))[:limit]

    async def due_soon(self, now: datetime, limit: int) -> Sequence[str]:
        found = [
            d
            for d in self.rows.values()
            if d.state in RUNNING
            and d.due_soon_at is not None
            and d.due_at is not None
            and d.due_soon_at <= now < d.due_at
            and d.due_soon_sent_at is None
        ]
        return [d.id for d in sorted(found, key=lambda d: d.due_soon_at or now)][:limit]

    async def overdue(self, now: datetime, limit: int) -> Sequence[str]:
        found = [
            d
            for d in self.rows.values()
            if d.state in RUNNING and d.due_at is not None and d.due_at <= now and d.overdue_sent_at is None
        ]
        return [d.id for d in sorted(found, key=lambda d: d.due_at or now)][:limit]

    async def supplements_expired(self, now: datetime, limit: int) -> Sequence[str]:
        found = [
            d
            for d in self.rows.values()
            if d.state is State.SUPPLEMENT_REQUESTED and d.respond_by is not None and d.respond_by <= now
        ]
        return [d.id for d in sorted(found, key=lambda d: d.respond_by or now)][:limit]

    async def rating(self, dossier_id: str) -> RatingRecord | None:
        return self.ratings.get(dossier_id)

    def add_rating(self, rating: RatingRecord) -> None:
        self.ratings[rating.dossier_id] = flushed(rating)


class FakeDocuments:
    """Uploaded documents' rows (their bytes are not needed by the use cases tested here)."""

    def __init__(self) -> None:
        self.rows: list[DossierDocument] = []

    def add(self, document: DossierDocument) -> None:
        self.rows.append(flushed(document))

    async def for_dossier(self, dossier_id: str) -> Sequence[DossierDocument]:
        return [d for d in self.rows if d.dossier_id == dossier_id]

    async def get(self, dossier_id: str, document_id: str) -> DossierDocument | None:
        return next((d for d in self.rows if (d.dossier_id, d.id) == (dossier_id, document_id)), None)

    async def codes(self, dossier_id: str, *, since: datetime | None = None) -> set[str]:
        return {
            d.document_code
            for d in self.rows
            if d.dossier_id == dossier_id and (since is None or d.uploaded_at >= since)
        }

    def upload(self, dossier: Dossier, *codes: str, at: datetime) -> None:
        """Rows for ``codes``, as if their files had been uploaded at ``at``."""
        for code in codes:
            self.add(
                DossierDocument(
                    dossier_id=dossier.id,
                    document_code=code,
                    filename=f"{code}.pdf",
                    content_type="application/pdf",
                    size=1,
                    sha256="0" * 64,
                    storage_key="0" * 64,
                    uploaded_by=dossier.created_by,
                    uploaded_role="citizen",
                    uploaded_at=at,
                )
            )


R = TypeVar("R", Received, Finished, Closed, Overdue, Rated)


class FakeStats:
    """The statistics' aggregate rows, as the queries would return them (set by the test); each query
    hands back what falls in its scope's agency filter, and remembers the scope it was asked for."""

    def __init__(self) -> None:
        self.received_rows: list[Received] = []
        self.finished_rows: list[Finished] = []
        self.closed_rows: list[Closed] = []
        self.overdue_rows: list[Overdue] = []
        self.rating_rows: list[Rated] = []
        self.step_rows: list[tuple[str, str, str, int, int]] = []
        self.scopes: list[Scope] = []
        self.moments: dict[str, datetime] = {}

    def _of(self, scope: Scope, rows: list[R]) -> list[R]:
        self.scopes.append(scope)
        return [r for r in rows if scope.agency_code in (None, r.agency_code)]

    async def received(self, scope: Scope) -> list[Received]:
        return self._of(scope, self.received_rows)

    async def finished(self, scope: Scope) -> list[Finished]:
        return self._of(scope, self.finished_rows)

    async def closed_without_result(self, scope: Scope) -> list[Closed]:
        return self._of(scope, self.closed_rows)

    async def overdue_at(self, scope: Scope, moments: Mapping[str, datetime]) -> list[Overdue]:
        self.moments = dict(moments)
        return [row for row in self._of(scope, self.overdue_rows) if row.month in moments]

    async def late_steps(self, scope: Scope) -> list[tuple[str, str, str, int, int]]:
        return [row for row in self.step_rows if scope.agency_code in (None, row[0])]

    async def ratings(self, scope: Scope) -> list[Rated]:
        return self._of(scope, self.rating_rows)


class FakeDossierUow(FakeUnitOfWork[DossierUow]):
    """dossier-svc's unit of work over the fakes above."""

    def open(self) -> None:
        self.procedures = FakeProcedures()
        self.dossiers = FakeDossiers()
        self.documents = FakeDocuments()
        self.stats = FakeStats()

    async def autocommit(self) -> None:
        return None

    def know(self, snap: ProcedureSnapshot | None = None) -> Procedure:
        """Put a procedure into the replica (the birth registration of the test kit by default)."""
        procedure = Procedure.from_published(published(snap or snapshot()))
        self.procedures.add(procedure)
        return procedure


def fake_ports(tmp_path: Path, clock: SettableClock | None = None) -> Ports:
    """The ports a use case takes, on the settings' defaults and a clock stopped on a Monday morning."""
    settings = Settings()
    return Ports(
        settings=settings,
        calendar=WorkCalendar.from_settings(CalendarSettings()),
        files=LocalFileStore(tmp_path / "files"),
        lookup_guard=LookupGuard(per_client_per_minute=1000, failures_per_code_per_hour=5),
        signer=PaperSigner(settings.signing),
        clock=clock or SettableClock(MONDAY),
    )
