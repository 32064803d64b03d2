"""``/openapi.json``, ``/docs`` (Swagger UI), ``/redoc`` and ``/asyncapi.json``.

The pages' scripts and styles are served by the gateway itself from a packaged bundle (``fastapi-offline``
ships Swagger UI's and ReDoc's distributions), so the documentation works without the Internet and no
third party learns who reads it.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from fastapi import APIRouter
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from gateway.deps import PortsDep
from motcua_shared.contracts.asyncapi import build_asyncapi

ASSETS = "/docs/assets"
TITLE = "motcua — API"

router = APIRouter(tags=["meta"])


def assets() -> Mount:
    """The packaged Swagger UI and ReDoc files, mounted at :data:`ASSETS`."""
    directory = files("fastapi_offline") / "static"
    return Mount(ASSETS, app=StaticFiles(directory=str(directory)), name="docs-assets")


@router.get("/openapi.json", include_in_schema=False)
async def openapi(ports: PortsDep) -> JSONResponse:
    """The whole platform's REST API: the gateway's routes and every service's public ones."""
    return JSONResponse(await ports.docs.document())


@router.get("/docs", include_in_schema=False)
async def docs() -> HTMLResponse:
    """Swagger UI over the merged document."""
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title=TITLE,
        swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS}/favicon.png",
        swagger_ui_parameters={"displayOperationId": True, "persistAuthorization": True},
    )


@router.get("/redoc", include_in_schema=False)
async def redoc() -> HTMLResponse:
    """ReDoc over the merged document."""
    return get_redoc_html(
        openapi_url="/openapi.json",
        title=TITLE,
        redoc_js_url=f"{ASSETS}/redoc.standalone.js",
        redoc_favicon_url=f"{ASSETS}/favicon.png",
        with_google_fonts=False,
    )


@router.get("/asyncapi.json", summary="The platform's events as an AsyncAPI 3 document")
async def asyncapi() -> dict[str, Any]:
    """Generated from the event contracts, the same document ``motcua_shared.contracts`` commits. Channels
    tagged `integrators` (`motcua.public.dossier.v1`, `motcua.public.payment.v1`) are the topics an
    integrator may read, without personal data; those tagged `internal` are the services' own."""
    return build_asyncapi()
