"""Integrator webhooks: signed per Standard Webhooks (checked here by an independent verifier), redacted,
retried, disabled after a run of failures, rotated; and only the owner sees a subscription."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from notify_testkit import TOKENS, StartNotify

from motcua.infra.ports import free_port
from motcua_shared.contracts.dossier import DossierReceived, DossierSubmitted
from motcua_shared.contracts.examples import examples
from motcua_shared.testing import authorization
from notify_svc.settings import RetrySettings, WebhookSettings

EX = examples()
INTEGRATOR = authorization(TOKENS.token("portal-quoc-gia", "integrator", scope="events:read webhooks:write"))
OTHER_INTEGRATOR = authorization(TOKENS.token("analytics", "integrator", scope="webhooks:write"))
READER = authorization(TOKENS.token("analytics", "integrator", scope="events:read"))


def verify_standard_webhook(
    secret: str, headers: dict[str, str], body: bytes, *, tolerance: int = 300
) -> bool:
    """Standard Webhooks verification, written from the specification (not the service's signer):
    HMAC-SHA256 keyed by base64-decoded ``whsec_`` secret over ``id.timestamp.body``; any one of the
    space-delimited ``v1,`` signatures may match; the timestamp must be recent."""
    msg_id, timestamp = headers["webhook-id"], headers["webhook-timestamp"]
    if abs(time.time() - int(timestamp)) > tolerance:
        return False
    key = base64.b64decode(secret.split("_", 1)[1])
    expected = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    for candidate in headers["webhook-signature"].split(" "):
        version, _, signature = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(base64.b64decode(signature), expected):
            return True
    return False


class Endpoint:
    """An integrator's HTTP endpoint on a real socket."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.status = 204
        self.port = free_port()

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append(({k.lower(): v for k, v in request.headers.items()}, await request.read()))
        return web.Response(status=self.status)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"


@pytest.fixture
async def endpoint() -> AsyncIterator[Endpoint]:
    hook = Endpoint()
    app = web.Application()
    app.router.add_post("/hooks", hook.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", hook.port).start()
    try:
        yield hook
    finally:
        await runner.cleanup()


async def subscribe(n: Any, url: str, types: list[str]) -> dict[str, Any]:
    response = await n.client.post(
        "/api/v1/webhooks", json={"url": url, "event_types": types}, headers=INTEGRATOR
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_deliveries_are_signed_and_carry_no_personal_data(
    start_notify: StartNotify, endpoint: Endpoint
) -> None:
    n = await start_notify()
    sub = await subscribe(n, endpoint.url, [DossierSubmitted.TYPE])
    assert sub["secret"].startswith("whsec_")
    envelope = await n.deliver(EX[DossierSubmitted.TYPE])
    await n.deliver(EX[DossierReceived.TYPE])  # not subscribed
    await n.dispatch()
    [(headers, body)] = endpoint.requests
    assert verify_standard_webhook(sub["secret"], headers, body)
    assert not verify_standard_webhook("whsec_" + base64.b64encode(b"x" * 32).decode(), headers, body)
    event = json.loads(body)
    assert (event["id"], event["type"]) == (envelope.id, DossierSubmitted.TYPE)
    assert "applicant" not in event["data"], "the applicant's contact is personal data"
    assert event["data"]["dossier_code"] == "hue.xa.thuan-hoa-250804-0118"
    assert "Trần Thị Thu Hà" not in body.decode()

    rotated = await n.client.post(f"/api/v1/webhooks/{sub['id']}/rotate-secret", headers=INTEGRATOR)
    assert rotated.status_code == 200
    assert rotated.json()["secret"] != sub["secret"]
    await n.deliver(EX[DossierSubmitted.TYPE])
    await n.dispatch()
    headers, body = endpoint.requests[-1]
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert verify_standard_webhook(sub["secret"], headers, body), "the old secret still verifies"
    assert verify_standard_webhook(rotated.json()["secret"], headers, body)


async def test_a_failing_endpoint_is_retried_then_disabled(
    start_notify: StartNotify, endpoint: Endpoint
) -> None:
    endpoint.status = 500
    n = await start_notify(
        webhooks=WebhookSettings(
            retry=RetrySettings(max_attempts=10, initial=10.0, maximum=10.0), disable_after_failures=3
        )
    )
    sub = await subscribe(n, endpoint.url, [DossierSubmitted.TYPE, DossierReceived.TYPE])
    await n.deliver(EX[DossierSubmitted.TYPE])
    for _ in range(3):
        assert await n.dispatch() == 1
        n.clock.advance(timedelta(seconds=11))
    await n.deliver(EX[DossierReceived.TYPE])
    await n.dispatch()
    assert len(endpoint.requests) == 3, "nothing more goes to a disabled subscription"
    ids = {headers["webhook-id"] for headers, _ in endpoint.requests}
    assert len(ids) == 1, "a retry keeps its webhook-id"

    state = (await n.client.get(f"/api/v1/webhooks/{sub['id']}", headers=INTEGRATOR)).json()
    assert state["status"] == "disabled"
    assert state["consecutive_failures"] == 3
    log = (await n.client.get(f"/api/v1/webhooks/{sub['id']}/deliveries", headers=INTEGRATOR)).json()
    [delivery] = log["items"]
    assert delivery["status"] == "failed"
    assert [a["status_code"] for a in delivery["log"]] == [500, 500, 500]

    endpoint.status = 200
    enabled = await n.client.post(f"/api/v1/webhooks/{sub['id']}/enable", headers=INTEGRATOR)
    assert enabled.json()["status"] == "active"
    await n.deliver(EX[DossierReceived.TYPE])
    await n.dispatch()
    assert len(endpoint.requests) == 4


async def test_subscriptions_belong_to_their_integrator(
    start_notify: StartNotify, endpoint: Endpoint
) -> None:
    n = await start_notify()
    sub = await subscribe(n, endpoint.url, [DossierSubmitted.TYPE])
    assert (await n.client.get(f"/api/v1/webhooks/{sub['id']}", headers=OTHER_INTEGRATOR)).status_code == 404
    assert (await n.client.get("/api/v1/webhooks", headers=OTHER_INTEGRATOR)).json()["total"] == 0
    listed = (await n.client.get("/api/v1/webhooks", headers=INTEGRATOR)).json()
    assert listed["total"] == 1
    assert "secret" not in listed["items"][0]
    citizen = await n.client.post(
        "/api/v1/webhooks", json={"url": endpoint.url, "event_types": [DossierSubmitted.TYPE]},
        headers=TOKENS.bearer("citizen-1"),
    )  # fmt: skip
    assert citizen.status_code == 403
    secret_topic = await n.client.post(
        "/api/v1/webhooks",
        json={"url": endpoint.url, "event_types": ["vn.motcua.identity.otp.requested.v1"]},
        headers=INTEGRATOR,
    )
    assert secret_topic.status_code == 422
    assert secret_topic.json()["errors"][0]["field"] == "event_types"
    bad_url = await n.client.post(
        "/api/v1/webhooks", json={"url": "ftp://x.vn/a", "event_types": [DossierSubmitted.TYPE]},
        headers=INTEGRATOR,
    )  # fmt: skip
    assert bad_url.status_code == 422
    deleted = await n.client.delete(f"/api/v1/webhooks/{sub['id']}", headers=OTHER_INTEGRATOR)
    assert deleted.status_code == 404
    assert (await n.client.delete(f"/api/v1/webhooks/{sub['id']}", headers=INTEGRATOR)).status_code == 204


async def test_a_token_without_the_webhooks_scope_manages_no_subscription(
    start_notify: StartNotify, endpoint: Endpoint
) -> None:
    n = await start_notify()
    sub = await subscribe(n, endpoint.url, [DossierSubmitted.TYPE])
    listed = await n.client.get("/api/v1/webhooks/event-types", headers=READER)
    assert listed.status_code == 200
    assert DossierSubmitted.TYPE in listed.json()["items"]
    attempts = [
        n.client.post("/api/v1/webhooks", json={"url": endpoint.url, "event_types": [DossierSubmitted.TYPE]},
                      headers=READER),
        n.client.get("/api/v1/webhooks", headers=READER),
        n.client.patch(f"/api/v1/webhooks/{sub['id']}", json={"description": "x"}, headers=READER),
        n.client.post(f"/api/v1/webhooks/{sub['id']}/rotate-secret", headers=READER),
        n.client.delete(f"/api/v1/webhooks/{sub['id']}", headers=READER),
    ]  # fmt: skip
    for attempt in attempts:
        denied = await attempt
        assert denied.status_code == 403
        assert denied.json()["type"] == "https://motcua.vn/problems/insufficient-scope"
    no_events = authorization(TOKENS.token("portal-quoc-gia", "integrator", scope="webhooks:write"))
    assert (await n.client.get("/api/v1/webhooks/event-types", headers=no_events)).status_code == 403
    assert (await n.client.get(f"/api/v1/webhooks/{sub['id']}", headers=INTEGRATOR)).status_code == 200


async def test_an_admins_power_over_any_subscription_is_audited_and_only_admins_read_the_trail(
    start_notify: StartNotify, endpoint: Endpoint
) -> None:
    n = await start_notify()
    sub = await subscribe(n, endpoint.url, [DossierSubmitted.TYPE])
    admin = {**TOKENS.bearer("ops", "admin"), "X-Forwarded-For": "203.0.113.9", "X-Request-ID": "req-hook-1"}
    assert (await n.client.get(f"/api/v1/webhooks/{sub['id']}", headers=INTEGRATOR)).status_code == 200
    assert (await n.client.get(f"/api/v1/webhooks/{sub['id']}", headers=admin)).status_code == 200
    changed = await n.client.patch(
        f"/api/v1/webhooks/{sub['id']}", json={"description": "Hỗ trợ"}, headers=admin
    )
    assert changed.status_code == 200, changed.text
    trail = await n.client.get("/api/v1/audit/webhooks", params={"subscription": sub["id"]}, headers=admin)
    assert trail.status_code == 200, trail.text
    assert trail.headers["cache-control"] == "no-store"
    records = trail.json()["items"]
    assert [(r["action"], r["subject"], r["role"]) for r in records] == [
        ("webhook.update", "ops", "admin"),
        ("webhook.read", "ops", "admin"),
    ], "the admin's read and change, newest first; not the owner's own read"
    assert {(r["client"], r["request_id"], r["detail"]) for r in records} == {
        ("203.0.113.9", "req-hook-1", "owner portal-quoc-gia")
    }
    for headers in (
        INTEGRATOR,
        TOKENS.bearer("citizen-1"),
        TOKENS.bearer("canbo", "officer", "hue.so-tu-phap"),
    ):
        assert (await n.client.get("/api/v1/audit/webhooks", headers=headers)).status_code == 403
    assert (await n.client.get("/api/v1/audit/webhooks")).status_code == 401
