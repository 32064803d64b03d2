"""The public edge: security headers and request body limits (pure ASGI, so streams stay streams)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.settings import EdgeSettings
from motcua_shared.chassis.errors import PROBLEM_BASE
from motcua_shared.chassis.http import edge_problem

_API_CSP = b"default-src 'none'; frame-ancestors 'none'"
# Swagger UI and ReDoc load their bundles from the gateway itself and inline their start-up; ReDoc
# renders in a web worker it makes from a blob.
_DOCS_CSP = (
    b"default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    b"img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; "
    b"connect-src 'self'; frame-ancestors 'none'"
)
_DOCS_PATHS = frozenset({"/docs", "/redoc"})
_BASE_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
_UPLOAD_TYPES = (b"multipart/form-data", b"application/octet-stream", b"application/pdf", b"image/")


class SecurityHeaders:
    """Adds the headers that keep browsers from sniffing, framing or leaking, unless already set."""

    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self._extra = (
            ((b"strict-transport-security", b"max-age=31536000; includeSubDomains"),) if hsts else ()
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = _DOCS_CSP if scope["path"] in _DOCS_PATHS else _API_CSP

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in (*_BASE_HEADERS, (b"content-security-policy", csp), *self._extra):
                    if name not in present:
                        headers.append((name, value))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """413 for bodies over the limit: JSON and forms get ``max_body_bytes``, uploads ``max_upload_bytes``.

    A declared ``Content-Length`` is judged before anything is read; a chunked body is counted as it
    streams, and once over the limit the application sees the client as gone and the answer is a 413.
    """

    def __init__(self, app: ASGIApp, *, settings: EdgeSettings) -> None:
        self.app = app
        self._settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point."""
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared: int | None = None
        content_type = b""
        for name, value in scope["headers"]:
            if name == b"content-length":
                declared = int(value) if value.isdigit() else None
            elif name == b"content-type":
                content_type = value.lower()
        upload = content_type.startswith(_UPLOAD_TYPES)
        limit = self._settings.max_upload_bytes if upload else self._settings.max_body_bytes
        if declared is not None:
            if declared > limit:
                await _too_large(limit, scope, receive, send)
                return
            await self.app(scope, receive, send)
            return

        received = 0
        exceeded = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            if exceeded:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await _too_large(limit, scope, receive, send)
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not exceeded:
                raise
        if exceeded and not started:
            await _too_large(limit, scope, receive, send)


async def _too_large(limit: int, scope: Scope, receive: Receive, send: Send) -> None:
    response = edge_problem(
        scope,
        413,
        vi=("Nội dung quá lớn", f"Nội dung yêu cầu vượt quá {limit} byte."),
        en=("Payload too large", f"The request body is larger than {limit} bytes."),
        type_=PROBLEM_BASE + "payload-too-large",
    )
    await response(scope, receive, send)
