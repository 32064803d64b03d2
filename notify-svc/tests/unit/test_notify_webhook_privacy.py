"""No personal data reaches an integrator by webhook: the event types an integrator can subscribe to are
those of the public topics, whose fields are vetted by ``shared/tests/contracts/test_contracts_public.py``,
and their bodies, as the fan-out makes them (:mod:`motcua_shared.contracts.public`), keep none.
"""

from __future__ import annotations

import json

from notify_fakes import FakeNotifyUow

from motcua_shared.chassis.auth import Principal, Role
from motcua_shared.contracts.base import Event
from motcua_shared.contracts.examples import examples
from motcua_shared.contracts.notify import NotifyChannel
from motcua_shared.contracts.public import public_types, redact
from motcua_shared.contracts.registry import event_types
from motcua_shared.testing import PERSONAL_VALUES, handle, with_personal_text
from notify_svc.deliveries.handlers import build_handlers
from notify_svc.webhooks import service

INTEGRATOR = Principal(subject="portal-quoc-gia", role=Role.INTEGRATOR)


def _integrator_types() -> dict[str, type[Event]]:
    wanted = service.webhook_event_types()
    return {name: model for name, model in event_types().items() if name in wanted}


def test_webhooks_offer_the_public_topics_events() -> None:
    # The fields of these types are vetted once, for the public Kafka topics and the webhooks alike:
    # shared/tests/contracts/test_contracts_public.py.
    assert service.webhook_event_types() == set(public_types())
    assert _integrator_types(), "integrators can subscribe to events"


async def test_no_webhook_body_carries_personal_data() -> None:
    uow = FakeNotifyUow()
    kinds = sorted(_integrator_types())
    await service.create(
        uow.unit,
        uow.env,
        INTEGRATOR,
        url="https://hooks.example.vn/motcua",
        event_types_=kinds,
        description=None,
    )
    handlers = build_handlers(uow.env)
    samples = [with_personal_text(e) for name, e in examples().items() if name in kinds]
    assert {e.TYPE for e in samples} == set(kinds), "an example of every integrator-facing type"
    carrying = {e.TYPE for e in samples if PERSONAL_VALUES.search(e.model_dump_json())}
    assert len(carrying) >= 10, "the samples carry personal data for redaction to remove"
    async with uow:
        for event in samples:
            await handle(handlers, uow, event)
        await uow.commit()
    bodies = {
        d.source_event_type: d.body for d in uow.deliveries.rows if d.channel == NotifyChannel.WEBHOOK.value
    }
    assert set(bodies) == set(kinds)
    for kind, body in bodies.items():
        assert PERSONAL_VALUES.search(body) is None, (kind, body)
        data = json.loads(body)["data"]
        assert data == redact(event_types()[kind], data), "redaction is idempotent: nothing personal left"
