"""Writes held for the commit and what is read once: the events of one transaction see the contact an
earlier one saved; a replay that bypasses the inbox adds nothing; a rollback drops what was staged; an
admin's template edit and a new webhook subscription apply from the very next event."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from notify_testkit import TOKENS, Notify, StartNotify
from sqlalchemy import func, select

from motcua_shared.chassis.messaging.models import OutboxRecord
from motcua_shared.contracts.base import Event
from motcua_shared.contracts.common import Contact
from motcua_shared.contracts.dossier import DossierReceived, DossierSubmitted, DossierSupplementRequested
from motcua_shared.contracts.examples import APPLICANT_ID, DOSSIER_CODE, examples
from motcua_shared.contracts.notify import NotificationSent
from motcua_shared.testing import authorization
from notify_svc.deliveries.service import handle_event
from notify_svc.uow import NotifyUnitOfWork

EX = examples()
PHONE = "+84905123456"
CITIZEN = TOKENS.bearer(APPLICANT_ID)
OFFICER = TOKENS.bearer("officer-thuanhoa-01", "officer", "hue.xa.thuan-hoa")
ADMIN = TOKENS.bearer("ops", "admin")
INTEGRATOR = authorization(TOKENS.token("portal-quoc-gia", "integrator", scope="events:read webhooks:write"))


def uow_of(n: Notify) -> NotifyUnitOfWork:
    return cast(NotifyUnitOfWork, n.app.state.runtime.uow())


async def inbox(n: Notify, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = await n.client.get("/api/v1/notifications", headers=headers)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def audit_events(n: Notify) -> int:
    async with uow_of(n) as uow:
        count = await uow.session.scalar(
            select(func.count()).select_from(OutboxRecord).where(OutboxRecord.type == NotificationSent.TYPE)
        )
    return int(count or 0)


async def test_events_of_one_transaction_see_the_contact_an_earlier_one_saved(
    start_notify: StartNotify,
) -> None:
    n = await start_notify()
    await n.deliver(EX[DossierSubmitted.TYPE])
    new_phone = "+84905999888"
    resubmitted = EX[DossierSubmitted.TYPE].model_copy(
        update={"applicant": Contact(name="Trần Thị Bích", phone=new_phone, email=None)}
    )
    async with uow_of(n) as uow:
        # The first loads the stored contact; the second replaces it; the third must see the new one.
        for event in (EX[DossierReceived.TYPE], resubmitted, EX[DossierSupplementRequested.TYPE]):
            await handle_event(uow, n.app.state.ports, event, n.envelope(event))
        await uow.commit()

    assert await n.dispatch() == 2
    [received] = await n.sandbox(PHONE)
    assert received["text"].startswith("Ho so hue.xa.thuan-hoa-250804-0118 da duoc tiep nhan.")
    [supplement] = await n.sandbox(new_phone)
    assert supplement["text"].startswith("Ho so hue.xa.thuan-hoa-250804-0118 can bo sung")
    async with uow_of(n) as uow:
        contact = await uow.directory.contact(DOSSIER_CODE)
    assert contact is not None
    assert (contact.name, contact.phone) == ("Trần Thị Bích", new_phone)


async def test_a_replay_that_bypasses_the_inbox_adds_nothing(start_notify: StartNotify) -> None:
    n = await start_notify()
    woken: list[set[str]] = []
    hub = n.app.state.ports.hub
    original = hub.notify

    def notify(keys: Iterable[str]) -> None:
        keys = set(keys)
        woken.append(keys)
        original(keys)

    hub.notify = notify
    events: list[Event] = [EX[DossierSubmitted.TYPE], EX[DossierReceived.TYPE]]
    envelopes = [n.envelope(event) for event in events]
    for _ in range(2):  # the second transaction replays the first; each also handles every event twice
        async with uow_of(n) as uow:
            for event, envelope in zip(events * 2, envelopes * 2, strict=True):
                await handle_event(uow, n.app.state.ports, event, envelope)
            await uow.commit()

    assert woken == [{f"user:{APPLICANT_ID}", "agency:hue.xa.thuan-hoa"}], "only the first commit wakes"
    assert len(await inbox(n, CITIZEN)) == 2
    assert [i["template"] for i in await inbox(n, OFFICER) if i["audience"] == "agency"] == [
        "agency.dossier_submitted"
    ]
    assert await audit_events(n) == 3, "one audit event per stored notification"
    assert await n.dispatch() == 1, "one SMS for the receipt"
    assert len(await n.sandbox(PHONE)) == 1


async def test_a_rollback_drops_what_was_staged(start_notify: StartNotify) -> None:
    n = await start_notify()
    async with uow_of(n) as uow:
        for event in (EX[DossierSubmitted.TYPE], EX[DossierReceived.TYPE]):
            await handle_event(uow, n.app.state.ports, event, n.envelope(event))
        await uow.rollback()
        await uow.commit()
    assert await inbox(n, CITIZEN) == []
    assert await audit_events(n) == 0
    assert await n.dispatch() == 0
    async with uow_of(n) as uow:
        assert await uow.directory.contact(DOSSIER_CODE) is None


async def test_an_edited_template_applies_to_the_next_event(start_notify: StartNotify) -> None:
    n = await start_notify()
    await n.deliver(EX[DossierSubmitted.TYPE])  # renders version 1 (and caches it)
    url = "/api/v1/notifications/templates/dossier.submitted/in_app"
    edit = {"subject": "Hồ sơ {{ dossier_code }} đã gửi", "body": "Kính gửi {{ name }}: hồ sơ đã gửi."}
    assert (await n.client.put(url, json=edit, headers=CITIZEN)).status_code == 403
    saved = await n.client.put(url, json=edit, headers=ADMIN)
    assert saved.status_code == 200, saved.text
    assert saved.json()["version"] == 2

    second = EX[DossierSubmitted.TYPE].model_copy(update={"dossier_code": "hue.xa.thuan-hoa-250804-0119"})
    await n.deliver(second)
    newest, first = await inbox(n, CITIZEN)
    assert (newest["title"], newest["body"]) == (
        "Hồ sơ hue.xa.thuan-hoa-250804-0119 đã gửi",
        "Kính gửi Trần Thị Thu Hà: hồ sơ đã gửi.",
    )
    assert first["title"] == f"Đã nộp hồ sơ {DOSSIER_CODE}", "what was stored keeps its version"


async def test_a_new_webhook_subscription_gets_the_next_event(start_notify: StartNotify) -> None:
    n = await start_notify()
    await n.deliver(EX[DossierReceived.TYPE])  # nobody subscribed yet
    created = await n.client.post(
        "/api/v1/webhooks",
        json={"url": "http://127.0.0.1:9/hooks", "event_types": [DossierReceived.TYPE]},
        headers=INTEGRATOR,
    )
    assert created.status_code == 201, created.text
    log_url = f"/api/v1/webhooks/{created.json()['id']}/deliveries"
    assert (await n.client.get(log_url, headers=INTEGRATOR)).json()["total"] == 0

    envelope = await n.deliver(EX[DossierReceived.TYPE])
    log = (await n.client.get(log_url, headers=INTEGRATOR)).json()
    assert log["total"] == 1
    assert log["items"][0]["event_id"] == envelope.id
