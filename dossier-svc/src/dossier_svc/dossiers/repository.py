"""Every query on dossiers, their steps, timeline, sequences, idempotency keys and ratings."""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import Table, and_, bindparam, func, insert, literal, or_, select, text
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import class_mapper, selectinload
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

from dossier_svc.db import Base
from dossier_svc.dossiers.models import (
    Dossier,
    DossierSequence,
    DossierStep,
    IdempotencyRecord,
    RatingRecord,
    TimelineEntry,
    dossier_code,
)
from dossier_svc.dossiers.workflow import RUNNING, DueFilter, State
from dossier_svc.procedures.models import Procedure
from motcua_shared.chassis.db import conflict_insert
from motcua_shared.chassis.messaging.models import MessagingBase
from motcua_shared.contracts.common import Channel


@dataclass(frozen=True)
class FilingContext:
    """What a submission reads before it writes: its Idempotency-Key's record and its procedure."""

    previous: IdempotencyRecord | None
    procedure: Procedure | None
    """Without its JSON snapshot (see :meth:`ProcedureRepository.parse`)."""


@dataclass(frozen=True)
class Filing:
    """Everything one submission writes: the dossier (with its steps), its documents' rows, its first
    timeline entry, its events' outbox rows, and the idempotency record of the request with the answer
    it remembers (JSON text, as it is sent)."""

    dossier: Dossier
    documents: Sequence[dict[str, Any]]
    """Column values (see :func:`dossier_svc.documents.service.new_values`)."""
    timeline: TimelineEntry
    outbox: Sequence[dict[str, Any]]
    """Column values (see :meth:`dossier_svc.uow.DossierUow.outbox_values`)."""
    idempotency: dict[str, Any]
    """Column values but ``response``, which is :attr:`response`."""
    response: str

    def _tables(self) -> dict[str, list[dict[str, Any]]]:
        """Column values by table, as the ORM would have inserted them; the idempotency record apart."""
        dossier = self.dossier
        dossier.row_version = 1  # what the ORM's version counter gives a new row
        for step in dossier.steps:
            step.dossier_id = dossier.id
        return {
            "dossiers": [_values(dossier)],
            "dossier_steps": [_values(step) for step in dossier.steps],
            "dossier_documents": list(self.documents),
            "dossier_timeline": [_values(self.timeline)],
            "outbox": list(self.outbox),
        }

    def rows(self) -> dict[str, list[dict[str, Any]]]:
        """Column values by table."""
        return {
            **self._tables(),
            "idempotency_keys": [{**self.idempotency, "response": json.loads(self.response)}],
        }

    def document(self) -> str:
        """:meth:`rows` as one JSON document, the answer spliced in as it is rather than parsed and
        serialised again (it is most of the document)."""
        tables = _dumps(self._tables())
        record = _dumps(self.idempotency)
        return f'{tables[:-1]},"idempotency_keys":[{record[:-1]},"response":{self.response}}}]}}'


def _dumps(value: dict[str, Any]) -> str:
    return json.dumps(value, default=_json_default, ensure_ascii=False, separators=(",", ":"))


_FILING_TABLES: tuple[Table, ...] = tuple(
    table
    for metadata in (Base.metadata, MessagingBase.metadata)
    for table in metadata.sorted_tables
    if table.name
    in ("dossiers", "dossier_steps", "dossier_documents", "dossier_timeline", "outbox", "idempotency_keys")
)


@functools.cache
def _columns_of(cls: type[Base | MessagingBase]) -> tuple[tuple[str, str, Any], ...]:
    """(attribute, column name, Python default) of the columns a new row of ``cls`` is inserted with."""
    mapper = class_mapper(cls)
    table = mapper.local_table
    assert isinstance(table, Table)
    return tuple(
        (attribute.key, column.name, column.default)
        for attribute in mapper.column_attrs
        for column in attribute.columns[:1]
        if column is not table.autoincrement_column
    )


def _values(row: Base | MessagingBase) -> dict[str, Any]:
    """A new row's column values by column name; None where unset becomes the column's Python default."""
    values: dict[str, Any] = {}
    # A new object's attributes are plain entries of its __dict__ (absent while unset): read there,
    # without the instrumented descriptors.
    state = row.__dict__
    for key, name, default in _columns_of(type(row)):
        value = state.get(key)
        if value is None and default is not None:
            value = default.arg(None) if default.is_callable else default.arg
        values[name] = value
    return values


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored")
        return value.astimezone(UTC).isoformat()
    raise TypeError(f"{type(value).__name__} is not a column value")


