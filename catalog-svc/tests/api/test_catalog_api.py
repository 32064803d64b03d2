"""The HTTP API over ASGI on a seeded SQLite database: search, reads, admin writes and their denials."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command
from catalog_testkit import (
    ADMIN,
    CITIZEN,
    OFFICER,
    SearchCase,
    running,
    search_follows_publish_edit_and_withdraw,
    settings_for,
)
from sqlalchemy import select

from catalog_svc.app import MIGRATIONS
from catalog_svc.synthetic import synthetic_procedures
from motcua_shared.chassis.bus.local import LocalBus
from motcua_shared.chassis.messaging.models import OutboxRecord
from motcua_shared.chassis.migrations import alembic_config
from motcua_shared.contracts.catalog import ProcedurePublished, ProcedureWithdrawn
from motcua_shared.contracts.common import FeeTiming

PROBLEM = "application/problem+json"


async def _search(client: httpx.AsyncClient, case: SearchCase) -> list[str]:
    response = await client.get(
        "/api/v1/procedures", params={"q": case.query, "size": 10, **dict(case.params)}
    )
    assert response.status_code == 200, response.text
    return [item["code"] for item in response.json()["items"]]


async def test_search_quality_cases(client: httpx.AsyncClient, search_cases: tuple[SearchCase, ...]) -> None:
    failures: list[tuple[str, object, list[str]]] = []
    for case in search_cases:
        codes = await _search(client, case)
        if case.first and (not codes or codes[0] != case.first):
            failures.append((case.query, case.first, codes[:3]))
        if case.among_top and not set(case.among_top) <= set(codes[: case.top]):
            failures.append((case.query, case.among_top, codes[: case.top]))
    assert not failures


async def test_search_is_accent_and_case_insensitive(client: httpx.AsyncClient) -> None:
    with_accents = await _search(client, SearchCase("Cấp giấy phép xây dựng"))
    assert with_accents == await _search(client, SearchCase("cap giay phep xay dung"))
    assert with_accents == await _search(client, SearchCase("CAP GIAY PHEP XAY DUNG"))


async def test_search_reports_facets_and_pages(client: httpx.AsyncClient) -> None:
    first = (await client.get("/api/v1/procedures", params={"q": "dang ky", "size": 5})).json()
    assert first["match"] == "exact"
    assert first["total"] > 5
    assert len(first["items"]) == 5
    assert sum(f["count"] for f in first["facets"]["field"]) == first["total"]
    assert {f["code"] for f in first["facets"]["level"]} <= {"province", "commune"}
    hotich = next(f for f in first["facets"]["field"] if f["code"] == "hotich")
    assert hotich["name"] == "Hộ tịch"
    second = (await client.get("/api/v1/procedures", params={"q": "dang ky", "size": 5, "page": 2})).json()
    assert not {i["code"] for i in first["items"]} & {i["code"] for i in second["items"]}
    everything = (await client.get("/api/v1/procedures", params={"q": "dang ky", "size": 100})).json()
    assert [i["code"] for i in everything["items"][:10]] == [
        i["code"] for i in first["items"] + second["items"]
    ]


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("khai sinhh", "1.001193"),
        ("dang ky khai sinhh", "1.001193"),
        ("phieu ly lich tu phapp cong dan", "3.000333"),
    ],
)
async def test_a_word_typed_with_an_extra_letter_still_finds_its_procedure_first(
    client: httpx.AsyncClient, query: str, first: str
) -> None:
    """No row has every word as typed; the one that has them all, once a stray last letter is forgiven, ranks
    above those that have only the others ("khai tử" for "khai sinhh")."""
    found = (await client.get("/api/v1/procedures", params={"q": query, "size": 5})).json()
    assert found["match"] == "fuzzy"
    assert [i["code"] for i in found["items"]][:1] == [first], [i["name"] for i in found["items"]]


async def test_search_answers_a_next_cursor_while_more_hits_follow(client: httpx.AsyncClient) -> None:
    """Following ``next_cursor`` with the same query walks every hit once, in rank order, and stops."""
    everything = (await client.get("/api/v1/procedures", params={"q": "dang ky", "size": 100})).json()
    assert everything["total"] < 100
    assert everything["next_cursor"] is None, "one page holds them all"
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(everything["total"]):
        params: dict[str, str | int] = {"q": "dang ky", "size": 7, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/api/v1/procedures", params=params)).json()
        seen += [i["code"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert len(page["items"]) == 7
    assert seen == [i["code"] for i in everything["items"]]
    forged = await client.get("/api/v1/procedures", params={"q": "dang ky", "cursor": "not-ours"})
    assert forged.status_code == 422


async def test_filters_narrow_the_hits(client: httpx.AsyncClient) -> None:
    by_field = (await client.get("/api/v1/procedures", params={"field": "hotich", "size": 100})).json()
    assert by_field["match"] == "all"
    assert all(i["field"]["code"] == "hotich" for i in by_field["items"])
    province = (await client.get("/api/v1/procedures", params={"level": "province", "size": 100})).json()
    assert province["total"] > 0
    assert all("province" in i["levels"] for i in province["items"])
    full = (await client.get("/api/v1/procedures", params={"online": "full", "size": 100})).json()
    assert all(i["online_level"] == 4 and i["online_mode"] == "full" for i in full["items"])
    agency = (await client.get("/api/v1/procedures", params={"agency": "hue.cong-an", "size": 100})).json()
    assert agency["total"] >= 4, "the judicial record certificates (since 2025) and the driving licence"
    assert all(i["implementing_agency"]["code"] == "hue.cong-an" for i in agency["items"])


async def test_no_hits_and_bad_parameters(client: httpx.AsyncClient) -> None:
    nothing = (await client.get("/api/v1/procedures", params={"q": "zzzzqqq"})).json()
    assert nothing["total"] == 0
    assert nothing["items"] == []
    assert nothing["match"] == "none"
    for params in ({"size": 0}, {"size": 101}, {"page": 0}, {"online": "maybe"}, {"q": "x" * 201}):
        response = await client.get("/api/v1/procedures", params=params)
        assert response.status_code == 422, params
        assert response.headers["content-type"] == PROBLEM, params
    deep = await client.get("/api/v1/procedures", params={"page": 200, "size": 100})
    assert deep.status_code == 422


async def test_procedure_detail_has_what_a_dossier_needs(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/procedures/1.001193")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Đăng ký khai sinh"
    assert body["version"] == 1
    assert body["status"] == "published"
    late = next(c for c in body["cases"] if c["code"] == "khong-dung-han")
    assert late["channels"][0]["fee_items"] == [], (
        "Huế's People's Council sets the charge: unknown, not guessed"
    )
    assert any("39/2025/NQ-HĐND" in (s["note"] or "") for s in body["sources"]), "the resolution is cited"
    assert any("chưa ghi khoản thu nào" in (s["note"] or "") for s in body["sources"]), "its amounts unknown"
    assert body["implementing_agency"] == {
        "code": "hue.ubnd-xa",
        "name": "Ủy ban nhân dân cấp xã thành phố Huế",
        "electronic_id": None,
    }, "no source gives the umbrella an electronic identifier: marked unknown"
    assert body["documents"]
    assert body["steps"]
    assert body["fee_timing"] == "submission"
    assert all(s["url"].startswith("http") for s in body["sources"])
    missing = await client.get("/api/v1/procedures/9.999999")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == PROBLEM


async def test_agencies_show_todays_structure_and_keep_old_levels_readable(client: httpx.AsyncClient) -> None:
    today = (await client.get("/api/v1/agencies")).json()
    assert all(a["active"] for a in today["items"])
    assert {lvl["code"]: lvl["active"] for lvl in today["levels"]} == {
        "province": True,
        "district": False,
        "commune": True,
    }
    communes = (await client.get("/api/v1/agencies", params={"parent": "hue.ubnd-xa"})).json()
    assert communes["total"] == 40
    old = (
        await client.get("/api/v1/agencies", params={"level": "district", "include_inactive": "true"})
    ).json()
    assert old["total"] == 9
    assert all(a["level_name"] == "Cấp huyện" and not a["active"] for a in old["items"])
    one = (await client.get("/api/v1/agencies/hue.xa.thuan-hoa")).json()
    assert one["name"] == "Ủy ban nhân dân phường Thuận Hóa"
    assert one["level"] == "commune"
    assert (await client.get("/api/v1/agencies/nope")).status_code == 404


async def test_fields_count_published_procedures(client: httpx.AsyncClient) -> None:
    fields = (await client.get("/api/v1/fields")).json()["items"]
    hotich = next(f for f in fields if f["code"] == "hotich")
    assert hotich["name"] == "Hộ tịch"
    assert hotich["procedure_count"] >= 10


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/v1/procedures", {}),
        ("PUT", "/api/v1/procedures/1.001193", {}),
        ("POST", "/api/v1/procedures/1.001193/publish", None),
        ("POST", "/api/v1/procedures/1.001193/withdraw", {}),
        ("POST", "/api/v1/procedures/import", {"procedures": []}),
        ("GET", "/api/v1/procedures/1.001193/admin", None),
        ("GET", "/api/v1/procedures/working-copies", None),
        ("POST", "/api/v1/procedures/import?dry_run=true", {"procedures": []}),
    ],
)
async def test_writes_are_for_admins_only(
    client: httpx.AsyncClient, method: str, path: str, body: dict[str, Any] | None
) -> None:
    anonymous = await client.request(method, path, json=body)
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == PROBLEM
    for who in (CITIZEN, OFFICER):
        denied = await client.request(method, path, json=body, headers=who)
        assert denied.status_code == 403
        assert denied.headers["content-type"] == PROBLEM
    forged = await client.request(method, path, json=body, headers={"Authorization": "Bearer not.a.token"})
    assert forged.status_code == 401
    assert (await client.get("/api/v1/procedures/1.001193")).json()["status"] == "published"


@pytest.fixture
async def app_client(tmp_path: Path, local_bus: LocalBus) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    async with running(settings_for(f"sqlite+aiosqlite:///{tmp_path}/catalog.db"), local_bus) as pair:
        yield pair


async def _events(app: Any, event_type: str, code: str) -> list[dict[str, Any]]:
    async with app.state.runtime.db.session() as session:
        rows = (
            await session.scalars(
                select(OutboxRecord).where(OutboxRecord.type == event_type, OutboxRecord.key == code)
            )
        ).all()
    return [json.loads(row.payload)["data"] for row in rows]


async def test_admin_lifecycle_create_publish_edit_republish_withdraw(
    app_client: tuple[httpx.AsyncClient, Any], procedure_body: Callable[..., dict[str, Any]]
) -> None:
    client, app = app_client
    created = await client.post("/api/v1/procedures", json=procedure_body(), headers=ADMIN)
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "draft"
    assert created.json()["version"] == 0
    assert (await client.get("/api/v1/procedures/HUE-TEST-01")).status_code == 404, "drafts are not public"
    assert (await client.post("/api/v1/procedures", json=procedure_body(), headers=ADMIN)).status_code == 409

    published = await client.post("/api/v1/procedures/HUE-TEST-01/publish", headers=ADMIN)
    assert published.status_code == 200
    assert published.json()["version"] == 1
    hits = (await client.get("/api/v1/procedures", params={"q": "le hoi truyen thong"})).json()
    assert [i["code"] for i in hits["items"]] == ["HUE-TEST-01"]
    again = await client.post("/api/v1/procedures/HUE-TEST-01/publish", headers=ADMIN)
    assert again.status_code == 409, "nothing changed since version 1"

    edited = await client.put(
        "/api/v1/procedures/HUE-TEST-01", json=procedure_body(name="Cấp phép tổ chức lễ hội"), headers=ADMIN
    )
    assert edited.status_code == 200
    assert edited.json()["has_unpublished_changes"] is True
    public = (await client.get("/api/v1/procedures/HUE-TEST-01")).json()
    assert public["name"] == "Cấp giấy phép tổ chức lễ hội truyền thống", "edits stay private until published"
    assert (await client.post("/api/v1/procedures/HUE-TEST-01/publish", headers=ADMIN)).json()["version"] == 2
    assert (await client.get("/api/v1/procedures/HUE-TEST-01")).json()["name"] == "Cấp phép tổ chức lễ hội"
    assert (await client.get("/api/v1/procedures/HUE-TEST-01", params={"version": 1})).json()["version"] == 1

    withdrawn = await client.post(
        "/api/v1/procedures/HUE-TEST-01/withdraw", json={"reason": "Bãi bỏ theo quyết định"}, headers=ADMIN
    )
    assert withdrawn.status_code == 200
    assert withdrawn.json()["status"] == "withdrawn"
    hits = (await client.get("/api/v1/procedures", params={"q": "le hoi", "size": 100})).json()
    assert "HUE-TEST-01" not in {i["code"] for i in hits["items"]}, "withdrawn procedures are not found"
    assert (await client.get("/api/v1/procedures/HUE-TEST-01")).json()[
        "withdraw_reason"
    ] == "Bãi bỏ theo quyết định"
    twice = await client.post("/api/v1/procedures/HUE-TEST-01/withdraw", json={}, headers=ADMIN)
    assert twice.status_code == 409

    events = await _events(app, ProcedurePublished.TYPE, "HUE-TEST-01")
    assert sorted(e["version"] for e in events) == [1, 2]
    snapshot = ProcedurePublished.model_validate(events[-1]).procedure
    assert snapshot.cases[0].channels[0].fee_items[0].amount == 20000
    assert len(snapshot.steps) == 2
    assert snapshot.implementing_agency.name == "Ủy ban nhân dân cấp xã thành phố Huế"
    [gone] = await _events(app, ProcedureWithdrawn.TYPE, "HUE-TEST-01")
    assert gone["version"] == 2
    assert gone["reason"] == "Bãi bỏ theo quyết định"


async def test_invalid_writes_get_problems_and_change_nothing(
    client: httpx.AsyncClient, procedure_body: Callable[..., dict[str, Any]]
) -> None:
    for body, field in (
        (procedure_body(field_code="khong-co"), "field_code"),
        (procedure_body(implementing_agency_code="hue.huyen.huyen-phu-vang"), "implementing_agency_code"),
        (procedure_body(levels=["district"]), "levels.0"),
        (procedure_body(online_level=4), "body"),
    ):
        response = await client.post("/api/v1/procedures", json=body, headers=ADMIN)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == PROBLEM, response.text
        assert any(e["field"].startswith(field) or field == "body" for e in response.json()["errors"])
    mismatch = await client.put("/api/v1/procedures/1.001193", json=procedure_body(), headers=ADMIN)
    assert mismatch.status_code == 422
    assert (await client.get("/api/v1/procedures/HUE-TEST-01/admin", headers=ADMIN)).status_code == 404


async def test_import_is_all_or_nothing_and_reports_each_rejected_row(
    app_client: tuple[httpx.AsyncClient, Any], procedure_body: Callable[..., dict[str, Any]]
) -> None:
    client, app = app_client
    good = procedure_body(code="HUE-TEST-02", version=1)
    rows = [
        good,
        procedure_body(code="HUE-TEST-03", version=1, field_code="khong-co"),
        {"code": "HUE-TEST-04"},
        procedure_body(code="HUE-TEST-02", version=1),
        procedure_body(code="1.001193", version=3),
    ]
    response = await client.post("/api/v1/procedures/import", json={"procedures": rows}, headers=ADMIN)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    rejected = {e["index"] for e in response.json()["errors"]}
    assert rejected == {1, 2, 3, 4}
    reasons = {e["code"] for e in response.json()["errors"]}
    assert {"unknown_field", "duplicate", "version_gap", "missing"} <= reasons
    assert (await client.get("/api/v1/procedures/HUE-TEST-02")).status_code == 404, "nothing was written"

    ok = await client.post("/api/v1/procedures/import", json=[good], headers=ADMIN)
    assert ok.status_code == 200
    assert ok.json()["published"] == [{"code": "HUE-TEST-02", "version": 1}]
    repeat = await client.post(
        "/api/v1/procedures/import",
        files={"file": ("catalog.json", json.dumps({"procedures": [good]}), "application/json")},
        headers=ADMIN,
    )
    assert repeat.status_code == 200
    assert repeat.json()["unchanged"] == [{"code": "HUE-TEST-02", "version": 1}]
    changed_same_version = procedure_body(code="HUE-TEST-02", version=1, name="Tên khác")
    conflict = await client.post("/api/v1/procedures/import", json=[changed_same_version], headers=ADMIN)
    assert conflict.status_code == 422
    assert conflict.json()["errors"][0]["code"] == "version_conflict"
    next_version = procedure_body(code="HUE-TEST-02", version=2, name="Tên khác")
    assert (await client.post("/api/v1/procedures/import", json=[next_version], headers=ADMIN)).json()[
        "published"
    ] == [{"code": "HUE-TEST-02", "version": 2}]
    assert len(await _events(app, ProcedurePublished.TYPE, "HUE-TEST-02")) == 2

    for raw in (b"{not json", b'{"procedures": 3}'):
        bad = await client.post(
            "/api/v1/procedures/import", content=raw, headers={**ADMIN, "content-type": "application/json"}
        )
        assert bad.status_code == 422
        assert bad.headers["content-type"] == PROBLEM


async def test_every_fee_timing_is_imported_and_published_and_no_other(
    app_client: tuple[httpx.AsyncClient, Any], procedure_body: Callable[..., dict[str, Any]]
) -> None:
    client, app = app_client
    unknown = procedure_body(code="HUE-TEST-09", version=1, fee_timing="installments")
    refused = await client.post("/api/v1/procedures/import", json=[unknown], headers=ADMIN)
    assert refused.status_code == 422
    assert refused.headers["content-type"] == PROBLEM
    assert (await client.get("/api/v1/procedures/HUE-TEST-09")).status_code == 404
    for n, timing in enumerate(FeeTiming, start=10):
        code = f"HUE-TEST-{n}"
        row = procedure_body(code=code, version=1, fee_timing=timing.value)
        imported = await client.post("/api/v1/procedures/import", json=[row], headers=ADMIN)
        assert imported.json()["published"] == [{"code": code, "version": 1}], imported.text
        assert (await client.get(f"/api/v1/procedures/{code}")).json()["fee_timing"] == timing.value
        [event] = await _events(app, ProcedurePublished.TYPE, code)
        assert ProcedurePublished.model_validate(event).procedure.fee_timing is timing


async def test_synthetic_rows_are_refused_in_production(tmp_path: Path, local_bus: LocalBus) -> None:
    settings = settings_for("postgresql+asyncpg://unused/x", env="production")
    assert settings.allow_synthetic is False
    dev = settings_for(f"sqlite+aiosqlite:///{tmp_path}/c.db")
    async with running(dev, local_bus) as (client, _):
        rows = synthetic_procedures(3)
        ok = await client.post("/api/v1/procedures/import", json=rows, headers=ADMIN)
        assert ok.status_code == 200
        assert len(ok.json()["published"]) == 3


async def test_publishes_and_withdrawals_show_in_the_next_identical_search(
    client: httpx.AsyncClient, procedure_body: Callable[..., dict[str, Any]]
) -> None:
    """The cache of recent results never hides this process's own writes."""
    query: dict[str, str | int] = {"q": "le hoi truyen thong", "size": 5}

    async def names() -> list[str]:
        response = await client.get("/api/v1/procedures", params=query)
        assert response.status_code == 200
        return [item["name"] for item in response.json()["items"] if item["code"] == "HUE-TEST-01"]

    assert await names() == []
    assert (await client.post("/api/v1/procedures", json=procedure_body(), headers=ADMIN)).status_code == 201
    assert (await client.post("/api/v1/procedures/HUE-TEST-01/publish", headers=ADMIN)).status_code == 200
    assert await names() == ["Cấp giấy phép tổ chức lễ hội truyền thống"]
    renamed = procedure_body(name="Cấp giấy phép tổ chức lễ hội truyền thống cấp xã")
    assert (
        await client.put("/api/v1/procedures/HUE-TEST-01", json=renamed, headers=ADMIN)
    ).status_code == 200
    assert await names() == ["Cấp giấy phép tổ chức lễ hội truyền thống"], (
        "edits stay private until published"
    )
    assert (await client.post("/api/v1/procedures/HUE-TEST-01/publish", headers=ADMIN)).status_code == 200
    assert await names() == ["Cấp giấy phép tổ chức lễ hội truyền thống cấp xã"]
    withdrawn = await client.post("/api/v1/procedures/HUE-TEST-01/withdraw", json={}, headers=ADMIN)
    assert withdrawn.status_code == 200
    assert await names() == []


async def test_sqlite_search_follows_publish_edit_and_withdraw(
    tmp_path: Path, local_bus: LocalBus, procedure_body: Callable[..., dict[str, Any]]
) -> None:
    await search_follows_publish_edit_and_withdraw(
        f"sqlite+aiosqlite:///{tmp_path}/catalog.db", local_bus, procedure_body
    )


async def test_upgrading_an_existing_catalogue_keeps_it_searchable(
    tmp_path: Path, local_bus: LocalBus
) -> None:
    """Migration 0003 fills the search projection from the procedures published before it."""
    url = f"sqlite+aiosqlite:///{tmp_path}/catalog.db"
    async with running(settings_for(url, search={"cache_ttl": 0}), local_bus) as (client, _):
        before = (await client.get("/api/v1/procedures", params={"q": "khai sinh"})).json()
    await asyncio.to_thread(command.downgrade, alembic_config(MIGRATIONS, url), "0002")
    async with running(settings_for(url, search={"cache_ttl": 0}), local_bus, seeded=False) as (client, _):
        after = (await client.get("/api/v1/procedures", params={"q": "khai sinh"})).json()
    assert before["total"] > 0
    assert after == before
