"""Signing keys, token verification against a JWKS, and the FastAPI auth dependencies.

Denials are tested as carefully as success: every way a token can be wrong must end in a 401 whose
reason never repeats the token, and every way a caller can reach for what is not theirs in a 403.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import httpx
import jwt
import pytest
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import Depends, FastAPI, Request, Security
from fastapi.responses import JSONResponse

from motcua_shared.chassis.auth import (
    DomainError,
    Forbidden,
    InvalidCredentials,
    JwksVerifier,
    OptionalPrincipalDep,
    Principal,
    PrincipalDep,
    Role,
    Unauthenticated,
    ensure_agency,
    ensure_owner,
    require_roles,
)
from motcua_shared.chassis.errors import Unavailable
from motcua_shared.chassis.keys import SigningKey, issue_token, jwk_thumbprint, jwks

ISSUER = "https://gateway.motcua.test"
AUDIENCE = "motcua"
JWKS_URL = "http://gateway.test/.well-known/jwks.json"
HOUR = timedelta(hours=1)


# ---------------------------------------------------------------- helpers


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _segment(obj: Mapping[str, Any]) -> str:
    return _b64(json.dumps(obj, separators=(",", ":")).encode())


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(datetime.now(UTC).timestamp())
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "citizen-1",
        "role": "citizen",
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "jti": uuid.uuid4().hex,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _token(key: SigningKey, **kw: Any) -> str:
    kw.setdefault("subject", "citizen-1")
    kw.setdefault("role", Role.CITIZEN)
    kw.setdefault("ttl", HOUR)
    return issue_token(key, issuer=ISSUER, audience=AUDIENCE, **kw)


def _hs256(header: Mapping[str, Any], claims: Mapping[str, Any], secret: bytes) -> str:
    signing_input = f"{_segment(header)}.{_segment(claims)}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(mac)}"


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class FakeGateway:
    """The gateway's JWKS endpoint, as an httpx.MockTransport handler that counts its fetches."""

    keys: list[dict[str, Any]]
    fetches: int = 0
    status: int = 200
    delay: float = 0.0
    extra_entries: list[Any] = field(default_factory=list)
    fetching: asyncio.Event = field(default_factory=asyncio.Event)
    """Set when a fetch arrives."""
    held: asyncio.Event | None = None
    """When given, a fetch answers only once it is set."""

    async def handle(self, request: httpx.Request) -> httpx.Response:
        assert str(request.url) == JWKS_URL
        self.fetches += 1
        self.fetching.set()
        if self.held is not None:
            await self.held.wait()
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.status != 200:
            return httpx.Response(self.status, json={"title": "down"})
        return httpx.Response(200, json={"keys": [*self.extra_entries, *self.keys]})

    def publish(self, *keys: SigningKey) -> None:
        self.keys = jwks(keys)["keys"]


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture(scope="module")
def other_key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _rsa_jwk(private: rsa.RSAPrivateKey, kid: str = "rsa-1") -> dict[str, Any]:
    public: dict[str, Any] = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
    return {**public, "kid": kid, "alg": "RS256", "use": "sig"}


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def gateway(key: SigningKey) -> FakeGateway:
    return FakeGateway(keys=jwks([key])["keys"])


@pytest.fixture
async def verifier(gateway: FakeGateway, clock: Clock) -> AsyncIterator[JwksVerifier]:
    client = httpx.AsyncClient(transport=httpx.MockTransport(gateway.handle))
    verifier = JwksVerifier(
        issuer=ISSUER,
        audience=AUDIENCE,
        jwks_url=JWKS_URL,
        http_client=client,
        cache_ttl=300,
        min_refetch_interval=30,
        clock=clock,
    )
    yield verifier
    await verifier.aclose()
    await client.aclose()


async def _rejected(verifier: JwksVerifier, token: str, reason: str) -> InvalidCredentials:
    with pytest.raises(InvalidCredentials) as caught:
        await verifier.verify(token)
    exc = caught.value
    assert exc.reason == reason
    assert exc.status == 401
    assert exc.type == "https://motcua.vn/problems/unauthenticated"
    assert isinstance(exc, Unauthenticated)
    assert isinstance(exc, DomainError)
    for text in (str(exc), exc.detail, repr(exc.args), json.dumps(exc.headers)):
        assert token not in text
        for part in token.split("."):
            if len(part) > 8:
                assert part not in text
    return exc


# ---------------------------------------------------------------- keys.py


def test_thumbprint_matches_rfc_8037_example() -> None:
    # RFC 8037 appendix A.1 / A.3
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
    assert jwk_thumbprint(jwk) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"

    d = base64.urlsafe_b64decode("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=")
    key = SigningKey(Ed25519PrivateKey.from_private_bytes(d))
    assert key.kid == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
    assert key.public_jwk()["x"] == jwk["x"]


def test_thumbprint_needs_the_defining_members() -> None:
    with pytest.raises(ValueError, match="x"):
        jwk_thumbprint({"kty": "OKP", "crv": "Ed25519"})


