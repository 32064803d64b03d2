"""Use cases of integrator webhooks: subscribe, list, rotate, re-enable, read the log; and the fan-out."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from motcua_shared.chassis.audit import commit_read
from motcua_shared.chassis.auth import Principal, Role
from motcua_shared.chassis.egress import EgressGuard, RefusedTarget
from motcua_shared.contracts import topics
from motcua_shared.contracts.base import CloudEvent, Event
from motcua_shared.contracts.notify import NotifyChannel
from motcua_shared.contracts.public import public_envelope, public_types
from notify_svc.channels.webhook import new_secret
from notify_svc.deliveries.models import Delivery, DeliveryAttempt, DeliveryStatus
from notify_svc.webhooks.errors import InvalidSubscription, UnknownSubscription
from notify_svc.webhooks.models import WebhookSubscription

if TYPE_CHECKING:
    from notify_svc.ports import Ports
from notify_svc.uow import NotifyUnitOfWork

WEBHOOK_TOPICS = frozenset(topics.PUBLIC)
"""An integrator reads by webhook what it may read on the public topics: the same events, the same fields."""


def webhook_event_types() -> frozenset[str]:
    """The event types an integrator may subscribe to (the identity topic carries secrets: never)."""
    return frozenset(public_types())


def _check_url(url: str, *, allow_insecure: bool) -> None:
    try:
        EgressGuard(allow_private=allow_insecure).check_url(url)
    except RefusedTarget as exc:
        raise InvalidSubscription(
            "Địa chỉ webhook không hợp lệ.",
            errors=[{"field": "url", "in": "body", "message": str(exc), "code": "url"}],
        ) from exc


def _check_types(types_: Sequence[str]) -> list[str]:
    allowed = webhook_event_types()
    unknown = sorted(set(types_) - allowed)
    if unknown:
        raise InvalidSubscription(
            "Có loại sự kiện không được hỗ trợ.",
            errors=[
                {"field": "event_types", "in": "body", "message": f"unknown: {t}", "code": "event_type"}
                for t in unknown
            ],
        )
    return sorted(set(types_))


async def create(
    uow: NotifyUnitOfWork,
    ports: Ports,
    who: Principal,
    *,
    url: str,
    event_types_: Sequence[str],
    description: str | None,
) -> WebhookSubscription:
    """Subscribe ``url`` to ``event_types_``; the returned subscription shows its secret this once."""
    _check_url(url, allow_insecure=ports.settings.webhooks.allow_insecure_urls)
    wanted = _check_types(event_types_)
    now = ports.clock.now()
    subscription = WebhookSubscription(
        id=str(uuid.uuid4()),
        owner=who.subject,
        url=url,
        event_types=wanted,
        description=description,
        secret=new_secret(),
        status="active",
        consecutive_failures=0,
        created_at=now,
        updated_at=now,
    )
    async with uow:
        uow.webhooks.add(subscription)
        await uow.commit()
    return subscription


AUDIT_RESOURCE = "webhook"
"""What notify-svc's audit records are about: a webhook subscription, named by its id."""


async def _owned(
    uow: NotifyUnitOfWork, who: Principal, subscription_id: str, action: str
) -> WebhookSubscription:
    subscription = await uow.webhooks.get(subscription_id)
    # Someone else's subscription is reported as missing: its existence is not the caller's business.
    if subscription is None or (subscription.owner != who.subject and who.role is not Role.ADMIN):
        raise UnknownSubscription("Không tìm thấy đăng ký webhook.")
    # An admin may act on any integrator's subscription (support): that power is audited, with the change.
    uow.audit.record(
        who, f"webhook.{action}", AUDIT_RESOURCE, subscription.id, detail=f"owner {subscription.owner}"
    )
    return subscription


async def list_mine(uow: NotifyUnitOfWork, who: Principal) -> Sequence[WebhookSubscription]:
    """The caller's subscriptions."""
    async with uow:
        return await uow.webhooks.owned_by(who.subject)


async def get(uow: NotifyUnitOfWork, who: Principal, subscription_id: str) -> WebhookSubscription:
    """One of the caller's subscriptions."""
    async with uow:
        subscription = await _owned(uow, who, subscription_id, "read")
        await commit_read(uow)
        return subscription


