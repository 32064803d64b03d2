"""What every service's tests need and would otherwise write again: tokens, a poll-until, a fake unit of work,
the admins' view of an audit trail.

Imported by tests only; nothing here runs in a service. The fake unit of work keeps the chassis
:class:`~motcua_shared.chassis.uow.UnitOfWork` protocol (``async with``, ``commit``, ``rollback``, ``outbox``,
``inbox``) over memory, so use cases run against fake repositories in milliseconds, as cosmicpython's
``tests/unit/test_handlers.py`` does.
"""

from __future__ import annotations

import asyncio
import inspect
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace, TracebackType
from typing import Any, Final, Generic, Self, TypeVar, cast, overload

import httpx
import pytest
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from motcua_shared.chassis.audit import AuditRecord, AuditTrail
from motcua_shared.chassis.auth import Role
from motcua_shared.chassis.db import Database
from motcua_shared.chassis.keys import SigningKey, issue_token, jwks
from motcua_shared.chassis.messaging.consumer import Handlers
from motcua_shared.chassis.messaging.models import MessagingBase
from motcua_shared.chassis.settings import DbSettings
from motcua_shared.contracts.base import CloudEvent, Event

T = TypeVar("T")
U = TypeVar("U")

ISSUER = "motcua"
AUDIENCE = "motcua"


@dataclass(frozen=True)
class Tokens:
    """Signs access tokens as the gateway does; a service under test trusts :meth:`jwks` as its key source."""

    key: SigningKey = field(default_factory=SigningKey.generate)
    ttl: timedelta = timedelta(hours=1)

    def token(
        self,
        subject: str,
        role: Role | str = Role.CITIZEN,
        agency_code: str | None = None,
        **claims: Any,
    ) -> str:
        """A signed token for ``subject`` in ``role`` (an officer's with their ``agency_code``)."""
        return issue_token(
            self.key,
            subject=subject,
            role=role,
            issuer=ISSUER,
            audience=AUDIENCE,
            ttl=self.ttl,
            agency_code=agency_code,
            extra=claims or None,
        )

    def bearer(
        self, subject: str, role: Role | str = Role.CITIZEN, agency_code: str | None = None
    ) -> dict[str, str]:
        """The ``Authorization`` header of :meth:`token`."""
        return authorization(self.token(subject, role, agency_code))

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """The JWKS that verifies these tokens (pass the bound method as the service's key source)."""
        return jwks([self.key])


def authorization(token: str) -> dict[str, str]:
    """The ``Authorization`` header carrying ``token``."""
    return {"Authorization": f"Bearer {token}"}


class NotInTime(AssertionError):
    """What :func:`eventually` waited for did not happen before its deadline."""


@overload
async def eventually(
    probe: Callable[[], Awaitable[T | None]], *, what: str, timeout: float = ..., interval: float = ...
) -> T: ...


@overload
async def eventually(
    probe: Callable[[], T | None], *, what: str, timeout: float = ..., interval: float = ...
) -> T: ...


