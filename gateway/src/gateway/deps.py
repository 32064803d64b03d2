"""Annotated dependency aliases of the gateway's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from gateway.ports import Ports
from gateway.settings import Settings
from gateway.uow import GatewayUnitOfWork
from motcua_shared.chassis.deps import ports_dependency, settings_dependency, uow_dependency
from motcua_shared.chassis.limits import Buckets

UowDep = Annotated[GatewayUnitOfWork, Depends(uow_dependency(GatewayUnitOfWork))]
PortsDep = Annotated[Ports, Depends(ports_dependency(Ports))]
SettingsDep = Annotated[Settings, Depends(settings_dependency(Settings))]


async def get_limiter(ports: PortsDep) -> Buckets:
    """The rate limiter."""
    return ports.limiter


async def client_ip(request: Request) -> str:
    """The caller's address (uvicorn resolves X-Forwarded-For from trusted proxies only)."""
    return request.client.host if request.client else "unknown"


LimiterDep = Annotated[Buckets, Depends(get_limiter)]
ClientIpDep = Annotated[str, Depends(client_ip)]
