"""A commune-level procedure is filed at a commune the citizen chooses, and that commune's officers alone
receive and work it: not another ward's officers, nor the communes' umbrella."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from dossier_testkit import (
    AGENCY,
    CITIZEN,
    POLICE,
    POLICE_OFFICER,
    TOKENS,
    Harness,
    HarnessFactory,
    multipart,
    problem,
    published,
    snapshot,
    submission,
)
from sqlalchemy import func, select

from dossier_svc.dossiers.models import Dossier, DossierSequence
from motcua_shared.chassis.auth import Role
from motcua_shared.contracts.catalog import AgencyRef, ProcedureStep

UMBRELLA = AgencyRef(code="hue.ubnd-xa", name="Ủy ban nhân dân cấp xã thành phố Huế")
PHU_XUAN = AgencyRef(code="hue.xa.phu-xuan", name="Ủy ban nhân dân phường Phú Xuân")
KIM_LONG = AgencyRef(code="hue.xa.kim-long", name="Ủy ban nhân dân phường Kim Long")
PHU_XUAN_OFFICER = TOKENS.bearer("canbo-phuxuan", Role.OFFICER, PHU_XUAN.code)
KIM_LONG_OFFICER = TOKENS.bearer("canbo-kimlong", Role.OFFICER, KIM_LONG.code)
UMBRELLA_OFFICER = TOKENS.bearer("canbo-xa", Role.OFFICER, UMBRELLA.code)
CODE = "1.000656"


def commune_procedure() -> Any:
    """A death registration done by the communes: steps of the umbrella (named or implied), one elsewhere."""
    return snapshot(code=CODE).model_copy(
        update={
            "implementing_agency": UMBRELLA,
            "receiving_agencies": (KIM_LONG, PHU_XUAN),
            "steps": (
                ProcedureStep(order=1, name="Tiếp nhận hồ sơ", role="one_stop", share_percent=25),
                ProcedureStep(
                    order=2, name="Thẩm định", role="specialist", agency=UMBRELLA, share_percent=25
                ),
                ProcedureStep(
                    order=3,
                    name="Xóa đăng ký thường trú",
                    role="inter_agency",
                    agency=POLICE,
                    share_percent=25,
                ),
                ProcedureStep(order=4, name="Ký, trả kết quả", role="leader", share_percent=25),
            ),
        }
    )


@pytest.fixture
async def communes(make_harness: HarnessFactory) -> Harness:
    """dossier-svc knowing a commune-level procedure and a procedure its implementing agency receives."""
    h: Harness = await make_harness()
    await h.deliver(published(commune_procedure()))
    await h.deliver(published(snapshot()))
    return h


async def _stored(h: Harness) -> tuple[int, int]:
    """Dossiers and numbers given so far."""
    async with h.uow() as uow:
        dossiers = await uow.session.scalar(select(func.count()).select_from(Dossier))
        numbers = await uow.session.scalar(select(func.coalesce(func.sum(DossierSequence.last), 0)))
    return int(dossiers or 0), int(numbers or 0)


async def test_a_missing_unknown_or_foreign_receiving_agency_is_422_and_stores_nothing(
    communes: Harness,
) -> None:
    key = uuid.uuid4().hex

    async def post(body: dict[str, Any], headers: dict[str, str] = CITIZEN) -> Any:
        return await communes.client.post(
            "/api/v1/dossiers", headers={**headers, "Idempotency-Key": key}, **multipart(body)
        )

    for agency_code, message in (
        (None, "required: one of the procedure's receiving_agencies"),
        (UMBRELLA.code, "required: one of the procedure's receiving_agencies"),
        ("hue.xa.khong-co", "not one of the procedure's receiving_agencies"),
        (AGENCY.code, "not one of the procedure's receiving_agencies"),
    ):
        body = submission(CODE) if agency_code is None else submission(CODE, agency_code=agency_code)
        refused = problem(await post(body), 422)
        assert refused["errors"] == [{"field": "agency_code", "message": message}], agency_code
    # A procedure its implementing agency receives is not filed elsewhere.
    elsewhere = problem(await post(submission(agency_code=PHU_XUAN.code)), 422)
    assert [e["field"] for e in elsewhere["errors"]] == ["agency_code"]
    # An officer registering at the counter chooses too.
    counter = submission(CODE, channel="counter", applicant_account_id="citizen-1")
    problem(await post(counter, PHU_XUAN_OFFICER), 422)

    assert await _stored(communes) == (0, 0)
    assert await communes.events() == []
    # The key was not spent: the same key files the corrected request.
    filed = await post(submission(CODE, agency_code=PHU_XUAN.code))
    assert filed.status_code == 201, filed.text
    assert (await post(submission(agency_code=AGENCY.code), CITIZEN)).status_code == 409, "key now taken"
    named = await communes.submit(submission(agency_code=AGENCY.code))
    assert named["agency_code"] == AGENCY.code, "naming the implementing agency itself is allowed"


async def test_a_dossier_filed_at_a_ward_belongs_to_that_ward_alone(communes: Harness) -> None:
    filed = await communes.submit(submission(CODE, agency_code=PHU_XUAN.code))
    code = filed["code"]
    assert code.startswith(f"{PHU_XUAN.code}-")
    assert code.endswith("-0001")
    assert (filed["agency_code"], filed["agency_name"]) == (PHU_XUAN.code, PHU_XUAN.name)
    assert [s["agency_code"] for s in filed["steps"]] == [
        PHU_XUAN.code,
        PHU_XUAN.code,
        POLICE.code,
        PHU_XUAN.code,
    ]
    [event] = await communes.events("submitted")
    assert (event["agency_code"], event["agency_name"], event["dossier_code"]) == (
        PHU_XUAN.code,
        PHU_XUAN.name,
        code,
    )
    other = await communes.submit(submission(CODE, agency_code=KIM_LONG.code))
    assert other["code"].startswith(f"{KIM_LONG.code}-")
    assert other["code"].endswith("-0001"), "each ward numbers its own dossiers"

    async def queue(headers: dict[str, str], scope: str = "holding") -> list[str]:
        page = await communes.client.get("/api/v1/dossiers", params={"scope": scope}, headers=headers)
        assert page.status_code == 200, page.text
        return [d["code"] for d in page.json()["items"]]

    assert await queue(PHU_XUAN_OFFICER) == [code]
    assert code not in await queue(KIM_LONG_OFFICER)
    assert code not in await queue(KIM_LONG_OFFICER, "involved")
    assert await queue(UMBRELLA_OFFICER) == []
    assert await queue(UMBRELLA_OFFICER, "involved") == []
    for outsider in (KIM_LONG_OFFICER, UMBRELLA_OFFICER):
        problem(await communes.client.get(f"/api/v1/dossiers/{code}", headers=outsider), 404)
        problem(await communes.client.get(f"/api/v1/dossiers/{code}/timeline", headers=outsider), 404)
        problem(await communes.act(code, "receive", outsider), 404)
    assert (await communes.dossier(code)).status == "submitted", "nothing changed it"

    seen = await communes.client.get(f"/api/v1/dossiers/{code}", headers=PHU_XUAN_OFFICER)
    assert "receive" in seen.json()["allowed_actions"]
    received = await communes.act(code, "receive", PHU_XUAN_OFFICER)
    assert received.status_code == 200, received.text
    assert received.json()["holder_agency_code"] == PHU_XUAN.code
    assert (await communes.act(code, "forward", PHU_XUAN_OFFICER)).status_code == 200, "step 2 is the ward's"
    problem(await communes.act(code, "forward", KIM_LONG_OFFICER), 404)
    assert (await communes.act(code, "forward", PHU_XUAN_OFFICER)).json()["holder_agency_code"] == POLICE.code
    assert (await communes.act(code, "forward", POLICE_OFFICER)).json()["holder_agency_code"] == PHU_XUAN.code

    async def received_at(agency: str) -> int:
        stats = await communes.client.get("/api/v1/stats", params={"agency": agency})
        count: int = stats.json()["received"]
        return count

    assert (await received_at(PHU_XUAN.code), await received_at(UMBRELLA.code)) == (1, 0)


async def test_the_wards_officer_registers_a_counter_filing_at_their_ward_only(communes: Harness) -> None:
    counter = submission(CODE, channel="counter", applicant_account_id="citizen-1", agency_code=PHU_XUAN.code)
    denied = await communes.client.post(
        "/api/v1/dossiers",
        headers={**KIM_LONG_OFFICER, "Idempotency-Key": uuid.uuid4().hex},
        **multipart(counter),
    )
    problem(denied, 403)
    assert await _stored(communes) == (0, 0)
    filed = await communes.submit(counter, headers=PHU_XUAN_OFFICER)
    assert filed["code"].startswith(f"{PHU_XUAN.code}-")
    assert filed["channel"] == "counter"
    mine = await communes.client.get(f"/api/v1/dossiers/{filed['code']}", headers=CITIZEN)
    assert mine.status_code == 200


async def test_a_draft_chooses_its_ward_before_it_is_submitted(communes: Harness) -> None:
    client = communes.client
    problem(
        await client.post(
            "/api/v1/dossiers/drafts",
            headers=CITIZEN,
            json={"procedure_code": CODE, "agency_code": "hue.xa.x"},
        ),
        422,
    )
    chosen = await client.post(
        "/api/v1/dossiers/drafts",
        headers=CITIZEN,
        json={"procedure_code": CODE, "agency_code": KIM_LONG.code},
    )
    assert (chosen.status_code, chosen.json()["agency_code"]) == (201, KIM_LONG.code)

    body = submission(CODE)
    draft = await client.post(
        "/api/v1/dossiers/drafts",
        headers=CITIZEN,
        json={"procedure_code": CODE, "applicant": body["applicant"]},
    )
    assert draft.status_code == 201, draft.text
    code = draft.json()["code"]
    assert draft.json()["agency_code"] == UMBRELLA.code, "not chosen yet"
    for document in ("to-khai", "giay-chung-sinh"):
        uploaded = await client.post(
            f"/api/v1/dossiers/{code}/documents",
            headers=CITIZEN,
            data={"document_code": document},
            files={"file": (f"{document}.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")},
        )
        assert uploaded.status_code == 201, uploaded.text
    unchosen = problem(await communes.act(code, "submit", CITIZEN), 422)
    assert [e["field"] for e in unchosen["errors"]] == ["agency_code"]
    wrong = problem(
        await client.patch(f"/api/v1/dossiers/{code}", headers=CITIZEN, json={"agency_code": "x"}), 422
    )
    assert [e["field"] for e in wrong["errors"]] == ["agency_code"]
    assert (await communes.dossier(code)).agency_code == UMBRELLA.code, "a refused change changes nothing"
    patched = await client.patch(
        f"/api/v1/dossiers/{code}", headers=CITIZEN, json={"agency_code": PHU_XUAN.code}
    )
    assert (patched.status_code, patched.json()["agency_code"]) == (200, PHU_XUAN.code)
    submitted = await communes.act(code, "submit", CITIZEN)
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["code"].startswith(f"{PHU_XUAN.code}-")
    assert {s["agency_code"] for s in submitted.json()["steps"]} == {PHU_XUAN.code, POLICE.code}
    queue = await client.get("/api/v1/dossiers", headers=PHU_XUAN_OFFICER)
    assert [d["code"] for d in queue.json()["items"]] == [submitted.json()["code"]]
    kim_long = await client.get("/api/v1/dossiers", headers=KIM_LONG_OFFICER)
    assert kim_long.json()["items"] == [], "a draft filed at a ward is not its work until submitted"
    problem(await client.get(f"/api/v1/dossiers/{chosen.json()['code']}", headers=KIM_LONG_OFFICER), 404)


CITY = AgencyRef(code="hue", name="Ủy ban nhân dân thành phố Huế", electronic_id="000.00.00.H57")
CITY_OFFICER = TOKENS.bearer("canbo-ubnd", Role.OFFICER, CITY.code)


async def test_dossier_codes_are_built_from_the_agency_electronic_identifier(communes: Harness) -> None:
    """Quyết định 20/2020/QĐ-TTg's identifier, then the day and the number (`000.00.00.H57-yyMMdd-NNNN`);
    the agency keeps its platform code, and the code works in every path and in the look-up."""
    await communes.deliver(
        published(snapshot(code="1.000001").model_copy(update={"implementing_agency": CITY}))
    )
    filed = await communes.submit(submission("1.000001"))
    code = filed["code"]
    prefix, day, number = code.rsplit("-", 2)
    assert (prefix, len(day), day.isdigit(), number) == ("000.00.00.H57", 6, True, "0001")
    assert (filed["agency_code"], filed["agency_name"]) == (CITY.code, CITY.name)
    [event] = await communes.events("submitted")
    assert (event["dossier_code"], event["agency_code"]) == (code, CITY.code)
    assert (await communes.submit(submission("1.000001")))["code"] == f"000.00.00.H57-{day}-0002"

    for path in (f"/api/v1/dossiers/{code}", f"/api/v1/dossiers/{code}/timeline"):
        response = await communes.client.get(path, headers=CITIZEN)
        assert response.status_code == 200, (path, response.text)
    received = await communes.act(code, "receive", CITY_OFFICER)
    assert received.status_code == 200, received.text
    lookup = await communes.client.get(f"/api/v1/lookup/{code}", params={"proof": "5678"})
    assert lookup.status_code == 200, lookup.text
    assert lookup.json()["code"] == code


async def test_an_agency_without_a_known_identifier_numbers_under_its_code(communes: Harness) -> None:
    filed = await communes.submit(submission(CODE, agency_code=PHU_XUAN.code))
    assert PHU_XUAN.electronic_id is None
    assert filed["code"].startswith(f"{PHU_XUAN.code}-"), "the documented fallback: the platform code"
