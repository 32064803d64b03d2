"""The admin's staff listing and lock on PostgreSQL: the name search (Vietnamese, any case), the cursor,
and the sessions a lock ends."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from gateway.app import create_app
from gateway.identity.keyring import KeyRing
from gateway.settings import IdentitySettings, Settings
from motcua_shared.chassis.bus.local import LocalBus
from motcua_shared.chassis.settings import DbSettings
from motcua_shared.testing import authorization

pytestmark = pytest.mark.integration


async def test_staff_are_found_paged_and_locked_on_postgres(tmp_path: Path, fresh_pg_url: str) -> None:
    app = create_app(
        Settings(
            env="test",
            db=DbSettings(url=fresh_pg_url),
            identity=IdentitySettings(signing_key_path=tmp_path / "key.pem", demo_accounts=True),
        ),
        keyring=KeyRing.load(tmp_path / "key.pem", generate_missing=True),
        bus=LocalBus(None),
        configure_logs=False,
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://gw", timeout=30) as client:
            signed_in = await client.post(
                "/api/v1/auth/login", json={"username": "admin", "password": "motcua-admin"}
            )
            admin = authorization(signed_in.json()["access_token"])
            found = await client.get("/api/v1/auth/staff", params={"q": "NGUYỄN THỊ HƯƠNG"}, headers=admin)
            assert [s["username"] for s in found.json()["items"]] == ["canbo.tuphap"]
            literal = await client.get("/api/v1/auth/staff", params={"q": "canbo_"}, headers=admin)
            assert literal.json()["total"] == 0, "an underscore is a character, not a wildcard"
            names: list[str] = []
            cursor = None
            while True:
                params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
                page = (await client.get("/api/v1/auth/staff", params=params, headers=admin)).json()
                names += [s["username"] for s in page["items"]]
                cursor = page["next_cursor"]
                if cursor is None:
                    break
            assert names == sorted(names)
            assert len(names) == page["total"]
            session = await client.post(
                "/api/v1/auth/login", json={"username": "canbo.tuphap", "password": "motcua-canbo"}
            )
            officer = found.json()["items"][0]["id"]
            locked = await client.post(f"/api/v1/auth/staff/{officer}/lock", headers=admin)
            assert locked.json()["active"] is False
            refreshed = await client.post(
                "/api/v1/auth/token",
                json={"grant_type": "refresh_token", "refresh_token": session.json()["refresh_token"]},
            )
            assert refreshed.status_code == 401
