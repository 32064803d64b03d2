"""The personal-data audit trail: who read or changed whose personal data, what, when and from where.

Nghị định 13/2023/NĐ-CP counts reading ("truy cập, truy xuất") as processing personal data (Điều 2 khoản 7)
and has the controller record and keep a log of that processing ("ghi lại và lưu trữ nhật ký hệ thống quá
trình xử lý dữ liệu cá nhân", Điều 38); Luật Bảo vệ dữ liệu cá nhân 2025 (91/2025/QH15, in force since
1 January 2026) carries the duty on. A service that holds personal data keeps its own trail:

- a use case stages a record with :meth:`AuditTrail.record` in the unit of work of the read or change it
  audits, and commits it with that work, so a change never commits without its record and a read's answer
  is given only once its record is committed;
- the ``audit_records`` table refuses UPDATE, DELETE (and on PostgreSQL TRUNCATE) in the database itself,
  by the triggers :func:`create_audit_table` installs: the trail is append-only whoever connects;
- admins (only) read it through :func:`audit_router`, newest first, one page at a time.

Only officers' and admins' access is recorded: a citizen reading or editing their own dossier is the data
subject, not a processor of someone else's data.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Final, Protocol

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime, BaseModel, Field, TypeAdapter
from sqlalchemy import Index, String, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql import ColumnElement

from motcua_shared.chassis.auth import Principal, Role, require_roles
from motcua_shared.chassis.clock import SYSTEM_CLOCK
from motcua_shared.chassis.context import client_var, request_id_var
from motcua_shared.chassis.db import BigId, UtcDateTime
from motcua_shared.chassis.errors import Forbidden, Unauthenticated
from motcua_shared.chassis.pages import Cursor, CursorQuery, InvalidCursor, Page
from motcua_shared.chassis.problems import problems

AUDITED_ROLES: Final = frozenset({Role.OFFICER, Role.ADMIN})
"""Whose access to personal data is recorded."""

TABLE: Final = "audit_records"


class AuditBase(DeclarativeBase):
    """Metadata of the audit table, migrated by the services that keep a trail."""


class AuditRecord(AuditBase):
    """One access to personal data: never changed, never removed."""

    __tablename__ = TABLE
    __table_args__ = (
        Index("ix_audit_records_resource", "resource", "resource_id", "id"),
        Index("ix_audit_records_subject", "subject", "id"),
        Index("ix_audit_records_at", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    subject: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    agency_code: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    resource: Mapped[str] = mapped_column(String(32))
    resource_id: Mapped[str] = mapped_column(String(96))
    detail: Mapped[str | None] = mapped_column(String(255))
    client: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(128))


class AuditTrail:
    """The records a unit of work stages; they are written by its commit, or dropped with its rollback."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self.pending = 0

    def record(
        self,
        who: Principal,
        action: str,
        resource: str,
        resource_ids: str | list[str],
        *,
        detail: str | None = None,
        at: datetime | None = None,
    ) -> None:
        """Stage a record of ``who`` doing ``action`` on ``resource`` ``resource_ids`` (one record each), at
        ``at`` (the wall clock's now by default: the trail says when it happened, whatever clock the use
        case's rules read); the caller's address and request id come from the request. Nothing for a
        citizen or an integrator (see the module's docstring)."""
        if who.role not in AUDITED_ROLES:
            return
        ids = [resource_ids] if isinstance(resource_ids, str) else resource_ids
        self._session.add_all(entries(who, action, resource, ids, at=at, detail=detail))
        self.pending += len(ids)


class _Audited(Protocol):
    """A unit of work with a trail (the chassis's, or the test kit's fake)."""

    @property
    def audit(self) -> AuditTrail: ...

    async def commit(self) -> None: ...


async def record_read(
    uow: _Audited,
    who: Principal,
    action: str,
    resource: str,
    resource_ids: str | list[str],
    *,
    detail: str | None = None,
) -> None:
    """Record a read of personal data and commit the record before the answer goes out, inside the read's
    unit of work (nothing for a read nobody audits, so it costs the applicant's own reads nothing)."""
    uow.audit.record(who, action, resource, resource_ids, detail=detail)
    await commit_read(uow)


async def commit_read(uow: _Audited) -> None:
    """Commit the read records already staged in ``uow`` before the answer goes out (nothing when none is)."""
    if uow.audit.pending:
        await uow.commit()


def entries(
    who: Principal, action: str, resource: str, ids: list[str], *, at: datetime | None, detail: str | None
) -> list[AuditRecord]:
    """The records of one access (shared with the test kit's fake trail)."""
    at = at or SYSTEM_CLOCK.now()
    client = client_var.get() or "unknown"
    request_id = request_id_var.get()
    return [
        AuditRecord(
            at=at,
            subject=who.subject,
            role=who.role.value,
            agency_code=who.agency_code,
            action=action,
            resource=resource,
            resource_id=resource_id,
            detail=detail[:255] if detail else None,
            client=client[:64],
            request_id=request_id,
        )
        for resource_id in ids
    ]


# --- the table, append-only in the database ----------------------------------------------------------------

_POSTGRES_GUARD = (
    f"""
    CREATE OR REPLACE FUNCTION {TABLE}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{TABLE} is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
    END
    $$
    """,
    f"""
    CREATE TRIGGER {TABLE}_no_change BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION {TABLE}_append_only()
    """,
    f"""
    CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_append_only()
    """,
)
_SQLITE_GUARD = tuple(
    f"""
    CREATE TRIGGER {TABLE}_no_{verb.lower()} BEFORE {verb} ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only: {verb} refused'); END
    """
    for verb in ("UPDATE", "DELETE")
)


