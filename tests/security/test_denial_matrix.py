"""The denial matrix (issue 20): every operation the gateway exposes, tried by every kind of caller on another
citizen's real resources, against one declared table of what each caller may do.

The platform runs embedded (one process, SQLite, the in-process bus) over ASGI, seeded as ``motcua run``
seeds it. Citizen A signs in and files a dossier (with its documents, which are their wallet), opens a draft,
pays the fee by transfer slip (a payment, a slip, a refund), subscribes to push and gets a notification;
integrator 1 registers a webhook. Then each identity calls each operation of the merged OpenAPI document
with A's ids and a body that would work, and the answer's class (allowed, 401, 403, 404 as a denial) must be
the one :data:`EXPECTED` declares; no answer is a 5xx, and no answer to a stranger holds A's ids or phone
number.

The operations are enumerated from the merged document and from each service's own route table: an operation
without a declared expectation fails the test ("not covered"), and so does a declaration for an operation that
no longer exists, so the table follows the routes.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import re
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import iter_route_contexts
from journey_steps import (
    API,
    Journey,
    Person,
    documents_for,
    expect,
    new_phone,
    pdf_bytes,
    platform_over_asgi,
    png_bytes,
)

from gateway.docs.examples import EXAMPLES
from gateway.settings import DEMO_CLIENTS
from motcua.embedded import SERVICE_APPS
from motcua_shared.chassis.keys import SigningKey, issue_token
from motcua_shared.testing import Tokens, authorization, eventually

METHODS = ("get", "post", "put", "patch", "delete")

# -- who calls --------------------------------------------------------------------------------------

CITIZENS = ("a", "b")
"""``a`` owns every resource the matrix uses; ``b`` is another citizen."""
STAFF = ("own", "other", "admin")
"""An officer of the agency that handles A's dossier, an officer of another agency, an admin."""
INTEGRATORS = ("int1", "int1_events", "int1_webhooks", "int2", "int_none")
"""Integrator 1 with all its scopes (it owns the webhook), the same client holding only ``events:read`` or
only ``webhooks:write``, integrator 2 (``webhooks:write``, another client), and an integrator token without
scopes."""
BAD = ("expired", "forged", "alg_none", "revoked")
"""Tokens that must be refused: expired, signed by a key the platform does not know, unsigned (``alg: none``),
and the access token of a session that was logged out."""
IDENTITIES = ("anon", *CITIZENS, *STAFF, *INTEGRATORS, *BAD)

OK, UNAUTHENTICATED, FORBIDDEN, HIDDEN = "ok", "401", "403", "404"
"""The outcome classes. ``ok``: past every gate (a success, or a refusal of the request itself: 400, 409,
422…, never 401, 403 or 404); ``404``: the resource does not exist for this caller (how another's resource is
denied)."""

# -- what each may do ---------------------------------------------------------------------------------
#
# One line per operation: ``class:who,who`` groups; ``*`` is everyone not named before it. A revoked token
# is refused (401) everywhere; operations that declare a security requirement in OpenAPI refuse ``anon`` and
# every bad token with 401 too, so those are left out of the lines.

ALL_INTEGRATORS = ",".join(INTEGRATORS)
STAFF_AND_INTEGRATORS = f"own,other,admin,{ALL_INTEGRATORS}"
ADMIN_ONLY = f"ok:admin 403:a,b,own,other,{ALL_INTEGRATORS}"
STAFF_ONLY = f"ok:own,other,admin 403:a,b,{ALL_INTEGRATORS}"
EVERYONE = "ok:*"
NOTHING_THERE = (
    "404:*"  # public, and what it names does not exist (no push key in the embedded mode, no such id)
)
# A's dossier: A, the agency that handles it and the admin see it; to everyone else it does not exist.
DOSSIER = f"ok:a,own,admin 404:b,other,{ALL_INTEGRATORS}"
PAYMENT = DOSSIER
WEBHOOK_KINDS = "ok:int1,int1_webhooks,int2,admin 403:a,b,own,other,int1_events,int_none"
# Integrator 1's webhook: its owner with webhooks:write and the admin; another client does not see it.
WEBHOOK = "ok:int1,int1_webhooks,admin 404:int2 403:a,b,own,other,int1_events,int_none"

