"""HTTP plumbing every service shares: problem+json errors, request ids, access logs, metrics."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
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
    request_id_var,
    service_var,
    traceparent_var,
)
from motcua_shared.chassis.errors import PROBLEM_BASE, DomainError, MalformedJson, Unavailable, Unprocessable
from motcua_shared.chassis.outages import OUTAGE_TYPES, RETRY_AFTER_SECONDS, dependency_down

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("motcua.http")


class ProblemResponse(JSONResponse):
    """An RFC 9457 problem document."""

    media_type = PROBLEM_JSON


def problem(
    status: int,
    *,
    title: str | None = None,
    detail: str | None = None,
    type_: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    instance: str | None = None,
) -> ProblemResponse:
    """Build a problem+json response."""
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
    return ProblemResponse(body, status_code=status, headers=headers)


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
        return problem(
            exc.status,
            title=exc.title,
            detail=exc.detail,
            type_=exc.type,
            errors=exc.errors,
            headers=exc.headers,
            instance=request.url.path,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> ProblemResponse:
        errors = list(exc.errors())
        if any(e.get("type") == "json_invalid" for e in errors):
            return problem(
                MalformedJson.status,
                title=MalformedJson.title,
                detail="The request body is not valid JSON.",
                type_=MalformedJson.type,
                instance=request.url.path,
            )
        return problem(
            Unprocessable.status,
            title=Unprocessable.title,
            detail=f"{len(errors)} field(s) are invalid.",
            type_=Unprocessable.type,
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
        if exc.status_code == 405:
            # Starlette names only the first route that matched the path; a client needs them all.
            headers["Allow"] = ", ".join(allowed_methods(request.app.routes, request.url.path))
        return problem(
            exc.status_code,
            detail=exc.detail if isinstance(exc.detail, str) else None,
            headers=headers or None,
            instance=request.url.path,
        )

    async def _unexpected(request: Request, exc: Exception) -> ProblemResponse:
        log.exception("unhandled error", extra={"path": request.url.path})
        return problem(
            500,
            title="Lỗi hệ thống",
            detail="An unexpected error occurred; it has been logged.",
            type_=PROBLEM_BASE + "internal",
        )

    async def _outage(request: Request, exc: Exception) -> ProblemResponse:
        if not dependency_down(exc):
            raise exc  # a bug, not an outage: the 500 above, and the server still sees it raised
        log.warning(
            "a dependency is unavailable; answered 503",
            extra={"path": request.url.path, "error": type(exc).__name__},
        )
        return problem(
            Unavailable.status,
            title=Unavailable.title,
            detail="A service this request needs is unavailable for a moment; try again shortly.",
            type_=Unavailable.type,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            instance=request.url.path,
        )

    app.add_exception_handler(Exception, _unexpected)
    for kind in OUTAGE_TYPES:
        app.add_exception_handler(kind, _outage)


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
    """Pure ASGI (streaming-safe): request id and traceparent in, out, in logs; metrics; access log."""

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.service = service

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
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (b"x-request-id", request_id.encode("latin-1")),
                ]
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
