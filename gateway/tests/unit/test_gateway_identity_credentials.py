"""Password hashing takes turns: a bounded number of argon2id hashes at once per process, then a 503."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Literal

import argon2
import pytest

from gateway.identity.credentials import Secrets
from motcua_shared.chassis.errors import Unavailable


class WatchedHasher(argon2.PasswordHasher):
    """A cheap argon2id hasher that counts its calls and how many run at once, and can be held."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.lock = threading.Lock()
        self.running = 0
        self.most = 0
        self.hashes = 0
        self.started = threading.Event()
        self.released = threading.Event()
        self.released.set()

    def _enter(self) -> None:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        self.started.set()
        self.released.wait(timeout=10)
        time.sleep(0.02)

    def _leave(self) -> None:
        with self.lock:
            self.running -= 1

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        """Hash, counted."""
        self._enter()
        try:
            self.hashes += 1
            return super().hash(password, salt=salt)
        finally:
            self._leave()

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        """Verify, counted."""
        self._enter()
        try:
            return super().verify(hash, password)
        finally:
            self._leave()


async def test_no_more_hashes_run_at_once_than_allowed() -> None:
    hasher = WatchedHasher()
    secrets = Secrets(otp_pepper=b"pepper", hasher=hasher, hashes_at_once=2, hash_wait=30)
    stored = await secrets.hash_password("mật khẩu đúng")
    results = await asyncio.gather(
        *(secrets.hash_password(f"mật khẩu {n}") for n in range(4)),
        *(secrets.verify_password(stored, "mật khẩu đúng") for _ in range(3)),
        secrets.verify_password(stored, "sai"),
    )
    assert hasher.most == 2
    assert results[4:] == [True, True, True, False]
    assert all(isinstance(h, str) and h.startswith("$argon2id$") for h in results[:4])


async def test_a_sign_in_that_finds_no_turn_in_time_is_told_to_retry() -> None:
    hasher = WatchedHasher()
    secrets = Secrets(otp_pepper=b"pepper", hasher=hasher, hashes_at_once=1, hash_wait=0.2)
    stored = await secrets.hash_password("mật khẩu")
    hasher.released.clear()
    hasher.started.clear()
    holding = asyncio.create_task(secrets.verify_password(stored, "mật khẩu"))
    assert await asyncio.to_thread(hasher.started.wait, 10)
    with pytest.raises(Unavailable) as busy:
        await secrets.verify_password(stored, "mật khẩu")
    assert busy.value.status == 503
    assert busy.value.headers == {"Retry-After": "1"}
    hasher.released.set()
    assert await holding
    assert await secrets.verify_password(stored, "mật khẩu"), "the turn is given back after the wait"


async def test_the_decoy_is_hashed_at_the_first_unknown_name_not_at_start() -> None:
    hasher = WatchedHasher()
    secrets = Secrets(otp_pepper=b"pepper", hasher=hasher)
    assert hasher.hashes == 0, "no 64 MiB hash when a replica starts"
    assert not await secrets.verify_password(None, "bất kỳ")
    assert not await secrets.verify_password(None, "bất kỳ")
    assert hasher.hashes == 1