def test_public_jwk_carries_no_private_material(key: SigningKey) -> None:
    jwk = key.public_jwk()
    assert jwk == {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": jwk["x"],
        "kid": key.kid,
        "alg": "EdDSA",
        "use": "sig",
    }
    assert jwk_thumbprint(jwk) == key.kid
    assert "d" not in jwk
    assert key.kid in repr(key)
    assert "PRIVATE" not in repr(key)


def test_pem_round_trip_keeps_the_kid(key: SigningKey) -> None:
    pem = key.to_pem()
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert SigningKey.from_pem(pem).kid == key.kid
    assert SigningKey.from_pem(pem) == key

    locked = key.to_pem(password=b"correct horse")
    assert b"ENCRYPTED" in locked
    assert SigningKey.from_pem(locked, password=b"correct horse").kid == key.kid
    with pytest.raises((ValueError, TypeError)):
        SigningKey.from_pem(locked)


def test_from_pem_refuses_a_key_that_is_not_ed25519(rsa_key: rsa.RSAPrivateKey) -> None:
    pem = rsa_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(ValueError, match="Ed25519"):
        SigningKey.from_pem(pem)


def test_generated_keys_differ() -> None:
    assert SigningKey.generate().kid != SigningKey.generate().kid


def test_jwks_publishes_every_key_once(key: SigningKey, other_key: SigningKey) -> None:
    document = jwks([key, other_key, key])
    assert [k["kid"] for k in document["keys"]] == [key.kid, other_key.kid]
    assert jwt.PyJWKSet.from_dict(document)[other_key.kid].algorithm_name == "EdDSA"


def test_issue_token_sets_the_registered_claims(key: SigningKey) -> None:
    now = datetime(2025, 3, 1, 8, 0, 0, 500_000, tzinfo=UTC)
    token = issue_token(
        key,
        subject="officer-7",
        role=Role.OFFICER,
        issuer=ISSUER,
        audience=AUDIENCE,
        ttl=timedelta(minutes=15),
        agency_code="SO-TP",
        extra={"name_hint": "N."},
        now=now,
    )
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "EdDSA"
    assert header["kid"] == key.kid
    claims = jwt.decode(token, options={"verify_signature": False})
    start = int(datetime(2025, 3, 1, 8, 0, tzinfo=UTC).timestamp())
    assert claims["iss"] == ISSUER
    assert claims["aud"] == AUDIENCE
    assert claims["sub"] == "officer-7"
    assert claims["role"] == "officer"
    assert claims["agency_code"] == "SO-TP"
    assert claims["iat"] == claims["nbf"] == start
    assert claims["exp"] == start + 15 * 60
    assert len(claims["jti"]) == 32
    assert claims["name_hint"] == "N."


