"""Every sign-in flow and its failures: OTP, staff login, refresh rotation, clients, an external issuer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from gateway_harness import Clock, fake_catalog, gateway, outbox_events, running
from sqlalchemy import text

from gateway.settings import ExternalIssuer, IdentitySettings
from motcua_shared.chassis.auth import JwksVerifier, Role
from motcua_shared.contracts.identity import OtpRequested
from motcua_shared.testing import authorization

PHONE = "0905123456"
E164 = "+84905123456"


@pytest.fixture
def clock() -> Clock:
    return Clock()


AGENCIES = {"hue.so-tu-phap": True, "hue.so-xay-dung": True, "thuathienhue.huyen-phu-loc": False}


@pytest.fixture
def app(tmp_path: Path, clock: Clock) -> FastAPI:
    return gateway(tmp_path, clock=clock, upstream_apps={"catalog": fake_catalog(AGENCIES)})


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app) as client:
        yield client


async def claims(app: FastAPI, token: str) -> dict[str, Any]:
    """Verify ``token`` as a service would, against the gateway's JWKS."""
    ring = app.state.keyring
    header = jwt.get_unverified_header(token)
    keys = {k["kid"]: k for k in ring.jwks()["keys"]}
    decoded: dict[str, Any] = jwt.decode(
        token,
        jwt.PyJWK(keys[header["kid"]]).key,
        algorithms=["EdDSA"],
        audience="motcua",
        issuer="motcua",
        options={"verify_exp": False},
    )
    return decoded


async def ask_code(client: httpx.AsyncClient, app: FastAPI, phone: str = PHONE) -> tuple[str, str]:
    """Request an OTP; return the challenge id and the code read from the emitted event."""
    response = await client.post("/api/v1/auth/otp", json={"phone": phone})
    assert response.status_code == 202, response.text
    challenge = response.json()["challenge_id"]
    events = [e for e in await outbox_events(app, OtpRequested.TYPE) if e.subject == challenge]
    assert len(events) == 1
    return challenge, OtpRequested.model_validate(events[0].data).code


