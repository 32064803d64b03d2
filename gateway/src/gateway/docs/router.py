"""``/openapi.json``, ``/docs`` and ``/asyncapi.json``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from gateway.deps import RuntimeDep
from motcua_shared.contracts.asyncapi import build_asyncapi

router = APIRouter(tags=["documents"])


@router.get("/openapi.json", include_in_schema=False)
async def openapi(runtime: RuntimeDep) -> JSONResponse:
    """The whole platform's REST API: the gateway's routes and every service's public ones."""
    return JSONResponse(await runtime.docs.document())


@router.get("/docs", include_in_schema=False)
async def docs(request: Request) -> HTMLResponse:
    """Swagger UI over the merged document."""
    return get_swagger_ui_html(openapi_url="/openapi.json", title="motcua — API")


@router.get("/asyncapi.json", summary="The platform's events as an AsyncAPI 3 document")
async def asyncapi() -> dict[str, Any]:
    """Generated from the event contracts, the same document ``motcua_shared.contracts`` commits."""
    return build_asyncapi()
