"""The admin's side of the catalogue: every procedure listed in any state, and an import's dry run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from catalog_testkit import ADMIN


async def _list(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await client.get("/api/v1/procedures/working-copies", params=params, headers=ADMIN)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_drafts_changes_and_withdrawn_procedures_are_listed_for_the_admin(
    client: httpx.AsyncClient, procedure_body: Callable[..., dict[str, Any]]
) -> None:
    everything = await _list(client, limit=200)
    codes = [p["code"] for p in everything["items"]]
    assert codes == sorted(codes)
    assert "1.001193" in codes
    draft = procedure_body(code="HUE-NHAP-01", name="Thủ tục đang soạn thảo")
    assert (await client.post("/api/v1/procedures", json=draft, headers=ADMIN)).status_code == 201
    [listed] = (await _list(client, status="draft"))["items"]
    assert (listed["code"], listed["name"], listed["version"]) == ("HUE-NHAP-01", "Thủ tục đang soạn thảo", 0)
    assert listed["has_unpublished_changes"] is True
    assert [p["code"] for p in (await _list(client, changed=True))["items"]] == ["HUE-NHAP-01"]
    assert "HUE-NHAP-01" not in {p["code"] for p in (await _list(client, changed=False, limit=200))["items"]}

    by_code = await _list(client, q="hue-nhap")
    assert [p["code"] for p in by_code["items"]] == ["HUE-NHAP-01"], "part of a code, any case"
    published = await client.get("/api/v1/procedures/1.001193")
    words = published.json()["name"].split()[:3]
    unaccented = await _list(client, q=" ".join(words).replace("ă", "a").replace("ý", "y").replace("đ", "d"))
    assert "1.001193" in {p["code"] for p in unaccented["items"]}, "words of the published name"

    await client.post("/api/v1/procedures/HUE-NHAP-01/publish", headers=ADMIN)
    await client.post("/api/v1/procedures/HUE-NHAP-01/withdraw", json={"reason": "Bãi bỏ"}, headers=ADMIN)
    [gone] = (await _list(client, status="withdrawn", q="HUE-NHAP"))["items"]
    assert (gone["status"], gone["version"]) == ("withdrawn", 1)

    first = await _list(client, limit=2)
    second = await _list(client, limit=2, cursor=first["next_cursor"])
    assert [p["code"] for p in first["items"] + second["items"]] == codes[:4]
    assert second["total"] == first["total"]
    bad = await client.get("/api/v1/procedures/working-copies", params={"cursor": "x"}, headers=ADMIN)
    assert bad.status_code == 422


async def test_a_dry_run_reports_what_an_import_would_do_and_changes_nothing(
    client: httpx.AsyncClient, procedure_body: Callable[..., dict[str, Any]]
) -> None:
    good = procedure_body(code="HUE-THU-01", version=1)
    rows = [good, procedure_body(code="HUE-THU-02", version=1, field_code="khong-co"), {"code": "HUE-THU-03"}]
    dry = await client.post(
        "/api/v1/procedures/import", params={"dry_run": "true"}, json={"procedures": rows}, headers=ADMIN
    )
    assert dry.status_code == 200, dry.text
    report = dry.json()
    assert report["dry_run"] is True
    assert report["received"] == 3
    assert report["published"] == [{"code": "HUE-THU-01", "version": 1}]
    assert {r["index"] for r in report["rejected"]} == {1, 2}
    assert {r["procedure_code"] for r in report["rejected"]} == {"HUE-THU-02", "HUE-THU-03"}
    assert all(
        r["message"] and r["field"].startswith(f"procedures[{r['index']}]") for r in report["rejected"]
    )
    assert (await client.get("/api/v1/procedures/HUE-THU-01")).status_code == 404, "nothing was written"
    assert (await _list(client, q="HUE-THU"))["total"] == 0

    clean = await client.post(
        "/api/v1/procedures/import",
        params={"dry_run": "true"},
        files={"file": ("danh-muc.json", b'{"procedures": []}', "application/json")},
        headers=ADMIN,
    )
    assert clean.json() == {"received": 0, "published": [], "unchanged": [], "dry_run": True, "rejected": []}
    real = await client.post("/api/v1/procedures/import", json=[good], headers=ADMIN)
    assert real.json()["dry_run"] is False
    again = await client.post(
        "/api/v1/procedures/import", params={"dry_run": "true"}, json=[good], headers=ADMIN
    )
    assert again.json()["unchanged"] == [{"code": "HUE-THU-01", "version": 1}]
    assert again.json()["published"] == []