EXPECTED: dict[str, str] = {
    # discovery, health, documents
    "auth.jwks": EVERYONE,
    "auth.discovery": EVERYONE,
    "meta.asyncapi": EVERYONE,
    "health.alive": EVERYONE,
    "health.ready": EVERYONE,
    "gateway.openapi": EVERYONE,
    "gateway.docs": EVERYONE,
    "gateway.redoc": EVERYONE,
    "gateway.metrics": ADMIN_ONLY,
    # signing in, and who one is
    "auth.login": EVERYONE,
    "auth.logout": EVERYONE,
    "auth.request_otp": EVERYONE,
    "auth.token": EVERYONE,
    "auth.me": EVERYONE,
    # the admin's identity screens
    "auth.list_clients": ADMIN_ONLY,
    "auth.create_client": ADMIN_ONLY,
    "auth.update_client": ADMIN_ONLY,
    "auth.rotate_client_secret": ADMIN_ONLY,
    "auth.rotate_keys": ADMIN_ONLY,
    "auth.list_staff": ADMIN_ONLY,
    "auth.create_staff": ADMIN_ONLY,
    "auth.lock_staff": ADMIN_ONLY,
    "auth.reset_staff_password": ADMIN_ONLY,
    "auth.unlock_staff": ADMIN_ONLY,
    # the audit trail of who read or changed personal data
    "audit.dossiers": ADMIN_ONLY,
    "audit.webhooks": ADMIN_ONLY,
    "audit.payments": ADMIN_ONLY,
    "audit.procedures": ADMIN_ONLY,
    # dead letters (the letter named does not exist: the admin passes the gate and finds nothing)
    "ops.list_dead_letters": ADMIN_ONLY,
    "ops.replay_dead_letter": f"404:admin 403:a,b,own,other,{ALL_INTEGRATORS}",
    # the public catalogue, calendar, statistics, look-up (with A's proof) and verification
    "agencies.list": EVERYONE,
    "agencies.get": EVERYONE,
    "fields.list": EVERYONE,
    "procedures.search": EVERYONE,
    "procedures.get": EVERYONE,
    "calendar.days_off": EVERYONE,
    "calendar.due_date": EVERYONE,
    "stats.get": EVERYONE,
    "lookup.get": EVERYONE,
    # the look-up by SMS: the provider's callback, refused unsigned; the sandbox phone (development) signs
    "lookup.sms_inbound": "403:*",
    "lookup.sms_sandbox": EVERYONE,
    "verify.upload": EVERYONE,
    "verify.lookup": NOTHING_THERE,
    "verify.result": NOTHING_THERE,
    # the catalogue's administration
    "procedures.create": ADMIN_ONLY,
    "procedures.import": ADMIN_ONLY,
    "procedures.list_working_copies": ADMIN_ONLY,
    "procedures.get_working_copy": ADMIN_ONLY,
    "procedures.update": ADMIN_ONLY,
    "procedures.publish": ADMIN_ONLY,
    "procedures.withdraw": ADMIN_ONLY,
    "procedures.list_synonyms": ADMIN_ONLY,
    "procedures.put_synonym": ADMIN_ONLY,
    "procedures.delete_synonym": ADMIN_ONLY,
    # dossiers
    "dossiers.list": f"ok:a,b,own,other,admin 403:{ALL_INTEGRATORS}",
    "dossiers.submit": f"ok:a,b,own 403:other,admin,{ALL_INTEGRATORS}",
    "dossiers.create_draft": f"ok:a,b 403:{STAFF_AND_INTEGRATORS}",
    "dossiers.get": DOSSIER,
    "dossiers.timeline": DOSSIER,
    "documents.list": DOSSIER,
    "documents.download": DOSSIER,
    "papers.get": DOSSIER,
    # Receiving is the agency's; only the applicant rates. A file for a received dossier: the officer's at the
    # counter; A's and the admin's are refused for the dossier's state (409) before their party is asked.
    "dossiers.act": f"ok:own 403:a,admin 404:b,other,{ALL_INTEGRATORS}",
    "documents.upload": f"ok:own,a,admin 404:b,other,{ALL_INTEGRATORS}",
    "dossiers.rate": f"ok:a 403:own,admin 404:b,other,{ALL_INTEGRATORS}",
    # The signed result: the approving agency's officer's; A's dossier is not approved, which the service
    # answers (409) before it asks A's or the admin's party, as for a file.
    "documents.issue_result": f"ok:own,a,admin 404:b,other,{ALL_INTEGRATORS}",
    # A's draft: nobody else sees a draft, the admin included
    "dossiers.update_draft": f"ok:a 404:b,own,other,{ALL_INTEGRATORS} 403:admin",
    "dossiers.delete_draft": f"ok:a 404:b,own,other,{ALL_INTEGRATORS} 403:admin",
    "documents.reuse": f"ok:a 404:b,own,other,{ALL_INTEGRATORS} 403:admin",
    "wallet.documents": f"ok:a,b 403:{STAFF_AND_INTEGRATORS}",
    # A's upload, kept while its dossier is decided (409 for A); nobody else's to remove.
    "wallet.remove": f"ok:a 404:b 403:{STAFF_AND_INTEGRATORS}",
    # the register of the papers an agency issued: its officers' and the admin's
    "papers.register": f"ok:own,admin 403:a,b,other,{ALL_INTEGRATORS}",
    # payments
    "payments.list": EVERYONE,
    "payments.create": f"ok:a 404:b 403:{STAFF_AND_INTEGRATORS}",
    "payments.get": PAYMENT,
    "payments.receipt": PAYMENT,
    "payments.vietqr_image": PAYMENT,
    "payments.renew": f"ok:a 404:b 403:{STAFF_AND_INTEGRATORS}",
    "payments.upload_slip": f"ok:a 404:b 403:{STAFF_AND_INTEGRATORS}",
    "payments.slip_file": PAYMENT,
    "payments.confirm_slip": f"ok:own,admin 404:other 403:a,b,{ALL_INTEGRATORS}",
    "payments.reject_slip": f"ok:own,admin 404:other 403:a,b,{ALL_INTEGRATORS}",
    "payments.refund": f"ok:own,admin 404:other 403:a,b,{ALL_INTEGRATORS}",
    "payments.decide_refund": f"ok:own,admin 404:other 403:a,b,{ALL_INTEGRATORS}",
    "payments.list_anomalies": STAFF_ONLY,
    "payments.resolve_anomaly": STAFF_ONLY,
    "reconciliation.get": ADMIN_ONLY,
    "reconciliation.import_statement": ADMIN_ONLY,
    # the payment providers' callbacks (verified by signature) and the payer's return
    "payment_providers.ipn": EVERYONE,
    "payment_providers.browser_return": EVERYONE,
    "payment_providers.bank_notify": EVERYONE,
    # notifications: each caller's own inbox, preferences and push subscriptions
    "notifications.list": EVERYONE,
    "notifications.mark_read": "ok:a 404:*",
    "notifications.stream": EVERYONE,
    "notifications.create_stream_ticket": EVERYONE,
    "preferences.get": EVERYONE,
    "preferences.update": EVERYONE,
    "preferences.push_key": NOTHING_THERE,
    "preferences.list_subscriptions": EVERYONE,
    "preferences.subscribe": EVERYONE,
    "preferences.unsubscribe": "ok:a 404:*",
    "deliveries.list": STAFF_ONLY,
    "deliveries.sms_receipt": NOTHING_THERE,
    "sandbox.list_sms": EVERYONE,
    "sandbox.sms_receipt": NOTHING_THERE,
    "templates.list": ADMIN_ONLY,
    "templates.history": ADMIN_ONLY,
    "templates.update": ADMIN_ONLY,
    "templates.preview": ADMIN_ONLY,
    # webhooks
    "webhooks.list": WEBHOOK_KINDS,
    "webhooks.create": WEBHOOK_KINDS,
    "webhooks.event_types": "ok:int1,int1_events,admin 403:a,b,own,other,int1_webhooks,int2,int_none",
    "webhooks.get": WEBHOOK,
    "webhooks.update": WEBHOOK,
    "webhooks.delete": WEBHOOK,
    "webhooks.deliveries": WEBHOOK,
    "webhooks.enable": WEBHOOK,
    "webhooks.rotate_secret": WEBHOOK,
}


