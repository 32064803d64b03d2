"""Use cases of deliveries: turn an event into notifications, dispatch them, apply receipts, list them.

An event's effects (contact, in-app rows, queued deliveries, webhook deliveries, audit events) are
written in the consumer's transaction with its inbox claim, so a redelivered event adds nothing; the
unique (event, channel, recipient) key guards the same even if the inbox were bypassed. Sending happens
later, outside any transaction, from the dispatcher.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from motcua_shared.chassis.auth import Principal, Role
from motcua_shared.chassis.errors import Forbidden
from motcua_shared.contracts.base import CloudEvent, Event
from motcua_shared.contracts.dossier import DossierLookupAnswered
from motcua_shared.contracts.identity import OtpRequested
from motcua_shared.contracts.notify import NotificationFailed, NotificationSent, NotifyChannel
from motcua_shared.contracts.payment import PaymentRequested
from notify_svc.channels.base import Failed, Job, Outcome, Sent
from notify_svc.deliveries.errors import UnknownMessage
from notify_svc.deliveries.models import Delivery, DeliveryAttempt, DeliveryStatus
from notify_svc.deliveries.planning import context_for, plan
from notify_svc.deliveries.scheduling import after_quiet_hours, backoff
from notify_svc.directory.models import DossierContact, QuietWindow
from notify_svc.directory.service import Preferences, preferences_of, remember_contact
from notify_svc.inbox.models import Audience, inbox_key
from notify_svc.settings import RetrySettings
from notify_svc.templates.defaults import TemplateSpec
from notify_svc.templates.service import render_current
from notify_svc.webhooks import service as webhooks

if TYPE_CHECKING:
    from notify_svc.ports import Ports
from notify_svc.uow import NotifyUnitOfWork

IN_APP_PROVIDER = "inbox"
DISABLED = "subscription disabled after repeated failures"


async def handle_event(uow: NotifyUnitOfWork, ports: Ports, event: Event, envelope: CloudEvent) -> None:
    """Everything ``event`` causes, staged in the caller's transaction."""
    contact = await remember_contact(uow, ports, event)
    await webhooks.fan_out(uow, ports, event, envelope)
    what = plan(event)
    if what.citizen is None and not what.agencies:
        return
    context = context_for(event, contact) | {"link": ports.settings.sms_link}
    if what.citizen is not None:
        await _tell_person(uow, ports, what.citizen, event, envelope, contact, context)
    for spec, agency_code in what.agencies:
        await _store_in_app(uow, ports, spec, envelope, event, Audience.AGENCY, agency_code, context)


@dataclass(frozen=True)
class _Person:
    """The person an event tells: their account (None for a phone-only sign-in), phone and e-mail."""

    subject: str | None
    phone: str | None
    email: str | None

    @classmethod
    def of(cls, event: Event, contact: DossierContact | None) -> _Person:
        """The person from the event, completed by the dossier's contact; a payment's payer, a
        sign-in code's phone and an SMS look-up's phone take precedence."""
        subject: str | None = getattr(event, "applicant_id", None) or (
            contact.applicant_id if contact else None
        )
        phone = contact.phone if contact else None
        email = contact.email if contact else None
        if isinstance(event, PaymentRequested):
            phone, email = event.payer.phone, event.payer.email or email
        if isinstance(event, OtpRequested | DossierLookupAnswered):
            # The answer goes to the phone that asked, whoever holds the dossier.
            phone, subject, email = event.phone, None, None
        return cls(subject, phone, email)

    def reachable(self, channel: NotifyChannel) -> bool:
        """Whether there is an address to try ``channel`` on (a phone, an e-mail, an account for push)."""
        if channel is NotifyChannel.SMS:
            return bool(self.phone)
        if channel is NotifyChannel.EMAIL:
            return bool(self.email)
        return channel is NotifyChannel.PUSH and bool(self.subject)


