"""HTTP: your preferences and Web Push subscriptions."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import serialization
from fastapi import APIRouter, Response, status

from motcua_shared.chassis.auth import PrincipalDep
from motcua_shared.chassis.errors import NotFound, Unauthenticated
from motcua_shared.chassis.problems import problems
from notify_svc.channels.vapid import load_vapid
from notify_svc.deps import PortsDep, SettingsDep, UowDep
from notify_svc.directory import service
from notify_svc.directory.errors import InvalidPreferences, InvalidPushEndpoint, UnknownPushSubscription
from notify_svc.directory.schemas import (
    PreferencesIn,
    PreferencesOut,
    PushKeyOut,
    PushSubscriptionIn,
    PushSubscriptionOut,
)
from notify_svc.templates.defaults import SPECS

router = APIRouter(prefix="/api/v1/me", tags=["preferences"], responses=problems(Unauthenticated))

ALWAYS_SENT = sorted(code for code, spec in SPECS.items() if spec.mandatory)


@router.get(
    "/preferences",
    response_model=PreferencesOut,
    summary="Your notification preferences",
    operation_id="preferences.get",
)
async def get_preferences(uow: UowDep, ports: PortsDep, who: PrincipalDep) -> PreferencesOut:
    """The defaults until you change them: every channel, quiet hours 22:00–07:00."""
    return PreferencesOut.of(await service.get_preferences(uow, ports, who), ALWAYS_SENT)


@router.put(
    "/preferences",
    response_model=PreferencesOut,
    summary="Set your notification preferences",
    responses=problems(InvalidPreferences),
    operation_id="preferences.update",
)
async def put_preferences(
    body: PreferencesIn, uow: UowDep, ports: PortsDep, who: PrincipalDep
) -> PreferencesOut:
    """Channels off are skipped except for the sign-in code and legally required notices; quiet hours
    defer non-urgent SMS."""
    preferences = await service.set_preferences(
        uow,
        ports,
        who,
        sms=body.channels.sms,
        email=body.channels.email,
        push=body.channels.push,
        quiet_hours=body.quiet_hours.window() if body.quiet_hours else None,
    )
    return PreferencesOut.of(preferences, ALWAYS_SENT)


@router.get(
    "/push-key",
    response_model=PushKeyOut,
    summary="The VAPID public key",
    responses=problems(NotFound),
)
async def push_key(settings: SettingsDep) -> PushKeyOut:
    """404 when Web Push is not configured here."""
    if settings.push.vapid_private_key is None:
        raise NotFound("Thông báo đẩy chưa được cấu hình.")
    vapid = load_vapid(settings.push.vapid_private_key.get_secret_value())
    raw = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return PushKeyOut(vapid_public_key=base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii"))


@router.post(
    "/push-subscriptions",
    response_model=PushSubscriptionOut,
    status_code=status.HTTP_201_CREATED,
    summary="Receive Web Push on this browser or app",
    responses=problems(InvalidPreferences, InvalidPushEndpoint),
)
async def subscribe(
    body: PushSubscriptionIn, uow: UowDep, ports: PortsDep, who: PrincipalDep
) -> PushSubscriptionOut:
    """Register the subscription (the same endpoint again updates it)."""
    sub = await service.subscribe_push(
        uow, ports, who, endpoint=str(body.endpoint), p256dh=body.keys.p256dh, auth=body.keys.auth
    )
    return PushSubscriptionOut(id=sub.id, endpoint=sub.endpoint, created_at=sub.created_at)


@router.get(
    "/push-subscriptions", response_model=list[PushSubscriptionOut], summary="Your push subscriptions"
)
async def list_subscriptions(uow: UowDep, who: PrincipalDep) -> list[PushSubscriptionOut]:
    """Oldest first."""
    return [
        PushSubscriptionOut(id=s.id, endpoint=s.endpoint, created_at=s.created_at)
        for s in await service.list_push(uow, who)
    ]


@router.delete(
    "/push-subscriptions/{subscription_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Stop Web Push on a browser or app",
    responses=problems(UnknownPushSubscription),
)
async def unsubscribe(subscription_id: str, uow: UowDep, who: PrincipalDep) -> Response:
    """Someone else's subscription is a 404."""
    await service.unsubscribe_push(uow, who, subscription_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
