"""Preferences and push subscriptions (directory/service.py) on a fake unit of work."""

from __future__ import annotations

import pytest
from notify_fakes import FakeNotifyUow

from motcua_shared.chassis.auth import Principal, Role
from motcua_shared.contracts.notify import NotifyChannel
from notify_svc.directory import service
from notify_svc.directory.errors import InvalidPushEndpoint, UnknownPushSubscription
from notify_svc.directory.models import QuietWindow
from notify_svc.settings import Settings

AN = Principal(subject="citizen-an", role=Role.CITIZEN)
BINH = Principal(subject="citizen-binh", role=Role.CITIZEN)
ENDPOINT = "https://push.example.vn/sub/1"


async def test_someone_who_never_chose_gets_every_channel_and_the_default_quiet_hours() -> None:
    uow = FakeNotifyUow()
    chosen = await service.get_preferences(uow.unit, uow.env, AN)
    assert (chosen.sms, chosen.email, chosen.push) == (True, True, True)
    assert chosen.quiet_hours == QuietWindow.parse("22:00", "07:00")
    assert chosen.allows(NotifyChannel.IN_APP)


async def test_preferences_are_one_persons_and_replace_the_previous_choice() -> None:
    uow = FakeNotifyUow()
    await service.set_preferences(uow.unit, uow.env, AN, sms=False, email=True, push=True, quiet_hours=None)
    chosen = await service.get_preferences(uow.unit, uow.env, AN)
    assert (chosen.allows(NotifyChannel.SMS), chosen.quiet_hours) == (False, None)
    assert (await service.get_preferences(uow.unit, uow.env, BINH)).allows(NotifyChannel.SMS)

    evening = QuietWindow.parse("21:00", "06:00")
    await service.set_preferences(
        uow.unit, uow.env, AN, sms=True, email=False, push=True, quiet_hours=evening
    )
    again = await service.get_preferences(uow.unit, uow.env, AN)
    assert (again.sms, again.email, again.quiet_hours) == (True, False, evening)
    assert uow.commits == 2


async def test_a_browser_belongs_to_whoever_subscribed_it_last_and_only_they_remove_it() -> None:
    uow = FakeNotifyUow()
    mine = await service.subscribe_push(uow.unit, uow.env, AN, endpoint=ENDPOINT, p256dh="k1", auth="a1")
    taken = await service.subscribe_push(uow.unit, uow.env, BINH, endpoint=ENDPOINT, p256dh="k2", auth="a2")
    assert taken.id == mine.id
    assert await service.list_push(uow.unit, AN) == []
    assert [(s.id, s.p256dh) for s in await service.list_push(uow.unit, BINH)] == [(mine.id, "k2")]

    with pytest.raises(UnknownPushSubscription):
        await service.unsubscribe_push(uow.unit, AN, mine.id)
    assert mine.id in uow.directory.pushes
    await service.unsubscribe_push(uow.unit, BINH, mine.id)
    assert uow.directory.pushes == {}


async def test_in_production_a_push_endpoint_must_be_a_push_service() -> None:
    production = Settings().model_copy(update={"env": "production"})
    uow = FakeNotifyUow(production)
    for endpoint in (
        "http://169.254.169.254/latest/meta-data/",
        "https://169.254.169.254/latest/meta-data/",
        "https://2852039166/latest/meta-data/",
        "https://push.example.vn/sub/1",
        "https://fcm.googleapis.com.evil.example/x",
    ):
        with pytest.raises(InvalidPushEndpoint):
            await service.subscribe_push(uow.unit, uow.env, AN, endpoint=endpoint, p256dh="k", auth="a")
    assert await service.list_push(uow.unit, AN) == []
    taken = await service.subscribe_push(
        uow.unit, uow.env, AN, endpoint="https://fcm.googleapis.com/fcm/send/abc", p256dh="k", auth="a"
    )
    assert [s.id for s in await service.list_push(uow.unit, AN)] == [taken.id]
