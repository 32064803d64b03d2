"""The papers over ASGI: a second extension refused by the policy, an earlier paper by its ordinal, the
register of a unit for its officers only."""

from __future__ import annotations

import io

from dossier_testkit import AGENCY, CITIZEN, OFFICER, POLICE_OFFICER, Harness, problem
from pypdf import PdfReader


def text(content: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(content)).pages)


async def test_one_extension_then_the_guard_and_the_papers_by_ordinal(harness: Harness) -> None:
    code = (await harness.submit())["code"]
    assert (await harness.act(code, "receive", OFFICER)).status_code == 200
    extended = await harness.act(code, "extend-deadline", OFFICER, reason="Chờ xác minh", days=2)
    assert extended.status_code == 200
    assert "extend-deadline" not in extended.json()["allowed_actions"]
    refused = problem(await harness.act(code, "extend-deadline", OFFICER, reason="Lần nữa", days=1), 409)
    assert "gia hạn tối đa" in refused["detail"]

    first = await harness.client.get(
        f"/api/v1/dossiers/{code}/papers/apology", params={"n": 1}, headers=CITIZEN
    )
    assert first.status_code == 200
    assert first.headers["content-disposition"] == f'inline; filename="mau-04-{code}-1.pdf"'
    assert "Chờ xác minh" in text(first.content)
    problem(await harness.client.get(f"/api/v1/dossiers/{code}/papers/apology?n=2", headers=CITIZEN), 409)
    problem(await harness.client.get(f"/api/v1/dossiers/{code}/papers/apology?n=0", headers=CITIZEN), 422)
    control = await harness.client.get(f"/api/v1/dossiers/{code}/papers/control", headers=OFFICER)
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text(control.content)


async def test_the_register_is_its_units_alone(harness: Harness) -> None:
    code = (await harness.submit())["code"]
    assert (await harness.act(code, "receive", OFFICER)).status_code == 200
    today = (await harness.dossier(code)).received_at
    assert today is not None
    day = harness.ports.calendar.local(today).date().isoformat()
    query = {"agency": AGENCY.code, "from": day, "to": day}
    register = await harness.client.get("/api/v1/papers/register", params=query, headers=OFFICER)
    assert register.status_code == 200
    assert register.headers["content-type"] == "application/pdf"
    assert "SỔ THEO DÕI HỒ SƠ" in text(register.content)
    for who in (CITIZEN, POLICE_OFFICER):
        problem(await harness.client.get("/api/v1/papers/register", params=query, headers=who), 403)
    problem(await harness.client.get("/api/v1/papers/register", params=query), 401)
    backwards = {**query, "to": "2000-01-01"}
    problem(await harness.client.get("/api/v1/papers/register", params=backwards, headers=OFFICER), 422)


async def test_the_estimate_shows_where_the_due_time_does(harness: Harness) -> None:
    across_tet = await harness.client.get(
        "/api/v1/calendar/due-date", params={"start": "2027-02-03T09:00:00+07:00", "days": 3}
    )
    body = across_tet.json()
    assert body["estimated"] is True
    days = {d["day"]: d for d in body["days_off"]}
    assert days["2027-02-04"] == {"day": "2027-02-04", "reason": "29 Tết", "estimated": True}
    assert days["2027-02-06"]["estimated"] is False
    ordinary = await harness.client.get(
        "/api/v1/calendar/due-date", params={"start": "2025-08-04T09:00:00+07:00", "days": 3}
    )
    assert ordinary.json()["estimated"] is False

    code = (await harness.submit())["code"]
    received = (await harness.act(code, "receive", OFFICER)).json()
    dossier = await harness.dossier(code)
    cal = harness.ports.calendar
    assert dossier.received_at is not None
    assert dossier.due_at is not None
    # Received now (the wall clock): whether the days to its due time hold an estimated one.
    expected = cal.estimated_between(cal.local(dossier.received_at).date(), cal.local(dossier.due_at).date())
    assert received["due_at_estimated"] is expected
    listed = (await harness.client.get("/api/v1/dossiers", headers=OFFICER)).json()["items"]
    assert [d["due_at_estimated"] for d in listed] == [expected]
