"""Use cases of the in-app inbox: list, mark read, and the live stream with resume."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from motcua_shared.chassis.auth import Principal, Role
from motcua_shared.chassis.background import wait_event
from motcua_shared.chassis.pages import Page
from notify_svc.inbox.errors import InvalidStreamTicket, UnknownNotification
from notify_svc.inbox.models import Audience, Notification, StreamTicket, inbox_key
from notify_svc.inbox.repository import Inbox
from notify_svc.inbox.schemas import NOTIFICATION_CURSOR

if TYPE_CHECKING:
    from notify_svc.ports import Ports
from notify_svc.uow import NotifyUnitOfWork

STREAM_BATCH = 200


def inboxes_of(who: Principal) -> list[Inbox]:
    """The inboxes the caller reads: their own, and for an officer their agency's queue."""
    inboxes: list[Inbox] = [(Audience.USER, who.subject)]
    if who.role is Role.OFFICER and who.agency_code:
        inboxes.append((Audience.AGENCY, who.agency_code))
    return inboxes


@dataclass(frozen=True, slots=True)
class Ticket:
    """A stream ticket as its holder gets it (the only time the ticket itself exists outside the client)."""

    ticket: str
    expires_at: datetime


def _digest(ticket: str) -> str:
    return hashlib.sha256(ticket.encode()).hexdigest()


async def issue_ticket(uow: NotifyUnitOfWork, ports: Ports, who: Principal) -> Ticket:
    """A single-use ticket onto the caller's live stream, valid for ``stream.ticket_ttl`` seconds.

    It is kept (hashed) in this service's database, so any replica can redeem it, once."""
    now = ports.clock.now()
    ticket = secrets.token_urlsafe(32)
    expires_at = now + timedelta(seconds=ports.settings.stream.ticket_ttl)
    async with uow:
        # Expired tickets go as new ones come: the table holds about a minute's worth.
        await uow.notifications.purge_tickets(now)
        uow.notifications.add_ticket(
            StreamTicket(
                digest=_digest(ticket),
                subject=who.subject,
                role=who.role.value,
                agency_code=who.agency_code,
                created_at=now,
                expires_at=expires_at,
            )
        )
        await uow.commit()
    return Ticket(ticket, expires_at)


async def redeem_ticket(uow: NotifyUnitOfWork, ports: Ports, ticket: str) -> Principal:
    """The caller a ticket was issued to; the ticket is spent. 401 when unknown, used or expired."""
    async with uow:
        found = await uow.notifications.redeem_ticket(_digest(ticket), ports.clock.now())
        if found is None:
            raise InvalidStreamTicket(
                "Vé kết nối luồng sự kiện không hợp lệ, đã dùng hoặc đã hết hạn; hãy xin vé mới."
            )
        await uow.commit()
    return Principal(subject=found.subject, role=Role(found.role), agency_code=found.agency_code)


class InboxPage(Page[Notification]):
    """A page of the inbox, and how many of the caller's notifications are unread."""

    unread: int


async def list_notifications(
    uow: NotifyUnitOfWork, who: Principal, *, limit: int, cursor: int | None, unread_only: bool
) -> InboxPage:
    """The caller's notifications, newest first."""
    async with uow:
        found, total, unread = await uow.notifications.page(
            inboxes_of(who), limit=limit + 1, before=cursor, unread=unread_only
        )
    rows, next_cursor = NOTIFICATION_CURSOR.cut(found, limit, lambda n: n.seq)
    return InboxPage(items=rows, total=total, unread=unread, next_cursor=next_cursor)


async def mark_read(
    uow: NotifyUnitOfWork, ports: Ports, who: Principal, notification_id: str
) -> Notification:
    """Mark one of the caller's notifications read (idempotent)."""
    async with uow:
        notification = await uow.notifications.get(inboxes_of(who), notification_id)
        if notification is None:
            raise UnknownNotification("Không tìm thấy thông báo.")
        if notification.mark_read(ports.clock.now()):
            await uow.commit()
    return notification


async def stream(
    uow_factory: Callable[[], NotifyUnitOfWork],
    ports: Ports,
    who: Principal,
    *,
    last_seq: int | None,
) -> AsyncIterator[Notification | None]:
    """The caller's notifications after ``last_seq``, then live, forever; ``None`` means 'say you're alive'.

    Without ``last_seq`` the stream starts from now. Before each read it registers for wake-ups, so a
    commit between the read and the wait is never missed; the poll catches other replicas' writes.
    """
    inboxes = inboxes_of(who)
    keys = [inbox_key(a, r) for a, r in inboxes]
    hub, settings = ports.hub, ports.settings.stream
    if last_seq is None:
        async with uow_factory() as uow:
            last_seq = await uow.notifications.last_seq(inboxes)
    idle = 0.0
    while True:
        woken = hub.listen(keys)
        try:
            async with uow_factory() as uow:
                rows = await uow.notifications.after(inboxes, last_seq, limit=STREAM_BATCH)
            for row in rows:
                last_seq = row.seq
                yield row
            if rows:
                idle = 0.0
                continue
            wait = min(settings.poll_interval, max(0.0, settings.heartbeat - idle))
            started = asyncio.get_running_loop().time()
            await wait_event(woken, wait)
            idle += asyncio.get_running_loop().time() - started
            if idle >= settings.heartbeat:
                idle = 0.0
                yield None
        finally:
            hub.forget(keys, woken)
