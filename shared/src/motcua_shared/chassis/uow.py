"""The unit of work: one session, one transaction, the outbox and inbox inside it."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession

from motcua_shared.chassis.audit import AuditTrail
from motcua_shared.chassis.db import Database
from motcua_shared.chassis.messaging.inbox import Inbox
from motcua_shared.chassis.messaging.outbox import Outbox


class UnitOfWork:
    """``async with uow: ...; await uow.commit()`` — leaving without commit rolls back.

    Rows loaded in the block stay usable after it: a commit does not expire them, and leaving detaches them
    with what they loaded before the closing rollback (which would expire them). So a use case returns its
    domain rows and the router shapes the response outside the transaction. What was not loaded (a lazy
    relationship) is not fetched later: load it in the block.

    Services subclass it and create their repositories in :meth:`open`.
    """

    session: AsyncSession
    outbox: Outbox
    inbox: Inbox
    audit: AuditTrail

    def __init__(self, db: Database, *, source: str, on_commit: Callable[[], None] | None = None) -> None:
        self.db = db
        self.source = source
        self._on_commit = on_commit

    async def __aenter__(self) -> Self:
        self.session = self.db.session()
        self.outbox = Outbox(self.session, self.source)
        self.inbox = Inbox(self.session)
        self.audit = AuditTrail(self.session)
        self.open()
        return self

    def open(self) -> None:
        """Hook for subclasses: build repositories on ``self.session``."""

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            self.session.expunge_all()
            await self.session.rollback()
        finally:
            await self.session.close()

    async def commit(self) -> None:
        """Commit the change, its events and its audit records together, then wake the relay."""
        await self.outbox.flush()
        await self.session.commit()
        if self.outbox.added and self._on_commit is not None:
            self._on_commit()
        self.outbox.added = 0
        self.audit.pending = 0

    async def rollback(self) -> None:
        """Drop everything staged."""
        await self.session.rollback()
        self.outbox.discard()
