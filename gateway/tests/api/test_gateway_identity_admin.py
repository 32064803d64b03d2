"""What an admin does to staff accounts and integrator clients: list, lock, unlock, reset a password; list
clients, change their scopes or switch them off, give them a new secret. Nobody else may."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from gateway_harness import fake_catalog, gateway, running

from motcua_shared.testing import authorization


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    return gateway(tmp_path, upstream_apps={"catalog": fake_catalog({"hue.so-tu-phap": True})})


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app) as client:
        yield client


async def login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post("/api/v1/auth/login", json={"username": username, "password": password})


async def bearer(client: httpx.AsyncClient, username: str, password: str) -> dict[str, str]:
    response = await login(client, username, password)
    assert response.status_code == 200, response.text
    return authorization(response.json()["access_token"])


async def staff_named(client: httpx.AsyncClient, admin: dict[str, str], username: str) -> dict[str, Any]:
    page = await client.get("/api/v1/auth/staff", params={"q": username}, headers=admin)
    assert page.status_code == 200, page.text
    found: dict[str, Any] = next(s for s in page.json()["items"] if s["username"] == username)
    return found


async def refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post(
        "/api/v1/auth/token", json={"grant_type": "refresh_token", "refresh_token": token}
    )


async def test_staff_are_listed_by_agency_role_and_name_a_page_at_a_time(client: httpx.AsyncClient) -> None:
    admin = await bearer(client, "admin", "motcua-admin")
    everyone = await client.get("/api/v1/auth/staff", params={"limit": 200}, headers=admin)
    assert everyone.status_code == 200
    names = [s["username"] for s in everyone.json()["items"]]
    assert names == sorted(names)
    assert {"admin", "canbo.tuphap", "canbo.xaydung"} <= set(names)
    assert everyone.json()["total"] == len(names)
    assert all(s["role"] in ("officer", "admin") for s in everyone.json()["items"]), "no citizen"
    tuphap = await client.get("/api/v1/auth/staff", params={"agency_code": "hue.so-tu-phap"}, headers=admin)
    assert {s["agency_code"] for s in tuphap.json()["items"]} == {"hue.so-tu-phap"}
    admins = await client.get("/api/v1/auth/staff", params={"role": "admin"}, headers=admin)
    assert [s["username"] for s in admins.json()["items"]] == ["admin"]
    by_name = await client.get("/api/v1/auth/staff", params={"q": "HƯƠNG"}, headers=admin)
    assert "canbo.tuphap" in [s["username"] for s in by_name.json()["items"]], "a part of the name, any case"
    first = await client.get("/api/v1/auth/staff", params={"limit": 2}, headers=admin)
    second = await client.get(
        "/api/v1/auth/staff", params={"limit": 2, "cursor": first.json()["next_cursor"]}, headers=admin
    )
    assert [s["username"] for s in first.json()["items"] + second.json()["items"]] == names[:4]
    bad = await client.get("/api/v1/auth/staff", params={"cursor": "nonsense"}, headers=admin)
    assert bad.status_code == 422


async def test_a_locked_officer_cannot_sign_in_or_refresh_until_unlocked(client: httpx.AsyncClient) -> None:
    admin = await bearer(client, "admin", "motcua-admin")
    session = (await login(client, "canbo.tuphap", "motcua-canbo")).json()
    officer = await staff_named(client, admin, "canbo.tuphap")
    locked = await client.post(f"/api/v1/auth/staff/{officer['id']}/lock", headers=admin)
    assert locked.status_code == 200, locked.text
    assert locked.json()["active"] is False
    assert (await login(client, "canbo.tuphap", "motcua-canbo")).status_code == 401
    assert (await refresh(client, session["refresh_token"])).status_code == 401, "its sessions ended"
    unlocked = await client.post(f"/api/v1/auth/staff/{officer['id']}/unlock", headers=admin)
    assert unlocked.json()["active"] is True
    assert (await login(client, "canbo.tuphap", "motcua-canbo")).status_code == 200
    assert (await staff_named(client, admin, "canbo.tuphap"))["last_sign_in_at"] is not None


async def test_an_admin_cannot_lock_their_own_account(client: httpx.AsyncClient) -> None:
    admin = await bearer(client, "admin", "motcua-admin")
    own = await staff_named(client, admin, "admin")
    refused = await client.post(f"/api/v1/auth/staff/{own['id']}/lock", headers=admin)
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert (await login(client, "admin", "motcua-admin")).status_code == 200


async def test_a_reset_password_replaces_the_old_one_and_ends_its_sessions(client: httpx.AsyncClient) -> None:
    admin = await bearer(client, "admin", "motcua-admin")
    session = (await login(client, "canbo.xaydung", "motcua-canbo")).json()
    officer = await staff_named(client, admin, "canbo.xaydung")
    reset = await client.post(f"/api/v1/auth/staff/{officer['id']}/password", headers=admin)
    assert reset.status_code == 200, reset.text
    assert reset.headers["cache-control"] == "no-store"
    new_password = reset.json()["temporary_password"]
    assert len(new_password) >= 20
    assert reset.json()["staff"]["username"] == "canbo.xaydung"
    assert (await login(client, "canbo.xaydung", "motcua-canbo")).status_code == 401
    assert (await refresh(client, session["refresh_token"])).status_code == 401
    assert (await login(client, "canbo.xaydung", new_password)).status_code == 200


async def test_staff_actions_refuse_unknown_and_citizen_accounts(client: httpx.AsyncClient) -> None:
    admin = await bearer(client, "admin", "motcua-admin")
    for action in ("lock", "unlock", "password"):
        missing = await client.post(f"/api/v1/auth/staff/khong-co/{action}", headers=admin)
        assert missing.status_code == 404, action


async def test_clients_are_listed_with_the_scopes_the_platform_uses(client: httpx.AsyncClient) -> None:
    admin = await bearer(client, "admin", "motcua-admin")
    page = await client.get("/api/v1/auth/clients", headers=admin)
    assert page.status_code == 200, page.text
    demo = next(c for c in page.json()["items"] if c["client_id"] == "demo-integrator")
    assert demo["active"] is True
    assert "events:read" in demo["scopes"]
    assert "secret" not in str(page.json()).lower()
    assert {s["scope"] for s in page.json()["scopes_available"]} >= {"events:read", "webhooks:write"}


async def test_a_clients_scopes_state_and_secret_are_changed_by_an_admin(client: httpx.AsyncClient) -> None:
    admin = await bearer(client, "admin", "motcua-admin")
    grant = {"grant_type": "client_credentials", "client_id": "demo-integrator"}
    secret = "motcua-integrator-secret"
    changed = await client.patch(
        "/api/v1/auth/clients/demo-integrator", json={"scopes": ["events:read", "events:read"]}, headers=admin
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["scopes"] == ["events:read"]
    narrowed = await client.post(
        "/api/v1/auth/token", json={**grant, "client_secret": secret, "scope": "webhooks:write"}
    )
    assert narrowed.status_code == 403, "a scope taken away is no longer granted"
    off = await client.patch("/api/v1/auth/clients/demo-integrator", json={"active": False}, headers=admin)
    assert (off.json()["active"], off.json()["scopes"]) == (False, ["events:read"]), "the rest is kept"
    assert (
        await client.post("/api/v1/auth/token", json={**grant, "client_secret": secret})
    ).status_code == 401
    await client.patch("/api/v1/auth/clients/demo-integrator", json={"active": True}, headers=admin)
    rotated = await client.post("/api/v1/auth/clients/demo-integrator/secret", headers=admin)
    assert rotated.status_code == 200
    assert rotated.headers["cache-control"] == "no-store"
    assert (
        await client.post("/api/v1/auth/token", json={**grant, "client_secret": secret})
    ).status_code == 401
    fresh = {**grant, "client_secret": rotated.json()["client_secret"]}
    assert (await client.post("/api/v1/auth/token", json=fresh)).status_code == 200
    assert (await client.patch("/api/v1/auth/clients/khong-co", json={}, headers=admin)).status_code == 404
    empty = await client.patch("/api/v1/auth/clients/demo-integrator", json={"scopes": []}, headers=admin)
    assert empty.status_code == 422


async def test_only_an_admin_manages_staff_and_clients(client: httpx.AsyncClient) -> None:
    officer = await bearer(client, "canbo.tuphap", "motcua-canbo")
    admin = await bearer(client, "admin", "motcua-admin")
    target = (await staff_named(client, admin, "canbo.xaydung"))["id"]
    calls = [
        ("GET", "/api/v1/auth/staff", None),
        ("POST", f"/api/v1/auth/staff/{target}/lock", None),
        ("POST", f"/api/v1/auth/staff/{target}/unlock", None),
        ("POST", f"/api/v1/auth/staff/{target}/password", None),
        ("GET", "/api/v1/auth/clients", None),
        ("PATCH", "/api/v1/auth/clients/demo-integrator", {"active": False}),
        ("POST", "/api/v1/auth/clients/demo-integrator/secret", None),
    ]
    for method, path, body in calls:
        assert (await client.request(method, path, json=body)).status_code == 401, path
        denied = await client.request(method, path, json=body, headers=officer)
        assert denied.status_code == 403, path
    assert (await login(client, "canbo.xaydung", "motcua-canbo")).status_code == 200, "nothing changed"


async def test_a_method_a_templated_path_does_not_take_is_405_naming_only_its_own(
    client: httpx.AsyncClient,
) -> None:
    for path, allowed in (
        ("/api/v1/auth/clients/demo-integrator", "PATCH"),
        ("/api/v1/auth/staff/someone/unlock", "POST"),
    ):
        refused = await client.request("OPTIONS", path)
        assert refused.status_code == 405
        assert refused.headers["allow"] == allowed, "not the catch-all's every method"
        assert refused.headers["content-type"] == "application/problem+json"


async def test_every_answer_with_a_token_or_secret_is_kept_out_of_caches(client: httpx.AsyncClient) -> None:
    signed_in = await login(client, "admin", "motcua-admin")
    admin = authorization(signed_in.json()["access_token"])
    officer = await staff_named(client, admin, "canbo.xaydung")
    created = await client.post(
        "/api/v1/auth/clients", json={"name": "Cổng kiểm thử", "scopes": ["events:read"]}, headers=admin
    )
    assert created.status_code == 201, created.text
    answers = {
        "login": signed_in,
        "token": await client.post(
            "/api/v1/auth/token",
            json={
                "grant_type": "client_credentials",
                "client_id": "demo-integrator",
                "client_secret": "motcua-integrator-secret",
            },
        ),
        "password": await client.post(f"/api/v1/auth/staff/{officer['id']}/password", headers=admin),
        "client": created,
        "secret": await client.post(
            f"/api/v1/auth/clients/{created.json()['client_id']}/secret", headers=admin
        ),
    }
    for name, answer in answers.items():
        assert answer.status_code < 300, (name, answer.text)
        assert (answer.headers["cache-control"], answer.headers["pragma"]) == ("no-store", "no-cache"), name