def test_each_token_has_its_own_jti(key: SigningKey) -> None:
    first = jwt.decode(_token(key), options={"verify_signature": False})
    second = jwt.decode(_token(key), options={"verify_signature": False})
    assert first["jti"] != second["jti"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"role": Role.OFFICER}, "agency_code"),
        ({"role": Role.OFFICER, "agency_code": ""}, "agency_code"),
        ({"role": Role.CITIZEN, "agency_code": "SO-TP"}, "agency_code"),
        ({"role": "superuser"}, "superuser"),
        ({"subject": ""}, "subject"),
        ({"ttl": timedelta(0)}, "ttl"),
        ({"extra": {"role": "admin"}}, "reserved"),
        ({"extra": {"exp": 9_999_999_999}}, "reserved"),
        ({"now": datetime(2025, 1, 1)}, "timezone"),
    ],
)
def test_issue_token_refuses_inconsistent_tokens(
    key: SigningKey, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        _token(key, **kwargs)


# ---------------------------------------------------------------- verification: success


async def test_verifies_a_citizen_token(verifier: JwksVerifier, key: SigningKey) -> None:
    token = _token(key, subject="citizen-42")
    principal = await verifier.verify(token)
    assert principal == Principal(
        subject="citizen-42",
        role=Role.CITIZEN,
        agency_code=None,
        token_id=jwt.decode(token, options={"verify_signature": False})["jti"],
    )
    assert principal.is_(Role.CITIZEN)
    assert principal.is_(Role.ADMIN, Role.CITIZEN)
    assert not principal.is_(Role.OFFICER)


async def test_verifies_an_officer_token_with_its_agency(verifier: JwksVerifier, key: SigningKey) -> None:
    principal = await verifier.verify(_token(key, subject="cb-1", role=Role.OFFICER, agency_code="UBND-HUE"))
    assert principal.role is Role.OFFICER
    assert principal.agency_code == "UBND-HUE"


async def test_accepts_rs256_from_a_published_rsa_key(
    verifier: JwksVerifier, gateway: FakeGateway, rsa_key: rsa.RSAPrivateKey
) -> None:
    gateway.keys.append(_rsa_jwk(rsa_key))
    token = jwt.encode(
        _claims(role="admin", sub="admin-1"), rsa_key, algorithm="RS256", headers={"kid": "rsa-1"}
    )
    principal = await verifier.verify(token)
    assert principal.role is Role.ADMIN


async def test_audience_may_be_one_of_several(verifier: JwksVerifier, key: SigningKey) -> None:
    token = key.sign(_claims(aud=["other-service", AUDIENCE]))
    assert (await verifier.verify(token)).subject == "citizen-1"


async def test_clock_skew_within_leeway_is_tolerated(verifier: JwksVerifier, key: SigningKey) -> None:
    now = int(datetime.now(UTC).timestamp())
    expired_just_now = key.sign(_claims(iat=now - 600, nbf=now - 600, exp=now - 2))
    issued_a_bit_ahead = key.sign(_claims(iat=now + 2, nbf=now + 2))
    await verifier.verify(expired_just_now)
    await verifier.verify(issued_a_bit_ahead)


async def test_the_leeway_is_a_few_seconds_not_half_a_minute(verifier: JwksVerifier, key: SigningKey) -> None:
    now = int(datetime.now(UTC).timestamp())
    await _rejected(verifier, key.sign(_claims(iat=now - 600, nbf=now - 600, exp=now - 10)), "expired")
    await _rejected(verifier, key.sign(_claims(iat=now + 10, nbf=now + 10)), "not_yet_valid")


async def test_agency_code_is_dropped_for_non_officers(verifier: JwksVerifier, key: SigningKey) -> None:
    principal = await verifier.verify(key.sign(_claims(agency_code="SO-TP")))
    assert principal.agency_code is None


# ---------------------------------------------------------------- verification: denials


async def test_rejects_a_token_signed_by_another_key_under_a_trusted_kid(
    verifier: JwksVerifier, key: SigningKey, other_key: SigningKey
) -> None:
    forged = jwt.encode(
        _claims(role="admin"), Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": key.kid}
    )
    await _rejected(verifier, forged, "signature")


async def test_rejects_a_tampered_payload(verifier: JwksVerifier, key: SigningKey) -> None:
    header, _, signature = _token(key).split(".")
    tampered = f"{header}.{_segment(_claims(role='admin'))}.{signature}"
    await _rejected(verifier, tampered, "signature")


async def test_rejects_an_expired_token(verifier: JwksVerifier, key: SigningKey) -> None:
    token = _token(key, ttl=timedelta(minutes=5), now=datetime.now(UTC) - timedelta(hours=2))
    await _rejected(verifier, token, "expired")


async def test_rejects_a_token_not_yet_valid(verifier: JwksVerifier, key: SigningKey) -> None:
    token = _token(key, now=datetime.now(UTC) + timedelta(minutes=10))
    await _rejected(verifier, token, "not_yet_valid")


async def test_rejects_the_wrong_audience(verifier: JwksVerifier, key: SigningKey) -> None:
    token = issue_token(key, subject="c", role=Role.CITIZEN, issuer=ISSUER, audience="someone-else", ttl=HOUR)
    await _rejected(verifier, token, "audience")


async def test_rejects_the_wrong_issuer(verifier: JwksVerifier, key: SigningKey) -> None:
    token = issue_token(
        key, subject="c", role=Role.CITIZEN, issuer="https://evil.test", audience=AUDIENCE, ttl=HOUR
    )
    await _rejected(verifier, token, "issuer")


async def test_rejects_alg_none(verifier: JwksVerifier, key: SigningKey, gateway: FakeGateway) -> None:
    for alg in ("none", "None", "NONE"):
        unsigned = (
            f"{_segment({'alg': alg, 'typ': 'JWT', 'kid': key.kid})}.{_segment(_claims(role='admin'))}."
        )
        await _rejected(verifier, unsigned, "algorithm")
    assert gateway.fetches == 0


async def test_rejects_hs256_signed_with_the_public_key_as_secret(
    verifier: JwksVerifier, key: SigningKey, gateway: FakeGateway
) -> None:
    private = serialization.load_pem_private_key(key.to_pem(), None)
    assert isinstance(private, Ed25519PrivateKey)
    public = private.public_key()
    secrets = [
        public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
        public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw),
        key.public_jwk()["x"].encode(),
        json.dumps(key.public_jwk()).encode(),
    ]
    for secret in secrets:
        for alg in ("HS256", "HS384", "HS512"):
            token = _hs256({"alg": alg, "typ": "JWT", "kid": key.kid}, _claims(role="admin"), secret)
            await _rejected(verifier, token, "algorithm")
    assert gateway.fetches == 0


async def test_rejects_hs256_even_when_the_jwks_holds_a_symmetric_key(
    verifier: JwksVerifier, gateway: FakeGateway
) -> None:
    secret = b"a-shared-secret-that-must-never-verify-anything"
    gateway.extra_entries.append({"kty": "oct", "kid": "shared", "k": _b64(secret), "alg": "HS256"})
    token = _hs256({"alg": "HS256", "kid": "shared"}, _claims(role="admin"), secret)
    await _rejected(verifier, token, "algorithm")
    # The symmetric entry is not loaded at all, so an EdDSA token naming it finds no key either.
    forged = jwt.encode(
        _claims(role="admin"), Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": "shared"}
    )
    await _rejected(verifier, forged, "unknown_key")


