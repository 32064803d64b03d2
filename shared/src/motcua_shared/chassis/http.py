"""HTTP plumbing every service shares: problem+json errors, request ids, access logs, metrics."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from http import HTTPStatus
from typing import Any, Literal

from fastapi import FastAPI, Request, params
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from motcua_shared.chassis import metrics
from motcua_shared.chassis.context import (
    accept_request_id,
    accept_traceparent,
    client_address,
    client_var,
    request_id_var,
    service_var,
    traceparent_var,
)
from motcua_shared.chassis.errors import (
    PROBLEM_BASE,
    DomainError,
    MalformedJson,
    MethodNotAllowed,
    NotFound,
    Unavailable,
    Unprocessable,
    UnsupportedMediaType,
)
from motcua_shared.chassis.outages import OUTAGE_TYPES, RETRY_AFTER_SECONDS, dependency_down

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("motcua.http")


class ProblemResponse(JSONResponse):
    """An RFC 9457 problem document."""

    media_type = PROBLEM_JSON


Language = Literal["vi", "en"]


def language_of(accept_language: str | None) -> Language:
    """The language of a caller's problems: English when ``Accept-Language`` prefers it to Vietnamese
    (q-values honoured, the first listed winning a tie), else Vietnamese, the platform's language."""
    weights: dict[str, float] = {}
    for rank, part in enumerate((accept_language or "").split(",")):
        tag, _, rest = part.strip().partition(";")
        primary = tag.strip().split("-")[0].lower()
        if primary not in ("vi", "en") or primary in weights:
            continue
        q = 1.0
        for option in rest.split(";"):
            key, _, value = option.strip().partition("=")
            if key.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        # A tiny, rank-based tie-break: of two equal weights the first listed wins.
        weights[primary] = q - rank * 1e-6
    return "en" if weights.get("en", 0.0) > weights.get("vi", 0.0) else "vi"


def _language(request: Request) -> Language:
    return language_of(request.headers.get("accept-language"))


def scope_language(scope: Scope) -> Language:
    """The language of the problems answered to the request of ``scope`` (see :func:`language_of`)."""
    for name, value in scope.get("headers", ()):
        if name == b"accept-language":
            return language_of(value.decode("latin-1"))
    return "vi"


def _dependency_unavailable() -> Unavailable:
    return Unavailable(
        "Một dịch vụ mà yêu cầu này cần đang tạm thời không khả dụng; vui lòng thử lại sau giây lát.",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        detail_en="A service this request needs is unavailable for a moment; try again shortly.",
    )


def outage_problem(scope: Scope) -> ProblemResponse:
    """The retryable 503 for a dependency down (see :mod:`motcua_shared.chassis.outages`), answered below the
    app's handlers (the gateway's limits, read in PostgreSQL before a request is proxied)."""
    return domain_problem(_dependency_unavailable(), scope_language(scope), instance=scope["path"])


def edge_problem(
    scope: Scope,
    status: int,
    *,
    vi: tuple[str, str],
    en: tuple[str, str],
    type_: str,
    headers: dict[str, str] | None = None,
) -> ProblemResponse:
    """A problem answered below the app's handlers (proxy, limits, body size): its (title, detail) in
    Vietnamese or English, as the request of ``scope`` asks."""
    language = scope_language(scope)
    title, detail = en if language == "en" else vi
    return problem(status, title=title, detail=detail, type_=type_, headers=headers, language=language)


