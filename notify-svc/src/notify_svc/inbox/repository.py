"""Every query on the in-app inbox."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from notify_svc.inbox.models import Audience, Notification, StreamTicket
from notify_svc.sql import insert_new_rows

Inbox = tuple[Audience, str]


def _of(inboxes: Sequence[Inbox]) -> ColumnElement[bool]:
    return or_(*(and_(Notification.audience == a.value, Notification.recipient == r) for a, r in inboxes))


class InboxRepository:
    """Notifications, always read through the inboxes the caller may read."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_many(self, rows: Sequence[dict[str, Any]]) -> set[str]:
        """Insert notifications, in order; the ids of those inserted (one whose event already notified
        its inbox is skipped)."""
        return await insert_new_rows(self._session, Notification, rows, returning="id")

    async def page(
        self, inboxes: Sequence[Inbox], *, limit: int, before: int | None, unread: bool
    ) -> tuple[Sequence[Notification], int, int]:
        """Newest first: a page, the total, and how many are unread."""
        where = _of(inboxes)
        total, unread_count = (
            await self._session.execute(
                select(
                    func.count(), func.count(Notification.seq).filter(Notification.read_at.is_(None))
                ).where(where)
            )
        ).one()
        query = select(Notification).where(where)
        if unread:
            query = query.where(Notification.read_at.is_(None))
        if before is not None:
            query = query.where(Notification.seq < before)
        rows = (await self._session.scalars(query.order_by(Notification.seq.desc()).limit(limit))).all()
        return rows, int(total), int(unread_count)

    async def get(self, inboxes: Sequence[Inbox], notification_id: str) -> Notification | None:
        """One notification, only if it is in one of ``inboxes``."""
        return await self._session.scalar(
            select(Notification).where(Notification.id == notification_id, _of(inboxes))
        )

    async def after(self, inboxes: Sequence[Inbox], seq: int, *, limit: int) -> Sequence[Notification]:
        """Oldest first, those after ``seq`` (the live stream's catch-up)."""
        return (
            await self._session.scalars(
                select(Notification)
                .where(_of(inboxes), Notification.seq > seq)
                .order_by(Notification.seq)
                .limit(limit)
            )
        ).all()

    async def last_seq(self, inboxes: Sequence[Inbox]) -> int:
        """The newest ``seq`` in ``inboxes`` (0 when empty)."""
        return int(await self._session.scalar(select(func.max(Notification.seq)).where(_of(inboxes))) or 0)

    def add_ticket(self, ticket: StreamTicket) -> None:
        """Keep a new stream ticket."""
        self._session.add(ticket)

    async def redeem_ticket(self, digest: str, now: datetime) -> StreamTicket | None:
        """Use the ticket whose SHA-256 is ``digest``: the ticket if it was unused and unexpired, else None.

        One conditional UPDATE: of two replicas redeeming the same ticket at once, one wins."""
        row = (
            await self._session.execute(
                update(StreamTicket)
                .where(
                    StreamTicket.digest == digest,
                    StreamTicket.used_at.is_(None),
                    StreamTicket.expires_at > now,
                )
                .values(used_at=now)
                .returning(StreamTicket.subject, StreamTicket.role, StreamTicket.agency_code)
            )
        ).one_or_none()
        if row is None:
            return None
        return StreamTicket(digest=digest, subject=row.subject, role=row.role, agency_code=row.agency_code)

    async def purge_tickets(self, before: datetime) -> None:
        """Forget tickets that expired before ``before`` (used or not, they can never be used again)."""
        await self._session.execute(delete(StreamTicket).where(StreamTicket.expires_at < before))
