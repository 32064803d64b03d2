"""notify-svc's unit of work over memory, for the use cases' unit tests (milliseconds, no database)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from notify_testkit import DAYTIME

from motcua_shared.chassis.clock import SettableClock
from motcua_shared.contracts.base import Event
from motcua_shared.testing import FakeUnitOfWork, flushed
from notify_svc.deliveries.models import Delivery, DeliveryAttempt, DeliveryStatus
from notify_svc.directory.models import DossierContact, Preference, PushSubscription
from notify_svc.inbox.models import Notification, StreamTicket
from notify_svc.inbox.repository import Inbox
from notify_svc.ports import Ports
from notify_svc.settings import Settings
from notify_svc.templates.models import Template
from notify_svc.uow import NotifyUnitOfWork
from notify_svc.webhooks.models import WebhookSubscription


class FakeDirectory:
    """Dossier contacts, preferences and push subscriptions."""

    def __init__(self) -> None:
        self.contacts: dict[str, DossierContact] = {}
        self.preferences: dict[str, Preference] = {}
        self.pushes: dict[str, PushSubscription] = {}

    async def contact(self, dossier_code: str) -> DossierContact | None:
        return self.contacts.get(dossier_code)

    def save_contact(self, values: dict[str, Any]) -> DossierContact:
        contact = DossierContact(**values)
        self.contacts[contact.dossier_code] = contact
        return contact

    async def write_staged(self) -> None:
        return None

    async def preference(self, subject: str) -> Preference | None:
        return self.preferences.get(subject)

    def add_preference(self, preference: Preference) -> None:
        self.preferences[preference.subject] = flushed(preference)

    async def push_subscriptions(self, subject: str) -> Sequence[PushSubscription]:
        return [p for p in self.pushes.values() if p.subject == subject]

    async def push_subscription(self, subscription_id: str) -> PushSubscription | None:
        return self.pushes.get(subscription_id)

    async def push_by_endpoint(self, endpoint: str) -> PushSubscription | None:
        return next((p for p in self.pushes.values() if p.endpoint == endpoint), None)

    def add_push(self, subscription: PushSubscription) -> None:
        self.pushes[subscription.id] = subscription

    async def remove_push(self, subscription_id: str) -> None:
        self.pushes.pop(subscription_id, None)


class FakeTemplates:
    """Stored template versions (none: the defaults are in force)."""

    def __init__(self) -> None:
        self.rows: list[Template] = []

    async def current(self, code: str, channel: str) -> Template | None:
        mine = [t for t in self.rows if (t.code, t.channel) == (code, channel)]
        return max(mine, key=lambda t: t.version, default=None)

    async def versions(self, code: str, channel: str) -> Sequence[Template]:
        mine = [t for t in self.rows if (t.code, t.channel) == (code, channel)]
        return sorted(mine, key=lambda t: t.version, reverse=True)

    def add(self, template: Template) -> None:
        self.rows.append(flushed(template))


R = TypeVar("R", Notification, Delivery)


def _insert_new(table: list[R], rows: Iterable[R], unique: tuple[str, ...]) -> set[str]:
    """Append the rows whose ``unique`` columns no row of ``table`` has yet; their ids (as the unique key
    of the real table skips the others)."""
    added: set[str] = set()
    for row in rows:
        key = tuple(getattr(row, column) for column in unique)
        if any(tuple(getattr(old, column) for column in unique) == key for old in table):
            continue
        table.append(flushed(row))
        added.add(row.id)
    return added


def _in(row: Notification, inboxes: Sequence[Inbox]) -> bool:
    return any(row.audience == audience.value and row.recipient == who for audience, who in inboxes)


class FakeNotifications:
    """The in-app inboxes and the stream tickets."""

    def __init__(self) -> None:
        self.rows: list[Notification] = []
        self.tickets: dict[str, StreamTicket] = {}
        self._seq = itertools.count(1)

    async def add_many(self, rows: Sequence[dict[str, Any]]) -> set[str]:
        made = (Notification(seq=next(self._seq), **values) for values in rows)
        return _insert_new(self.rows, made, ("source_event_id", "audience", "recipient"))

    async def page(
        self, inboxes: Sequence[Inbox], *, limit: int, before: int | None, unread: bool
    ) -> tuple[Sequence[Notification], int, int]:
        mine = [r for r in self.rows if _in(r, inboxes)]
        picked = [r for r in mine if (not unread or r.read_at is None) and (before is None or r.seq < before)]
        picked.sort(key=lambda r: r.seq, reverse=True)
        return picked[:limit], len(mine), sum(r.read_at is None for r in mine)

    async def get(self, inboxes: Sequence[Inbox], notification_id: str) -> Notification | None:
        return next((r for r in self.rows if r.id == notification_id and _in(r, inboxes)), None)

    async def after(self, inboxes: Sequence[Inbox], seq: int, *, limit: int) -> Sequence[Notification]:
        return [r for r in self.rows if _in(r, inboxes) and r.seq > seq][:limit]

    async def last_seq(self, inboxes: Sequence[Inbox]) -> int:
        return max((r.seq for r in self.rows if _in(r, inboxes)), default=0)

    def add_ticket(self, ticket: StreamTicket) -> None:
        self.tickets[ticket.digest] = ticket

    async def redeem_ticket(self, digest: str, now: datetime) -> StreamTicket | None:
        ticket = self.tickets.get(digest)
        if ticket is None or ticket.used_at is not None or ticket.expires_at <= now:
            return None
        ticket.used_at = now
        return ticket

    async def purge_tickets(self, before: datetime) -> None:
        self.tickets = {d: t for d, t in self.tickets.items() if t.expires_at >= before}


class FakeDeliveries:
    """The delivery queue and its attempts."""

    def __init__(self) -> None:
        self.rows: list[Delivery] = []
        self.attempts: list[DeliveryAttempt] = []

    async def add_many(self, rows: Sequence[dict[str, Any]]) -> set[str]:
        made = (Delivery(**values) for values in rows)
        return _insert_new(self.rows, made, ("source_event_id", "channel", "recipient_key"))

    async def claim_due(self, now: datetime, *, limit: int) -> Sequence[Delivery]:
        due = [
            d
            for d in self.rows
            if d.status == DeliveryStatus.QUEUED.value
            and d.next_attempt_at <= now
            and (d.lease_until is None or d.lease_until < now)
        ]
        return sorted(due, key=lambda d: d.next_attempt_at)[:limit]

    async def get(self, delivery_id: str, *, lock: bool = False) -> Delivery | None:
        return next((d for d in self.rows if d.id == delivery_id), None)

    async def by_message_id(self, channel: str, message_id: str) -> Delivery | None:
        return next(
            (d for d in self.rows if (d.channel, d.provider_message_id) == (channel, message_id)), None
        )

    async def queued_for(self, channel: str, recipient_key: str) -> Sequence[Delivery]:
        return [
            d
            for d in self.rows
            if (d.channel, d.recipient_key, d.status) == (channel, recipient_key, DeliveryStatus.QUEUED.value)
        ]

    def add_attempt(self, attempt: DeliveryAttempt) -> None:
        self.attempts.append(flushed(attempt))


class FakeWebhooks:
    """Integrators' subscriptions."""

    def __init__(self) -> None:
        self.rows: dict[str, WebhookSubscription] = {}

    def add(self, subscription: WebhookSubscription) -> None:
        self.rows[subscription.id] = flushed(subscription)

    async def get(self, subscription_id: str) -> WebhookSubscription | None:
        return self.rows.get(subscription_id)

    async def owned_by(self, owner: str) -> Sequence[WebhookSubscription]:
        return sorted((s for s in self.rows.values() if s.owner == owner), key=lambda s: s.created_at)

    async def active_in_transaction(self) -> Sequence[WebhookSubscription]:
        return [s for s in self.rows.values() if s.active]

    async def delete(self, subscription: WebhookSubscription) -> None:
        del self.rows[subscription.id]


