"""Integrators' webhook subscriptions (webhooks/service.py) on a fake unit of work: each sees only theirs."""

from __future__ import annotations

import pytest
from notify_fakes import FakeNotifyUow

from motcua_shared.chassis.auth import Principal, Role
from motcua_shared.contracts.dossier import DossierReceived, DossierSubmitted
from motcua_shared.contracts.examples import examples
from motcua_shared.contracts.identity import OtpRequested
from motcua_shared.contracts.notify import NotifyChannel
from motcua_shared.testing import handle
from notify_svc.deliveries.handlers import build_handlers
from notify_svc.settings import Settings, WebhookSettings
from notify_svc.webhooks import service
from notify_svc.webhooks.errors import InvalidSubscription, UnknownSubscription

EX = examples()
PORTAL = Principal(subject="portal-quoc-gia", role=Role.INTEGRATOR)
ANALYTICS = Principal(subject="analytics", role=Role.INTEGRATOR)
ADMIN = Principal(subject="ops", role=Role.ADMIN)
URL = "https://dichvucong.example.vn/hooks/motcua"


async def subscribed(uow: FakeNotifyUow, *types: str) -> str:
    made = await service.create(
        uow.unit,
        uow.env,
        PORTAL,
        url=URL,
        event_types_=list(types or [DossierReceived.TYPE]),
        description=None,
    )
    assert made.secret
    return made.id


async def test_only_public_https_urls_and_known_non_secret_event_types_are_taken() -> None:
    uow = FakeNotifyUow(Settings(webhooks=WebhookSettings(allow_insecure_urls=False)))
    for url in ("http://dichvucong.example.vn/h", "https://localhost/h", "https://10.0.0.8/h", "ftp://x/h"):
        with pytest.raises(InvalidSubscription):
            await service.create(
                uow.unit, uow.env, PORTAL, url=url, event_types_=[DossierReceived.TYPE], description=None
            )
    with pytest.raises(InvalidSubscription):
        await service.create(
            uow.unit, uow.env, PORTAL, url=URL, event_types_=[OtpRequested.TYPE], description=None
        )
    assert uow.webhooks.rows == {}


async def test_an_integrator_sees_and_changes_only_its_own_subscriptions() -> None:
    uow = FakeNotifyUow()
    mine = await subscribed(uow)
    assert [s.id for s in await service.list_mine(uow.unit, PORTAL)] == [mine]
    assert await service.list_mine(uow.unit, ANALYTICS) == []
    for attempt in (
        service.get(uow.unit, ANALYTICS, mine),
        service.delete(uow.unit, ANALYTICS, mine),
        service.rotate_secret(uow.unit, uow.env, ANALYTICS, mine),
    ):
        with pytest.raises(UnknownSubscription):
            await attempt
    assert mine in uow.webhooks.rows
    assert (await service.get(uow.unit, ADMIN, mine)).owner == PORTAL.subject
    assert [(r.subject, r.action, r.resource_id) for r in uow.audit.records] == [
        ("ops", "webhook.read", mine)
    ], "an admin's read of another's subscription is recorded; the owner's own reads are not"

    changed = await service.update(
        uow.unit,
        uow.env,
        PORTAL,
        mine,
        url=None,
        event_types_=[DossierSubmitted.TYPE],
        description="Cổng quốc gia",
    )
    assert (changed.event_types, changed.description) == ([DossierSubmitted.TYPE], "Cổng quốc gia")
    await service.delete(uow.unit, PORTAL, mine)
    assert uow.webhooks.rows == {}


async def test_an_event_goes_to_the_subscriptions_that_take_its_type() -> None:
    uow = FakeNotifyUow()
    wanted = await subscribed(uow, DossierReceived.TYPE)
    await subscribed(uow, DossierSubmitted.TYPE)
    handlers = build_handlers(uow.env)
    async with uow:
        envelope = await handle(handlers, uow, EX[DossierReceived.TYPE])
        await uow.commit()
    hooks = [d for d in uow.deliveries.rows if d.channel == NotifyChannel.WEBHOOK.value]
    assert [(h.recipient_key, h.address, h.source_event_id) for h in hooks] == [(wanted, URL, envelope.id)]
    assert envelope.id in hooks[0].body
