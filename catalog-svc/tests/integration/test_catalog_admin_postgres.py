"""The admin's list of procedures and an import's dry run on PostgreSQL: the same answers as on SQLite."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from catalog_testkit import ADMIN, running, settings_for

from motcua_shared.chassis.bus.local import LocalBus

pytestmark = pytest.mark.integration

QUERIES: list[dict[str, Any]] = [
    {"limit": 200},
    {"q": "1.00", "limit": 200},
    {"q": "dang ky khai sinh"},
    {"q": "100%_"},
    {"status": "draft"},
    {"status": "published", "changed": "false", "limit": 5},
]


async def test_the_admin_list_and_a_dry_run_answer_alike_on_sqlite_and_postgres(
    fresh_pg_url: str, tmp_path: Path, local_bus: LocalBus, procedure_body: Callable[..., dict[str, Any]]
) -> None:
    answers: dict[str, list[Any]] = {}
    for name, url in (("sqlite", f"sqlite+aiosqlite:///{tmp_path}/catalog.db"), ("postgres", fresh_pg_url)):
        async with running(settings_for(url), local_bus) as (client, _):
            draft = procedure_body(code="HUE-NHAP-02", name="Thủ tục nháp")
            assert (await client.post("/api/v1/procedures", json=draft, headers=ADMIN)).status_code == 201
            seen: list[Any] = []
            for params in QUERIES:
                response = await client.get("/api/v1/procedures/working-copies", params=params, headers=ADMIN)
                assert response.status_code == 200, response.text
                body = response.json()
                seen.append(([(p["code"], p["status"]) for p in body["items"]], body["total"]))
            dry = await client.post(
                "/api/v1/procedures/import",
                params={"dry_run": "true"},
                json=[procedure_body(code="HUE-THU-09", version=1), {"code": "HUE-THU-10"}],
                headers=ADMIN,
            )
            seen.append(dry.json())
            after = await client.get(
                "/api/v1/procedures/working-copies", params={"q": "HUE-THU"}, headers=ADMIN
            )
            assert after.json()["total"] == 0, f"{name}: a dry run writes nothing"
            answers[name] = seen
    assert answers["sqlite"] == answers["postgres"]
    draft_only, total = answers["postgres"][4]
    assert (draft_only, total) == ([("HUE-NHAP-02", "draft")], 1)
    assert answers["postgres"][3] == ([], 0), "% and _ are taken literally"
    assert answers["postgres"][2][1] >= 1, "words of a published name, without accents"
