"""Admins' changes to the catalogue are an admin power, recorded in catalog-svc's audit trail: who created,
edited, published, withdrew or imported which procedure, queryable by admins only, append-only; a refused
change and the platform's own seeding leave no record."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from catalog_testkit import ADMIN, TOKENS, running, settings_for

from motcua_shared.chassis.auth import Role
from motcua_shared.chassis.bus.local import LocalBus
from motcua_shared.testing import APPEND_ONLY_VIOLATIONS, assert_append_only, audit_trail

ProcedureBody = Callable[..., dict[str, Any]]


async def test_an_admins_changes_are_recorded_and_append_only(
    tmp_path: Path, local_bus: LocalBus, procedure_body: ProcedureBody
) -> None:
    async with running(settings_for(f"sqlite+aiosqlite:///{tmp_path}/catalog.db"), local_bus) as (
        client,
        app,
    ):
        assert await audit_trail(client, "procedures", ADMIN) == [], "the seeding is not an admin's act"
        base = "/api/v1/procedures"
        admin = {**ADMIN, "X-Forwarded-For": "203.0.113.9", "X-Request-ID": "req-cat-1"}
        assert (await client.post(base, json=procedure_body(), headers=admin)).status_code == 201
        assert (await client.post(base, json=procedure_body(), headers=ADMIN)).status_code == 409
        renamed = procedure_body(name="Cấp giấy phép tổ chức lễ hội")
        assert (await client.put(f"{base}/HUE-TEST-01", json=renamed, headers=ADMIN)).status_code == 200
        assert (await client.post(f"{base}/HUE-TEST-01/publish", headers=ADMIN)).status_code == 200
        withdrawn = await client.post(f"{base}/HUE-TEST-01/withdraw", json={}, headers=ADMIN)
        assert withdrawn.status_code == 200
        imported = await client.post(
            f"{base}/import", json=[procedure_body(code="HUE-TEST-02", version=1)], headers=ADMIN
        )
        assert imported.status_code == 200, imported.text
        dry = await client.post(
            f"{base}/import",
            params={"dry_run": "true"},
            json=[procedure_body(code="HUE-TEST-03", version=1)],
            headers=ADMIN,
        )
        assert dry.status_code == 200, dry.text

        records = await audit_trail(client, "procedures", ADMIN)
        assert [(r["action"], r["resource_id"], r["detail"]) for r in records] == [
            ("procedure.import", "HUE-TEST-02", "version 1"),
            ("procedure.withdraw", "HUE-TEST-01", "version 1"),
            ("procedure.publish", "HUE-TEST-01", "version 1"),
            ("procedure.update", "HUE-TEST-01", None),
            ("procedure.create", "HUE-TEST-01", None),
        ], "newest first; the refused create and the dry run left nothing"
        created = records[-1]
        assert (created["subject"], created["role"], created["resource"]) == ("admin-1", "admin", "procedure")
        assert (created["client"], created["request_id"]) == ("203.0.113.9", "req-cat-1")
        one = await audit_trail(client, "procedures", ADMIN, procedure="HUE-TEST-02")
        assert [r["action"] for r in one] == ["procedure.import"]
        await assert_append_only(
            app.state.runtime.db, APPEND_ONLY_VIOLATIONS, lambda: audit_trail(client, "procedures", ADMIN)
        )


@pytest.mark.parametrize("role", [Role.CITIZEN, Role.OFFICER, Role.INTEGRATOR])
async def test_only_admins_read_the_trail(client: Any, role: Role) -> None:
    headers = TOKENS.bearer("someone", role, "hue.ubnd-xa" if role is Role.OFFICER else None)
    assert (await client.get("/api/v1/audit/procedures", headers=headers)).status_code == 403
    assert (await client.get("/api/v1/audit/procedures")).status_code == 401
