"""One document: the services' OpenAPI merged at /openapi.json and /docs, surviving a service that is down."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from gateway_harness import gateway, running
from pydantic import BaseModel, create_model

from gateway.docs.openapi import merge
from gateway.settings import DocsSettings, Upstreams
from motcua.infra.ports import free_port


class Item(BaseModel):
    code: str


class Page(BaseModel):
    items: list[Item]


def catalog() -> FastAPI:
    app = FastAPI()

    @app.get("/api/v1/procedures", response_model=Page)
    async def procedures() -> Page:
        return Page(items=[])

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


# The same name as catalog's model, another shape.
ClashingItem = create_model("Item", number=(int, ...))


def dossier() -> FastAPI:
    app = FastAPI()

    @app.post("/api/v1/dossiers", response_model=ClashingItem)
    async def submit(item: ClashingItem) -> Any:
        return item

    @app.get("/api/v1/procedures/stolen")
    async def not_theirs() -> dict[str, str]:
        return {}

    return app


async def test_the_merged_document_has_every_public_path_once(tmp_path: Path) -> None:
    app = gateway(tmp_path, demo=False, upstream_apps={"catalog": catalog(), "dossier": dossier()})
    async with running(app) as client:
        document: dict[str, Any] = (await client.get("/openapi.json")).json()
        docs = await client.get("/docs")
    paths = document["paths"]
    assert {"/api/v1/procedures", "/api/v1/dossiers", "/api/v1/auth/token", "/.well-known/jwks.json"} <= set(
        paths
    )
    assert "/healthz" in paths, "the gateway's own health route"
    assert "/api/v1/procedures/stolen" not in paths, "a service documents only the paths routed to it"
    schemas = document["components"]["schemas"]
    assert schemas["Item"]["required"] == ["code"]
    assert schemas["DossierItem"]["required"] == ["number"], "a clashing name is prefixed, not overwritten"
    submit = paths["/api/v1/dossiers"]["post"]
    assert submit["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/DossierItem"
    )
    assert set(submit["responses"]) >= {"413", "429", "503", "504"}
    assert "application/problem+json" in submit["responses"]["422"]["content"]
    assert sorted(document["x-motcua-unavailable"]) == ["notify", "payment"]
    assert docs.status_code == 200
    assert "/openapi.json" in docs.text


async def test_a_service_that_is_down_does_not_break_the_document(tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    app = gateway(
        tmp_path,
        demo=False,
        upstreams=Upstreams(catalog=closed, dossier=closed, payment=closed, notify=closed),
        docs=DocsSettings(cache_seconds=0, fetch_timeout=0.5),
    )
    async with running(app) as client:
        response = await client.get("/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert "/api/v1/auth/otp" in document["paths"]
    assert document["x-motcua-unavailable"] == ["catalog", "dossier", "notify", "payment"]


def test_a_service_keeps_its_last_good_document() -> None:
    own = {"openapi": "3.1.0", "info": {"title": "motcua", "version": "1"}, "paths": {}}
    first = merge(own, {"catalog": {"paths": {"/api/v1/fields": {"get": {"responses": {}}}}}})
    assert "/api/v1/fields" in first["paths"]
    assert own["paths"] == {}, "the gateway's own document is not mutated"


def test_the_ops_routes_every_service_shares_are_documented_once_with_the_service_as_a_parameter() -> None:
    own = {"openapi": "3.1.0", "info": {"title": "motcua", "version": "1"}, "paths": {}}
    ops = {"/ops/dlq": {"get": {"operationId": "ops.list_dead_letters", "responses": {}}}}
    merged = merge(own, {"catalog": None, "dossier": {"paths": ops}, "payment": {"paths": ops}})
    assert [p for p in merged["paths"] if p.startswith("/ops/")] == ["/ops/{service}/dlq"]
    [service] = merged["paths"]["/ops/{service}/dlq"]["get"]["parameters"]
    assert (service["name"], service["in"]) == ("service", "path")
    assert service["schema"]["enum"] == ["catalog", "dossier", "payment", "notify"]
    assert "503" in merged["paths"]["/ops/{service}/dlq"]["get"]["responses"], "proxied by the gateway"


async def test_the_documentation_pages_use_only_assets_the_gateway_serves(tmp_path: Path) -> None:
    app = gateway(tmp_path, demo=False, upstream_apps={"catalog": catalog()})
    async with running(app) as client:
        for page in ("/docs", "/redoc"):
            response = await client.get(page)
            assert response.status_code == 200
            assert "/openapi.json" in response.text
            assert "://" not in response.text, f"{page} names no other origin"
            referenced = re.findall(r'(?:src|href)="([^"]+)"', response.text)
            assert referenced, f"{page} loads its bundle"
            for url in referenced:
                assert url.startswith("/docs/assets/"), f"{page} loads {url} from elsewhere"
                asset = await client.get(url)
                assert asset.status_code == 200, url
                assert len(asset.content) > 1000, url
            assert "http" not in response.headers["content-security-policy"], "no third-party origin allowed"
