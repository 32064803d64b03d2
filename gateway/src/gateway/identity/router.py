"""Identity routes: the JWKS every service verifies tokens against."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from motcua_shared.contracts.asyncapi import build_asyncapi

router = APIRouter(tags=["identity"])
documents = APIRouter(tags=["documents"])


@router.get("/.well-known/jwks.json", summary="Public keys that verify the platform's tokens")
async def jwks(request: Request, response: Response) -> dict[str, Any]:
    """The key ring's public keys (cacheable for five minutes)."""
    response.headers["Cache-Control"] = "public, max-age=300"
    document: dict[str, Any] = request.app.state.keyring.jwks()
    return document


@documents.get("/asyncapi.json", summary="The platform's events as an AsyncAPI 3 document")
async def asyncapi() -> dict[str, Any]:
    """Generated from the event contracts, the same document ``motcua_shared.contracts`` commits."""
    return build_asyncapi()
