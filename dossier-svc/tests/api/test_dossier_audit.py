"""The personal-data audit trail over the API on SQLite: what officers and admins read or change is
recorded with who, what, when and from where; only admins read the trail; nothing alters it."""

from __future__ import annotations

import pytest
from dossier_audit import assert_recorded, officer_reads_and_changes, trail
from dossier_testkit import (
    ADMIN,
    CITIZEN,
    OFFICER,
    TOKENS,
    Harness,
    problem,
    published,
    snapshot,
)

from motcua_shared.chassis.auth import Role
from motcua_shared.testing import APPEND_ONLY_VIOLATIONS, assert_append_only, authorization


async def test_officers_reads_and_changes_are_recorded_and_queryable(harness: Harness) -> None:
    code = await officer_reads_and_changes(harness)
    await assert_recorded(harness, code)


async def test_the_trail_is_append_only_in_the_database(harness: Harness) -> None:
    await officer_reads_and_changes(harness)
    await assert_append_only(harness.runtime.db, APPEND_ONLY_VIOLATIONS, lambda: trail(harness))


async def test_an_admin_reading_a_citizens_draft_is_recorded_as_such(harness: Harness) -> None:
    await harness.deliver(published(snapshot()))
    draft = await harness.client.post(
        "/api/v1/dossiers/drafts", json={"procedure_code": "1.001193"}, headers=CITIZEN
    )
    assert draft.status_code == 201, draft.text
    code = draft.json()["code"]
    assert (await harness.client.get(f"/api/v1/dossiers/{code}", headers=ADMIN)).status_code == 200
    (record,) = await trail(harness, dossier=code)
    assert (record["subject"], record["role"], record["action"], record["detail"]) == (
        "admin-1",
        "admin",
        "dossier.read",
        "draft",
    )


async def test_a_refused_change_leaves_no_record(harness: Harness) -> None:
    await harness.deliver(published(snapshot()))
    code = (await harness.submit())["code"]
    problem(await harness.act(code, "approve", OFFICER), 409)
    assert await trail(harness, action="dossier.approve") == []


@pytest.mark.parametrize(
    "headers",
    [
        CITIZEN,
        OFFICER,
        authorization(TOKENS.token("integrator-1", Role.INTEGRATOR, scope="events:read webhooks:write")),
    ],
    ids=["citizen", "officer", "integrator"],
)
async def test_only_admins_read_the_trail(harness: Harness, headers: dict[str, str]) -> None:
    problem(await harness.client.get("/api/v1/audit/dossiers", headers=headers), 403)


async def test_the_trail_asks_for_credentials_and_a_valid_filter(harness: Harness) -> None:
    problem(await harness.client.get("/api/v1/audit/dossiers"), 401)
    problem(await harness.client.get("/api/v1/audit/dossiers", params={"cursor": "!"}, headers=ADMIN), 422)
    naive = {"since": "2026-12-01T00:00:00"}
    problem(await harness.client.get("/api/v1/audit/dossiers", params=naive, headers=ADMIN), 422)
    window = {"since": "2026-01-01T00:00:00+07:00", "until": "2026-01-02T00:00:00+07:00"}
    assert (await harness.client.get("/api/v1/audit/dossiers", params=window, headers=ADMIN)).json()[
        "items"
    ] == []
