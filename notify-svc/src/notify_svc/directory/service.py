"""Use cases of the directory: remember contacts from events; preferences; push subscriptions."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from motcua_shared.chassis.auth import Principal
from motcua_shared.chassis.egress import RefusedTarget
from motcua_shared.contracts.base import Event
from motcua_shared.contracts.dossier import DossierSubmitted
from motcua_shared.contracts.notify import NotifyChannel
from motcua_shared.contracts.payment import PaymentRequested
from notify_svc.directory.errors import InvalidPushEndpoint, UnknownPushSubscription
from notify_svc.directory.models import DossierContact, Preference, PushSubscription, QuietWindow

if TYPE_CHECKING:
    from notify_svc.ports import Ports
from notify_svc.uow import NotifyUnitOfWork


async def remember_contact(uow: NotifyUnitOfWork, ports: Ports, event: Event) -> DossierContact | None:
    """Keep the applicant's contact from ``submitted`` (and the payer's, if the dossier is unknown);
    return the dossier's contact as known after this event."""
    now = ports.clock.now()
    if isinstance(event, DossierSubmitted):
        values = {
            "dossier_code": event.dossier_code,
            "applicant_id": event.applicant_id,
            "name": event.applicant.name,
            "phone": event.applicant.phone,
            "email": event.applicant.email,
            "procedure_code": event.procedure_code,
            "procedure_name": event.procedure_name,
            "agency_code": event.agency_code,
            "agency_name": event.agency_name,
            "updated_at": now,
        }
        return uow.directory.save_contact(values)
    dossier_code = getattr(event, "dossier_code", None)
    if not isinstance(dossier_code, str):
        return None
    contact = await uow.directory.contact(dossier_code)
    if contact is None and isinstance(event, PaymentRequested):
        contact = uow.directory.save_contact(
            {
                "dossier_code": dossier_code,
                "applicant_id": event.applicant_id,
                "name": event.payer.name,
                "phone": event.payer.phone,
                "email": event.payer.email,
                "procedure_code": event.procedure_code,
                "procedure_name": None,
                "agency_code": event.agency_code,
                "agency_name": None,
                "updated_at": now,
            }
        )
    return contact


@dataclass(frozen=True, slots=True)
class Preferences:
    """An account's preferences, defaults filled in."""

    sms: bool
    email: bool
    push: bool
    quiet_hours: QuietWindow | None

    def allows(self, channel: NotifyChannel) -> bool:
        """Whether the person wants ``channel``."""
        return {
            NotifyChannel.SMS: self.sms,
            NotifyChannel.EMAIL: self.email,
            NotifyChannel.PUSH: self.push,
        }.get(channel, True)


async def preferences_of(uow: NotifyUnitOfWork, ports: Ports, subject: str | None) -> Preferences:
    """The preferences in force for ``subject`` (the defaults for a person without an account)."""
    default = ports.default_quiet
    row = await uow.directory.preference(subject) if subject else None
    if row is None:
        return Preferences(sms=True, email=True, push=True, quiet_hours=default)
    return Preferences(sms=row.sms, email=row.email, push=row.push, quiet_hours=row.quiet_window(default))


async def get_preferences(uow: NotifyUnitOfWork, ports: Ports, who: Principal) -> Preferences:
    """The caller's preferences."""
    async with uow:
        return await preferences_of(uow, ports, who.subject)


async def set_preferences(
    uow: NotifyUnitOfWork,
    ports: Ports,
    who: Principal,
    *,
    sms: bool,
    email: bool,
    push: bool,
    quiet_hours: QuietWindow | None,
) -> Preferences:
    """Replace the caller's preferences (OTP and legally required notices ignore the channel choices)."""
    async with uow:
        row = await uow.directory.preference(who.subject)
        if row is None:
            row = Preference(subject=who.subject)
            uow.directory.add_preference(row)
        row.sms, row.email, row.push = sms, email, push
        row.quiet_enabled = quiet_hours is not None
        row.quiet_start = quiet_hours.start if quiet_hours else None
        row.quiet_end = quiet_hours.end if quiet_hours else None
        row.updated_at = ports.clock.now()
        await uow.commit()
    return Preferences(sms=sms, email=email, push=push, quiet_hours=quiet_hours)


async def subscribe_push(
    uow: NotifyUnitOfWork, ports: Ports, who: Principal, *, endpoint: str, p256dh: str, auth: str
) -> PushSubscription:
    """Register (or take over, for the caller) a browser's push subscription."""
    try:
        ports.settings.push_guard().check_url(endpoint)
    except RefusedTarget as exc:
        raise InvalidPushEndpoint(
            "Địa chỉ nhận thông báo đẩy không hợp lệ.",
            errors=[{"field": "endpoint", "in": "body", "message": str(exc), "code": "url"}],
        ) from exc
    async with uow:
        subscription = await uow.directory.push_by_endpoint(endpoint)
        if subscription is None:
            subscription = PushSubscription(id=str(uuid.uuid4()), endpoint=endpoint)
            uow.directory.add_push(subscription)
        # The endpoint is the browser's: whoever signs in on it now receives its pushes.
        subscription.subject = who.subject
        subscription.p256dh = p256dh
        subscription.auth = auth
        subscription.created_at = ports.clock.now()
        await uow.commit()
    return subscription


async def list_push(uow: NotifyUnitOfWork, who: Principal) -> Sequence[PushSubscription]:
    """The caller's push subscriptions."""
    async with uow:
        return await uow.directory.push_subscriptions(who.subject)


async def unsubscribe_push(uow: NotifyUnitOfWork, who: Principal, subscription_id: str) -> None:
    """Remove one of the caller's push subscriptions."""
    async with uow:
        subscription = await uow.directory.push_subscription(subscription_id)
        if subscription is None or subscription.subject != who.subject:
            raise UnknownPushSubscription("Không tìm thấy đăng ký nhận thông báo đẩy.")
        await uow.directory.remove_push(subscription_id)
        await uow.commit()