async def otp_tokens(client: httpx.AsyncClient, app: FastAPI, phone: str = PHONE) -> dict[str, Any]:
    challenge, code = await ask_code(client, app, phone)
    response = await client.post(
        "/api/v1/auth/token", json={"grant_type": "otp", "challenge_id": challenge, "code": code}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# -- citizens: OTP ---------------------------------------------------------------------------------


async def test_otp_sign_in_issues_citizen_tokens_and_emits_the_sms_event(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    challenge, code = await ask_code(client, app)
    event = (await outbox_events(app, OtpRequested.TYPE))[0]
    data = OtpRequested.model_validate(event.data)
    assert data.phone == E164, "numbers are normalised to E.164 before they leave"
    assert data.expires_at - data.requested_at == timedelta(minutes=5)
    assert event.subject == challenge
    async with app.state.runtime.db.session() as session:
        stored = (await session.execute(text("SELECT code_hash FROM otp_challenges"))).scalar_one()
    assert code not in stored, "only a keyed hash of the code is kept"
    assert len(stored) == 64

    response = await client.post(
        "/api/v1/auth/token", json={"grant_type": "otp", "challenge_id": challenge, "code": code}
    )
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["refresh_token"]
    token_claims = await claims(app, body["access_token"])
    assert token_claims["role"] == "citizen"
    assert token_claims["phone_number"] == E164
    assert "agency_code" not in token_claims
    assert body["expires_in"] == 900

    again = await otp_tokens(client, app)
    assert (await claims(app, again["access_token"]))["sub"] == token_claims["sub"], "one account per phone"

    me = await client.get("/api/v1/auth/me", headers=authorization(body["access_token"]))
    assert me.json() == {"subject": token_claims["sub"], "role": "citizen", "phone": E164}


async def test_the_otp_event_is_published_on_the_bus(client: httpx.AsyncClient, app: FastAPI) -> None:
    challenge, _ = await ask_code(client, app)
    bus = app.state.runtime.bus
    consumer = bus.consumer("test-notify", ["motcua.identity.v1"])
    await consumer.start()
    try:
        records = []
        for _ in range(50):
            records += await consumer.poll(max_records=10, timeout=0.1)
            if records:
                break
    finally:
        await consumer.stop()
    assert [r.key for r in records] == [challenge]


async def test_a_wrong_code_counts_and_five_lock_the_challenge(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    challenge, code = await ask_code(client, app)
    wrong = "000000" if code != "000000" else "111111"
    for left in (4, 3, 2, 1):
        response = await client.post(
            "/api/v1/auth/token", json={"grant_type": "otp", "challenge_id": challenge, "code": wrong}
        )
        assert response.status_code == 401
        assert response.json()["type"].endswith("/otp-wrong")
        assert f"còn {left} lần" in response.json()["detail"]
    fifth = await client.post(
        "/api/v1/auth/token", json={"grant_type": "otp", "challenge_id": challenge, "code": wrong}
    )
    assert fifth.json()["type"].endswith("/otp-locked")
    right = await client.post(
        "/api/v1/auth/token", json={"grant_type": "otp", "challenge_id": challenge, "code": code}
    )
    assert right.status_code == 401, "even the right code fails once the attempts are spent"
    assert right.json()["type"].endswith("/otp-locked")


async def test_an_expired_or_used_code_is_refused(
    client: httpx.AsyncClient, app: FastAPI, clock: Clock
) -> None:
    challenge, code = await ask_code(client, app)
    clock.advance(minutes=5)
    late = await client.post(
        "/api/v1/auth/token", json={"grant_type": "otp", "challenge_id": challenge, "code": code}
    )
    assert late.status_code == 401
    assert late.json()["type"].endswith("/otp-expired")

    challenge, code = await ask_code(client, app, "0912345678")
    body = {"grant_type": "otp", "challenge_id": challenge, "code": code}
    assert (await client.post("/api/v1/auth/token", json=body)).status_code == 200
    replay = await client.post("/api/v1/auth/token", json=body)
    assert replay.status_code == 401
    assert replay.json()["type"].endswith("/otp-locked")

    unknown = await client.post(
        "/api/v1/auth/token", json={"grant_type": "otp", "challenge_id": "nope", "code": "123456"}
    )
    assert unknown.status_code == 401


@pytest.mark.parametrize("phone", ["12345", "+1415555267", "0012345678", "09051234", "+8405123456789"])
async def test_a_phone_that_is_not_vietnamese_is_422(client: httpx.AsyncClient, phone: str) -> None:
    response = await client.post("/api/v1/auth/otp", json={"phone": phone})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


async def test_otp_requests_are_limited_per_phone_and_per_ip(tmp_path: Path) -> None:
    app = gateway(tmp_path, demo=False)
    async with running(app) as client:
        statuses = [
            (await client.post("/api/v1/auth/otp", json={"phone": PHONE})).status_code for _ in range(4)
        ]
        assert statuses == [202, 202, 202, 429], "three codes at once per phone"
        limited = await client.post("/api/v1/auth/otp", json={"phone": PHONE})
        assert limited.headers["content-type"] == "application/problem+json"
        assert int(limited.headers["retry-after"]) >= 1
        other_phones = [
            (await client.post("/api/v1/auth/otp", json={"phone": f"09051234{i:02d}"})).status_code
            for i in range(10)
        ]
        assert other_phones.count(429) >= 4, "ten requests per IP, whatever the phone"
    async with running(app, ip="198.51.100.9") as other_ip:
        response = await other_ip.post("/api/v1/auth/otp", json={"phone": "0977000111"})
        assert response.status_code == 202, "another IP has its own bucket"


# -- staff: username and password ------------------------------------------------------------------


async def login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post("/api/v1/auth/login", json={"username": username, "password": password})


async def test_an_officer_signs_in_bound_to_an_agency(client: httpx.AsyncClient, app: FastAPI) -> None:
    response = await login(client, "canbo.tuphap", "motcua-canbo")
    assert response.status_code == 200, response.text
    token_claims = await claims(app, response.json()["access_token"])
    assert token_claims["role"] == "officer"
    assert token_claims["agency_code"] == "hue.so-tu-phap"
    admin = await login(client, "admin", "motcua-admin")
    assert (await claims(app, admin.json()["access_token"]))["role"] == "admin"


def from_ip(app: FastAPI, ip: str) -> httpx.AsyncClient:
    """A client calling the (started) ``app`` from ``ip``."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(ip, 5000)), base_url="http://gw")


async def test_wrong_passwords_slow_the_guesser_and_never_lock_the_officer_out(
    app: FastAPI, clock: Clock
) -> None:
    async with (
        app.router.lifespan_context(app),
        from_ip(app, "203.0.113.66") as stranger,
        from_ip(app, "198.51.100.20") as desk,
    ):
        answers = [await login(stranger, name, "wrong") for name in ("nobody", "canbo.xaydung")]
        assert answers[0].status_code == answers[1].status_code == 401
        assert answers[0].json() | {"request_id": ""} == answers[1].json() | {"request_id": ""}, (
            "no hint whether the user exists"
        )
        for name in ("nobody", "canbo.xaydung"):
            for _ in range(4):
                await login(stranger, name, "wrong")
            await login(stranger, name, "wrong")
        held = [await login(stranger, name, "motcua-canbo") for name in ("nobody", "canbo.xaydung")]
        assert [r.status_code for r in held] == [429, 429]
        assert held[0].headers["retry-after"] == held[1].headers["retry-after"] == "1"
        assert held[0].json()["detail"] == held[1].json()["detail"]
        # The officer at their desk signs in at once, whatever the stranger did.
        assert (await login(desk, "canbo.xaydung", "motcua-canbo")).status_code == 200
        clock.advance(seconds=2)
        assert (await login(stranger, "canbo.xaydung", "motcua-canbo")).status_code == 200


async def test_logins_are_limited_per_username_and_address(tmp_path: Path) -> None:
    app = gateway(tmp_path)
    async with (
        app.router.lifespan_context(app),
        from_ip(app, "203.0.113.66") as stranger,
        from_ip(app, "198.51.100.20") as desk,
    ):
        statuses = [(await login(stranger, "admin", "bad")).status_code for _ in range(11)]
        assert statuses[-1] == 429
        assert 401 in statuses
        assert (await login(desk, "admin", "motcua-admin")).status_code == 200


# -- refresh tokens ---------------------------------------------------------------------------------


async def refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post(
        "/api/v1/auth/token", json={"grant_type": "refresh_token", "refresh_token": token}
    )


async def test_refresh_rotates_and_a_reused_token_revokes_the_family(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    first = await otp_tokens(client, app)
    second = await refresh(client, first["refresh_token"])
    assert second.status_code == 200
    rotated = second.json()
    assert rotated["refresh_token"] != first["refresh_token"]
    reused = await refresh(client, first["refresh_token"])
    assert reused.status_code == 401
    assert reused.json()["type"].endswith("/refresh-reused")
    revoked = await refresh(client, rotated["refresh_token"])
    assert revoked.status_code == 401, "the thief's rotation is dead as well"
    assert revoked.json()["type"].endswith("/refresh-expired")
    assert (await refresh(client, "made-up")).status_code == 401


async def test_refresh_tokens_expire_and_logout_ends_the_session(
    client: httpx.AsyncClient, app: FastAPI, clock: Clock
) -> None:
    tokens = await otp_tokens(client, app)
    out = await client.post("/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert out.status_code == 204
    assert (await refresh(client, tokens["refresh_token"])).json()["type"].endswith("/refresh-expired")

    tokens = await otp_tokens(client, app, "0912000111")
    clock.advance(days=31)
    late = await refresh(client, tokens["refresh_token"])
    assert late.status_code == 401
    assert late.json()["type"].endswith("/refresh-expired")


async def test_a_session_ended_by_logout_or_reuse_refuses_its_access_tokens_at_once(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    tokens = await otp_tokens(client, app)
    other = await otp_tokens(client, app, "0912000222")
    me = authorization(tokens["access_token"])
    assert (await client.get("/api/v1/auth/me", headers=me)).status_code == 200
    assert (
        await client.post("/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    ).status_code == 204
    await app.state.ports.revoked.refresh(app.state.runtime.uow())  # what every replica does every 2 s
    for path in ("/api/v1/auth/me", "/api/v1/dossiers"):
        refused = await client.get(path, headers=me)
        assert refused.status_code == 401, path
        assert refused.json()["type"].endswith("/token-revoked")
        assert refused.headers["www-authenticate"].startswith("Bearer")
    still = await client.get("/api/v1/auth/me", headers=authorization(other["access_token"]))
    assert still.status_code == 200, "another session of the platform is untouched"


async def test_an_expired_access_token_is_refused(
    client: httpx.AsyncClient, app: FastAPI, clock: Clock
) -> None:
    clock.advance(hours=-2)
    tokens = await otp_tokens(client, app)
    response = await client.get("/api/v1/auth/me", headers=authorization(tokens["access_token"]))
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


# -- integrators ------------------------------------------------------------------------------------


async def test_client_credentials_with_scopes(client: httpx.AsyncClient, app: FastAPI) -> None:
    grant = {"grant_type": "client_credentials", "client_id": "demo-integrator"}
    good = await client.post(
        "/api/v1/auth/token",
        json={**grant, "client_secret": "motcua-integrator-secret", "scope": "events:read"},
    )
    assert good.status_code == 200, good.text
    assert "refresh_token" not in good.json(), "a client asks again instead of refreshing"
    token_claims = await claims(app, good.json()["access_token"])
    assert (token_claims["role"], token_claims["scope"]) == ("integrator", "events:read")
    bad_secret = await client.post("/api/v1/auth/token", json={**grant, "client_secret": "guess"})
    assert bad_secret.status_code == 401
    bad_scope = await client.post(
        "/api/v1/auth/token",
        json={**grant, "client_secret": "motcua-integrator-secret", "scope": "admin:all"},
    )
    assert bad_scope.status_code == 403
    assert bad_scope.json()["type"].endswith("/invalid-scope")


async def test_only_an_admin_creates_clients_and_staff(client: httpx.AsyncClient, app: FastAPI) -> None:
    admin = (await login(client, "admin", "motcua-admin")).json()["access_token"]
    officer = (await login(client, "canbo.tuphap", "motcua-canbo")).json()["access_token"]
    citizen = (await otp_tokens(client, app))["access_token"]
    new_client = {"name": "Hệ thống một cửa huyện", "scopes": ["events:read"]}
    staff = {
        "username": "canbo.moi",
        "password": "mat-khau-du-dai-12",
        "role": "officer",
        "display_name": "Lê Thị Lan",
        "agency_code": "hue.so-xay-dung",
    }
    for path, body in (("/api/v1/auth/clients", new_client), ("/api/v1/auth/staff", staff)):
        assert (await client.post(path, json=body)).status_code == 401
        for token in (officer, citizen):
            assert (await client.post(path, json=body, headers=authorization(token))).status_code == 403
    created = await client.post("/api/v1/auth/clients", json=new_client, headers=authorization(admin))
    assert created.status_code == 201
    secret = created.json()["client_secret"]
    issued = await client.post(
        "/api/v1/auth/token",
        json={
            "grant_type": "client_credentials",
            "client_id": created.json()["client_id"],
            "client_secret": secret,
        },
    )
    assert issued.status_code == 200
    made = await client.post("/api/v1/auth/staff", json=staff, headers=authorization(admin))
    assert made.status_code == 201
    assert (
        await client.post("/api/v1/auth/staff", json=staff, headers=authorization(admin))
    ).status_code == 409
    no_agency = {**staff, "username": "canbo.khac", "agency_code": None}
    assert (
        await client.post("/api/v1/auth/staff", json=no_agency, headers=authorization(admin))
    ).status_code == 422
    assert (await login(client, "canbo.moi", "mat-khau-du-dai-12")).status_code == 200


@pytest.mark.parametrize(
    ("agency_code", "status"),
    [("000.00.14.H57", 422), ("thuathienhue.huyen-phu-loc", 422), ("hue.fail", 503)],
)
async def test_staff_belong_to_an_agency_the_catalogue_has_in_operation(
    client: httpx.AsyncClient, agency_code: str, status: int
) -> None:
    """Unknown and dissolved agencies are refused; when the catalogue cannot tell, nothing is created."""
    admin = (await login(client, "admin", "motcua-admin")).json()["access_token"]
    staff = {
        "username": "canbo.ma",
        "password": "mat-khau-du-dai-12",
        "role": "officer",
        "display_name": "Cán bộ",
        "agency_code": agency_code,
    }
    refused = await client.post("/api/v1/auth/staff", json=staff, headers=authorization(admin))
    assert refused.status_code == status, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    if status == 422:
        assert [e["field"] for e in refused.json()["errors"]] == ["agency_code"]
    assert (await login(client, "canbo.ma", "mat-khau-du-dai-12")).status_code == 401, "no account made"


# -- keys -------------------------------------------------------------------------------------------


async def test_rotation_keeps_old_tokens_valid_and_signs_with_the_new_key(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    admin = (await login(client, "admin", "motcua-admin")).json()["access_token"]
    old_kid = jwt.get_unverified_header(admin)["kid"]
    rotated = await client.post("/api/v1/auth/keys/rotate", headers=authorization(admin))
    assert rotated.status_code == 200
    new_kid = rotated.json()["kid"]
    kids = [k["kid"] for k in (await client.get("/.well-known/jwks.json")).json()["keys"]]
    assert kids == [new_kid, old_kid]
    assert (await client.get("/api/v1/auth/me", headers=authorization(admin))).status_code == 200
    fresh = (await login(client, "admin", "motcua-admin")).json()["access_token"]
    assert jwt.get_unverified_header(fresh)["kid"] == new_kid
    assert (tmp_path / "previous" / f"{old_kid}.pem").exists(), "a restart keeps publishing the old key"
    officer = (await login(client, "canbo.tuphap", "motcua-canbo")).json()["access_token"]
    assert (await client.post("/api/v1/auth/keys/rotate", headers=authorization(officer))).status_code == 403


async def test_a_service_verifies_the_gateways_tokens(client: httpx.AsyncClient, app: FastAPI) -> None:
    token = (await login(client, "canbo.tuphap", "motcua-canbo")).json()["access_token"]
    verifier = JwksVerifier(issuer="motcua", audience="motcua", key_source=app.state.keyring.jwks)
    principal = await verifier.verify(token)
    assert (principal.role, principal.agency_code) == (Role.OFFICER, "hue.so-tu-phap")


# -- an external issuer (VNeID-like) ---------------------------------------------------------------


def _idp() -> tuple[rsa.RSAPrivateKey, httpx.AsyncClient]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    jwk |= {"kid": "idp-1", "use": "sig", "alg": "RS256"}

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"keys": [jwk]})

    return key, httpx.AsyncClient(transport=httpx.MockTransport(handler))


def _id_token(key: rsa.RSAPrivateKey, **overrides: Any) -> str:
    now = datetime.now(UTC)
    claims = {
        "iss": "https://sso.vneid.example",
        "aud": "motcua",
        "sub": "vneid-0001",
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=5)).timestamp()),
        "phone_number": "+84905123456",
        "name": "Phạm Văn An",
        **overrides,
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "idp-1"})


async def test_a_trusted_external_issuer_signs_a_citizen_in(tmp_path: Path) -> None:
    key, http = _idp()
    identity = IdentitySettings(
        signing_key_path=tmp_path / "key.pem",
        external_issuers=[
            ExternalIssuer(
                issuer="https://sso.vneid.example",
                jwks_url="https://sso.vneid.example/jwks",
                audience="motcua",
            )
        ],
    )
    app = gateway(tmp_path, identity=identity, external_http=http)
    exchange = {
        "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
        "subject_token_type": "urn:ietf:params:oauth:token-type:id_token",
    }
    async with running(app) as client:
        good = await client.post("/api/v1/auth/token", json={**exchange, "subject_token": _id_token(key)})
        assert good.status_code == 200, good.text
        by_vneid = await claims(app, good.json()["access_token"])
        assert by_vneid["role"] == "citizen"
        by_otp = await claims(app, (await otp_tokens(client, app))["access_token"])
        assert by_otp["sub"] == by_vneid["sub"], "the same person, whichever way they sign in"

        stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        for token in (
            _id_token(key, aud="someone-else"),
            _id_token(key, iss="https://evil.example"),
            _id_token(key, exp=int((datetime.now(UTC) - timedelta(hours=1)).timestamp())),
            _id_token(stranger),
            "not-a-jwt",
        ):
            refused = await client.post("/api/v1/auth/token", json={**exchange, "subject_token": token})
            assert refused.status_code == 401, token[:20]
    await http.aclose()
