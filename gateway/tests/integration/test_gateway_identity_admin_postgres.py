"""Staff on PostgreSQL: the admin's listing and lock (the name search in Vietnamese, any case, the cursor,
the sessions a lock ends), and sign-ins that hold no database connection while they wait to hash."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from pathlib import Path
from typing import Literal

import argon2
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from gateway.app import create_app
from gateway.identity.credentials import Secrets
from gateway.identity.keyring import KeyRing
from gateway.settings import IdentitySettings, Settings
from motcua_shared.chassis.bus.local import LocalBus
from motcua_shared.chassis.settings import DbSettings
from motcua_shared.testing import authorization, eventually

pytestmark = pytest.mark.integration


def _gateway(tmp_path: Path, db: DbSettings) -> FastAPI:
    return create_app(
        Settings(
            env="test",
            db=db,
            identity=IdentitySettings(signing_key_path=tmp_path / "key.pem", demo_accounts=True),
        ),
        keyring=KeyRing.load(tmp_path / "key.pem", generate_missing=True),
        bus=LocalBus(None),
        configure_logs=False,
    )


async def test_staff_are_found_paged_and_locked_on_postgres(tmp_path: Path, fresh_pg_url: str) -> None:
    app = _gateway(tmp_path, DbSettings(url=fresh_pg_url))
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


class HeldHasher(argon2.PasswordHasher):
    """A cheap argon2id hasher whose verifications wait until released (a slow hash, on demand)."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.hashing = threading.Event()
        self.release = threading.Event()

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        """Verify once released."""
        self.hashing.set()
        self.release.wait(timeout=30)
        return super().verify(hash, password)


async def test_a_sign_in_waiting_to_hash_holds_no_database_connection(
    tmp_path: Path, fresh_pg_url: str
) -> None:
    # Three connections: the limits purge's leader keeps one for good, background work borrows one now and
    # then; two sign-ins that each kept one while hashing or waiting for the turn would take the rest, and
    # every other request would wait `pool_timeout` for a connection, then fail.
    app = _gateway(tmp_path, DbSettings(url=fresh_pg_url, pool_size=3, pool_timeout=3))
    async with app.router.lifespan_context(app):
        pool = app.state.runtime.db.engine.pool
        await eventually(lambda: pool.checkedout() >= 1, what="the purge leader's connection")
        hasher = HeldHasher()
        app.state.ports = dataclasses.replace(
            app.state.ports,
            secrets=Secrets(otp_pepper=b"pepper", hasher=hasher, hashes_at_once=1, hash_wait=30),
        )
        transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://gw", timeout=30) as client:

            async def sign_in(username: str, password: str) -> httpx.Response:
                body = {"username": username, "password": password}
                return await client.post("/api/v1/auth/login", json=body)

            hashing = asyncio.create_task(sign_in("admin", "motcua-admin"))
            assert await asyncio.to_thread(hasher.hashing.wait, 10)
            waiting = asyncio.create_task(sign_in("canbo.tuphap", "sai mật khẩu"))
            # The second has read its account and waits for the hash turn the first holds.
            await asyncio.sleep(0.5)
            assert not waiting.done()
            held = []
            for _ in range(10):
                held.append(pool.checkedout())
                await asyncio.sleep(0.05)
            assert min(held) == 1, "only the purge leader's connection is held throughout"
            async with asyncio.timeout(2), app.state.runtime.db.session() as session:
                assert await session.scalar(text("SELECT 1")) == 1, "another request gets a connection"
            hasher.release.set()
            first, second = await hashing, await waiting
        assert first.status_code == 200
        assert first.json()["access_token"]
        assert second.status_code == 401
        assert second.json()["type"].endswith("invalid-grant")