def problem(
    status: int,
    *,
    title: str | None = None,
    detail: str | None = None,
    type_: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    instance: str | None = None,
    language: Language | None = None,
) -> ProblemResponse:
    """Build a problem+json response (``language``: the one its title and detail are in)."""
    body: dict[str, Any] = {
        "type": type_ or "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    request_id = request_id_var.get()
    if request_id:
        body["request_id"] = request_id
    if language is not None:
        headers = {**(headers or {}), "Content-Language": language, "Vary": "Accept-Language"}
    return ProblemResponse(body, status_code=status, headers=headers)


def domain_problem(exc: DomainError, language: Language, *, instance: str | None = None) -> ProblemResponse:
    """``exc`` as a problem in ``language``: its title and detail both in it."""
    english = language == "en"
    return problem(
        exc.status,
        title=exc.title_en if english else exc.title,
        detail=exc.detail_en if english else exc.detail,
        type_=exc.type,
        errors=exc.errors,
        headers=exc.headers,
        instance=instance,
        language=language,
    )


def _expects_json(request: Request) -> bool:
    """Whether the route that answers ``request`` reads a JSON body (not a form or files)."""
    body = getattr(request.scope.get("route"), "body_field", None)
    return body is not None and not isinstance(body.field_info, params.Form | params.File)


def _is_json(content_type: str) -> bool:
    media = content_type.split(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:] if len(parts) > 1 else parts
    return ".".join(parts)


def install_problem_handlers(app: FastAPI) -> None:
    """Render every error as problem+json: domain errors, validation, HTTP errors, a dependency down (a 503
    with ``Retry-After``), and the unexpected."""

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> ProblemResponse:
        return domain_problem(exc, _language(request), instance=request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> ProblemResponse:
        errors = list(exc.errors())
        language = _language(request)
        english = language == "en"
        if any(e.get("type") == "json_invalid" for e in errors):
            malformed = MalformedJson("Nội dung yêu cầu không phải JSON hợp lệ.")
            return domain_problem(malformed, language, instance=request.url.path)
        content_type = request.headers.get("content-type")
        body_errors = any(tuple(e.get("loc", ()))[:1] == ("body",) for e in errors)
        if body_errors and content_type and not _is_json(content_type) and _expects_json(request):
            unsupported = UnsupportedMediaType(
                f"Nội dung yêu cầu phải là JSON (Content-Type: application/json), không phải {content_type}.",
                detail_en=f"Send the body as JSON (Content-Type: application/json), not {content_type}.",
            )
            return domain_problem(unsupported, language, instance=request.url.path)
        return problem(
            Unprocessable.status,
            title=Unprocessable.title_en if english else Unprocessable.title,
            detail=(
                f"{len(errors)} field(s) are invalid."
                if english
                else f"{len(errors)} trường dữ liệu không hợp lệ."
            ),
            type_=Unprocessable.type,
            language=language,
            errors=[
                {
                    "field": _field(tuple(e.get("loc", ()))),
                    "in": str(e.get("loc", ("body",))[0]),
                    "message": e.get("msg", ""),
                    "code": e.get("type", ""),
                }
                for e in errors
            ],
            instance=request.url.path,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> ProblemResponse:
        headers = dict(exc.headers) if exc.headers else {}
        language = _language(request)
        path, method = request.url.path, request.method
        if exc.status_code == 405:
            # Starlette names only the first route that matched the path; a client needs them all.
            refused = method_not_allowed(path, method, allowed_methods(request.app.routes, path), headers)
            return domain_problem(refused, language, instance=path)
        if exc.status_code == 404:
            missing = NotFound(
                f"Không có đường dẫn {path}.", headers=headers or None, detail_en=f"No such path: {path}."
            )
            return domain_problem(missing, language, instance=path)
        return problem(
            exc.status_code,
            detail=exc.detail if isinstance(exc.detail, str) else None,
            headers=headers or None,
            instance=path,
        )

    async def _unexpected(request: Request, exc: Exception) -> ProblemResponse:
        log.exception("unhandled error", extra={"path": request.url.path})
        english = _language(request) == "en"
        return problem(
            500,
            title="Internal error" if english else "Lỗi hệ thống",
            detail=(
                "An unexpected error occurred; it has been logged."
                if english
                else "Đã xảy ra lỗi ngoài dự kiến; lỗi đã được ghi lại."
            ),
            type_=PROBLEM_BASE + "internal",
            language=_language(request),
        )

    async def _outage(request: Request, exc: Exception) -> ProblemResponse:
        if not dependency_down(exc):
            raise exc  # a bug, not an outage: the 500 above, and the server still sees it raised
        log.warning(
            "a dependency is unavailable; answered 503",
            extra={"path": request.url.path, "error": type(exc).__name__},
        )
        return domain_problem(_dependency_unavailable(), _language(request), instance=request.url.path)

    app.add_exception_handler(Exception, _unexpected)
    for kind in OUTAGE_TYPES:
        app.add_exception_handler(kind, _outage)


def method_not_allowed(
    path: str, method: str, allowed: Sequence[str], headers: dict[str, str] | None = None
) -> MethodNotAllowed:
    """The 405 problem for ``method`` at ``path``, whose ``Allow`` names the ``allowed`` methods."""
    return MethodNotAllowed(
        f"Đường dẫn {path} không nhận phương thức {method}.",
        headers={**(headers or {}), "Allow": ", ".join(allowed)},
        detail_en=f"{path} does not take {method}.",
    )


def allowed_methods(
    routes: Sequence[BaseRoute], path: str, *, catch_all: Callable[..., Any] | None = None
) -> list[str]:
    """The methods ``routes`` answer at ``path``, for a 405's ``Allow`` (``catch_all``'s route aside).

    Where a more literal route and a templated one both match (``/slips/confirm`` and ``/slips/{slip_id}``),
    the literal one's: that is the resource the path names.
    """
    matching: list[tuple[int, set[str]]] = []
    for route in iter_route_contexts(routes):
        regex = getattr(route, "path_regex", None)
        if route.endpoint is catch_all or not route.methods or regex is None:
            continue
        if regex.match(path):
            matching.append((len(route.param_convertors), route.methods))
    if not matching:
        return []
    fewest = min(params for params, _ in matching)
    return sorted(set().union(*(methods for params, methods in matching if params == fewest)))


class RequestContextMiddleware:
    """Pure ASGI (streaming-safe): request id and traceparent in, out, in logs; metrics; access log;
    ``Cache-Control: no-store`` on what answers a caller with credentials."""

    def __init__(self, app: ASGIApp, *, service: str, behind_gateway: bool = True) -> None:
        self.app = app
        self.service = service
        self.behind_gateway = behind_gateway

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        request_id = accept_request_id(headers.get("x-request-id"))
        traceparent = accept_traceparent(headers.get("traceparent"))
        rid_token = request_id_var.set(request_id)
        tp_token = traceparent_var.set(traceparent)
        service_token = service_var.set(self.service)
        peer = scope.get("client")
        client_token = client_var.set(
            client_address(
                str(peer[0]) if peer else None,
                headers.get("x-forwarded-for"),
                behind_gateway=self.behind_gateway,
            )
        )
        started = time.perf_counter()
        status = 500

        # What answers a signed-in caller may carry personal data: no shared or browser cache keeps it,
        # unless the route chose its own caching.
        personal = "authorization" in headers

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                extra = [(b"x-request-id", request_id.encode("latin-1"))]
                present = message.get("headers", [])
                if personal and not any(k.lower() == b"cache-control" for k, _ in present):
                    extra.append((b"cache-control", b"no-store"))
                message["headers"] = [*present, *extra]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope.get("method", "")
            if template not in ("/metrics",):
                metrics.HTTP_REQUESTS.labels(self.service, method, template, str(status)).inc()
                metrics.HTTP_LATENCY.labels(self.service, method, template).observe(elapsed)
            log.info(
                "request",
                extra={
                    "method": method,
                    "path": scope.get("path", ""),
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                },
            )
            request_id_var.reset(rid_token)
            traceparent_var.reset(tp_token)
            service_var.reset(service_token)
            client_var.reset(client_token)
