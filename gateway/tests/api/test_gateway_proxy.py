"""The gateway's reverse proxy: headers, streaming, and failing upstreams as problem+json."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request, Response
from fastapi.responses import StreamingResponse
from gateway_harness import gateway, running, settings

from gateway.app import create_app
from gateway.identity.keyring import KeyRing
from gateway.settings import Settings, Upstreams
from motcua.infra.ports import free_port
from motcua_shared.chassis.bus.local import LocalBus
from motcua_shared.chassis.keys import SigningKey


def upstream_app() -> FastAPI:
    app = FastAPI()

    @app.api_route("/api/v1/dossiers/echo", methods=["GET", "POST"])
    async def echo(request: Request) -> Response:
        digest = hashlib.sha256()
        size = 0
        async for chunk in request.stream():
            digest.update(chunk)
            size += len(chunk)
        response = Response(
            content=f'{{"size": {size}, "sha256": "{digest.hexdigest()}"}}', media_type="application/json"
        )
        for name in (
            "x-request-id",
            "traceparent",
            "connection",
            "keep-alive",
            "x-forwarded-for",
            "x-custom",
        ):
            response.headers[f"x-seen-{name}"] = request.headers.get(name, "-")
        response.headers["keep-alive"] = "timeout=5"
        response.raw_headers.append((b"set-cookie", b"a=1"))
        response.raw_headers.append((b"set-cookie", b"b=2"))
        return response

    @app.get("/api/v1/dossiers/download")
    async def download() -> StreamingResponse:
        async def chunks() -> AsyncIterator[bytes]:
            for i in range(64):
                yield bytes([i % 256]) * 65536

        return StreamingResponse(chunks(), media_type="application/octet-stream")

    @app.get("/api/v1/payments/slow")
    async def slow() -> dict[str, str]:
        await asyncio.sleep(3)
        return {"late": "yes"}

    @app.get("/readyz")
    async def readyz() -> dict[str, str]:
        return {"status": "ready"}

    return app


def _settings(tmp_path: Path, **upstreams: str) -> Settings:
    return settings(tmp_path, demo=False, upstreams=Upstreams(**upstreams))


gateway_client = running


@pytest.fixture
async def embedded(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    upstream = upstream_app()
    app = gateway(
        tmp_path,
        demo=False,
        upstream_apps={"dossier": upstream, "payment": upstream, "catalog": upstream, "notify": upstream},
    )
    async with gateway_client(app) as client:
        yield client


async def test_request_id_and_trace_are_propagated_and_hop_by_hop_dropped(
    embedded: httpx.AsyncClient,
) -> None:
    response = await embedded.get(
        "/api/v1/dossiers/echo",
        headers={
            "X-Request-ID": "gw-1",
            "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            "Connection": "keep-alive, x-custom",
            "Keep-Alive": "timeout=5",
            "X-Custom": "hop",
        },
    )
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "gw-1"
    assert response.headers["x-seen-x-request-id"] == "gw-1"
    assert response.headers["x-seen-traceparent"].startswith("00-0af7651916cd43dd8448eb211c80319c-")
    assert response.headers["x-seen-keep-alive"] == "-"
    assert response.headers["x-seen-x-custom"] == "-", "fields named in Connection are hop-by-hop too"
    assert response.headers["x-seen-x-forwarded-for"] == "203.0.113.7"
    assert "keep-alive" not in response.headers
    assert response.headers.get_list("set-cookie") == ["a=1", "b=2"]


async def test_upload_and_download_stream_through(embedded: httpx.AsyncClient) -> None:
    body = bytes(range(256)) * 20000

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 65536):
            yield body[start : start + 65536]

    uploaded = await embedded.post(
        "/api/v1/dossiers/echo", content=chunks(), headers={"Content-Type": "application/octet-stream"}
    )
    assert uploaded.json() == {"size": len(body), "sha256": hashlib.sha256(body).hexdigest()}
    async with embedded.stream("GET", "/api/v1/dossiers/download") as download:
        received = 0
        async for chunk in download.aiter_bytes():
            received += len(chunk)
    assert received == 64 * 65536


async def test_unrouted_path_is_a_404_problem(embedded: httpx.AsyncClient) -> None:
    response = await embedded.get("/api/v1/unknown/thing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_upstream_down_is_503_and_slow_is_504(tmp_path: Path) -> None:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(upstream_app(), host="127.0.0.1", port=port, log_config=None))
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
        await asyncio.sleep(0.02)
    closed = free_port()
    app = create_app(
        _settings(tmp_path, payment=f"http://127.0.0.1:{port}", dossier=f"http://127.0.0.1:{closed}"),
        keyring=KeyRing(SigningKey.generate()),
        bus=LocalBus(None),
        configure_logs=False,
    )
    try:
        async with gateway_client(app) as client:
            down = await client.get("/api/v1/dossiers/echo")
            assert down.status_code == 503
            assert down.headers["content-type"] == "application/problem+json"
            assert down.headers["retry-after"] == "5"
            assert "127.0.0.1" not in down.text, "no internal addresses in errors"
            slow = await client.get("/api/v1/payments/slow")
            assert slow.status_code == 504
            assert slow.json()["type"].endswith("/upstream-timeout")
            ready = await client.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["checks"]["payment"] == "up"
            assert ready.json()["checks"]["dossier"] == "down"
    finally:
        server.should_exit = True
        await task


async def test_asyncapi_document_is_served(embedded: httpx.AsyncClient) -> None:
    document = (await embedded.get("/asyncapi.json")).json()
    assert document["asyncapi"] == "3.0.0"
    assert "motcua.dossier.v1" in {c["address"] for c in document["channels"].values()}
