"""notify-svc's unit of work: its repositories, the rows staged for commit, and the wake-ups fired once a
commit has landed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from motcua_shared.chassis.db import Database
from motcua_shared.chassis.uow import UnitOfWork
from motcua_shared.chassis.wakeups import announce
from motcua_shared.contracts.base import Event
from notify_svc.deliveries.repository import DeliveryRepository
from notify_svc.directory.repository import DirectoryRepository
from notify_svc.inbox.hub import INBOX_CHANNEL, Hub
from notify_svc.inbox.repository import InboxRepository
from notify_svc.sandbox.repository import SandboxRepository
from notify_svc.templates.repository import TemplateRepository
from notify_svc.webhooks.repository import WebhookRepository


@dataclass(frozen=True, slots=True)
class StagedNotification:
    """An in-app notification to insert at commit, the inbox it wakes and its audit event."""

    values: dict[str, Any]
    inbox: str
    audit: Event


class NotifyUnitOfWork(UnitOfWork):
    """``async with uow: ...; await uow.commit()``; once a commit has landed it wakes the streams of the
    inboxes it wrote (``hub``) and the dispatcher if it queued deliveries (``wake_dispatcher``).

    In-app notifications and deliveries are staged (:meth:`stage_notification`, :meth:`stage_delivery`)
    and inserted together just before the commit, and so are the contacts the directory saves: one
    statement per table for a whole batch of events instead of one per row. Nothing reads notifications
    or deliveries back in the transaction that writes them (the handlers never read the inbox or the
    queue; the directory answers for its staged contacts itself), and a row the unique key refuses (the
    event already notified that inbox, or already has that delivery) adds nothing: no audit event, no
    wake-up.
    """

    def __init__(
        self,
        db: Database,
        *,
        source: str,
        on_commit: Callable[[], None] | None = None,
        hub: Hub,
        wake_dispatcher: Callable[[], None],
    ) -> None:
        super().__init__(db, source=source, on_commit=on_commit)
        self._hub = hub
        self._wake_dispatcher = wake_dispatcher

    def open(self) -> None:
        """Repositories on this transaction's session."""
        self.directory = DirectoryRepository(self.session)
        self.templates = TemplateRepository(self.session)
        self.notifications = InboxRepository(self.session)
        self.deliveries = DeliveryRepository(self.session, postgres=self.db.is_postgres)
        self.webhooks = WebhookRepository(self.session)
        self.sandbox = SandboxRepository(self.session)
        self.touched_inboxes: set[str] = set()
        self.queued = False
        self._notifications: list[StagedNotification] = []
        self._deliveries: list[dict[str, Any]] = []

    def stage_notification(self, values: dict[str, Any], *, inbox: str, audit: Event) -> None:
        """Insert an in-app notification at commit; if it is new, wake ``inbox`` and emit ``audit``."""
        self._notifications.append(StagedNotification(values, inbox, audit))

    def stage_delivery(self, values: dict[str, Any]) -> None:
        """Queue a delivery at commit; if it is new, wake the dispatcher once committed."""
        self._deliveries.append(values)

    async def _write_staged(self) -> None:
        await self.directory.write_staged()
        notifications, self._notifications = self._notifications, []
        deliveries, self._deliveries = self._deliveries, []
        if notifications:
            inserted = await self.notifications.add_many([n.values for n in notifications])
            for staged in notifications:
                if staged.values["id"] in inserted:
                    self.touched_inboxes.add(staged.inbox)
                    self.outbox.add(staged.audit)
        if deliveries and await self.deliveries.add_many(deliveries):
            self.queued = True

    async def commit(self) -> None:
        """Write what was staged and commit; then wake the streams of the inboxes written and the
        dispatcher if work was queued."""
        await self._write_staged()
        if self.touched_inboxes:
            await announce(self.session, INBOX_CHANNEL, self.touched_inboxes)
        await super().commit()
        if self.touched_inboxes:
            self._hub.notify(self.touched_inboxes)
            self.touched_inboxes = set()
        if self.queued:
            self._wake_dispatcher()
            self.queued = False

    async def rollback(self) -> None:
        """Drop everything staged, with the transaction."""
        await super().rollback()
        self.open()
