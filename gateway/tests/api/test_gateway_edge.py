"""The public edge: SSE through the proxy, an upstream that goes down and comes back, body limits,
security headers, CORS, and the rate limits on lookups and writes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import StreamingResponse
from gateway_harness import gateway, running

from gateway.settings import Bucket, EdgeSettings, RateLimitSettings, Upstreams
from motcua.infra.ports import free_port
from motcua_shared.chassis.keys import SigningKey, issue_token
from motcua_shared.testing import authorization


def service() -> FastAPI:
    app = FastAPI()

    @app.get("/api/v1/stream")
    async def stream(request: Request) -> StreamingResponse:
        async def events() -> AsyncIterator[bytes]:
            for i in range(3):
                yield f'id: {i}\nevent: notification\ndata: {{"n": {i}}}\n\n'.encode()
                await asyncio.sleep(0.05)
            while not await request.is_disconnected():
                yield b": keep-alive\n\n"
                await asyncio.sleep(0.05)

        return StreamingResponse(events(), media_type="text/event-stream")

    @app.api_route("/api/v1/dossiers", methods=["GET", "POST"])
    async def dossiers(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    @app.get("/api/v1/lookup/{code}")
    async def lookup(code: str) -> dict[str, str]:
        return {"code": code}

    @app.post("/api/v1/lookup/sms/{what}")
    async def sms_lookup(what: str) -> dict[str, str]:
        return {"what": what}

    @app.get("/readyz")
    async def readyz() -> dict[str, str]:
        return {"status": "ready"}

    return app


async def read_events(client: httpx.AsyncClient, count: int) -> list[str]:
    events: list[str] = []
    async with client.stream("GET", "/api/v1/stream", headers={"Accept": "text/event-stream"}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        async for line in response.aiter_lines():
            if line.startswith("data:"):
                events.append(line)
                if len(events) == count:
                    break
    return events


@contextlib.asynccontextmanager
async def serve(app: FastAPI, port: int) -> AsyncIterator[uvicorn.Server]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None))
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
        await asyncio.sleep(0.02)
    try:
        yield server
    finally:
        server.should_exit = True
        await task


@contextlib.asynccontextmanager
async def gateway_over_http(tmp_path: Path, upstream_port: int) -> AsyncIterator[str]:
    """The gateway itself on a real socket (so client disconnects are real), proxying over HTTP."""
    url = f"http://127.0.0.1:{upstream_port}"
    gw = gateway(tmp_path, demo=False, upstreams=Upstreams(notify=url, dossier=url))
    port = free_port()
    async with serve(gw, port):
        yield f"http://127.0.0.1:{port}"


async def test_sse_streams_through_the_embedded_gateway(tmp_path: Path) -> None:
    # On a real socket: httpx's ASGI transport would wait for an endless stream to end.
    app = gateway(tmp_path, demo=False, upstream_apps={"notify": service()})
    port = free_port()
    async with serve(app, port), httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
        events = await asyncio.wait_for(read_events(client, 3), timeout=10)
    assert events == ['data: {"n": 0}', 'data: {"n": 1}', 'data: {"n": 2}']


async def test_sse_streams_over_http_and_an_upstream_that_dies_and_returns(tmp_path: Path) -> None:
    port = free_port()
    async with (
        serve(service(), port),
        gateway_over_http(tmp_path, port) as base,
        httpx.AsyncClient(base_url=base, timeout=10) as client,
    ):
        events = await asyncio.wait_for(read_events(client, 3), timeout=10)
        assert len(events) == 3
        assert (await client.get("/api/v1/dossiers")).status_code == 200
    async with (
        gateway_over_http(tmp_path / "second", port) as base,
        httpx.AsyncClient(base_url=base, timeout=10) as client,
    ):
        down = await client.get("/api/v1/dossiers")
        assert down.status_code == 503
        assert down.headers["content-type"] == "application/problem+json"
        assert down.json()["type"].endswith("/upstream-unavailable")
        async with serve(service(), port):
            back = await client.get("/api/v1/dossiers")
            assert back.status_code == 200, "the pool recovers once the service is back"


async def test_bodies_over_the_limit_are_413(tmp_path: Path) -> None:
    edge = EdgeSettings(max_body_bytes=1024, max_upload_bytes=4096)
    app = gateway(tmp_path, demo=False, edge=edge, upstream_apps={"dossier": service()})
    async with running(app) as client:
        small = await client.post(
            "/api/v1/dossiers", content=b"x" * 1000, headers={"Content-Type": "application/json"}
        )
        assert small.json() == {"size": 1000}
        declared = await client.post(
            "/api/v1/dossiers", content=b"x" * 2000, headers={"Content-Type": "application/json"}
        )
        assert declared.status_code == 413
        assert declared.headers["content-type"] == "application/problem+json"
        upload = await client.post(
            "/api/v1/dossiers", content=b"x" * 3000, headers={"Content-Type": "application/octet-stream"}
        )
        assert upload.status_code == 200, "uploads have their own, larger limit"

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(10):
                yield b"y" * 1000

        streamed = await client.post(
            "/api/v1/dossiers", content=chunks(), headers={"Content-Type": "application/octet-stream"}
        )
        assert streamed.status_code == 413, "a chunked body is counted as it arrives"


async def test_security_headers_and_cors(tmp_path: Path) -> None:
    app = gateway(tmp_path, demo=False, upstream_apps={"dossier": service()})
    async with running(app) as client:
        for path in ("/api/v1/dossiers", "/healthz", "/api/v1/nothing"):
            response = await client.get(path)
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["x-frame-options"] == "DENY"
            assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        preflight = await client.options(
            "/api/v1/dossiers",
            headers={
                "Origin": "http://localhost:5173",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, idempotency-key",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "http://localhost:5173"
        simple = await client.get("/healthz", headers={"Origin": "http://localhost:5173"})
        exposed = {h.strip().lower() for h in simple.headers["access-control-expose-headers"].split(",")}
        assert {"idempotent-replayed", "retry-after", "location", "x-request-id"} <= exposed
        stranger = await client.options(
            "/api/v1/dossiers",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
        assert "access-control-allow-origin" not in stranger.headers


async def test_lookups_and_writes_are_rate_limited(tmp_path: Path) -> None:
    limits = RateLimitSettings(
        lookup_per_ip=Bucket(burst=3, per_minute=1),
        writes_per_ip=Bucket(burst=100, per_minute=1),
        writes_per_subject=Bucket(burst=2, per_minute=1),
    )
    app = gateway(tmp_path, demo=False, limits=limits, upstream_apps={"dossier": service()})
    async with running(app) as client:
        lookups = [(await client.get("/api/v1/lookup/H57-1")).status_code for _ in range(4)]
        assert lookups == [200, 200, 200, 429]
        ring = app.state.keyring
        alice, bob = (
            issue_token(
                ring.current, subject=s, role="citizen", issuer="motcua", audience="motcua", ttl=_ttl()
            )
            for s in ("alice", "bob")
        )
        alice_writes = [
            (await client.post("/api/v1/dossiers", headers=authorization(alice))).status_code
            for _ in range(3)
        ]
        assert alice_writes == [200, 200, 429]
        limited = await client.post("/api/v1/dossiers", headers=authorization(alice))
        assert int(limited.headers["retry-after"]) >= 1
        assert (await client.post("/api/v1/dossiers", headers=authorization(bob))).status_code == 200
        forged = issue_token(
            SigningKey.generate(),
            subject="bob",
            role="citizen",
            issuer="motcua",
            audience="motcua",
            ttl=_ttl(),
        )
        for _ in range(3):
            response = await client.post("/api/v1/dossiers", headers=authorization(forged))
            assert response.status_code == 200, "a forged subject cannot spend someone else's bucket"
        assert (await client.get("/api/v1/dossiers")).status_code == 200, "reads are not writes"


async def test_limits_unreachable_in_the_database_are_a_503_to_retry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = gateway(tmp_path, demo=False, upstream_apps={"dossier": service()})
    async with running(app) as client:

        async def refused(*args: object) -> float:
            raise ConnectionRefusedError(111, "Connection refused")  # PostgreSQL restarting

        monkeypatch.setattr(app.state.ports.limiter, "take", refused)
        answer = await client.post("/api/v1/dossiers")
        assert answer.status_code == 503, answer.text
        assert int(answer.headers["retry-after"]) >= 1
        assert answer.headers["content-type"].startswith("application/problem+json")


async def test_the_sms_providers_signed_look_ups_are_not_limited_by_its_address(tmp_path: Path) -> None:
    """The provider forwards every citizen's SMS from a few addresses; dossier-svc limits per phone."""
    limits = RateLimitSettings(
        lookup_per_ip=Bucket(burst=2, per_minute=1), writes_per_ip=Bucket(burst=2, per_minute=1)
    )
    app = gateway(tmp_path, demo=False, limits=limits, upstream_apps={"dossier": service()})
    async with running(app) as client:
        inbound = [(await client.post("/api/v1/lookup/sms/inbound")).status_code for _ in range(5)]
        assert inbound == [200] * 5
        sandbox = [(await client.post("/api/v1/lookup/sms/sandbox")).status_code for _ in range(3)]
        assert sandbox == [200, 200, 429], "the sandbox phone is an ordinary caller"


def _ttl() -> timedelta:
    return timedelta(minutes=5)


@pytest.mark.parametrize("path", ["/api/v1/dossiers", "/ops/dossier/dlq"])
async def test_paths_reach_the_owning_service(tmp_path: Path, path: str) -> None:
    seen: list[str] = []
    app = FastAPI()

    @app.get("/{rest:path}")
    async def anything(rest: str) -> dict[str, str]:
        seen.append("/" + rest)
        return {}

    gw = gateway(tmp_path, demo=False, upstream_apps={"dossier": app})
    async with running(gw) as client:
        assert (await client.get(path)).status_code == 200
    assert seen == [path.replace("/ops/dossier/", "/ops/")]


async def test_a_method_the_gateways_own_path_does_not_take_is_405(tmp_path: Path) -> None:
    app = gateway(tmp_path, demo=False, upstream_apps={"dossier": service()})
    async with running(app) as client:
        wrong = await client.put("/api/v1/auth/otp", json={"phone": "0905123456"})
        unknown = await client.put("/api/v1/nothing")
    assert wrong.status_code == 405
    assert wrong.headers["allow"] == "POST"
    assert wrong.headers["content-type"] == "application/problem+json"
    assert unknown.status_code == 404