async def _tell_person(
    uow: NotifyUnitOfWork,
    ports: Ports,
    spec: TemplateSpec,
    event: Event,
    envelope: CloudEvent,
    contact: DossierContact | None,
    context: dict[str, Any],
) -> None:
    """Stage the person's in-app notification and queue their deliveries on every channel they allow."""
    person = _Person.of(event, contact)
    preferences: Preferences | None = None
    for channel in sorted(spec.channels & ports.channels):
        if channel is NotifyChannel.IN_APP:
            # Nobody can refuse in-app (the record of everything): no preferences needed.
            if person.subject:
                await _store_in_app(uow, ports, spec, envelope, event, Audience.USER, person.subject, context)
            continue
        if not person.reachable(channel):
            continue
        if preferences is None:
            preferences = await preferences_of(uow, ports, person.subject)
        if spec.mandatory or preferences.allows(channel):
            await _queue_to(uow, ports, person, channel, preferences, spec, event, envelope, context)


async def _queue_to(
    uow: NotifyUnitOfWork,
    ports: Ports,
    person: _Person,
    channel: NotifyChannel,
    preferences: Preferences,
    spec: TemplateSpec,
    event: Event,
    envelope: CloudEvent,
    context: dict[str, Any],
) -> None:
    """Queue the deliveries of ``channel`` to ``person``: to their phone or e-mail, or to each of their
    push subscriptions. Quiet hours hold back an SMS unless it prompts the citizen (``TemplateSpec.prompt``);
    the sign-in code is also secret."""
    subject = person.subject
    if channel is NotifyChannel.SMS and person.phone:
        await _queue(
            uow, ports, spec, channel, event, envelope, context,
            recipient_key=subject or f"phone:{person.phone}", recipient_id=subject, address=person.phone,
            secret=isinstance(event, OtpRequested), urgent=spec.prompt,
            quiet=None if spec.prompt else preferences.quiet_hours,
        )  # fmt: skip
    elif channel is NotifyChannel.EMAIL and person.email:
        await _queue(
            uow, ports, spec, channel, event, envelope, context,
            recipient_key=subject or f"email:{person.email}", recipient_id=subject, address=person.email,
        )  # fmt: skip
    elif channel is NotifyChannel.PUSH and subject:
        for push in await uow.directory.push_subscriptions(subject):
            await _queue(
                uow, ports, spec, channel, event, envelope, context,
                recipient_key=push.id, recipient_id=subject, address=push.endpoint,
            )  # fmt: skip


async def _store_in_app(
    uow: NotifyUnitOfWork,
    ports: Ports,
    spec: TemplateSpec,
    envelope: CloudEvent,
    event: Event,
    audience: Audience,
    recipient: str,
    context: dict[str, Any],
) -> None:
    rendered = await render_current(uow, ports, spec.code, NotifyChannel.IN_APP, context)
    now = ports.clock.now()
    notification_id = str(uuid.uuid4())
    dossier_code = getattr(event, "dossier_code", None)
    uow.stage_notification(
        {
            "id": notification_id,
            "audience": audience.value,
            "recipient": recipient,
            "source_event_id": envelope.id,
            "source_event_type": envelope.type,
            "dossier_code": dossier_code,
            "template": spec.code,
            "template_version": rendered.version,
            "title": rendered.subject or "",
            "body": rendered.body,
            "created_at": now,
        },
        inbox=inbox_key(audience, recipient),
        audit=NotificationSent(
            delivery_id=notification_id,
            channel=NotifyChannel.IN_APP,
            source_event_id=envelope.id,
            source_event_type=envelope.type,
            recipient_id=recipient if audience is Audience.USER else f"agency:{recipient}",
            dossier_code=dossier_code,
            template=spec.code,
            template_version=rendered.version,
            provider=IN_APP_PROVIDER,
            occurred_at=now,
        ),
    )


async def _queue(
    uow: NotifyUnitOfWork,
    ports: Ports,
    spec: TemplateSpec,
    channel: NotifyChannel,
    event: Event,
    envelope: CloudEvent,
    context: dict[str, Any],
    *,
    recipient_key: str,
    recipient_id: str | None,
    address: str,
    secret: bool = False,
    urgent: bool = False,
    quiet: QuietWindow | None = None,
) -> None:
    rendered = await render_current(uow, ports, spec.code, channel, context)
    now = ports.clock.now()
    uow.stage_delivery(
        {
            "id": str(uuid.uuid4()),
            "source_event_id": envelope.id,
            "source_event_type": envelope.type,
            "channel": channel.value,
            "recipient_key": recipient_key,
            "recipient_id": recipient_id,
            "address": address,
            "agency_code": getattr(event, "agency_code", None),
            "dossier_code": getattr(event, "dossier_code", None),
            "template": spec.code,
            "template_version": rendered.version,
            "subject": rendered.subject,
            "body": rendered.body,
            "secret": secret,
            "urgent": urgent,
            "quiet_start": quiet.start if quiet else None,
            "quiet_end": quiet.end if quiet else None,
            "status": DeliveryStatus.QUEUED.value,
            "attempts": 0,
            "next_attempt_at": after_quiet_hours(now, quiet),
            "created_at": now,
        }
    )