def _insert_from_json(table: Table) -> str:
    columns = ", ".join(f'r."{c.name}"' for c in table.columns if c is not table.autoincrement_column)
    names = ", ".join(f'"{c.name}"' for c in table.columns if c is not table.autoincrement_column)
    # Built from the tables' own metadata, never from input.
    return (
        f"INSERT INTO {table.name} ({names}) SELECT {columns} "  # noqa: S608
        f"FROM doc, jsonb_populate_recordset(NULL::{table.name}, doc.j -> '{table.name}') AS r"
    )


def _filing_statement() -> str:
    inserts = ",\n".join(f"ins_{table.name} AS ({_insert_from_json(table)})" for table in _FILING_TABLES)
    last = "CAST(last AS text)"
    return (
        "WITH seq AS (\n"  # noqa: S608 - the tables' own metadata, never input
        "  INSERT INTO dossier_sequences AS s (agency_code, day, last) VALUES (:agency, :day, 1)\n"
        "  ON CONFLICT (agency_code, day) DO UPDATE SET last = s.last + 1 RETURNING s.last\n"
        "), doc AS (\n"
        "  SELECT replace(CAST(:rows AS text), :marker,"
        f" lpad({last}, greatest(4, length({last})), '0'))::jsonb AS j, last FROM seq\n"
        f"), {inserts}\n"
        "SELECT last FROM doc"
    )


_TABLES = {table.name: table for table in _FILING_TABLES}

_ONE = select(literal(1).label("one")).subquery()
_FILING_CONTEXT = (
    select(
        Procedure.code,
        Procedure.version,
        Procedure.name,
        Procedure.agency_code,
        Procedure.published_at,
        Procedure.withdrawn_at,
        Procedure.withdrawn_reason,
        IdempotencyRecord.fingerprint,
        IdempotencyRecord.dossier_code,
        IdempotencyRecord.response,
        IdempotencyRecord.created_at,
    )
    .select_from(_ONE)
    .outerjoin(Procedure, Procedure.code == bindparam("procedure_code"))
    .outerjoin(
        IdempotencyRecord,
        and_(IdempotencyRecord.subject == bindparam("subject"), IdempotencyRecord.key == bindparam("key")),
    )
)
"""One row whatever exists: the procedure's columns but its snapshot, and the key's earlier answer."""

_FILING_SQL = text(_filing_statement())
"""One statement writes a whole filing on PostgreSQL (see :meth:`DossierRepository.file`).

Per-table rows travel as one JSON document whose dossier code carries a one-off marker in place of the
number; the statement takes the number from the sequence row, puts it where the marker is (in the code,
the event payloads and keys, the stored response), and inserts every row from the document. The data-
modifying CTEs all run, and the foreign keys are checked at the end of the statement."""


@dataclass(frozen=True)
class _DriverStatement:
    """A statement compiled once for asyncpg itself: its SQL and the order of its parameters."""

    sql: str
    names: tuple[str, ...]
    fixed: dict[str, Any]

    @classmethod
    def of(cls, statement: ClauseElement) -> _DriverStatement:
        """Compile ``statement`` for PostgreSQL through asyncpg (``$n`` parameters)."""
        compiled = statement.compile(dialect=asyncpg_dialect())  # type: ignore[no-untyped-call]
        assert isinstance(compiled, SQLCompiler)
        return cls(str(compiled), tuple(compiled.positiontup or ()), dict(compiled.params))

    def args(self, values: dict[str, Any]) -> list[Any]:
        """The positional arguments for ``values`` (the statement's own literals besides)."""
        return [values[name] if name in values else self.fixed[name] for name in self.names]