def expectations(operation_id: str, secured: bool) -> dict[str, str]:
    """The class each identity's answer to ``operation_id`` must have (missing identities: not declared)."""
    spec = EXPECTED[operation_id]
    declared: dict[str, str] = {"revoked": UNAUTHENTICATED}
    if secured:
        declared.update(dict.fromkeys(("anon", *BAD), UNAUTHENTICATED))
    for group in spec.split():
        kind, _, names = group.partition(":")
        assert kind in (OK, UNAUTHENTICATED, FORBIDDEN, HIDDEN), f"{operation_id}: unknown class {kind}"
        for name in names.split(","):
            if name == "*":
                declared.update({who: kind for who in IDENTITIES if who not in declared})
            else:
                assert name in IDENTITIES, f"{operation_id}: unknown identity {name}"
                declared[name] = kind
    return declared


def outcome(status: int) -> str:
    """The class of an answer."""
    if status in (401, 403, 404):
        return str(status)
    return OK


# -- the platform and A's resources ---------------------------------------------------------------

OFFICER = ("canbo.congan", "motcua-canbo")  # the city police, which issue the judicial record certificate
OTHER_OFFICER = ("canbo.xaydung", "motcua-canbo")  # the Department of Construction
ADMIN = ("admin", "motcua-admin")
SEARCH = "ly lich tu phap"
NAME_PART = "Phiếu lý lịch tư pháp cho công dân"
OTHER_PROCEDURE = "1.001193"  # birth registration: the catalogue routes edit this one, not A's