def create_audit_table(op: Any) -> None:
    """The ``audit_records`` table and the triggers that refuse changing or removing a record, for a
    service's Alembic migration (``op`` is ``alembic.op``)."""
    bind = op.get_bind()
    AuditRecord.__table__.create(bind)  # type: ignore[attr-defined]
    for statement in _POSTGRES_GUARD if bind.dialect.name == "postgresql" else _SQLITE_GUARD:
        op.execute(statement)


def drop_audit_table(op: Any) -> None:
    """Undo :func:`create_audit_table` (a downgrade is the database owner's act, outside the trail)."""
    op.drop_table(TABLE)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION IF EXISTS {TABLE}_append_only()")


# --- reading it: admins only --------------------------------------------------------------------------------


class AuditRecordOut(BaseModel):
    """One access to personal data."""

    id: int
    at: datetime = Field(description="When (RFC 3339).")
    subject: str = Field(description="The account that acted (officer or admin).")
    role: str
    agency_code: str | None = Field(description="The officer's agency, from the token.")
    action: str = Field(description="What was done, e.g. `dossier.read`, `document.download`.")
    resource: str = Field(
        description="The kind of thing it was done to (`dossier`, `webhook`, `payment`, `procedure`)."
    )
    resource_id: str = Field(
        description="Which one: a dossier's code, a subscription's id, a payment's id, a procedure's code."
    )
    detail: str | None = Field(
        description="What more says which part (a document, a paper's form, a slip, a refund)."
    )
    client: str = Field(description="The caller's address, as the trusted proxies resolved it.")
    request_id: str | None = Field(description="The request's `X-Request-ID`.")


class AuditPage(Page[AuditRecordOut]):
    """A page of the audit trail, newest first."""


_CURSOR = Cursor(TypeAdapter(int))
_AdminDep = Annotated[Principal, Depends(require_roles(Role.ADMIN))]


@dataclass(frozen=True)
class AuditFilter:
    """What an admin asks of the trail."""

    subject: str | None = None
    resource_id: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def clauses(self) -> list[ColumnElement[bool]]:
        """The WHERE clauses of this filter."""
        wanted: list[ColumnElement[bool]] = []
        if self.subject is not None:
            wanted.append(AuditRecord.subject == self.subject)
        if self.resource_id is not None:
            wanted.append(AuditRecord.resource_id == self.resource_id)
        if self.action is not None:
            wanted.append(AuditRecord.action == self.action)
        if self.since is not None:
            wanted.append(AuditRecord.at >= self.since)
        if self.until is not None:
            wanted.append(AuditRecord.at < self.until)
        return wanted


async def read_trail(
    session: AsyncSession, resource: str, wanted: AuditFilter, *, limit: int, cursor: str | None
) -> AuditPage:
    """A page of ``resource``'s records matching ``wanted``, newest first."""
    before = _CURSOR.decode(cursor)
    where = [AuditRecord.resource == resource, *wanted.clauses()]
    total = await session.scalar(select(func.count()).select_from(AuditRecord).where(*where)) or 0
    query = select(AuditRecord).where(*where).order_by(AuditRecord.id.desc()).limit(limit + 1)
    if before is not None:
        query = query.where(AuditRecord.id < before)
    rows, next_cursor = _CURSOR.cut(list(await session.scalars(query)), limit, lambda r: r.id)
    return AuditPage(
        items=[AuditRecordOut.model_validate(r, from_attributes=True) for r in rows],
        total=total,
        next_cursor=next_cursor,
    )


def audit_router(
    path: str, *, resource: str, id_name: str, id_description: str, summary: str | None = None
) -> APIRouter:
    """``GET /api/v1/audit/<path>``: the admins' view of this service's trail of ``resource`` records,
    filtered by the acting account, the resource (the query parameter ``id_name``), the action and a time
    range; ``summary`` names it when the trail is of admin powers over no personal data."""
    # Imported here: the unit of work (which the dependencies module imports) imports this module.
    from motcua_shared.chassis.deps import runtime_of

    router = APIRouter(prefix="/api/v1/audit", tags=["audit"])

    @router.get(
        f"/{path}",
        response_model=AuditPage,
        responses=problems(Unauthenticated, Forbidden, InvalidCursor),
        summary=summary or f"Who read or changed the personal data of {path} (admin)",
        operation_id=f"audit.{path}",
    )
    async def trail(
        request: Request,
        _admin: _AdminDep,
        subject: Annotated[
            str | None, Query(min_length=1, max_length=64, description="Only this account's access.")
        ] = None,
        resource_id: Annotated[
            str | None, Query(alias=id_name, min_length=1, max_length=96, description=id_description)
        ] = None,
        action: Annotated[
            str | None, Query(min_length=1, max_length=64, description="Only this action.")
        ] = None,
        since: Annotated[
            AwareDatetime | None, Query(description="From this time (inclusive, RFC 3339).")
        ] = None,
        until: Annotated[AwareDatetime | None, Query(description="Before this time (RFC 3339).")] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        cursor: CursorQuery = None,
    ) -> AuditPage:
        """Every officer's and admin's access to personal data, newest first. The trail is append-only: no
        API changes or removes a record, and the database refuses to."""
        wanted = AuditFilter(
            subject=subject, resource_id=resource_id, action=action, since=since, until=until
        )
        async with runtime_of(request).db.reader() as session:
            return await read_trail(session, resource, wanted, limit=limit, cursor=cursor)

    return router
