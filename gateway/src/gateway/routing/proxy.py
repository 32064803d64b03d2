"""A streaming reverse proxy to the services: pooled keep-alive HTTP in the stack, ASGI when embedded."""

from __future__ import annotations

from collections.abc import Mapping

import httpx
from fastapi import Request
from starlette.background import BackgroundTask
from starlette.responses import Response, StreamingResponse
from starlette.types import ASGIApp

from gateway.settings import ProxySettings
from motcua_shared.chassis.context import request_id_var, traceparent_var
from motcua_shared.chassis.errors import PROBLEM_BASE
from motcua_shared.chassis.http import problem

# RFC 9110 §7.6.1 hop-by-hop fields, plus the ones the proxy sets itself.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)


class Upstreams:
    """One pooled client per service."""

    def __init__(
        self,
        *,
        urls: Mapping[str, str] | None = None,
        apps: Mapping[str, ASGIApp] | None = None,
        settings: ProxySettings,
    ) -> None:
        timeout = httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout)
        limits = httpx.Limits(
            max_connections=settings.max_connections, max_keepalive_connections=settings.max_keepalive
        )
        self.clients: dict[str, httpx.AsyncClient] = {}
        for name, app in (apps or {}).items():
            self.clients[name] = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url=f"http://{name}", timeout=timeout
            )
        for name, url in (urls or {}).items():
            if name not in self.clients:
                self.clients[name] = httpx.AsyncClient(base_url=url, timeout=timeout, limits=limits)

    async def aclose(self) -> None:
        """Close every pool."""
        for client in self.clients.values():
            await client.aclose()

    async def forward(self, service: str, request: Request, path: str) -> Response:
        """Send ``request`` to ``service`` at ``path``; stream the answer back."""
        client = self.clients[service]
        headers = [(k, v) for k, v in request.headers.items() if k.lower() not in _excluded(request)]
        headers.append(("x-request-id", request_id_var.get() or ""))
        headers.append(("traceparent", traceparent_var.get() or ""))
        if request.client is not None:
            forwarded = request.headers.get("x-forwarded-for")
            headers.append(
                (
                    "x-forwarded-for",
                    f"{forwarded}, {request.client.host}" if forwarded else request.client.host,
                )
            )
        upstream = client.build_request(
            request.method,
            httpx.URL(path=path, query=request.url.query.encode("latin-1")),
            headers=headers,
            content=request.stream(),
        )
        try:
            response = await client.send(upstream, stream=True)
        except httpx.TimeoutException:
            return problem(
                504,
                title="Dịch vụ phản hồi quá chậm",
                detail=f"The {service} service did not answer in time.",
                type_=PROBLEM_BASE + "upstream-timeout",
            )
        except httpx.TransportError:
            return problem(
                503,
                title="Dịch vụ tạm thời không khả dụng",
                detail=f"The {service} service is unavailable.",
                type_=PROBLEM_BASE + "upstream-unavailable",
                headers={"Retry-After": "5"},
            )
        out_headers = [
            (k, v)
            for k, v in response.headers.multi_items()
            if k.lower() not in HOP_BY_HOP | {"x-request-id"}
        ]
        streaming = StreamingResponse(
            response.aiter_raw(), status_code=response.status_code, background=BackgroundTask(response.aclose)
        )
        # Written raw so that repeated fields (Set-Cookie, Link) survive.
        streaming.raw_headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in out_headers]
        return streaming


def _excluded(request: Request) -> frozenset[str]:
    listed = {h.strip().lower() for h in request.headers.get("connection", "").split(",") if h.strip()}
    return HOP_BY_HOP | listed | {"x-request-id", "traceparent", "x-forwarded-for"}