class FakeNotifyUow(FakeUnitOfWork[NotifyUnitOfWork]):
    """notify-svc's unit of work over the fakes above: staged notifications and deliveries are written at
    commit, as the real one does (one an earlier event already made adds nothing, and no audit event)."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.clock = SettableClock(DAYTIME)
        self.env = Ports(settings=settings or Settings(), clock=self.clock)
        super().__init__()

    def open(self) -> None:
        self.directory = FakeDirectory()
        self.templates = FakeTemplates()
        self.notifications = FakeNotifications()
        self.deliveries = FakeDeliveries()
        self.webhooks = FakeWebhooks()
        self._notifications: list[tuple[dict[str, Any], str, Event]] = []
        self._deliveries: list[dict[str, Any]] = []
        self.woken: set[str] = set()

    def stage_notification(self, values: dict[str, Any], *, inbox: str, audit: Event) -> None:
        self._notifications.append((values, inbox, audit))

    def stage_delivery(self, values: dict[str, Any]) -> None:
        self._deliveries.append(values)

    async def commit(self) -> None:
        staged, self._notifications = self._notifications, []
        inserted = await self.notifications.add_many([values for values, _, _ in staged])
        for values, inbox, audit in staged:
            if values["id"] in inserted:
                self.woken.add(inbox)
                self.outbox.add(audit)
        deliveries, self._deliveries = self._deliveries, []
        await self.deliveries.add_many(deliveries)
        await super().commit()

    async def rollback(self) -> None:
        self._notifications, self._deliveries = [], []
        await super().rollback()
