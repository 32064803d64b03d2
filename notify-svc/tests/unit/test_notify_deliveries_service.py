"""What an event causes and what a send attempt records (deliveries/service.py), on a fake unit of work."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from notify_fakes import FakeNotifyUow

from motcua_shared.chassis.auth import Principal, Role
from motcua_shared.chassis.clock import PLATFORM_TZ
from motcua_shared.chassis.errors import Forbidden
from motcua_shared.contracts.base import Event
from motcua_shared.contracts.dossier import (
    DossierApproved,
    DossierLookupAnswered,
    DossierReceived,
    DossierSubmitted,
    DossierSupplementRequested,
    LookupOutcome,
)
from motcua_shared.contracts.examples import APPLICANT_ID, DOSSIER_CODE, examples
from motcua_shared.contracts.identity import OtpRequested
from motcua_shared.contracts.notify import NotificationFailed, NotificationSent, NotifyChannel
from motcua_shared.contracts.payment import PaymentRequested
from motcua_shared.testing import handle
from notify_svc.channels.base import Failed, Sent
from notify_svc.deliveries import service
from notify_svc.deliveries.errors import UnknownMessage
from notify_svc.deliveries.handlers import build_handlers
from notify_svc.deliveries.models import DeliveryStatus
from notify_svc.directory.models import Preference

EX = examples()
PHONE = "+84905123456"


async def consumed(uow: FakeNotifyUow, *events: Event) -> None:
    """Each event applied and committed, as the consumer runner does."""
    for event in events:
        async with uow:
            await handle(build_handlers(uow.env), uow, event)
            await uow.commit()


def sms(uow: FakeNotifyUow) -> list[str | None]:
    return [d.template for d in uow.deliveries.rows if d.channel == NotifyChannel.SMS.value]


async def test_a_submission_tells_the_applicant_and_the_agencys_queue() -> None:
    uow = FakeNotifyUow()
    await consumed(uow, EX[DossierSubmitted.TYPE])
    inboxes = sorted((n.audience, n.recipient, n.template) for n in uow.notifications.rows)
    assert inboxes == [
        ("agency", "hue.xa.thuan-hoa", "agency.dossier_submitted"),
        ("user", APPLICANT_ID, "dossier.submitted"),
    ]
    assert uow.directory.contacts[DOSSIER_CODE].phone == PHONE
    audits = uow.outbox.of_type(NotificationSent)
    assert sorted(a.recipient_id or "" for a in audits) == sorted(["agency:hue.xa.thuan-hoa", APPLICANT_ID])
    assert uow.woken == {f"user:{APPLICANT_ID}", "agency:hue.xa.thuan-hoa"}


async def test_the_receipt_is_texted_to_the_applicants_phone_once_however_often_it_comes() -> None:
    uow = FakeNotifyUow()
    received = EX[DossierReceived.TYPE]
    await consumed(uow, EX[DossierSubmitted.TYPE])
    async with uow:
        envelope = await handle(build_handlers(uow.env), uow, received)
        await uow.commit()
    async with uow:
        # The same envelope again, past the inbox: the unique keys still add nothing.
        await service.handle_event(uow.unit, uow.env, received, envelope)
        await uow.commit()
    [delivery] = [d for d in uow.deliveries.rows if d.template == "dossier.received"]
    assert (delivery.channel, delivery.address, delivery.recipient_id) == ("sms", PHONE, APPLICANT_ID)
    assert delivery.status == DeliveryStatus.QUEUED.value
    assert delivery.body == (
        f"Hồ sơ {DOSSIER_CODE} đã được tiếp nhận. Hẹn trả kết quả 08:35 ngày 05/08/2025. "
        f"Tra cứu tại {uow.env.settings.sms_link}"
    )
    assert len([n for n in uow.notifications.rows if n.template == "dossier.received"]) == 1
    assert len(uow.outbox.of_type(NotificationSent)) == 3, "two for the submission, one for the receipt"


async def test_sms_switched_off_is_obeyed_but_not_for_a_legally_required_notice() -> None:
    uow = FakeNotifyUow()
    uow.directory.add_preference(Preference(subject=APPLICANT_ID, sms=False, email=True, push=True))
    await consumed(uow, EX[DossierSubmitted.TYPE], EX[DossierReceived.TYPE])
    assert sms(uow) == [], "the receipt notice is not texted"
    await consumed(uow, EX[DossierSupplementRequested.TYPE])
    assert sms(uow) == ["dossier.supplement_requested"]
    assert len([n for n in uow.notifications.rows if n.audience == "user"]) == 3, "in-app is always on"


async def test_a_counter_filing_without_an_account_is_texted_but_has_no_inbox() -> None:
    uow = FakeNotifyUow()
    await consumed(
        uow,
        EX[DossierSubmitted.TYPE].model_copy(update={"applicant_id": None}),
        EX[DossierReceived.TYPE].model_copy(update={"applicant_id": None}),
    )
    [delivery] = [d for d in uow.deliveries.rows if d.template == "dossier.received"]
    assert (delivery.recipient_key, delivery.recipient_id) == (f"phone:{PHONE}", None)
    assert [n.audience for n in uow.notifications.rows] == ["agency"]


async def test_quiet_hours_hold_an_sms_till_morning_but_never_a_sign_in_code() -> None:
    uow = FakeNotifyUow()
    night = datetime(2025, 8, 4, 23, 0, tzinfo=PLATFORM_TZ)
    uow.clock.set(night)
    otp = EX[OtpRequested.TYPE].model_copy(update={"phone": "+84912000111"})
    await consumed(uow, EX[DossierSubmitted.TYPE], EX[DossierReceived.TYPE], otp)
    by_template = {d.template: d for d in uow.deliveries.rows}
    assert by_template["dossier.received"].next_attempt_at > night + timedelta(hours=6)
    code = by_template["identity.otp"]
    assert (code.next_attempt_at, code.urgent, code.secret) == (night, True, True)
    assert [j.channel for j in await service.claim(uow.unit, uow.env, limit=10)] == [NotifyChannel.SMS]


async def test_quiet_hours_never_hold_what_asks_the_citizen_to_act() -> None:
    """A supplement request, a fee to pay and a result to collect leave at night; the receipt notice waits."""
    uow = FakeNotifyUow()
    night = datetime(2025, 8, 4, 23, 0, tzinfo=PLATFORM_TZ)
    uow.clock.set(night)
    await consumed(
        uow,
        EX[DossierSubmitted.TYPE],
        EX[DossierReceived.TYPE],
        EX[DossierSupplementRequested.TYPE],
        EX[PaymentRequested.TYPE],
        EX[DossierApproved.TYPE],
    )
    by_template = {d.template: d for d in uow.deliveries.rows if d.channel == NotifyChannel.SMS.value}
    assert by_template["dossier.received"].next_attempt_at > night + timedelta(hours=6)
    for prompt in ("dossier.supplement_requested", "payment.requested", "dossier.result_ready"):
        assert (by_template[prompt].next_attempt_at, by_template[prompt].urgent) == (night, True), prompt
        assert not by_template[prompt].secret, "only the sign-in code is secret"
    claimed = {j.delivery_id for j in await service.claim(uow.unit, uow.env, limit=20)}
    assert by_template["dossier.received"].id not in claimed
    assert {by_template[p].id for p in ("dossier.supplement_requested", "payment.requested")} <= claimed


async def test_a_sent_message_is_recorded_and_announced() -> None:
    uow = FakeNotifyUow()
    await consumed(uow, EX[DossierSubmitted.TYPE], EX[DossierReceived.TYPE])
    [job] = await service.claim(uow.unit, uow.env, limit=10)
    assert job.attempt == 1
    uow.outbox.clear()
    await service.record(
        uow.unit, uow.env, job, Sent(provider="sandbox", message_id="m-1", segments=1), duration_ms=3
    )
    delivery = await uow.deliveries.get(job.delivery_id)
    assert delivery is not None
    assert (delivery.status, delivery.provider_message_id) == (DeliveryStatus.SENT.value, "m-1")
    [sent] = uow.outbox.events
    assert isinstance(sent, NotificationSent)
    assert (sent.delivery_id, sent.channel, sent.provider) == (delivery.id, NotifyChannel.SMS, "sandbox")
    assert [a.outcome for a in uow.deliveries.attempts] == ["sent"]

    changed = await service.apply_receipt(uow.unit, uow.env, message_id="m-1", delivered=True, error=None)
    assert changed == (delivery, True)
    assert delivery.status == DeliveryStatus.DELIVERED.value
    with pytest.raises(UnknownMessage):
        await service.apply_receipt(uow.unit, uow.env, message_id="m-404", delivered=True, error=None)


async def test_a_transient_failure_is_retried_later_and_a_permanent_one_ends_it() -> None:
    uow = FakeNotifyUow()
    await consumed(uow, EX[DossierSubmitted.TYPE], EX[DossierReceived.TYPE])
    [job] = await service.claim(uow.unit, uow.env, limit=10)
    uow.outbox.clear()
    now = uow.env.clock.now()
    await service.record(
        uow.unit, uow.env, job, Failed(provider="sandbox", error="timeout", permanent=False), duration_ms=5
    )
    delivery = await uow.deliveries.get(job.delivery_id)
    assert delivery is not None
    assert delivery.status == DeliveryStatus.QUEUED.value
    assert delivery.next_attempt_at > now
    [failed] = uow.outbox.events
    assert isinstance(failed, NotificationFailed)
    assert not failed.permanent

    await service.record(
        uow.unit, uow.env, job, Failed(provider="sandbox", error="bad number", permanent=True), duration_ms=5
    )
    assert delivery.status == DeliveryStatus.FAILED.value
    assert [e.permanent for e in uow.outbox.of_type(NotificationFailed)] == [False, True]
    await service.record(
        uow.unit, uow.env, job, Sent(provider="sandbox", message_id="late", segments=1), duration_ms=1
    )
    assert delivery.status == DeliveryStatus.FAILED.value, "a finished delivery stays finished"


async def test_a_citizen_may_not_read_the_delivery_log() -> None:
    uow = FakeNotifyUow()
    citizen = Principal(subject=APPLICANT_ID, role=Role.CITIZEN)
    with pytest.raises(Forbidden):
        await service.list_for_staff(
            uow.unit, citizen, channel=None, status=None, dossier_code=None, limit=10, before=None
        )


async def test_an_sms_look_up_is_answered_to_the_phone_that_asked_at_once() -> None:
    """Not to the applicant's phone (a receipt's secret lets anyone holding it ask), never held for the
    night: the citizen is waiting for it."""
    uow = FakeNotifyUow()
    night = datetime(2025, 8, 4, 23, 0, tzinfo=PLATFORM_TZ)
    uow.clock.set(night)
    answered = EX[DossierLookupAnswered.TYPE].model_copy(update={"phone": "+84912000111"})
    await consumed(uow, EX[DossierSubmitted.TYPE], answered)
    (reply,) = [d for d in uow.deliveries.rows if d.template == "dossier.lookup_answered"]
    assert (reply.channel, reply.recipient_id) == (NotifyChannel.SMS.value, None)
    assert reply.address == "+84912000111"
    assert (reply.next_attempt_at, reply.urgent) == (night, True)
    assert reply.body.startswith(f"Hồ sơ {DOSSIER_CODE}: Đang xử lý. Hẹn trả kết quả ")
    assert "Cơ quan đang giải quyết ở bước Thẩm định hồ sơ." in reply.body
    assert not [n for n in uow.notifications.rows if n.template == "dossier.lookup_answered"]


async def test_a_refused_sms_look_up_is_answered_without_naming_anything() -> None:
    uow = FakeNotifyUow()
    refused = DossierLookupAnswered(
        message_id="mo-2",
        phone=PHONE,
        outcome=LookupOutcome.NOT_FOUND,
        answered_at=datetime(2025, 8, 5, 9, 0, tzinfo=PLATFORM_TZ),
    )
    await consumed(uow, refused)
    (reply,) = uow.deliveries.rows
    assert reply.body.startswith("Không tìm thấy hồ sơ với mã và thông tin xác minh đã gửi.")
    assert "000." not in reply.body