async def test_rejects_an_eddsa_token_naming_an_rsa_key(
    verifier: JwksVerifier, gateway: FakeGateway, rsa_key: rsa.RSAPrivateKey
) -> None:
    gateway.keys.append(_rsa_jwk(rsa_key, kid="rsa-only"))
    token = jwt.encode(
        _claims(), Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": "rsa-only"}
    )
    await _rejected(verifier, token, "algorithm")


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
async def test_rejects_an_rsa_key_that_is_too_short(verifier: JwksVerifier, gateway: FakeGateway) -> None:
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    gateway.keys.append(_rsa_jwk(weak, kid="weak"))
    token = jwt.encode(_claims(), weak, algorithm="RS256", headers={"kid": "weak"})
    await _rejected(verifier, token, "invalid")


@pytest.mark.parametrize("claim", ["exp", "iat", "sub", "role", "iss", "aud"])
async def test_rejects_a_token_missing_a_required_claim(
    verifier: JwksVerifier, key: SigningKey, claim: str
) -> None:
    await _rejected(verifier, key.sign(_claims(**{claim: None})), "missing_claim")


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"role": "superuser"}, "role"),
        ({"role": ["admin"]}, "role"),
        ({"role": "officer"}, "agency"),
        ({"role": "officer", "agency_code": ""}, "agency"),
        ({"role": "officer", "agency_code": 17}, "agency"),
        ({"sub": "  "}, "subject"),
        ({"sub": 42}, "invalid"),
        ({"iat": "yesterday"}, "invalid"),
    ],
)
async def test_rejects_bad_claim_values(
    verifier: JwksVerifier, key: SigningKey, claims: dict[str, Any], reason: str
) -> None:
    await _rejected(verifier, key.sign(_claims(**claims)), reason)


@pytest.mark.parametrize(
    "token",
    ["", "abc", "a.b.c", "a.b", "....", "eyJhbGciOiJFZERTQSJ9", "x" * 9000, "é.é.é"],
)
async def test_rejects_malformed_tokens_without_fetching_keys(
    verifier: JwksVerifier, gateway: FakeGateway, token: str
) -> None:
    with pytest.raises(InvalidCredentials) as caught:
        await verifier.verify(token)
    assert caught.value.reason in {"malformed", "algorithm"}
    assert gateway.fetches == 0


async def test_rejects_a_token_without_kid(verifier: JwksVerifier) -> None:
    token = jwt.encode(_claims(), Ed25519PrivateKey.generate(), algorithm="EdDSA")
    await _rejected(verifier, token, "unknown_key")


async def test_rejects_critical_header_extensions(verifier: JwksVerifier, key: SigningKey) -> None:
    token = jwt.encode(
        _claims(), Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": key.kid, "crit": ["exp"]}
    )
    await _rejected(verifier, token, "malformed")


# ---------------------------------------------------------------- key set: cache, rotation, rate limit


async def test_the_key_set_is_fetched_once_and_cached(
    verifier: JwksVerifier, key: SigningKey, gateway: FakeGateway, clock: Clock
) -> None:
    for _ in range(5):
        await verifier.verify(_token(key))
        clock.advance(10)
    assert gateway.fetches == 1
    clock.advance(300)
    await verifier.verify(_token(key))
    assert gateway.fetches == 2


async def test_rotation_is_picked_up_when_a_token_names_a_new_kid(
    verifier: JwksVerifier, key: SigningKey, other_key: SigningKey, gateway: FakeGateway, clock: Clock
) -> None:
    await verifier.verify(_token(key))
    clock.advance(31)
    gateway.publish(other_key, key)
    principal = await verifier.verify(_token(other_key, subject="after-rotation"))
    assert principal.subject == "after-rotation"
    assert gateway.fetches == 2
    await verifier.verify(_token(key))
    assert gateway.fetches == 2


async def test_unknown_kid_refetches_at_most_once_per_interval(
    verifier: JwksVerifier, key: SigningKey, other_key: SigningKey, gateway: FakeGateway, clock: Clock
) -> None:
    await verifier.verify(_token(key))
    assert gateway.fetches == 1
    clock.advance(31)
    stranger = SigningKey.generate()
    await _rejected(verifier, _token(stranger), "unknown_key")
    assert gateway.fetches == 2
    for _ in range(10):
        clock.advance(2)
        await _rejected(verifier, _token(SigningKey.generate()), "unknown_key")
    assert gateway.fetches == 2

    # The gateway rotates inside the quiet period: the new key is refused until the interval has passed.
    gateway.publish(other_key, key)
    await _rejected(verifier, _token(other_key), "unknown_key")
    assert gateway.fetches == 2
    clock.advance(11)
    assert (await verifier.verify(_token(other_key))).subject == "citizen-1"
    assert gateway.fetches == 3


async def test_concurrent_verifications_share_one_fetch(
    verifier: JwksVerifier, key: SigningKey, gateway: FakeGateway
) -> None:
    gateway.delay = 0.05
    principals = await asyncio.gather(*(verifier.verify(_token(key, subject=f"c-{i}")) for i in range(25)))
    assert {p.subject for p in principals} == {f"c-{i}" for i in range(25)}
    assert gateway.fetches == 1


