"""From events to notifications: who is told, on which channels, once; preferences and quiet hours."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from notify_testkit import TOKENS, FakeClock, Notify, StartNotify

from motcua_shared.chassis.bus.base import Message
from motcua_shared.chassis.clock import PLATFORM_TZ
from motcua_shared.contracts.dossier import (
    DossierDueSoon,
    DossierLookupAnswered,
    DossierReceived,
    DossierSubmitted,
    DossierSupplementRequested,
)
from motcua_shared.contracts.examples import APPLICANT_ID, DOSSIER_CODE, examples
from motcua_shared.contracts.identity import OtpRequested
from motcua_shared.contracts.payment import PaymentRequested
from motcua_shared.testing import eventually

EX = examples()
PHONE = "+84905123456"
CITIZEN = TOKENS.bearer(APPLICANT_ID)
OFFICER = TOKENS.bearer("officer-thuanhoa-01", "officer", "hue.xa.thuan-hoa")
ADMIN = TOKENS.bearer("ops", "admin")


async def inbox(n: Notify, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = await n.client.get("/api/v1/notifications", headers=headers)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def test_received_is_texted_once_even_when_the_event_comes_twice(start_notify: StartNotify) -> None:
    n = await start_notify()
    await n.deliver(EX[DossierSubmitted.TYPE])
    received = await n.deliver(EX[DossierReceived.TYPE])
    await n.redeliver(received)
    assert await n.dispatch() == 1
    assert await n.dispatch() == 0

    [sms] = await n.sandbox(PHONE)
    assert sms["text"] == (
        "Ho so hue.xa.thuan-hoa-250804-0118 da duoc tiep nhan. Hen tra ket qua 08:35 ngay 05/08/2025. "
        f"Tra cuu tai {n.settings.sms_link}"
    )
    assert (sms["encoding"], sms["segments"]) == ("gsm7", 1)
    titles = [item["title"] for item in await inbox(n, CITIZEN)]
    assert titles == [f"Hồ sơ {DOSSIER_CODE} đã được tiếp nhận", f"Đã nộp hồ sơ {DOSSIER_CODE}"]

    # A replay that bypassed the inbox (a new envelope id is a new event; the same id is not).
    consumer = n.app.state.runtime.consumer
    entry = consumer.handler_for(received.type)
    assert await consumer.apply(entry, EX[DossierReceived.TYPE], received) is False
    assert len(await n.sandbox(PHONE)) == 1


async def test_officers_see_their_agency_queue_and_nothing_else(start_notify: StartNotify) -> None:
    n = await start_notify()
    await n.deliver(EX[DossierSubmitted.TYPE])
    await n.deliver(EX[DossierDueSoon.TYPE])
    officer = await inbox(n, OFFICER)
    assert [i["template"] for i in officer] == ["agency.dossier_due_soon", "agency.dossier_submitted"]
    assert all(i["audience"] == "agency" for i in officer)
    assert await inbox(n, TOKENS.bearer("officer-x", "officer", "000.00.99.H56")) == []
    assert [i["template"] for i in await inbox(n, CITIZEN)] == ["dossier.submitted"]
    assert await inbox(n, TOKENS.bearer("citizen-other")) == []


async def test_a_counter_filing_without_account_is_texted_by_phone(start_notify: StartNotify) -> None:
    n = await start_notify()
    anonymous = EX[DossierSubmitted.TYPE].model_copy(update={"applicant_id": None})
    await n.deliver(anonymous)
    await n.deliver(EX[DossierReceived.TYPE].model_copy(update={"applicant_id": None}))
    await n.dispatch()
    assert len(await n.sandbox(PHONE)) == 1
    assert await inbox(n, CITIZEN) == []


async def test_preferences_are_obeyed_except_for_legally_required_notices(start_notify: StartNotify) -> None:
    n = await start_notify()
    put = await n.client.put(
        "/api/v1/me/preferences",
        json={"channels": {"sms": False, "email": True, "push": True}, "quiet_hours": None},
        headers=CITIZEN,
    )
    assert put.status_code == 200, put.text
    assert put.json()["channels"]["sms"] is False
    assert "dossier.supplement_requested" in put.json()["always_sent"]
    await n.deliver(EX[DossierSubmitted.TYPE])
    await n.deliver(EX[DossierReceived.TYPE])
    await n.dispatch()
    assert await n.sandbox(PHONE) == [], "SMS is off: the receipt notice is not texted"
    await n.deliver(EX[DossierSupplementRequested.TYPE])
    await n.dispatch()
    [sms] = await n.sandbox(PHONE)
    assert sms["text"].startswith("Ho so hue.xa.thuan-hoa-250804-0118 can bo sung: Giay chung sinh chup mo")
    assert len(await inbox(n, CITIZEN)) == 3, "in-app is always on"


async def test_preferences_refuse_switching_in_app_off(start_notify: StartNotify) -> None:
    n = await start_notify()
    response = await n.client.put(
        "/api/v1/me/preferences", json={"channels": {"in_app": False}}, headers=CITIZEN
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert (await n.client.get("/api/v1/me/preferences")).status_code == 401


async def test_quiet_hours_defer_an_sms_then_send_it_but_never_an_otp(start_notify: StartNotify) -> None:
    clock = FakeClock(datetime(2025, 8, 4, 23, 0, tzinfo=PLATFORM_TZ))
    n = await start_notify(clock=clock)
    await n.deliver(EX[DossierSubmitted.TYPE])
    await n.deliver(EX[DossierReceived.TYPE])
    otp = EX[OtpRequested.TYPE].model_copy(update={"phone": "+84912000111"})
    await n.deliver(otp)
    assert await n.dispatch() == 1, "only the OTP goes at night"
    assert await n.sandbox(PHONE) == []
    [code] = await n.sandbox("+84912000111")
    assert "482915" in code["text"]

    clock.advance(timedelta(hours=7, minutes=59))  # 06:59
    assert await n.dispatch() == 0
    clock.advance(timedelta(minutes=1))  # 07:00
    assert await n.dispatch() == 1
    [sms] = await n.sandbox(PHONE)
    assert sms["received_at"].startswith("2025-08-05T07:00:00+07:00"), "07:00 in Huế"


async def test_payment_request_reaches_the_payer(start_notify: StartNotify) -> None:
    n = await start_notify()
    await n.deliver(EX[PaymentRequested.TYPE])
    await n.dispatch()
    [sms] = await n.sandbox(PHONE)
    assert sms["text"] == (
        "Ho so hue.xa.thuan-hoa-250804-0118 can thanh toan 8.000 dong, noi dung chuyen khoan MC5D2E81."
    )
    [item] = await inbox(n, CITIZEN)
    assert item["body"].startswith("Hồ sơ hue.xa.thuan-hoa-250804-0118 cần thanh toán 8.000 đồng.")


async def test_an_sms_look_up_is_answered_in_the_sandbox_phones_inbox(start_notify: StartNotify) -> None:
    n = await start_notify()
    asker = "+84912000111"
    await n.deliver(EX[DossierSubmitted.TYPE])
    await n.deliver(EX[DossierLookupAnswered.TYPE].model_copy(update={"phone": asker}))
    await n.dispatch()
    [sms] = await n.sandbox(asker)
    assert sms["text"].startswith(
        "Ho so hue.xa.thuan-hoa-250804-0118: Dang xu ly. Hen tra ket qua 08:15 ngay 07/08/2025. "
        "Co quan dang giai quyet o buoc Tham dinh ho so."
    )
    assert sms["segments"] <= 2
    assert await n.sandbox(PHONE) == [], "the applicant's own phone is not told"


async def test_delivery_receipts_and_the_staff_log(start_notify: StartNotify) -> None:
    n = await start_notify()
    await n.deliver(EX[DossierSubmitted.TYPE])
    await n.deliver(EX[DossierReceived.TYPE])
    await n.dispatch()
    [sms] = await n.sandbox(PHONE)
    failed = await n.client.post(
        f"/api/v1/sandbox/sms/{sms['message_id']}/receipt", json={"status": "failed", "error": "thuê bao"}
    )
    assert failed.json()["status"] == "failed"
    late = await n.client.post(
        f"/api/v1/sandbox/sms/{sms['message_id']}/receipt", json={"status": "delivered"}
    )
    assert late.json() == {**failed.json(), "changed": False}, "a late receipt never reopens a failure"
    unknown = await n.client.post("/api/v1/sandbox/sms/nope/receipt", json={"status": "delivered"})
    assert unknown.status_code == 404

    log = await n.client.get("/api/v1/notifications/deliveries", params={"status": "failed"}, headers=ADMIN)
    [row] = log.json()["items"]
    assert (row["channel"], row["address"], row["last_error"]) == ("sms", "+84905***456", "thuê bao")
    mine = await n.client.get("/api/v1/notifications/deliveries", headers=OFFICER)
    assert mine.json()["total"] == 1
    other = TOKENS.bearer("officer-x", "officer", "000.00.99.H56")
    assert (await n.client.get("/api/v1/notifications/deliveries", headers=other)).json()["total"] == 0
    assert (await n.client.get("/api/v1/notifications/deliveries", headers=CITIZEN)).status_code == 403


async def test_events_applied_in_one_batch_find_the_contact(
    start_notify: StartNotify,
) -> None:
    n = await start_notify()
    envelopes = [n.envelope(EX[DossierSubmitted.TYPE]), n.envelope(EX[DossierReceived.TYPE])]
    consumer = n.app.state.runtime.consumer
    await n.bus.publish(
        [Message(topic=DossierSubmitted.TOPIC, key=e.subject, value=e.to_json().encode()) for e in envelopes]
    )
    await eventually(lambda: consumer.handled >= 2, what="both events applied")
    await n.dispatch()
    [sms] = await n.sandbox(PHONE)
    assert sms["text"].startswith("Ho so hue.xa.thuan-hoa-250804-0118 da duoc tiep nhan.")
    [received, _] = await inbox(n, CITIZEN)
    assert received["body"].startswith("Ủy ban nhân dân phường Thuận Hóa đã tiếp nhận hồ sơ")
