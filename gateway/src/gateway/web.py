"""The citizen app's built files (``web/app/dist``) at ``/``: the gateway is the app's one origin.

Files are served as built; any other page path gets ``index.html`` so the app's own router shows it (a deep
link or a reload of ``/ho-so/…``). The API, ops, documents and well-known paths are never answered with the
app: an unknown one stays a 404 problem. Hashed assets are cached for a year; the shell, the service worker
and the manifest are revalidated on every load, so a new version is seen at once. Text files go gzipped to a
browser that takes it: on a slow mobile link the app's script is a third of its size.
"""

from __future__ import annotations

import gzip
import mimetypes
import re
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from starlette.convertors import Convertor, register_url_convertor

from motcua_shared.chassis.errors import NotFound

#: The repository's build output (``make web`` writes it); absent in the service images.
DEFAULT_DIST = Path(__file__).resolve().parents[3] / "web" / "app" / "dist"
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


def web_router(dist: Path) -> APIRouter:
    """GET routes serving ``dist`` with the single-page fallback; include it after every other router."""
    root = dist.resolve()
    router = APIRouter(include_in_schema=False)

    @router.get("/{path:app_path}")
    async def app_file(path: str, request: Request) -> Response:
        target = (root / path).resolve()
        if path and target.is_relative_to(root) and target.is_file():
            return _file(target, root, request)
        last = path.rsplit("/", 1)[-1]
        if "." in last and "text/html" not in request.headers.get("accept", ""):
            raise NotFound(f"Không có tệp /{path}.")
        return _file(root / "index.html", root, request)

    return router


def _file(target: Path, root: Path, request: Request) -> Response:
    relative = target.relative_to(root).as_posix()
    if relative.startswith("assets/"):
        cache = "public, max-age=31536000, immutable"
    elif relative in _REVALIDATE:
        cache = "no-cache"
    else:
        cache = "public, max-age=3600"
    headers = {"Cache-Control": cache, "Content-Security-Policy": APP_CSP}
    if relative == "sw.js":
        headers["Service-Worker-Allowed"] = "/"
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
