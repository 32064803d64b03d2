"""HTTP: integrator webhook subscriptions, secret rotation and the delivery log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, Security, status

from motcua_shared.chassis.auth import InsufficientScope, Principal, Role, require_roles
from motcua_shared.chassis.errors import Forbidden, Unauthenticated
from motcua_shared.chassis.pages import CursorQuery
from motcua_shared.chassis.problems import problems
from notify_svc.deliveries.schemas import DELIVERY_CURSOR, delivery_position
from notify_svc.deps import PortsDep, UowDep
from notify_svc.webhooks import service
from notify_svc.webhooks.errors import InvalidSubscription, UnknownSubscription
from notify_svc.webhooks.schemas import (
    AttemptOut,
    EventTypes,
    SubscriptionIn,
    SubscriptionList,
    SubscriptionOut,
    SubscriptionPatch,
    SubscriptionWithSecret,
    WebhookDeliveryOut,
    WebhookDeliveryPage,
)

router = APIRouter(
    prefix="/api/v1/webhooks",
    tags=["webhooks"],
    responses=problems(Unauthenticated, Forbidden, InsufficientScope, UnknownSubscription),
)
_integrator_or_admin = require_roles(Role.INTEGRATOR, Role.ADMIN)
# An integrator's token needs the scope (an admin is not limited by scopes); OpenAPI lists it per operation.
WebhooksDep = Annotated[Principal, Security(_integrator_or_admin, scopes=["webhooks:write"])]
EventsDep = Annotated[Principal, Security(_integrator_or_admin, scopes=["events:read"])]


@router.get(
    "/event-types",
    response_model=EventTypes,
    summary="Event types you can subscribe to",
    operation_id="webhooks.event_types",
)
async def subscribable(_who: EventsDep) -> EventTypes:
    """Dossier and payment events, the types of the public Kafka topics `motcua.public.dossier.v1` and
    `motcua.public.payment.v1`; a delivery's body is the event as those topics carry it, personal data
    removed."""
    return EventTypes(items=sorted(service.webhook_event_types()))


@router.post(
    "",
    response_model=SubscriptionWithSecret,
    status_code=status.HTTP_201_CREATED,
    summary="Subscribe an endpoint",
    responses=problems(InvalidSubscription),
)
async def create(
    body: SubscriptionIn, uow: UowDep, ports: PortsDep, who: WebhooksDep
) -> SubscriptionWithSecret:
    """Each delivery is signed per Standard Webhooks with the returned secret."""
    subscription = await service.create(
        uow, ports, who, url=body.url, event_types_=body.event_types, description=body.description
    )
    return SubscriptionWithSecret.with_secret(subscription)


@router.get("", response_model=SubscriptionList, summary="Your subscriptions", operation_id="webhooks.list")
async def list_mine(uow: UowDep, who: WebhooksDep) -> SubscriptionList:
    """Oldest first."""
    rows = await service.list_mine(uow, who)
    return SubscriptionList(items=[SubscriptionOut.of(s) for s in rows], total=len(rows))


@router.get("/{subscription_id}", response_model=SubscriptionOut, summary="One subscription")
async def get(subscription_id: str, uow: UowDep, who: WebhooksDep) -> SubscriptionOut:
    """Someone else's is a 404."""
    return SubscriptionOut.of(await service.get(uow, who, subscription_id))


@router.patch(
    "/{subscription_id}",
    response_model=SubscriptionOut,
    summary="Change a subscription",
    responses=problems(InvalidSubscription),
    operation_id="webhooks.update",
)
async def patch(
    subscription_id: str, body: SubscriptionPatch, uow: UowDep, ports: PortsDep, who: WebhooksDep
) -> SubscriptionOut:
    """URL, event types, description."""
    subscription = await service.update(
        uow,
        ports,
        who,
        subscription_id,
        url=body.url,
        event_types_=body.event_types,
        description=body.description,
    )
    return SubscriptionOut.of(subscription)


@router.delete("/{subscription_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Unsubscribe")
async def delete(subscription_id: str, uow: UowDep, who: WebhooksDep) -> Response:
    """Pending deliveries fail."""
    await service.delete(uow, who, subscription_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{subscription_id}/rotate-secret",
    response_model=SubscriptionWithSecret,
    summary="Rotate the signing secret",
    operation_id="webhooks.rotate_secret",
)
async def rotate(
    subscription_id: str, uow: UowDep, ports: PortsDep, who: WebhooksDep
) -> SubscriptionWithSecret:
    """The old secret keeps signing next to the new one until `previous_secret_expires_at`."""
    return SubscriptionWithSecret.with_secret(await service.rotate_secret(uow, ports, who, subscription_id))


@router.post("/{subscription_id}/enable", response_model=SubscriptionOut, summary="Re-enable after failures")
async def enable(subscription_id: str, uow: UowDep, ports: PortsDep, who: WebhooksDep) -> SubscriptionOut:
    """Resume deliveries to a disabled endpoint."""
    return SubscriptionOut.of(await service.enable(uow, ports, who, subscription_id))


@router.get("/{subscription_id}/deliveries", response_model=WebhookDeliveryPage, summary="The delivery log")
async def deliveries(
    subscription_id: str,
    uow: UowDep,
    who: WebhooksDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: CursorQuery = None,
) -> WebhookDeliveryPage:
    """Each event sent to the endpoint with every attempt's answer."""
    before = DELIVERY_CURSOR.decode(cursor)
    found, total = await service.delivery_log(uow, who, subscription_id, limit=limit + 1, before=before)
    entries, next_cursor = DELIVERY_CURSOR.cut(found, limit, lambda e: delivery_position(e.delivery))
    return WebhookDeliveryPage(
        items=[
            WebhookDeliveryOut(
                id=e.delivery.id,
                event_id=e.delivery.source_event_id,
                event_type=e.delivery.source_event_type,
                status=e.delivery.status,
                attempts=e.delivery.attempts,
                next_attempt_at=e.delivery.next_attempt_at if e.delivery.status == "queued" else None,
                last_error=e.delivery.last_error,
                created_at=e.delivery.created_at,
                finished_at=e.delivery.finished_at,
                log=[AttemptOut.model_validate(a, from_attributes=True) for a in e.attempts],
            )
            for e in entries
        ],
        total=total,
        next_cursor=next_cursor,
    )