# -- dispatching ----------------------------------------------------------------------------------------


async def claim(uow: NotifyUnitOfWork, ports: Ports, *, limit: int) -> list[Job]:
    """Lease up to ``limit`` due deliveries to this dispatcher; each lease counts as an attempt."""
    settings = ports.settings.dispatch
    jobs: list[Job] = []
    async with uow:
        now = ports.clock.now()
        for delivery in await uow.deliveries.claim_due(now, limit=limit):
            delivery.lease_until = now + timedelta(seconds=settings.lease_seconds)
            delivery.attempts += 1
            secrets: tuple[str, ...] = ()
            push_keys: tuple[str, str] | None = None
            if delivery.channel == NotifyChannel.WEBHOOK.value:
                subscription = await uow.webhooks.get(delivery.recipient_key)
                if subscription is not None and subscription.active:
                    secrets = tuple(subscription.signing_secrets(now))
                    delivery.address = subscription.url
            elif delivery.channel == NotifyChannel.PUSH.value:
                push = await uow.directory.push_subscription(delivery.recipient_key)
                if push is not None:
                    push_keys = (push.p256dh, push.auth)
            jobs.append(
                Job(
                    delivery_id=delivery.id,
                    channel=NotifyChannel(delivery.channel),
                    address=delivery.address,
                    subject=delivery.subject,
                    body=delivery.body,
                    attempt=delivery.attempts,
                    source_event_id=delivery.source_event_id,
                    source_event_type=delivery.source_event_type,
                    secrets=secrets,
                    push_keys=push_keys,
                )
            )
        await uow.commit()
    return jobs


def _policy(uow: NotifyUnitOfWork, ports: Ports, channel: str) -> RetrySettings:
    settings = ports.settings
    return settings.webhooks.retry if channel == NotifyChannel.WEBHOOK.value else settings.dispatch.retry


def _sent(delivery: Delivery, at: datetime) -> NotificationSent:
    return NotificationSent(
        delivery_id=delivery.id,
        channel=NotifyChannel(delivery.channel),
        source_event_id=delivery.source_event_id,
        source_event_type=delivery.source_event_type,
        recipient_id=delivery.recipient_id,
        dossier_code=delivery.dossier_code,
        template=delivery.template,
        template_version=delivery.template_version,
        provider=delivery.provider,
        occurred_at=at,
        provider_message_id=delivery.provider_message_id,
        segments=delivery.segments,
    )


def _failed(delivery: Delivery, at: datetime, *, permanent: bool) -> NotificationFailed:
    return NotificationFailed(
        delivery_id=delivery.id,
        channel=NotifyChannel(delivery.channel),
        source_event_id=delivery.source_event_id,
        source_event_type=delivery.source_event_type,
        recipient_id=delivery.recipient_id,
        dossier_code=delivery.dossier_code,
        template=delivery.template,
        template_version=delivery.template_version,
        provider=delivery.provider,
        occurred_at=at,
        reason=delivery.last_error or "failed",
        attempts=max(1, delivery.attempts),
        permanent=permanent,
    )


def _outcome_name(outcome: Outcome) -> str:
    if isinstance(outcome, Sent):
        return "sent"
    return "permanent" if outcome.permanent else "transient"


