"""The web clients' built files: the gateway is their one origin.

``web/clients.json`` lists the clients and where each is mounted (the citizen app at ``/``, the officer
desk at ``/desk/``, …); each one's build is ``web/<name>/dist``. A path belongs to the client with the
longest mount it starts with. Files are served as built; any other page path gets that client's
``index.html`` so its own router shows it (a deep link or a reload of ``/ho-so/…`` or ``/desk/ho-so/…``).
The API, ops, documents and well-known paths are never answered with a client: an unknown one stays a 404
problem. Hashed assets are cached for a year; the shell, the service worker and the manifest are
revalidated on every load, so a new version is seen at once. Text files go gzipped to a browser that takes
it: on a slow mobile link the app's script is a third of its size.
"""

from __future__ import annotations

import gzip
import json
import mimetypes
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.convertors import Convertor, register_url_convertor

from motcua_shared.chassis.errors import NotFound

#: The repository's web clients (``make web`` builds them); absent in the service images.
DEFAULT_WEB = Path(__file__).resolve().parents[3] / "web"
#: The list of clients and their mounts, in the web directory.
CLIENTS_FILE = "clients.json"
#: Paths the app never answers: they belong to the API and the platform's own documents.
RESERVED = ("api/", "ops/", ".well-known/", "openapi.json", "asyncapi.json", "docs", "healthz", "readyz")
#: The app's own policy: its scripts, styles, images, workers and API calls come from this origin only.
APP_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; worker-src 'self'; manifest-src 'self'; media-src 'self' blob:; "
    "frame-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_REVALIDATE = {"index.html", "sw.js", "manifest.webmanifest", "registerSW.js"}
_COMPRESSIBLE = {".html", ".js", ".css", ".json", ".webmanifest", ".svg", ".txt"}


class AppPath(Convertor[str]):
    """A path of the app: anything but the reserved ones, which the route then never matches (so an unknown
    API path stays a 404, and a 405's ``Allow`` is never made of the app's GET)."""

    regex = "(?!" + "|".join(re.escape(p) for p in RESERVED) + ").*"

    def convert(self, value: str) -> str:
        """The path as matched."""
        return value

    def to_string(self, value: str) -> str:
        """The path as written."""
        return value


register_url_convertor("app_path", AppPath())


@dataclass(frozen=True, slots=True)
class WebClient:
    """A built client: where it is served (``/`` or ``/desk/``) and its files."""

    mount: str
    dist: Path


def built_clients(web: Path) -> list[WebClient]:
    """The clients ``web/clients.json`` lists that are built, longest mount first (a path goes to the first
    whose mount it starts with)."""
    listing = web / CLIENTS_FILE
    if not listing.is_file():
        return []
    found = [
        WebClient(mount=entry["mount"], dist=(web / entry["name"] / "dist").resolve())
        for entry in json.loads(listing.read_text(encoding="utf-8"))["clients"]
    ]
    built = [client for client in found if (client.dist / "index.html").is_file()]
    return sorted(built, key=lambda client: len(client.mount), reverse=True)


def web_router(clients: list[WebClient]) -> APIRouter:
    """GET routes serving each client with its single-page fallback; include it after every other router."""
    router = APIRouter(include_in_schema=False)
    bare = {client.mount.rstrip("/"): client.mount for client in clients if client.mount != "/"}

    @router.get("/{path:app_path}")
    async def app_file(path: str, request: Request) -> Response:
        if f"/{path}" in bare:
            return RedirectResponse(bare[f"/{path}"], status_code=308)
        client = next((c for c in clients if f"/{path}".startswith(c.mount)), None)
        if client is None:
            raise NotFound(f"Không có trang /{path}.")
        inside = f"/{path}"[len(client.mount) :]
        target = (client.dist / inside).resolve()
        if inside and target.is_relative_to(client.dist) and target.is_file():
            return _file(target, client, request)
        last = inside.rsplit("/", 1)[-1]
        if "." in last and "text/html" not in request.headers.get("accept", ""):
            raise NotFound(f"Không có tệp /{path}.")
        return _file(client.dist / "index.html", client, request)

    return router


def _file(target: Path, client: WebClient, request: Request) -> Response:
    relative = target.relative_to(client.dist).as_posix()
    if relative.startswith("assets/"):
        cache = "public, max-age=31536000, immutable"
    elif relative in _REVALIDATE:
        cache = "no-cache"
    else:
        cache = "public, max-age=3600"
    headers = {"Cache-Control": cache, "Content-Security-Policy": APP_CSP}
    if relative == "sw.js":
        headers["Service-Worker-Allowed"] = client.mount
    if target.suffix in _COMPRESSIBLE and "gzip" in request.headers.get("accept-encoding", ""):
        stat = target.stat()
        headers |= {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
        body = _gzipped(target, stat.st_mtime_ns, stat.st_size)
        return Response(body, media_type=mimetypes.guess_type(target.name)[0], headers=headers)
    return FileResponse(target, headers=headers)


@lru_cache(maxsize=256)
def _gzipped(target: Path, mtime_ns: int, size: int) -> bytes:
    """The file compressed once per version of it (the key's time and size change with a new build)."""
    return gzip.compress(target.read_bytes(), compresslevel=9, mtime=0)