_FILING_CONTEXT_PG = _DriverStatement.of(_FILING_CONTEXT)
_FILING_PG = _DriverStatement.of(_FILING_SQL)


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
        """The next number under ``agency_code`` (what an agency's dossiers are numbered under: its electronic
        identifier, or its code) on ``day``: an atomic upsert, safe under concurrent filings."""
        statement = (
            conflict_insert(DossierSequence, postgres=self._postgres)
            .values(agency_code=agency_code, day=day, last=1)
            .on_conflict_do_update(
                index_elements=[DossierSequence.agency_code, DossierSequence.day],
                set_={"last": DossierSequence.last + 1},
            )
            .returning(DossierSequence.last)
        )
        number = (await self._session.execute(statement)).scalar_one()
        return int(number)

    async def file(self, agency_code: str, day: str, build: Callable[[str], Filing]) -> tuple[str, Filing]:
        """Number a submitted dossier and write it with everything it brings, atomically; its final code
        and the rows written. ``build(code)`` makes the rows for the dossier code it is given.

        The number comes from the ``(agency, day)`` sequence row, gap-free: taken in the same transaction
        as the rows, so a filing that fails (a concurrent request with the same Idempotency-Key, say) gives
        its number back. That row is every filing's of the agency that day, so it is locked as briefly as
        possible: on PostgreSQL the filing is one statement committed on its own (the unit of work is in
        autocommit mode), taking the lock for that statement only, with no round trip or event-loop turn
        in between. On SQLite, one writer at a time anyway, it is an ordinary transaction.
        """
        if not self._postgres:
            code = dossier_code(agency_code, day, await self.next_number(agency_code, day))
            filing = build(code)
            for table_name, rows in filing.rows().items():
                if rows:
                    await self._session.execute(insert(_TABLES[table_name]), rows)
            return code, filing
        marker = f"~seq-{uuid.uuid4().hex}~"
        filing = build(dossier_code(agency_code, day, marker))
        values = {"agency": agency_code, "day": day, "rows": filing.document(), "marker": marker}
        number = await self._driver_fetch(_FILING_PG, values, one_value=True)
        return dossier_code(agency_code, day, int(number)), filing

    async def _driver_fetch(
        self, statement: _DriverStatement, values: dict[str, Any], *, one_value: bool
    ) -> Any:
        """Run ``statement`` on the session's connection through asyncpg itself (PostgreSQL only): its one
        row, or that row's first value.

        The filing's two statements are most of a submission's database work, and run on every one:
        SQLAlchemy's execution layers around them (compilation cache, cursor and result adaptation, ORM
        result processing) cost more CPU than asyncpg does. The connection is the session's, in whatever
        transaction mode the unit of work set; errors are SQLAlchemy's, as elsewhere, and a broken
        connection is invalidated so that the pool does not hand it out again.
        """
        connection = await self._session.connection()
        raw = await connection.get_raw_connection()
        driver: asyncpg.Connection = raw.driver_connection
        args = statement.args(values)
        try:
            if one_value:
                return await driver.fetchval(statement.sql, *args)
            return await driver.fetchrow(statement.sql, *args)
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise IntegrityError(statement.sql, args, exc) from exc
        except (OSError, asyncpg.InterfaceError, asyncpg.PostgresConnectionError) as exc:
            await connection.invalidate(exc)
            raise DBAPIError(statement.sql, args, exc, connection_invalidated=True) from exc

    async def filing_context(self, subject: str, key: str, procedure_code: str) -> FilingContext:
        """The key's earlier answer and the procedure, in one query (neither is locked: the key's primary
        key settles a race at write time, and the procedure's version is fixed in the dossier)."""
        values = {"procedure_code": procedure_code, "subject": subject, "key": key}
        row: Any
        if self._postgres:
            row = SimpleNamespace(**await self._driver_fetch(_FILING_CONTEXT_PG, values, one_value=False))
        else:
            row = (await self._session.execute(_FILING_CONTEXT, values)).one()
        previous = (
            IdempotencyRecord(
                subject=subject,
                key=key,
                fingerprint=row.fingerprint,
                dossier_code=row.dossier_code,
                response=row.response,
                created_at=row.created_at,
            )
            if row.fingerprint is not None
            else None
        )
        procedure = (
            Procedure(
                code=row.code,
                version=row.version,
                name=row.name,
                agency_code=row.agency_code,
                published_at=row.published_at,
                withdrawn_at=row.withdrawn_at,
                withdrawn_reason=row.withdrawn_reason,
            )
            if row.code is not None
            else None
        )
        return FilingContext(previous=previous, procedure=procedure)

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
        """A page and the total: a citizen's own (newest first) or an agency's queue (due first).

        ``due`` keeps the running dossiers due within their last working day (``soon``) or past due
        (``overdue``) at ``now``."""
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
        if channel is not None:
            query = query.where(Dossier.channel == channel.value)
        if due is not None:
            if now is None:
                raise ValueError("a due filter needs the time it is read at")
            query = query.where(Dossier.status.in_([s.value for s in RUNNING]))
            if due == "soon":
                query = query.where(Dossier.due_soon_at <= now, Dossier.due_at > now)
            else:
                query = query.where(Dossier.due_at <= now)
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

    async def received_by(
        self, agency_code: str, since: datetime, until: datetime, limit: int
    ) -> Sequence[Dossier]:
        """What ``agency_code`` received in ``[since, until)``, in the order received (the register)."""
        rows = await self._session.scalars(
            select(Dossier)
            .options(selectinload(Dossier.steps))
            .where(
                Dossier.agency_code == agency_code,
                Dossier.received_at >= since,
                Dossier.received_at < until,
            )
            .order_by(Dossier.received_at, Dossier.id)
            .limit(limit)
        )
        return rows.all()

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