async def record(
    uow: NotifyUnitOfWork, ports: Ports, job: Job, outcome: Outcome, *, duration_ms: float
) -> None:
    """Record what one attempt gave: sent, to be retried (with backoff), or failed for good."""
    async with uow:
        now = ports.clock.now()
        delivery = await uow.deliveries.get(job.delivery_id, lock=True)
        if delivery is None or delivery.is_terminal:
            return
        uow.deliveries.add_attempt(
            DeliveryAttempt(
                delivery_id=delivery.id,
                attempt=job.attempt,
                at=now,
                outcome=_outcome_name(outcome),
                status_code=outcome.status_code,
                error=outcome.error[:1000] if isinstance(outcome, Failed) else None,
                duration_ms=duration_ms,
            )
        )
        delivery.provider = outcome.provider
        subscription = (
            await uow.webhooks.get(delivery.recipient_key)
            if delivery.channel == NotifyChannel.WEBHOOK.value
            else None
        )
        if isinstance(outcome, Sent):
            delivery.mark_sent(
                now, provider=outcome.provider, message_id=outcome.message_id, segments=outcome.segments
            )
            if outcome.delivered:
                delivery.mark_delivered(now)
            if subscription is not None:
                subscription.record_success(now)
            uow.outbox.add(_sent(delivery, now))
        else:
            await _failure(uow, ports, delivery, outcome, now, subscription)
        await uow.commit()


async def _failure(
    uow: NotifyUnitOfWork, ports: Ports, delivery: Delivery, outcome: Failed, now: datetime, subscription: Any
) -> None:
    disabled = False
    if subscription is not None:
        disabled = subscription.record_failure(
            now,
            disable_after=ports.settings.webhooks.disable_after_failures,
            reason=f"{subscription.consecutive_failures + 1} lần gửi liên tiếp thất bại: {outcome.error}",
        )
    policy = _policy(uow, ports, delivery.channel)
    final = outcome.permanent or disabled or delivery.attempts >= policy.max_attempts
    if final:
        delivery.mark_failed(now, f"{outcome.error}; {DISABLED}" if disabled else outcome.error)
        if delivery.channel == NotifyChannel.PUSH.value and outcome.permanent:
            await uow.directory.remove_push(delivery.recipient_key)
    else:
        at = now + backoff(delivery.attempts, policy)
        if not delivery.urgent and delivery.quiet_start is not None and delivery.quiet_end is not None:
            at = after_quiet_hours(at, QuietWindow(delivery.quiet_start, delivery.quiet_end))
        delivery.retry_at(at, outcome.error)
    uow.outbox.add(_failed(delivery, now, permanent=final))
    if disabled:
        for other in await uow.deliveries.queued_for(NotifyChannel.WEBHOOK.value, subscription.id):
            if other.id != delivery.id and other.mark_failed(now, DISABLED):
                uow.outbox.add(_failed(other, now, permanent=True))


async def apply_receipt(
    uow: NotifyUnitOfWork, ports: Ports, *, message_id: str, delivered: bool, error: str | None
) -> tuple[Delivery, bool]:
    """Apply a provider's delivery receipt; the bool says whether it changed anything (terminal stays)."""
    async with uow:
        now = ports.clock.now()
        delivery = await uow.deliveries.by_message_id(NotifyChannel.SMS.value, message_id)
        if delivery is None:
            raise UnknownMessage("Không có tin nhắn nào với mã này.")
        if delivered:
            changed = delivery.mark_delivered(now)
        else:
            changed = delivery.mark_failed(now, error or "the provider reported it undelivered")
            if changed:
                uow.outbox.add(_failed(delivery, now, permanent=True))
        await uow.commit()
    return delivery, changed


async def list_for_staff(
    uow: NotifyUnitOfWork,
    who: Principal,
    *,
    channel: str | None,
    status: str | None,
    dossier_code: str | None,
    limit: int,
    before: tuple[datetime, str] | None,
) -> tuple[Sequence[Delivery], int]:
    """Deliveries for staff: an admin sees all, an officer those of their agency's dossiers."""
    if who.role is Role.ADMIN:
        agency = None
    elif who.role is Role.OFFICER:
        agency = who.agency_code
    else:
        raise Forbidden("Chỉ cán bộ và quản trị viên xem được nhật ký gửi thông báo.")
    async with uow:
        return await uow.deliveries.page(
            agency_code=agency,
            recipient_key=None,
            channel=channel,
            status=status,
            dossier_code=dossier_code,
            limit=limit,
            before=before,
        )