async def test_concurrent_unknown_kids_share_one_refetch(
    verifier: JwksVerifier, key: SigningKey, other_key: SigningKey, gateway: FakeGateway, clock: Clock
) -> None:
    await verifier.verify(_token(key))
    clock.advance(60)
    gateway.publish(key, other_key)
    gateway.delay = 0.05
    results = await asyncio.gather(
        *(verifier.verify(_token(other_key)) for _ in range(10)),
        *(verifier.verify(_token(SigningKey.generate())) for _ in range(10)),
        return_exceptions=True,
    )
    assert all(isinstance(r, Principal) for r in results[:10])
    assert all(isinstance(r, InvalidCredentials) and r.reason == "unknown_key" for r in results[10:])
    assert gateway.fetches == 2


async def test_a_trusted_key_does_not_wait_for_a_refresh_in_flight(
    verifier: JwksVerifier, key: SigningKey, other_key: SigningKey, gateway: FakeGateway, clock: Clock
) -> None:
    await verifier.verify(_token(key))
    clock.advance(301)
    gateway.publish(key, other_key)
    gateway.held = asyncio.Event()
    gateway.fetching.clear()
    refreshing = asyncio.create_task(verifier.verify(_token(other_key, subject="new")))
    await gateway.fetching.wait()
    async with asyncio.timeout(10):
        assert (await verifier.verify(_token(key, subject="old"))).subject == "old"
    assert not refreshing.done()
    gateway.held.set()
    assert (await refreshing).subject == "new"
    assert gateway.fetches == 2


async def test_a_key_dropped_from_the_jwks_stops_verifying_after_refresh(
    verifier: JwksVerifier, key: SigningKey, other_key: SigningKey, gateway: FakeGateway, clock: Clock
) -> None:
    gateway.publish(key, other_key)
    await verifier.verify(_token(key))
    gateway.publish(other_key)
    clock.advance(301)
    await _rejected(verifier, _token(key), "unknown_key")
    await verifier.verify(_token(other_key))


async def test_keys_stay_in_use_while_the_gateway_is_down(
    verifier: JwksVerifier, key: SigningKey, gateway: FakeGateway, clock: Clock
) -> None:
    await verifier.verify(_token(key))
    gateway.status = 503
    clock.advance(301)
    await verifier.verify(_token(key))
    assert gateway.fetches == 2
    for _ in range(5):
        clock.advance(1)
        await verifier.verify(_token(key))
    assert gateway.fetches == 2, "a failing endpoint is retried no more often than min_refetch_interval"
    gateway.status = 200
    clock.advance(30)
    await verifier.verify(_token(key))
    assert gateway.fetches == 3


async def test_no_keys_at_all_is_unavailable_not_unauthenticated(
    verifier: JwksVerifier, key: SigningKey, gateway: FakeGateway, clock: Clock
) -> None:
    gateway.status = 500
    with pytest.raises(Unavailable) as caught:
        await verifier.verify(_token(key))
    assert caught.value.status == 503
    assert caught.value.headers is not None
    assert caught.value.headers["Retry-After"] == "30"
    with pytest.raises(Unavailable):
        await verifier.verify(_token(key))
    assert gateway.fetches == 1
    gateway.status = 200
    clock.advance(30)
    await verifier.verify(_token(key))


async def test_unusable_jwks_entries_are_skipped(
    verifier: JwksVerifier, key: SigningKey, gateway: FakeGateway, rsa_key: rsa.RSAPrivateKey
) -> None:
    leaked = SigningKey.generate()
    leaked_key = serialization.load_pem_private_key(leaked.to_pem(), None)
    assert isinstance(leaked_key, Ed25519PrivateKey)
    leaked_private = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(leaked_key))
    assert "d" in leaked_private
    gateway.extra_entries.extend(
        [
            "not a key",
            {"kty": "OKP", "crv": "Ed25519"},
            {"kty": "OKP", "crv": "Ed25519", "x": "!!!", "kid": "broken"},
            {**key.public_jwk(), "kid": "encryption", "use": "enc"},
            {**leaked_private, "kid": leaked.kid},
            {**_rsa_jwk(rsa_key, kid="mislabelled"), "alg": "EdDSA"},
        ]
    )
    await verifier.verify(_token(key))
    await _rejected(verifier, _token(leaked), "unknown_key")
    token = jwt.encode(_claims(), rsa_key, algorithm="RS256", headers={"kid": "mislabelled"})
    await _rejected(verifier, token, "unknown_key")


async def test_a_document_that_is_not_a_jwks_counts_as_a_failed_fetch(key: SigningKey, clock: Clock) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=["not", "a", "jwks"])

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        verifier = JwksVerifier(
            issuer=ISSUER, audience=AUDIENCE, jwks_url=JWKS_URL, http_client=client, clock=clock
        )
        with pytest.raises(Unavailable):
            await verifier.verify(_token(key))


async def test_a_static_key_source_sees_rotation_at_once(key: SigningKey, other_key: SigningKey) -> None:
    ring = [key]
    calls = 0

    def source() -> Mapping[str, Any]:
        nonlocal calls
        calls += 1
        return jwks(ring)

    verifier = JwksVerifier(issuer=ISSUER, audience=AUDIENCE, key_source=source)
    await verifier.verify(_token(key))
    ring.insert(0, other_key)
    assert (await verifier.verify(_token(other_key))).role is Role.CITIZEN
    await _rejected(verifier, _token(SigningKey.generate()), "unknown_key")
    assert calls == 3
    await verifier.aclose()


