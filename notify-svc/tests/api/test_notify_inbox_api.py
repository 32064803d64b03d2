"""The inbox over HTTP: a citizen reads and marks only their own; templates for admins; the sandbox."""

from __future__ import annotations

from pathlib import Path

import httpx
from notify_testkit import TOKENS, StartNotify, make_settings

from motcua_shared.chassis.bus.local import LocalBus
from motcua_shared.contracts.dossier import DossierReceived, DossierSubmitted
from motcua_shared.contracts.examples import APPLICANT_ID, examples
from notify_svc.app import create_app
from notify_svc.settings import SmsSettings

EX = examples()
OWNER = TOKENS.bearer(APPLICANT_ID)
STRANGER = TOKENS.bearer("citizen-khac")
ADMIN = TOKENS.bearer("ops", "admin")


async def test_a_citizen_cannot_read_or_mark_anothers_notifications(start_notify: StartNotify) -> None:
    n = await start_notify()
    await n.deliver(EX[DossierSubmitted.TYPE])
    await n.deliver(EX[DossierReceived.TYPE])
    mine = (await n.client.get("/api/v1/notifications", params={"limit": 1}, headers=OWNER)).json()
    assert (mine["total"], mine["unread"], len(mine["items"])) == (2, 2, 1)
    older = await n.client.get(
        "/api/v1/notifications", params={"limit": 1, "cursor": mine["next_cursor"]}, headers=OWNER
    )
    assert older.json()["items"][0]["template"] == "dossier.submitted"
    assert older.json()["next_cursor"] is None

    target = mine["items"][0]["id"]
    assert (await n.client.get("/api/v1/notifications", headers=STRANGER)).json()["total"] == 0
    stolen = await n.client.post(f"/api/v1/notifications/{target}/read", headers=STRANGER)
    assert stolen.status_code == 404
    assert stolen.headers["content-type"] == "application/problem+json"
    assert (await n.client.post(f"/api/v1/notifications/{target}/read")).status_code == 401

    read = await n.client.post(f"/api/v1/notifications/{target}/read", headers=OWNER)
    assert read.status_code == 200
    assert read.json()["read_at"] is not None
    again = await n.client.post(f"/api/v1/notifications/{target}/read", headers=OWNER)
    assert again.json()["read_at"] == read.json()["read_at"]
    unread = (await n.client.get("/api/v1/notifications", params={"unread": True}, headers=OWNER)).json()
    assert [i["template"] for i in unread["items"]] == ["dossier.submitted"]
    assert unread["unread"] == 1
    bad = await n.client.get("/api/v1/notifications", params={"cursor": "abc"}, headers=OWNER)
    assert bad.status_code == 422


async def test_templates_are_versioned_previewed_and_used(start_notify: StartNotify) -> None:
    n = await start_notify()
    url = "/api/v1/notifications/templates/dossier.received/sms"
    assert (await n.client.get(url, headers=OWNER)).status_code == 403
    listed = (await n.client.get("/api/v1/notifications/templates", headers=ADMIN)).json()
    assert {"code": "identity.otp", "channel": "sms"}.items() <= next(
        t for t in listed["items"] if t["code"] == "identity.otp"
    ).items()

    broken = await n.client.put(url, json={"body": "Hồ sơ {{ dossier_code "}, headers=ADMIN)
    assert broken.status_code == 422
    assert broken.json()["errors"][0]["code"] == "template_syntax"
    unknown_name = await n.client.put(url, json={"body": "Xin chào {{ ten_khong_co }}"}, headers=ADMIN)
    assert unknown_name.status_code == 422
    assert unknown_name.json()["errors"][0]["code"] == "template_render"
    assert (await n.client.put("/api/v1/notifications/templates/khong.co/sms", json={"body": "x"},
                               headers=ADMIN)).status_code == 404  # fmt: skip

    draft = "Hồ sơ {{ dossier_code }} đã được {{ agency_name }} tiếp nhận; hẹn trả {{ due_at|ngay }}."
    preview = await n.client.post(f"{url}/preview", json={"body": draft}, headers=ADMIN)
    assert preview.status_code == 200
    sms = preview.json()["sms"]
    assert sms["text"] == (
        "Ho so hue.xa.thuan-hoa-250804-0118 da duoc Uy ban nhan dan phuong Thuan Hoa tiep nhan; "
        "hen tra 08:35 ngay 05/08/2025."
    )
    assert (sms["encoding"], sms["segments"]) == ("gsm7", 1)

    saved = await n.client.put(url, json={"body": draft}, headers=ADMIN)
    assert saved.status_code == 200
    assert saved.json()["version"] == 2
    history = (await n.client.get(url, headers=ADMIN)).json()
    assert [t["version"] for t in history["items"]] == [2, 1]
    await n.deliver(EX[DossierSubmitted.TYPE])
    await n.deliver(EX[DossierReceived.TYPE])
    await n.dispatch()
    [sent] = await n.sandbox("+84905123456")
    assert sent["text"] == sms["text"]


async def test_the_sandbox_inbox_does_not_exist_in_production(tmp_path: Path) -> None:
    settings = make_settings(tmp_path).model_copy(
        update={
            "env": "production",
            "sms": SmsSettings(provider="http", api_url="https://sms.example.vn", api_key="k"),
        }
    )
    assert not settings.sandbox_enabled
    bus = LocalBus(tmp_path / "bus.db", partitions=1)
    app = create_app(settings, bus=bus, key_source=TOKENS.jwks, configure_logs=False)
    await bus.start()
    async with app.router.lifespan_context(app):
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://notify")
        async with client:
            response = await client.get("/api/v1/sandbox/sms", params={"phone": "+84905123456"})
    await bus.stop()
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_the_sandbox_refuses_a_malformed_phone(start_notify: StartNotify) -> None:
    n = await start_notify()
    for phone in ("12345", "+14155552671", "02343822123"):
        response = await n.client.get("/api/v1/sandbox/sms", params={"phone": phone})
        assert response.status_code == 422, phone
        assert response.json()["errors"][0]["field"] == "phone"


async def test_the_sandbox_reads_a_phone_written_as_at_sign_in(start_notify: StartNotify) -> None:
    """`0905123456`, `+84905123456` and an unencoded `+` (a space once the query is decoded): one inbox."""
    n = await start_notify()
    await n.deliver(EX[DossierSubmitted.TYPE])
    await n.deliver(EX[DossierReceived.TYPE])
    await n.dispatch()
    texts = [m["text"] for m in await n.sandbox("+84905123456")]
    assert texts
    for query in ("phone=0905123456", "phone=%2B84905123456", "phone=+84905123456", "phone=0905.123.456"):
        response = await n.client.get(f"/api/v1/sandbox/sms?{query}")
        assert response.status_code == 200, (query, response.text)
        assert [m["text"] for m in response.json()["items"]] == texts, query
