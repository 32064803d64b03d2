"""notify-svc's unit of work: its repositories, and the wake-ups fired once a commit has landed."""

from __future__ import annotations

from types import TracebackType
from typing import ClassVar

from motcua_shared.chassis.uow import UnitOfWork
from notify_svc.deliveries.repository import DeliveryRepository
from notify_svc.directory.repository import DirectoryRepository
from notify_svc.env import NotifyEnv
from notify_svc.inbox.repository import InboxRepository
from notify_svc.sandbox.repository import SandboxRepository
from notify_svc.templates.repository import TemplateRepository
from notify_svc.webhooks.repository import WebhookRepository


class NotifyUnitOfWork(UnitOfWork):
    """``async with uow: ...; await uow.commit()``; use :meth:`bind` to give it the service's env."""

    env: ClassVar[NotifyEnv]

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

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # Detach what was loaded before the closing rollback, which would expire it: use cases return
        # rows they read, and callers read their attributes after the transaction.
        self.session.expunge_all()
        await super().__aexit__(exc_type, exc, tb)

    async def commit(self) -> None:
        """Commit, then wake the streams of the inboxes written and the dispatcher if work was queued."""
        await super().commit()
        if self.touched_inboxes:
            self.env.hub.notify(self.touched_inboxes)
            self.touched_inboxes = set()
        if self.queued:
            self.env.wake_dispatcher()
            self.queued = False

    @classmethod
    def bind(cls, env: NotifyEnv) -> type[NotifyUnitOfWork]:
        """A subclass whose instances share ``env`` (the chassis builds units of work by class)."""
        return type("BoundNotifyUnitOfWork", (cls,), {"env": env})