async def test_an_async_key_source_is_awaited(key: SigningKey) -> None:
    async def source() -> Mapping[str, Any]:
        await asyncio.sleep(0)
        return jwks([key])

    verifier = JwksVerifier(issuer=ISSUER, audience=AUDIENCE, key_source=source)
    assert (await verifier.verify(_token(key))).subject == "citizen-1"


def test_verifier_needs_exactly_one_key_origin() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        JwksVerifier(issuer=ISSUER, audience=AUDIENCE)
    with pytest.raises(ValueError, match="exactly one"):
        JwksVerifier(issuer=ISSUER, audience=AUDIENCE, jwks_url=JWKS_URL, key_source=lambda: {"keys": []})
    with pytest.raises(ValueError, match="issuer"):
        JwksVerifier(issuer="", audience=AUDIENCE, jwks_url=JWKS_URL)


# ---------------------------------------------------------------- over real HTTP


@contextlib.asynccontextmanager
async def _serve(app: Callable[..., Awaitable[None]]) -> AsyncIterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    # Listening before uvicorn starts lets the first request queue in the backlog instead of racing startup.
    sock.listen()
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


async def test_fetches_the_jwks_over_real_http_and_follows_rotation(
    key: SigningKey, other_key: SigningKey, clock: Clock
) -> None:
    ring = [key]
    jwks_app = FastAPI()

    @jwks_app.get("/.well-known/jwks.json")
    async def published() -> dict[str, Any]:
        return jwks(ring)

    async with _serve(jwks_app) as base:
        verifier = JwksVerifier(
            issuer=ISSUER, audience=AUDIENCE, jwks_url=f"{base}/.well-known/jwks.json", clock=clock
        )
        try:
            assert (await verifier.verify(_token(key))).subject == "citizen-1"
            ring.insert(0, other_key)
            clock.advance(30)
            assert (await verifier.verify(_token(other_key, subject="rotated"))).subject == "rotated"
            await _rejected(verifier, _token(SigningKey.generate()), "unknown_key")
        finally:
            await verifier.aclose()


# ---------------------------------------------------------------- ownership and agency rules

CITIZEN = Principal(subject="citizen-1", role=Role.CITIZEN)
NEIGHBOUR = Principal(subject="citizen-2", role=Role.CITIZEN)
OFFICER_A = Principal(subject="officer-a", role=Role.OFFICER, agency_code="AGENCY-A")
OFFICER_B = Principal(subject="officer-b", role=Role.OFFICER, agency_code="AGENCY-B")
ADMIN = Principal(subject="admin-1", role=Role.ADMIN)
INTEGRATOR = Principal(subject="portal", role=Role.INTEGRATOR)


def test_an_officer_principal_needs_an_agency() -> None:
    with pytest.raises(ValueError, match="agency_code"):
        Principal(subject="o", role=Role.OFFICER)


def test_ensure_owner() -> None:
    ensure_owner(CITIZEN, "citizen-1")
    ensure_owner(ADMIN, "citizen-1")
    for principal in (NEIGHBOUR, OFFICER_A, INTEGRATOR):
        with pytest.raises(Forbidden) as caught:
            ensure_owner(principal, "citizen-1")
        assert caught.value.status == 403
    # An officer whose subject happens to equal the owner's is still not the owner.
    with pytest.raises(Forbidden):
        ensure_owner(Principal(subject="citizen-1", role=Role.OFFICER, agency_code="A"), "citizen-1")
    with pytest.raises(Forbidden):
        ensure_owner(Principal(subject="", role=Role.CITIZEN), "")


def test_ensure_agency() -> None:
    ensure_agency(OFFICER_A, "AGENCY-A")
    ensure_agency(ADMIN, "AGENCY-A")
    for principal in (OFFICER_B, CITIZEN, INTEGRATOR):
        with pytest.raises(Forbidden) as caught:
            ensure_agency(principal, "AGENCY-A")
        assert caught.value.status == 403
        assert "AGENCY" not in caught.value.detail


# ---------------------------------------------------------------- FastAPI dependencies over ASGI


def _app(verifier: JwksVerifier | None) -> FastAPI:
    app = FastAPI()
    if verifier is not None:
        app.state.verifier = verifier

    @app.exception_handler(DomainError)
    async def problem(request: Request, exc: DomainError) -> JSONResponse:
        body = {"type": exc.type, "title": exc.title, "status": exc.status, "detail": exc.detail}
        return JSONResponse(
            body, status_code=exc.status, headers=exc.headers, media_type="application/problem+json"
        )

    @app.get("/me")
    async def me(who: PrincipalDep) -> dict[str, Any]:
        return {"subject": who.subject, "role": who.role, "agency_code": who.agency_code}

    @app.get("/maybe")
    async def maybe(who: OptionalPrincipalDep) -> dict[str, Any]:
        return {"subject": who.subject if who else None}

    @app.get("/queue")
    async def queue(
        who: Annotated[Principal, Depends(require_roles(Role.OFFICER, Role.ADMIN))],
    ) -> dict[str, str]:
        return {"subject": who.subject}

    @app.post("/hooks")
    async def hooks(
        who: Annotated[
            Principal, Security(require_roles(Role.INTEGRATOR, Role.ADMIN), scopes=["webhooks:write"])
        ],
    ) -> dict[str, str]:
        return {"subject": who.subject}

    @app.get("/dossiers/{owner}")
    async def dossier(owner: str, who: PrincipalDep) -> dict[str, str]:
        ensure_owner(who, owner)
        return {"owner": owner}

    @app.get("/agencies/{code}/work")
    async def work(code: str, who: PrincipalDep) -> dict[str, str]:
        ensure_agency(who, code)
        return {"agency": code}

    return app


