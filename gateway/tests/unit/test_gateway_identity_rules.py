"""Identity's pure rules: phone numbers, OTP hashing, challenge and lockout rules, the key ring on disk."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gateway.identity.credentials import Secrets
from gateway.identity.errors import OtpExpired, OtpLocked
from gateway.identity.keyring import KeyRing
from gateway.identity.models import Account, IntegratorClient, OtpChallenge
from gateway.identity.service import normalise_phone
from motcua_shared.chassis.errors import Conflict, Unprocessable

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("0905123456", "+84905123456"),
        ("+84905123456", "+84905123456"),
        ("84905123456", "+84905123456"),
        ("090 512 3456", "+84905123456"),
        (" 84905123456", "+84905123456"),
    ],
)
def test_vietnamese_numbers_become_e164(raw: str, e164: str) -> None:
    assert normalise_phone(raw) == e164


@pytest.mark.parametrize("raw", ["905123456", "+14155552671", "0905", "00905123456", "+840905123456"])
def test_other_numbers_are_refused(raw: str) -> None:
    with pytest.raises(Unprocessable):
        normalise_phone(raw)


@pytest.mark.parametrize("raw", ["02343822123", "+842343822123", "0243 826 4321"])
def test_no_code_is_sent_to_a_landline(raw: str) -> None:
    with pytest.raises(Unprocessable) as refused:
        normalise_phone(raw)
    assert "máy bàn" in refused.value.detail
    assert [e["field"] for e in refused.value.errors or []] == ["phone"]


def test_otp_hashes_are_keyed_and_bound_to_the_challenge() -> None:
    secrets = Secrets(otp_pepper=b"pepper")
    stored = secrets.otp_hash("c1", "123456")
    assert secrets.otp_matches("c1", "123456", stored)
    assert not secrets.otp_matches("c2", "123456", stored), "a hash cannot be moved to another challenge"
    assert Secrets(otp_pepper=b"other").otp_hash("c1", "123456") != stored
    assert all(len(Secrets.new_otp()) == 6 and Secrets.new_otp().isdigit() for _ in range(50))


def _challenge(**values: object) -> OtpChallenge:
    defaults: dict[str, object] = {
        "id": "c1",
        "phone": "+84905123456",
        "code_hash": "x",
        "purpose": "sign_in",
        "attempts": 0,
        "created_at": NOW,
        "expires_at": NOW + timedelta(minutes=5),
    }
    return OtpChallenge(**(defaults | values))


def test_a_challenge_expires_runs_out_and_is_spent_once() -> None:
    _challenge().ensure_usable(NOW + timedelta(minutes=4, seconds=59), max_attempts=5)
    with pytest.raises(OtpExpired):
        _challenge().ensure_usable(NOW + timedelta(minutes=5), max_attempts=5)
    with pytest.raises(OtpLocked):
        _challenge(attempts=5).ensure_usable(NOW, max_attempts=5)
    with pytest.raises(OtpLocked):
        _challenge(consumed_at=NOW).ensure_usable(NOW, max_attempts=5)


def test_the_key_ring_survives_a_restart_and_forgets_old_keys(tmp_path: Path) -> None:
    path = tmp_path / "gateway" / "signing-key.pem"
    ring = KeyRing.load(path, generate_missing=True)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    first = ring.current.kid
    second = ring.rotate().kid
    reloaded = KeyRing.load(path, generate_missing=False)
    assert [k["kid"] for k in reloaded.jwks()["keys"]] == [second, first]
    expired = KeyRing.load(path, generate_missing=False, retire_after=timedelta(seconds=-1))
    assert [k["kid"] for k in expired.jwks()["keys"]] == [second]
    with pytest.raises(FileNotFoundError):
        KeyRing.load(tmp_path / "missing.pem", generate_missing=False)


def test_replicas_starting_together_sign_with_one_key(tmp_path: Path) -> None:
    path = tmp_path / "gateway" / "signing-key.pem"
    with ThreadPoolExecutor(8) as pool:
        rings = list(pool.map(lambda _: KeyRing.load(path, generate_missing=True), range(8)))
    assert len({ring.current.kid for ring in rings}) == 1, (
        "every replica publishes the key the others sign with"
    )
    assert KeyRing.load(path, generate_missing=False).current.kid == rings[0].current.kid
    assert [p.name for p in path.parent.iterdir()] == ["signing-key.pem"], "no staged file left behind"


def _officer(**values: object) -> Account:
    defaults: dict[str, object] = {
        "id": "a1",
        "role": "officer",
        "username": "canbo.a",
        "active": True,
        "failed_logins": 3,
        "created_at": NOW,
    }
    return Account(**(defaults | values))


def test_staff_are_officers_and_admins_and_nobody_locks_themselves() -> None:
    assert _officer().is_staff
    assert _officer(role="admin").is_staff
    assert not _officer(role="citizen").is_staff
    account = _officer()
    account.lock(by="admin-1")
    assert account.active is False
    with pytest.raises(Conflict):
        _officer(id="admin-1", role="admin").lock(by="admin-1")
    account.unlock()
    assert (account.active, account.failed_logins) == (True, 0)


def test_a_clients_change_leaves_what_is_not_given_and_keeps_scopes_sorted_once() -> None:
    client = IntegratorClient(
        client_id="c", name="Cũ", secret_hash="h", scopes=["b"], active=True, created_at=NOW
    )
    client.change(name=None, scopes=["webhooks:write", "events:read", "events:read"], active=None)
    assert (client.name, client.scopes, client.active) == ("Cũ", ["events:read", "webhooks:write"], True)
    client.change(name="Mới", scopes=None, active=False)
    assert (client.name, client.scopes, client.active) == ("Mới", ["events:read", "webhooks:write"], False)