async def eventually(
    probe: Callable[[], Any],
    *,
    what: str,
    timeout: float = 60.0,
    interval: float = 0.02,
) -> T:
    """Call ``probe`` (plain or async) until it returns something truthy, and return that.

    ``timeout`` bounds the wait, it is not a target: the wait ends as soon as the probe succeeds. A probe
    may assert on what it read; the last such failure is kept for the message when time runs out.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last: AssertionError | None = None
    while True:
        try:
            found = probe()
            if inspect.isawaitable(found):
                found = await found
        except AssertionError as exc:
            found, last = None, exc
        if found:
            return cast(T, found)
        if loop.time() >= deadline:
            raise NotInTime(f"timed out waiting for {what} ({timeout:g} s; last: {last})")
        await asyncio.sleep(interval)


async def handle(handlers: Handlers[Any], uow: object, event: Event) -> CloudEvent:
    """Apply ``event`` with the handler ``handlers`` has for it, as the consumer runner does inside its
    transaction (the inbox aside); returns the envelope it came in."""
    entry = handlers.get(event.TYPE)
    assert entry is not None, f"no handler for {event.TYPE}"
    envelope = CloudEvent.wrap(event, source="/motcua/test")
    await entry.handler(uow, event, envelope)
    return envelope


PERSONAL_VALUES = re.compile(
    r"(?<![\w-])(?:\+?84\d{9,10}|0\d{9,10}|\d{12})(?![\w-])"
    r"|[\w.+-]+@[\w-]+\.[\w.]+|Nguyễn Văn An|Trần Thị Thu Hà|Lê Lợi"
)
"""Phones, CCCD numbers, e-mail addresses, and the names and street of the contract examples and
:data:`FREE_TEXT`: what must never reach an integrator. A number counts only standing alone: the last
group of a random UUID (an event's id) is all digits about once in 280 ids, and is nobody's CCCD."""

FREE_TEXT = "Ông Nguyễn Văn An, 0912345678, CCCD 046190001234, an@example.vn, 12 Lê Lợi"
"""Free text a person might write, full of personal data."""


def with_personal_text(event: Event) -> Event:
    """``event`` with every free-text field a person writes (note, reason, result, comment) filled with
    :data:`FREE_TEXT`."""
    fields: dict[str, Any] = {
        f: FREE_TEXT
        for f in ("note", "reason", "result", "comment")
        if f in type(event).model_fields and getattr(event, f, None) is not None
    }
    return event.model_copy(update=fields)


async def messaging_db(path: Path) -> Database:
    """A SQLite database file at ``path`` holding only the outbox, inbox and dead-letter tables, for tests of
    the messaging path without a service's migrations; the caller disposes of it."""
    database = Database(DbSettings(url=f"sqlite+aiosqlite:///{path}"))
    async with database.engine.begin() as conn:
        await conn.run_sync(MessagingBase.metadata.create_all)
    return database


def flushed(row: T) -> T:
    """``row`` with the column defaults a flush would fill in (a fake repository stores rows unflushed)."""
    for attribute in sa_inspect(type(row)).column_attrs:
        default = attribute.columns[0].default
        if default is None or getattr(row, attribute.key) is not None:
            continue
        if default.is_scalar:
            setattr(row, attribute.key, default.arg)
        elif default.is_callable:
            setattr(row, attribute.key, default.arg(None))
    return row


class FakeOutbox:
    """The outbox of a :class:`FakeUnitOfWork`: events staged in the open transaction and those committed.

    ``events`` holds what a real outbox table would after the transaction: events added before a rollback
    (or a use case that raised) are dropped; ``committed`` only what a commit kept.
    """

    def __init__(self, source: str = "/motcua/test") -> None:
        self.source = source
        self.events: list[Event] = []
        self.committed: list[Event] = []
        self.added = 0

    def add(self, event: Event) -> CloudEvent:
        """Stage ``event``; returns its envelope, as the real outbox does."""
        self.events.append(event)
        self.added += 1
        return CloudEvent.wrap(event, source=self.source)

    def of_type(self, kind: type[T]) -> list[T]:
        """The staged or committed events of one type, oldest first."""
        return [e for e in self.events if isinstance(e, kind)]

    def commit(self) -> None:
        """Keep what is staged."""
        self.committed = list(self.events)
        self.added = 0

    def discard(self) -> None:
        """Forget what was staged since the last commit."""
        self.events = list(self.committed)
        self.added = 0

    def clear(self) -> None:
        """Forget every event, committed or not (a test that looks only at what comes next)."""
        self.events.clear()
        self.committed.clear()
        self.added = 0


class FakeInbox:
    """The inbox of a :class:`FakeUnitOfWork`: an event id applies once per consumer."""

    def __init__(self) -> None:
        self.claimed: set[tuple[str, str]] = set()

    async def claim(self, consumer: str, event_id: str, event_type: str) -> bool:
        """False when ``consumer`` has applied ``event_id`` already; else records it."""
        return bool(await self.claim_many(consumer, [(event_id, event_type)]))

    async def claim_many(self, consumer: str, events: list[tuple[str, str]]) -> set[str]:
        """The ids of ``events`` not applied before by ``consumer``; records them."""
        new = {event_id for event_id, _ in events if (consumer, event_id) not in self.claimed}
        self.claimed.update((consumer, event_id) for event_id in new)
        return new


class FakeAuditTrail(AuditTrail):
    """The audit trail of a :class:`FakeUnitOfWork`: ``records`` holds what a commit wrote; what was staged
    before a rollback (or a use case that raised) is dropped, as in the real table."""

    def __init__(self) -> None:
        self.staged: list[AuditRecord] = []
        self.records: list[AuditRecord] = []
        super().__init__(cast(AsyncSession, SimpleNamespace(add_all=self.staged.extend)))

    def commit(self) -> None:
        """Write what is staged."""
        self.records.extend(self.staged)
        self.discard()

    def discard(self) -> None:
        """Forget what is staged."""
        self.staged.clear()
        self.pending = 0


class FakeUnitOfWork(Generic[U]):
    """The chassis unit of work's protocol over memory; subclass it with the service's fake repositories.

    ``U`` is the real unit of work the use cases are typed with; :attr:`unit` hands the fake to them as one.
    Repositories outlive transactions (they are the fake database); leaving the block without a commit
    drops the staged events, as the real unit's closing rollback does. Commits are counted.
    """

    def __init__(self) -> None:
        self.outbox = FakeOutbox()
        self.inbox = FakeInbox()
        self.audit = FakeAuditTrail()
        self.commits = 0
        self.open()

    def open(self) -> None:
        """Hook for subclasses: build the fake repositories (once: they are the fake database)."""

    @property
    def unit(self) -> U:
        """This fake, typed as the real unit of work the use cases take."""
        return cast(U, self)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.rollback()

    async def commit(self) -> None:
        """Keep the staged events and audit records."""
        self.outbox.commit()
        self.audit.commit()
        self.commits += 1

    async def rollback(self) -> None:
        """Drop the staged events and audit records."""
        self.outbox.discard()
        self.audit.discard()


APPEND_ONLY_VIOLATIONS: Final = (
    "UPDATE audit_records SET subject = 'someone-else'",
    "DELETE FROM audit_records",
)
"""What the audit table refuses on every database; PostgreSQL also refuses :data:`TRUNCATE_TRAIL`."""

TRUNCATE_TRAIL: Final = "TRUNCATE audit_records"


async def audit_trail(
    client: httpx.AsyncClient, what: str, headers: Mapping[str, str], **params: Any
) -> list[dict[str, Any]]:
    """Every record of the admins' view ``GET /api/v1/audit/<what>`` matching ``params``, newest first.

    Read two at a time so that the cursor is followed; each page must be answered 200 with ``no-store``, and
    the last one's total must count what the pages held.
    """
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = await client.get(f"/api/v1/audit/{what}", params=query, headers=dict(headers))
        assert page.status_code == 200, page.text
        assert page.headers["cache-control"] == "no-store"
        body = page.json()
        items.extend(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            assert body["total"] == len(items)
            return items


async def assert_append_only(
    db: Database, statements: Iterable[str], read: Callable[[], Awaitable[object]]
) -> None:
    """Each of ``statements`` is refused by the audit table's triggers, whoever connects, and what ``read``
    answers (the trail, non-empty) is the same afterwards."""
    before = await read()
    assert before
    for statement in statements:
        async with db.session() as session:
            with pytest.raises(DBAPIError, match="append-only"):
                await session.execute(text(statement))
            await session.rollback()
    assert await read() == before