async def update(
    uow: NotifyUnitOfWork,
    ports: Ports,
    who: Principal,
    subscription_id: str,
    *,
    url: str | None,
    event_types_: Sequence[str] | None,
    description: str | None,
) -> WebhookSubscription:
    """Change the URL, the event types or the description."""
    if url is not None:
        _check_url(url, allow_insecure=ports.settings.webhooks.allow_insecure_urls)
    wanted = _check_types(event_types_) if event_types_ is not None else None
    async with uow:
        subscription = await _owned(uow, who, subscription_id, "update")
        if url is not None:
            subscription.url = url
        if wanted is not None:
            subscription.event_types = wanted
        if description is not None:
            subscription.description = description
        subscription.updated_at = ports.clock.now()
        await uow.commit()
    return subscription


async def delete(uow: NotifyUnitOfWork, who: Principal, subscription_id: str) -> None:
    """Unsubscribe; what is still queued for it fails at its next attempt."""
    async with uow:
        subscription = await _owned(uow, who, subscription_id, "delete")
        await uow.webhooks.delete(subscription)
        await uow.commit()


async def rotate_secret(
    uow: NotifyUnitOfWork, ports: Ports, who: Principal, subscription_id: str
) -> WebhookSubscription:
    """A new secret; the old one keeps signing, next to it, for the grace period."""
    grace = timedelta(hours=ports.settings.webhooks.rotation_grace_hours)
    async with uow:
        subscription = await _owned(uow, who, subscription_id, "rotate_secret")
        subscription.rotate(new_secret(), ports.clock.now(), grace)
        await uow.commit()
    return subscription


async def enable(
    uow: NotifyUnitOfWork, ports: Ports, who: Principal, subscription_id: str
) -> WebhookSubscription:
    """Resume a disabled subscription (events that failed meanwhile are not resent)."""
    async with uow:
        subscription = await _owned(uow, who, subscription_id, "enable")
        subscription.enable(ports.clock.now())
        await uow.commit()
    return subscription


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One delivery of the subscription with its attempts."""

    delivery: Delivery
    attempts: Sequence[DeliveryAttempt]


async def delivery_log(
    uow: NotifyUnitOfWork,
    who: Principal,
    subscription_id: str,
    *,
    limit: int,
    before: tuple[datetime, str] | None,
) -> tuple[list[LogEntry], int]:
    """The subscription's deliveries, newest first, each with its attempts."""
    async with uow:
        await _owned(uow, who, subscription_id, "delivery_log")
        rows, total = await uow.deliveries.page(
            agency_code=None,
            recipient_key=subscription_id,
            channel=NotifyChannel.WEBHOOK.value,
            status=None,
            dossier_code=None,
            limit=limit,
            before=before,
        )
        attempts = await uow.deliveries.attempts([r.id for r in rows])
        await commit_read(uow)
    by_delivery: dict[str, list[DeliveryAttempt]] = {}
    for attempt in attempts:
        by_delivery.setdefault(attempt.delivery_id, []).append(attempt)
    return [LogEntry(r, by_delivery.get(r.id, [])) for r in rows], total


async def fan_out(uow: NotifyUnitOfWork, ports: Ports, event: Event, envelope: CloudEvent) -> int:
    """Stage the event for every active subscription taking its type (in the handler's transaction);
    returns how many."""
    if event.TOPIC not in WEBHOOK_TOPICS:
        return 0
    subscriptions = [s for s in await uow.webhooks.active_in_transaction() if s.wants(event.TYPE)]
    if not subscriptions:
        return 0
    public = public_envelope(envelope, type(event))
    if public is None:
        return 0
    body = public.to_json()
    now = ports.clock.now()
    for subscription in subscriptions:
        uow.stage_delivery(
            {
                "id": str(uuid.uuid4()),
                "source_event_id": envelope.id,
                "source_event_type": envelope.type,
                "channel": NotifyChannel.WEBHOOK.value,
                "recipient_key": subscription.id,
                "recipient_id": subscription.id,
                "address": subscription.url,
                "agency_code": getattr(event, "agency_code", None),
                "dossier_code": getattr(event, "dossier_code", None),
                "subject": None,
                "body": body,
                "secret": False,
                "urgent": False,
                "status": DeliveryStatus.QUEUED.value,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
        )
    return len(subscriptions)
