"""The events notify-svc consumes: every dossier and payment event (notices and webhooks), and OTPs."""

from __future__ import annotations

from motcua_shared.chassis.messaging.consumer import Handlers
from motcua_shared.contracts import topics
from motcua_shared.contracts.base import CloudEvent, Event
from motcua_shared.contracts.registry import event_types
from notify_svc.deliveries.service import handle_event
from notify_svc.ports import Ports
from notify_svc.uow import NotifyUnitOfWork

CONSUMED_TOPICS = frozenset({topics.DOSSIER, topics.PAYMENT, topics.IDENTITY})


def build_handlers(ports: Ports) -> Handlers[NotifyUnitOfWork]:
    """One handler for each event type on the consumed topics."""
    handlers: Handlers[NotifyUnitOfWork] = Handlers()

    async def on_event(uow: NotifyUnitOfWork, event: Event, envelope: CloudEvent) -> None:
        """Notify whoever ``event`` concerns, and the integrators subscribed to its type."""
        await handle_event(uow, ports, event, envelope)

    for model in event_types().values():
        if model.TOPIC in CONSUMED_TOPICS:
            handlers.on(model)(on_event)
    return handlers
