"""Per-request context that follows the work into logs and events."""

from __future__ import annotations

import re
import secrets
import uuid
from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
traceparent_var: ContextVar[str | None] = ContextVar("traceparent", default=None)
client_var: ContextVar[str | None] = ContextVar("client", default=None)
"""The caller's address, as :func:`client_address` resolved it for this request."""
service_var: ContextVar[str | None] = ContextVar("service", default=None)
"""The service whose code runs: its requests and the background work its lifespan started. In the
embedded mode several services share one process and one log handler; this names each one's lines."""

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")


def accept_request_id(candidate: str | None) -> str:
    """The caller's request id when it is safe to log and echo, else a new one."""
    if candidate and _REQUEST_ID.match(candidate):
        return candidate
    return uuid.uuid4().hex


def accept_traceparent(candidate: str | None) -> str:
    """A W3C traceparent for this hop: the caller's trace with a new span id, or a new trace."""
    match = _TRACEPARENT.match(candidate or "")
    trace_id = match.group(1) if match and match.group(1) != "0" * 32 else secrets.token_hex(16)
    flags = match.group(3) if match else "01"
    return f"00-{trace_id}-{secrets.token_hex(8)}-{flags}"


def client_address(peer: str | None, forwarded_for: str | None, *, behind_gateway: bool) -> str:
    """The caller's address. At the gateway (the edge), the peer, which the server already took from
    ``X-Forwarded-For`` when the peer is a trusted proxy. Behind it, the address the gateway appended last
    to ``X-Forwarded-For`` (earlier entries are whatever the client claimed), else the peer."""
    if behind_gateway and forwarded_for:
        return forwarded_for.split(",")[-1].strip() or "unknown"
    return peer or "unknown"
