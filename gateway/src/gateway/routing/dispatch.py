"""The proxy's entry: a pure ASGI layer that hands `/api/v1/<segment>` to its service.

It runs before FastAPI's router, so a proxied request costs no routing, dependency or response-model
work in the gateway; the gateway's own routes (`/api/v1/auth/...`, documents, health) fall through.
Lookups and writes spend rate-limit tokens here, per IP and, for writes, per verified token subject; a token
of a revoked session is refused here, on every path.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.routing.table import ROUTES, SERVICES, route_of
from motcua_shared.chassis.errors import PROBLEM_BASE
from motcua_shared.chassis.http import edge_problem, outage_problem
from motcua_shared.chassis.outages import OUTAGE_TYPES, dependency_down

if TYPE_CHECKING:
    from gateway.ports import Ports
    from motcua_shared.chassis.auth import JwksVerifier

_API = "/api/v1/"
_OPS = "/ops/"
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Payment and SMS providers call back from a few addresses in bursts; their callbacks are signed instead
# (the SMS look-up is limited per phone behind the signature).
_UNLIMITED_PREFIXES = ("/api/v1/payments/providers/", "/api/v1/lookup/sms/inbound")


log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _RouteLabel:
    """What the access log and metrics name a proxied request by (one label per service segment)."""

    path: str


_LABELS = {segment: _RouteLabel(f"{_API}{segment}/…") for segment in ROUTES}


class ProxyDispatch:
    """Forward requests for the services; pass everything else to the gateway's own app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        raw: bytes = scope.get("raw_path") or path.encode("latin-1")
        # Every path, not only the API's: a revoked admin token reads no /metrics, replays no dead letter.
        if _revoked(scope):
            await edge_problem(
                scope,
                401,
                vi=(
                    "Phiên đăng nhập đã kết thúc",
                    "Phiên đăng nhập này đã bị thu hồi; vui lòng đăng nhập lại.",
                ),
                en=("Session ended", "This session was revoked; sign in again."),
                type_=PROBLEM_BASE + "token-revoked",
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )(scope, receive, send)
            return
        if path.startswith(_API):
            segment = route_of(path[len(_API) :])
            service = ROUTES.get(segment)
            if service is not None:
                ports: Ports = scope["app"].state.ports
                scope["route"] = _LABELS[segment]
                try:
                    within = await _within_limits(ports, scope, receive, send, segment)
                except OUTAGE_TYPES as exc:
                    # The limits live in PostgreSQL: while it is unreachable the client is told to retry.
                    if not dependency_down(exc):
                        raise
                    log.warning("limits unavailable; answered 503", extra={"error": type(exc).__name__})
                    await outage_problem(scope)(scope, receive, send)
                    return
                if not within:
                    return
                await ports.upstreams.forwarders[service].forward(scope, receive, send, raw)
                return
        elif path.startswith(_OPS):
            service = path[len(_OPS) :].partition("/")[0]
            if service in SERVICES:
                ports = scope["app"].state.ports
                upstream_path = b"/ops/" + raw[len(_OPS) + len(service) + 1 :]
                await ports.upstreams.forwarders[service].forward(scope, receive, send, upstream_path)
                return
        await self.app(scope, receive, send)


async def _within_limits(ports: Ports, scope: Scope, receive: Receive, send: Send, segment: str) -> bool:
    limits = ports.settings.limits
    if not limits.enabled:
        return True
    method: str = scope["method"]
    limiter = ports.limiter
    ip = str(scope["client"][0]) if scope.get("client") else "unknown"
    wait = 0.0
    if method in _WRITES and scope["path"].startswith(_UNLIMITED_PREFIXES):
        return True
    if segment == "lookup":
        wait = await limiter.take("lookup-ip", limits.lookup_per_ip, ip)
    elif method in _WRITES:
        wait = await limiter.take("writes-ip", limits.writes_per_ip, ip)
        if not wait:
            subject = await _subject(scope)
            if subject is not None:
                wait = await limiter.take("writes-subject", limits.writes_per_subject, subject)
    if not wait:
        return True
    response = edge_problem(
        scope,
        429,
        vi=("Quá nhiều yêu cầu", "Bạn đã gửi quá nhiều yêu cầu; vui lòng thử lại sau."),
        en=("Too many requests", "Too many requests; try again later."),
        type_=PROBLEM_BASE + "rate-limited",
        headers={"Retry-After": str(max(1, math.ceil(wait)))},
    )
    await response(scope, receive, send)
    return False


def _bearer(scope: Scope) -> str | None:
    header = next((v for n, v in scope["headers"] if n == b"authorization"), None)
    if header is None:
        return None
    scheme, _, token = header.decode("latin-1").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _revoked(scope: Scope) -> bool:
    """Whether the request's access token names a revoked session (:mod:`gateway.identity.revocations`)."""
    token = _bearer(scope)
    return token is not None and scope["app"].state.ports.revoked.refuses(token)


async def _subject(scope: Scope) -> str | None:
    """The verified token's subject; None without a valid token (the service will answer 401)."""
    token = _bearer(scope)
    if token is None:
        return None
    try:
        verifier: JwksVerifier = scope["app"].state.verifier
        principal = await verifier.verify(token)
    except Exception:
        return None
    return principal.subject