@pytest.fixture
async def api(verifier: JwksVerifier) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=_app(verifier))
    async with httpx.AsyncClient(transport=transport, base_url="http://svc.test") as client:
        yield client


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _assert_401(response: httpx.Response) -> None:
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == "https://motcua.vn/problems/unauthenticated"
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_api_returns_the_principal(api: httpx.AsyncClient, key: SigningKey) -> None:
    token = _token(key, subject="cb-9", role=Role.OFFICER, agency_code="SO-TP")
    response = await api.get("/me", headers=_bearer(token))
    assert response.status_code == 200
    assert response.json() == {"subject": "cb-9", "role": "officer", "agency_code": "SO-TP"}
    lower = await api.get("/me", headers={"Authorization": f"bearer {token}"})
    assert lower.status_code == 200


async def test_api_missing_header_is_401_with_a_bearer_challenge(api: httpx.AsyncClient) -> None:
    response = await api.get("/me")
    _assert_401(response)
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "value", ["", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc", "Bearer a b", "Bearerabc.def.ghi"]
)
async def test_api_malformed_header_is_401(api: httpx.AsyncClient, value: str) -> None:
    response = await api.get("/me", headers={"Authorization": value})
    _assert_401(response)
    assert 'error="invalid_request"' in response.headers["www-authenticate"]


async def test_api_two_authorization_headers_are_refused(api: httpx.AsyncClient, key: SigningKey) -> None:
    token = _token(key)
    response = await api.get(
        "/me", headers=[("Authorization", f"Bearer {token}"), ("Authorization", "Bearer x")]
    )
    _assert_401(response)


async def test_api_invalid_token_is_401_and_never_echoed(api: httpx.AsyncClient, key: SigningKey) -> None:
    token = _token(key, ttl=timedelta(minutes=1), now=datetime.now(UTC) - HOUR)
    response = await api.get("/me", headers=_bearer(token))
    _assert_401(response)
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert token not in response.text
    assert token.split(".")[1] not in response.text


async def test_api_optional_principal(api: httpx.AsyncClient, key: SigningKey) -> None:
    anonymous = await api.get("/maybe")
    assert anonymous.json() == {"subject": None}
    known = await api.get("/maybe", headers=_bearer(_token(key)))
    assert known.json() == {"subject": "citizen-1"}
    # A bad token is not quietly treated as anonymous.
    _assert_401(await api.get("/maybe", headers=_bearer(key.sign(_claims(aud="elsewhere")))))
    _assert_401(await api.get("/maybe", headers={"Authorization": "Basic Zm9vOmJhcg=="}))


async def test_api_require_roles(api: httpx.AsyncClient, key: SigningKey) -> None:
    officer = _token(key, subject="cb-1", role=Role.OFFICER, agency_code="A")
    assert (await api.get("/queue", headers=_bearer(officer))).status_code == 200
    assert (await api.get("/queue", headers=_bearer(_token(key, role=Role.ADMIN)))).status_code == 200
    for role in (Role.CITIZEN, Role.INTEGRATOR):
        denied = await api.get("/queue", headers=_bearer(_token(key, role=role)))
        assert denied.status_code == 403
        assert denied.json()["type"] == "https://motcua.vn/problems/forbidden"
    _assert_401(await api.get("/queue"))


async def test_an_integrator_needs_every_scope_the_operation_declares(
    api: httpx.AsyncClient, key: SigningKey
) -> None:
    def integrator(scope: str | None) -> dict[str, str]:
        extra = {"scope": scope} if scope is not None else None
        return _bearer(_token(key, subject="client:portal", role=Role.INTEGRATOR, extra=extra))

    for scope in (None, "", "events:read", "webhooks:read dossiers:read", "webhooks:writes"):
        denied = await api.post("/hooks", headers=integrator(scope))
        assert denied.status_code == 403
        assert denied.json()["type"] == "https://motcua.vn/problems/insufficient-scope"
        assert (
            denied.headers["www-authenticate"] == 'Bearer error="insufficient_scope", scope="webhooks:write"'
        )
    assert (await api.post("/hooks", headers=integrator("events:read webhooks:write"))).status_code == 200
    # Scopes limit integrators; an admin acts by role, and a scope claim gives a citizen nothing.
    assert (await api.post("/hooks", headers=_bearer(_token(key, role=Role.ADMIN)))).status_code == 200
    citizen = _token(key, role=Role.CITIZEN, extra={"scope": "webhooks:write"})
    assert (await api.post("/hooks", headers=_bearer(citizen))).status_code == 403
    document = (await api.get("/openapi.json")).json()
    assert document["paths"]["/hooks"]["post"]["security"] == [{"bearer": ["webhooks:write"]}]


