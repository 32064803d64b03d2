"""The in-app inbox's use cases (inbox/service.py) on a fake unit of work: one's own notifications only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from notify_fakes import FakeNotifyUow

from motcua_shared.chassis.auth import Principal, Role
from motcua_shared.contracts.dossier import DossierReceived, DossierSubmitted
from motcua_shared.contracts.examples import APPLICANT_ID, examples
from motcua_shared.testing import handle
from notify_svc.deliveries.handlers import build_handlers
from notify_svc.inbox import service
from notify_svc.inbox.errors import InvalidStreamTicket, UnknownNotification
from notify_svc.inbox.schemas import NOTIFICATION_CURSOR

EX = examples()
OWNER = Principal(subject=APPLICANT_ID, role=Role.CITIZEN)
STRANGER = Principal(subject="citizen-khac", role=Role.CITIZEN)
OFFICER = Principal(subject="officer-1", role=Role.OFFICER, agency_code="hue.xa.thuan-hoa")
OTHER_OFFICER = Principal(subject="officer-9", role=Role.OFFICER, agency_code="000.00.99.H56")


@pytest.fixture
async def uow() -> FakeNotifyUow:
    unit = FakeNotifyUow()
    handlers = build_handlers(unit.env)
    for event in (EX[DossierSubmitted.TYPE], EX[DossierReceived.TYPE]):
        async with unit:
            await handle(handlers, unit, event)
            await unit.commit()
    return unit


async def titles(uow: FakeNotifyUow, who: Principal) -> list[str]:
    page = await service.list_notifications(uow.unit, who, limit=10, cursor=None, unread_only=False)
    return [n.template for n in page.items]


async def test_each_reads_their_own_inbox_and_an_officer_their_agencys(uow: FakeNotifyUow) -> None:
    assert await titles(uow, OWNER) == ["dossier.received", "dossier.submitted"]
    assert await titles(uow, STRANGER) == []
    assert await titles(uow, OFFICER) == ["agency.dossier_submitted"]
    assert await titles(uow, OTHER_OFFICER) == []


async def test_pages_go_back_by_cursor(uow: FakeNotifyUow) -> None:
    first = await service.list_notifications(uow.unit, OWNER, limit=1, cursor=None, unread_only=False)
    assert (first.total, first.unread, [n.template for n in first.items]) == (2, 2, ["dossier.received"])
    assert first.next_cursor is not None
    rest = await service.list_notifications(
        uow.unit, OWNER, limit=1, cursor=NOTIFICATION_CURSOR.decode(first.next_cursor), unread_only=False
    )
    assert ([n.template for n in rest.items], rest.next_cursor) == (["dossier.submitted"], None)


async def test_only_the_owner_marks_a_notification_read(uow: FakeNotifyUow) -> None:
    mine = (await service.list_notifications(uow.unit, OWNER, limit=1, cursor=None, unread_only=False)).items[
        0
    ]
    with pytest.raises(UnknownNotification):
        await service.mark_read(uow.unit, uow.env, STRANGER, mine.id)
    assert mine.read_at is None
    commits = uow.commits
    read = await service.mark_read(uow.unit, uow.env, OWNER, mine.id)
    assert read.read_at == uow.clock.now()
    await service.mark_read(uow.unit, uow.env, OWNER, mine.id)
    assert uow.commits == commits + 1, "marking it again changes nothing"
    unread = await service.list_notifications(uow.unit, OWNER, limit=10, cursor=None, unread_only=True)
    assert (unread.unread, [n.template for n in unread.items]) == (1, ["dossier.submitted"])


async def test_a_stream_ticket_opens_its_holders_stream_once_before_it_expires(uow: FakeNotifyUow) -> None:
    issued = await service.issue_ticket(uow.unit, uow.env, OFFICER)
    assert issued.expires_at == uow.clock.now() + timedelta(seconds=uow.env.settings.stream.ticket_ttl)
    assert issued.ticket not in uow.notifications.tickets, "only the ticket's digest is kept"
    assert await service.redeem_ticket(uow.unit, uow.env, issued.ticket) == OFFICER
    with pytest.raises(InvalidStreamTicket):
        await service.redeem_ticket(uow.unit, uow.env, issued.ticket)

    late = await service.issue_ticket(uow.unit, uow.env, OWNER)
    uow.clock.advance(seconds=uow.env.settings.stream.ticket_ttl)
    with pytest.raises(InvalidStreamTicket):
        await service.redeem_ticket(uow.unit, uow.env, late.ticket)
    with pytest.raises(InvalidStreamTicket):
        await service.redeem_ticket(uow.unit, uow.env, "x" * 43)
