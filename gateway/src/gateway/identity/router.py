"""Identity routes: the JWKS every service verifies tokens against."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

router = APIRouter(tags=["identity"])


@router.get("/.well-known/jwks.json", summary="Public keys that verify the platform's tokens")
async def jwks(request: Request, response: Response) -> dict[str, Any]:
    """The key ring's public keys (cacheable for five minutes)."""
    response.headers["Cache-Control"] = "public, max-age=300"
    document: dict[str, Any] = request.app.state.keyring.jwks()
    return document