async def test_the_token_scope_claim_reaches_only_an_integrator_principal(
    verifier: JwksVerifier, key: SigningKey
) -> None:
    extra = {"scope": "events:read webhooks:write"}
    integrator = await verifier.verify(_token(key, subject="client:x", role=Role.INTEGRATOR, extra=extra))
    assert integrator.scopes == {"events:read", "webhooks:write"}
    assert (await verifier.verify(_token(key, role=Role.CITIZEN, extra=extra))).scopes == frozenset()


def test_require_roles_needs_a_role() -> None:
    with pytest.raises(ValueError, match="at least one"):
        require_roles()


async def test_api_citizen_is_denied_another_citizens_dossier(
    api: httpx.AsyncClient, key: SigningKey
) -> None:
    mine = _token(key, subject="citizen-1")
    assert (await api.get("/dossiers/citizen-1", headers=_bearer(mine))).status_code == 200
    denied = await api.get("/dossiers/citizen-2", headers=_bearer(mine))
    assert denied.status_code == 403
    assert denied.json()["type"] == "https://motcua.vn/problems/forbidden"
    assert (
        await api.get("/dossiers/citizen-2", headers=_bearer(_token(key, role=Role.ADMIN)))
    ).status_code == 200


async def test_api_officer_is_denied_another_agencys_work(api: httpx.AsyncClient, key: SigningKey) -> None:
    officer_a = _token(key, subject="cb-a", role=Role.OFFICER, agency_code="AGENCY-A")
    assert (await api.get("/agencies/AGENCY-A/work", headers=_bearer(officer_a))).status_code == 200
    denied = await api.get("/agencies/AGENCY-B/work", headers=_bearer(officer_a))
    assert denied.status_code == 403
    assert (await api.get("/agencies/AGENCY-B/work", headers=_bearer(_token(key)))).status_code == 403
    assert (
        await api.get("/agencies/AGENCY-B/work", headers=_bearer(_token(key, role=Role.ADMIN)))
    ).status_code == 200


async def test_api_documents_the_bearer_scheme(api: httpx.AsyncClient) -> None:
    schema = (await api.get("/openapi.json")).json()
    assert schema["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "Access token issued by the gateway's identity (EdDSA or RS256).",
    }
    assert schema["paths"]["/me"]["get"]["security"] == [{"bearer": []}]


async def test_api_without_a_verifier_is_a_wiring_error(key: SigningKey) -> None:
    transport = httpx.ASGITransport(app=_app(None))
    async with httpx.AsyncClient(transport=transport, base_url="http://svc.test") as client:
        with pytest.raises(RuntimeError, match=r"app\.state\.verifier"):
            await client.get("/me", headers=_bearer(_token(key)))


# ---------------------------------------------------------------- verified tokens remembered


def _spy_on_signature_checks(verifier: JwksVerifier, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    checks: list[str] = []
    real = verifier._decode

    def decode(token: str, key: jwt.PyJWK, alg: str) -> dict[str, Any]:
        checks.append("decode")
        return real(token, key, alg)

    monkeypatch.setattr(verifier, "_decode", decode)
    return checks


async def test_a_verified_token_is_answered_without_checking_its_signature_again(
    verifier: JwksVerifier, key: SigningKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = _token(key, subject="again")
    first = await verifier.verify(token)
    checks = _spy_on_signature_checks(verifier, monkeypatch)
    assert await verifier.verify(token) == first
    assert checks == []


async def test_a_remembered_token_is_checked_again_after_the_ttl(
    verifier: JwksVerifier, key: SigningKey, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = _token(key)
    await verifier.verify(token)
    checks = _spy_on_signature_checks(verifier, monkeypatch)
    clock.advance(JwksVerifier.VERIFIED_TTL + 1)
    await verifier.verify(token)
    assert checks == ["decode"]


async def test_a_token_is_not_remembered_past_its_expiry(
    verifier: JwksVerifier, key: SigningKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = _token(key, ttl=timedelta(seconds=60))
    await verifier.verify(token)
    checks = _spy_on_signature_checks(verifier, monkeypatch)
    later = time.time() + 120  # past the token's expiry, as far as the memory is concerned
    monkeypatch.setattr("motcua_shared.chassis.auth.time.time", lambda: later)
    await verifier.verify(token)  # PyJWT, on the real clock, still accepts it; but it was checked again
    assert checks == ["decode"]


async def test_a_remembered_token_whose_key_left_the_key_set_is_refused(
    verifier: JwksVerifier, key: SigningKey, other_key: SigningKey, gateway: FakeGateway, clock: Clock
) -> None:
    token = _token(key)
    await verifier.verify(token)
    gateway.publish(other_key)  # the gateway retired the key
    clock.advance(301)  # the key set is reloaded on the next verification that needs it
    await verifier.verify(_token(other_key))
    await _rejected(verifier, token, "unknown_key")