@dataclass
class World:
    """The running platform, everyone's credentials, and citizen A's resources."""

    client: httpx.AsyncClient
    tokens: dict[str, str | None]
    ids: dict[str, str]
    files: dict[str, tuple[str, bytes, str]] = field(default_factory=dict)


def _unsigned(claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


async def _client_token(client: httpx.AsyncClient, client_id: str, secret: str, scope: str | None) -> str:
    body = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    if scope:
        body["scope"] = scope
    answer = expect(await client.post(f"{API}/auth/token", json=body), 200)
    token: str = answer["access_token"]
    return token


async def _new_client(client: httpx.AsyncClient, admin: Person, name: str, scope: str) -> dict[str, Any]:
    """An integrator client the admin creates with one scope: its id and secret."""
    created: dict[str, Any] = expect(
        await client.post(
            f"{API}/auth/clients", json={"name": name, "scopes": [scope]}, headers=admin.headers
        ),
        201,
    )
    return created


async def _revoked_token(client: httpx.AsyncClient) -> str:
    """An admin's access token whose session was logged out, once the gateway refuses it (the admin's other
    sessions go on)."""
    username, password = ADMIN
    tokens = expect(
        await client.post(f"{API}/auth/login", json={"username": username, "password": password}), 200
    )
    expect(await client.post(f"{API}/auth/logout", json={"refresh_token": tokens["refresh_token"]}), 204)
    access: str = tokens["access_token"]

    async def refused() -> bool:
        return (await client.get(f"{API}/auth/me", headers=authorization(access))).status_code == 401

    await eventually(refused, what="the logged-out token refused", timeout=10, interval=0.2)
    return access


async def _resources(journey: Journey, a: Person, own: Person, admin: Person, int1: str) -> dict[str, str]:
    """Citizen A's dossier, document, draft, payment, push subscription and notification, and integrator 1's
    webhook; their ids by the path parameter (or purpose) they fill."""
    client = journey.client
    procedure = await journey.find_procedure(SEARCH, NAME_PART)
    await journey.wait_until_dossier_knows(a, procedure["code"])
    case = next(c for c in procedure["cases"] if any(ch["channel"] == "online" for ch in c["channels"]))
    files = documents_for(procedure, case["code"])
    submission = {
        "procedure_code": procedure["code"],
        "case_code": case["code"],
        "applicant": {
            "name": "Nguyễn Văn An",
            "cccd": "046190005678",
            "phone": a.phone,
            "address": "5 Hùng Vương, phường Phú Hội, thành phố Huế",
        },
        "form_data": {"muc_dich": "Bổ sung hồ sơ xin việc"},
    }
    filed = expect(await journey.submit(a, submission, files, key=f"matrix-{uuid.uuid4()}"), 201)
    stranger = {
        **submission,
        "applicant": {**submission["applicant"], "phone": "0905000000", "cccd": "046190009999"},
    }
    code = filed["code"]
    documents = expect(await client.get(f"{API}/dossiers/{code}/documents", headers=a.headers), 200)
    draft = expect(
        await client.post(
            f"{API}/dossiers/drafts", json={"procedure_code": procedure["code"]}, headers=a.headers
        ),
        201,
    )
    payment = await journey.payment_requested(a, code)
    subscription = expect(
        await client.post(
            f"{API}/me/push-subscriptions",
            json=EXAMPLES["preferences.subscribe"]["request"],
            headers=a.headers,
        ),
        201,
    )
    notifications = await journey.inbox_has(a, code, "vn.motcua.dossier.dossier.submitted.v1")
    webhook = expect(
        await client.post(
            f"{API}/webhooks", json=EXAMPLES["webhooks.create"]["request"], headers=authorization(int1)
        ),
        201,
    )
    target = expect(
        await client.post(
            f"{API}/auth/staff",
            json={**EXAMPLES["auth.create_staff"]["request"], "username": "canbo.matran"},
            headers=admin.headers,
        ),
        201,
    )
    slip = expect(
        await client.post(
            f"{API}/payments/{payment['id']}/slips",
            files={"file": ("uy-nhiem-chi.png", png_bytes(), "image/png")},
            headers=a.headers,
        ),
        201,
    )
    expect(
        await client.post(
            f"{API}/payments/{payment['id']}/slips/confirm",
            json=EXAMPLES["payments.confirm_slip"]["request"],
            headers=own.headers,
        ),
        200,
    )
    refund = expect(
        await client.post(
            f"{API}/payments/{payment['id']}/refund",
            json={"amount": 1000, "reason": "Thu thừa"},
            headers={**own.headers, "Idempotency-Key": uuid.uuid4().hex},
        ),
        201,
    )
    spare = await _new_client(client, admin, "Khách hàng dự phòng", "events:read")
    return {
        "dossier": code,
        # Filed again by others in the matrix, for an applicant who is not A.
        "submission": json.dumps(stranger, ensure_ascii=False),
        "counter_submission": json.dumps({**stranger, "channel": "counter"}, ensure_ascii=False),
        "documents": " ".join(files),
        "lookup_secret": filed["lookup_secret"],
        "document_id": documents["items"][0]["id"],
        "document_code": documents["items"][0]["document_code"],
        "draft": draft["code"],
        "procedure_code": procedure["code"],
        "payment_id": payment["id"],
        "subscription_id": subscription["id"],
        "notification_id": notifications[0]["id"],
        "subscription_webhook": webhook["id"],
        "account_id": target["id"],
        "slip_id": slip["id"],
        "refund_id": refund["refund"]["id"],
        "client_id": spare["client_id"],
    }


@contextlib.asynccontextmanager
async def _world(tmp_path: Path) -> AsyncIterator[World]:
    async with platform_over_asgi(tmp_path / "var", "http://127.0.0.1:8100", "203.0.113.9") as (app, client):
        journey = Journey(client, timeout=30)
        a = await journey.sign_in_citizen(*new_phone())
        b = await journey.sign_in_citizen(*new_phone())
        own = await journey.sign_in_staff(*OFFICER)
        other = await journey.sign_in_staff(*OTHER_OFFICER)
        admin = await journey.sign_in_staff(*ADMIN)
        demo = DEMO_CLIENTS[0]
        secret = demo.client_secret.get_secret_value()
        int1 = await _client_token(client, demo.client_id, secret, None)
        second = await _new_client(client, admin, "Cổng thứ hai", "webhooks:write")
        key = app.state.keyring.current
        now = datetime.now(UTC)
        tokens: dict[str, str | None] = {
            "anon": None,
            "a": a.token,
            "b": b.token,
            "own": own.token,
            "other": other.token,
            "admin": admin.token,
            "int1": int1,
            "int1_events": await _client_token(client, demo.client_id, secret, "events:read"),
            "int1_webhooks": await _client_token(client, demo.client_id, secret, "webhooks:write"),
            "int2": await _client_token(client, second["client_id"], second["client_secret"], None),
            "int_none": Tokens(key).token(f"client:{demo.client_id}", "integrator", scope=""),
            "expired": issue_token(
                key,
                subject=a.me["subject"],
                role="citizen",
                issuer="motcua",
                audience="motcua",
                ttl=timedelta(minutes=5),
                now=now - timedelta(hours=1),
            ),
            "forged": issue_token(
                SigningKey.generate(),
                subject="admin",
                role="admin",
                issuer="motcua",
                audience="motcua",
                ttl=timedelta(minutes=5),
            ),
            "alg_none": _unsigned(
                {
                    "sub": "admin",
                    "role": "admin",
                    "iss": "motcua",
                    "aud": "motcua",
                    "iat": int(now.timestamp()),
                    "exp": int((now + timedelta(minutes=5)).timestamp()),
                }
            ),
            "revoked": await _revoked_token(client),
        }
        ids = await _resources(journey, a, own, admin, int1)
        ids["a_phone"] = a.phone or ""
        yield World(client, tokens, ids)


@pytest.fixture(scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    """The platform with everyone signed in and A's resources, for the module."""
    # Hundreds of requests from one address: the limits have tests of their own.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GATEWAY_LIMITS__ENABLED", "false")
        async with _world(tmp_path_factory.mktemp("matrix")) as running:
            yield running


# -- the operations ---------------------------------------------------------------------------------


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """Every operation of an OpenAPI document: (path, method, operation)."""
    return [
        (path, method, operation)
        for path, item in sorted(document["paths"].items())
        for method, operation in item.items()
        if method in METHODS
    ]


ON_THE_DRAFT = {"dossiers.update_draft", "dossiers.delete_draft", "documents.reuse"}


def _path_values(path: str, operation_id: str, ids: dict[str, str]) -> dict[str, str]:
    """A's resource for each path parameter of ``path``."""
    values = {
        "payment_id": ids["payment_id"],
        "document_id": ids["document_id"],
        "subscription_id": ids["subscription_webhook"]
        if path.startswith(f"{API}/webhooks")
        else ids["subscription_id"],
        "notification_id": ids["notification_id"],
        "account_id": ids["account_id"],
        "client_id": ids["client_id"],
        "service": "dossier",
        "provider": "sandbox",
        "kind": "png",
        "paper": "receipt",
        "action": "receive",
        "channel": "sms",
        "term": "lltp",
        "letter_id": "1",
        "message_id": "1",
        "transaction_id": "1",
        "refund_id": ids["refund_id"],
        "slip_id": ids["slip_id"],
        "reference": "khong-co",
    }
    if operation_id in ON_THE_DRAFT:
        values["code"] = ids["draft"]
    elif path.startswith((f"{API}/dossiers/", f"{API}/lookup/")):
        values["code"] = ids["dossier"]
    elif path.startswith(f"{API}/procedures/"):
        values["code"] = OTHER_PROCEDURE
    elif path.startswith(f"{API}/agencies/"):
        values["code"] = "hue.cong-an"
    elif path.startswith(f"{API}/notifications/templates/"):
        values["code"] = "dossier.received"
    return values


def request_for(path: str, operation: dict[str, Any], world: World, who: str) -> tuple[str, dict[str, Any]]:
    """The URL and the request arguments that would work for A's resources."""
    ids = world.ids
    operation_id = operation["operationId"]
    values = _path_values(path, operation_id, ids)
    url = re.sub(r"\{([^}]+)\}", lambda m: values[m.group(1)], path)
    kwargs: dict[str, Any] = {}
    params = {
        p["name"]: str(p.get("example") or p.get("schema", {}).get("default") or "")
        for p in operation.get("parameters", [])
        if p["in"] == "query" and p.get("required")
    }
    params |= QUERIES.get(operation_id, {})
    if operation_id == "lookup.get":
        params["proof"] = ids["a_phone"][-4:]
    if params:
        kwargs["params"] = params
    example = EXAMPLES.get(operation_id, {}).get("request")
    body = BODIES.get(operation_id, example)
    if callable(body):
        kwargs |= body(ids, who)
    elif body is not None:
        kwargs["json"] = body
    return url, kwargs


QUERIES: dict[str, dict[str, str]] = {
    "calendar.days_off": {"from": "2026-12-01", "to": "2026-12-31"},
    "calendar.due_date": {"start": "2026-12-01", "days": "5"},
    "papers.register": {"agency": "hue.cong-an", "from": "2026-12-01", "to": "2026-12-31"},
    "reconciliation.get": {"date": "2026-12-06"},
    "reconciliation.import_statement": {"date": "2026-12-06", "provider": "sandbox"},
    "sandbox.list_sms": {"phone": "+84905000001"},
}


def _pdf_upload(ids: dict[str, str], who: str) -> dict[str, Any]:
    return {
        "data": {"document_code": ids["document_code"]},
        "files": {"file": ("bo-sung.pdf", pdf_bytes("Bo sung"), "application/pdf")},
    }


BODIES: dict[str, Any] = {
    "documents.upload": _pdf_upload,
    "lookup.sms_sandbox": lambda ids, who: {
        # Not the phone whose sandbox inbox the matrix reads: the reply names the dossier to its sender.
        "json": {"phone": "0905000009", "text": f"TRACUU {ids['dossier']} {ids['a_phone'][-4:]}"}
    },
    "documents.issue_result": lambda ids, who: {
        "files": {"file": ("ket-qua.pdf", pdf_bytes("Ket qua"), "application/pdf")}
    },
    "payments.upload_slip": lambda ids, who: {
        "files": {"file": ("uy-nhiem-chi.png", png_bytes(), "image/png")},
    },
    "verify.upload": lambda ids, who: {
        "files": {"file": ("bien-lai.pdf", pdf_bytes("x"), "application/pdf")}
    },
    "reconciliation.import_statement": lambda ids, who: {
        "content": b"txn_ref,amount\n",
        "headers": {"Content-Type": "text/csv"},
    },
    "dossiers.update_draft": {"form_data": {"muc_dich": "Xin việc"}},
    "dossiers.create_draft": lambda ids, who: {"json": {"procedure_code": ids["procedure_code"]}},
    "payments.create": lambda ids, who: {"json": {"payment_id": ids["payment_id"], "method": "vietqr"}},
    "documents.reuse": lambda ids, who: {
        "json": {"document_id": ids["document_id"], "document_code": ids["document_code"]}
    },
    "auth.token": {
        "grant_type": "client_credentials",
        "client_id": DEMO_CLIENTS[0].client_id,
        "client_secret": DEMO_CLIENTS[0].client_secret.get_secret_value(),
    },
    # Each its own browser: the same endpoint again would move A's subscription to the caller.
    "preferences.subscribe": lambda ids, who: {
        "json": {
            **EXAMPLES["preferences.subscribe"]["request"],
            "endpoint": f"https://fcm.googleapis.com/fcm/send/{uuid.uuid4().hex}",
        }
    },
    # Online by a citizen, at the counter by an officer (for their own agency's procedure only).
    "dossiers.submit": lambda ids, who: {
        "data": {"dossier": ids["counter_submission" if who in STAFF else "submission"]},
        "files": {
            code: (f"{code}.pdf", pdf_bytes("Ho so"), "application/pdf") for code in ids["documents"].split()
        },
    },
    "auth.create_staff": lambda ids, who: {
        "json": {**EXAMPLES["auth.create_staff"]["request"], "username": f"canbo.{uuid.uuid4().hex[:8]}"}
    },
}


def _order(ops: Iterable[tuple[str, str, dict[str, Any]]]) -> list[tuple[str, str, dict[str, Any]]]:
    """Deletions last, so that A's resources exist for every other operation."""
    return sorted(ops, key=lambda op: op[1] == "delete")


A_PRIVATE = (
    "dossier",
    "draft",
    "payment_id",
    "document_id",
    "notification_id",
    "subscription_id",
    "slip_id",
    "refund_id",
    "a_phone",
)
"""A's ids and phone number, which no answer to a stranger may hold."""
STRANGERS = ("anon", "b", "other", *INTEGRATORS, *BAD)
WEBHOOK_STRANGERS = ("anon", *CITIZENS, "other", "int2", *BAD)
"""The agency's officer sees, masked, every delivery about its dossiers, a webhook's included."""
SHOWS_WITH_PROOF = {"lookup.get"}
"""The public look-up shows the dossier's code (no personal data) to whoever proves they hold it."""


def _secrets_for(who: str, ids: dict[str, str]) -> dict[str, str]:
    """What an answer to ``who`` must not contain."""
    found = {name: ids[name] for name in A_PRIVATE} if who in STRANGERS else {}
    if who in WEBHOOK_STRANGERS:
        found["webhook"] = ids["subscription_webhook"]
    return found


STREAMS = {"notifications.stream"}
"""Operations that answer with an endless event stream."""


async def _call(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    headers: dict[str, str],
    kwargs: dict[str, Any],
    *,
    streams: bool,
) -> tuple[int, str]:
    """The status of one call. Over ASGI an answer arrives whole, so an event stream that opened is one that
    has not ended within a few seconds (a refusal answers at once)."""
    request = client.build_request(method, url, headers=headers, **kwargs)
    try:
        async with asyncio.timeout(1.5 if streams else None):
            response = await client.send(request)
    except TimeoutError:
        return 200, ""
    binary = not response.headers.get("content-type", "").startswith(
        ("application/json", "text/", "application/problem")
    )
    return response.status_code, "" if binary else response.text


# -- the tests --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
async def document(world: World) -> dict[str, Any]:
    """The merged OpenAPI document the platform serves."""
    served: dict[str, Any] = expect(await world.client.get("/openapi.json"), 200)
    assert "x-motcua-unavailable" not in served, "every service's document was merged"
    return served


# What the gateway serves outside the merged document (on purpose), as operations of the matrix.
UNDOCUMENTED: list[tuple[str, str, dict[str, Any]]] = [
    ("/openapi.json", "get", {"operationId": "gateway.openapi"}),
    ("/docs", "get", {"operationId": "gateway.docs"}),
    ("/redoc", "get", {"operationId": "gateway.redoc"}),
    ("/metrics", "get", {"operationId": "gateway.metrics", "security": [{"bearer": []}]}),
]

# Each service's routes its document leaves out, and why the matrix need not call them through the gateway.
INTERNAL = {
    "/openapi.json": "merged into the gateway's /openapi.json",
    "/docs": "the gateway serves its own /docs",
    "/docs/oauth2-redirect": "the gateway serves its own /docs",
    "/redoc": "the gateway serves its own /redoc",
    "/metrics": "scraped on the service's own port; the gateway's /metrics is in the matrix",
    "/api/v1/payments/providers/sandbox/site": "the sandbox provider's pages for a payer (development only)",
}
SERVICE_OWN = {"/healthz", "/readyz"}
"""Every service answers these itself; the gateway's own are in the matrix."""


def _gateway_path(service: str, path: str) -> str:
    """Where the gateway exposes a service's route (``/ops/dlq`` of dossier is ``/ops/{service}/dlq``)."""
    return "/ops/{service}/" + path.removeprefix("/ops/") if path.startswith("/ops/") else path


async def test_every_service_route_is_in_the_merged_document_or_known(document: dict[str, Any]) -> None:
    """Each service's route table, read from the app itself (what its OpenAPI document leaves out included):
    every route reaches the matrix through the merged document, or is listed above with its reason."""
    merged = {(path, method) for path, method, _ in operations(document)}
    missing: list[str] = []
    for service, factory, settings_class in SERVICE_APPS:
        app = factory(settings_class(), configure_logs=False)
        for route in iter_route_contexts(app.routes):
            path = str(route.path)
            if path in SERVICE_OWN or path in INTERNAL:
                continue
            for method in sorted(route.methods or {"*"}):
                if method == "HEAD":
                    continue
                if (_gateway_path(service, path), method.lower()) not in merged:
                    missing.append(f"{service}: {method} {path}")
    assert not missing, f"service routes the matrix does not reach (not in the merged document): {missing}"


async def test_every_operation_has_a_declared_expectation(document: dict[str, Any]) -> None:
    exposed = {operation["operationId"] for _, _, operation in [*operations(document), *UNDOCUMENTED]}
    assert not exposed - set(EXPECTED), (
        f"new routes not covered by the matrix: {sorted(exposed - set(EXPECTED))}"
    )
    assert not set(EXPECTED) - exposed, (
        f"the matrix names routes that are gone: {sorted(set(EXPECTED) - exposed)}"
    )
    for _, _, operation in [*operations(document), *UNDOCUMENTED]:
        declared = expectations(operation["operationId"], bool(operation.get("security")))
        missing = set(IDENTITIES) - set(declared)
        assert not missing, f"{operation['operationId']}: no expectation for {sorted(missing)}"


# About 1,600 calls: a minute or two on a quiet machine; the margin is for a machine busy with other work.
@pytest.mark.timeout(900)
async def test_the_matrix(world: World, document: dict[str, Any]) -> None:
    failures: list[str] = []
    for path, method, operation in _order([*operations(document), *UNDOCUMENTED]):
        operation_id = operation["operationId"]
        declared = (
            expectations(operation_id, bool(operation.get("security"))) if operation_id in EXPECTED else {}
        )
        # The refused first: what the allowed do may consume the resource (a deletion).
        order = sorted(IDENTITIES, key=lambda who: declared.get(who) == OK)
        consumed = False
        for who in order:
            url, kwargs = request_for(path, operation, world, who)
            token = world.tokens[who]
            headers = {**kwargs.pop("headers", {}), **(authorization(token) if token else {})}
            headers["Idempotency-Key"] = uuid.uuid4().hex
            status, text = await _call(
                world.client, method, url, headers, kwargs, streams=operation_id in STREAMS
            )
            label = f"{method.upper()} {path} ({operation_id}) as {who}: {status}"
            if status >= 500:
                failures.append(f"{label}: server error")
                continue
            want = declared.get(who)
            got = outcome(status)
            if want == OK and got == HIDDEN and consumed and method == "delete":
                continue  # an allowed caller before this one deleted it
            if want is not None and got != want:
                failures.append(f"{label}: expected {want}")
            if want == OK and got == OK and 200 <= status < 300:
                consumed = True
            if 200 <= status < 300 and operation_id not in SHOWS_WITH_PROOF:
                leaked = [name for name, value in _secrets_for(who, world.ids).items() if value in text]
                if leaked:
                    failures.append(f"{label}: the answer holds A's {leaked}")
    assert not failures, "\n".join(failures)
