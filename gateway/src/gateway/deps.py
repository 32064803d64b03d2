"""Annotated dependency aliases of the gateway's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from gateway.identity.service import Identity
from gateway.ratelimit.limiter import TokenBucketLimiter
from gateway.runtime import GatewayRuntime
from gateway.settings import Settings
from gateway.uow import GatewayUnitOfWork


def runtime_of(request: Request) -> GatewayRuntime:
    """The running gateway's resources (set by the lifespan)."""
    runtime: GatewayRuntime = request.app.state.gateway
    return runtime


async def get_runtime(request: Request) -> GatewayRuntime:
    """The runtime as a dependency (``async``: FastAPI runs a plain ``def`` in a worker thread)."""
    return runtime_of(request)


async def get_uow(request: Request) -> GatewayUnitOfWork:
    """A new unit of work."""
    return runtime_of(request).uow()


async def get_identity(request: Request) -> Identity:
    """Sign-in rules, secrets and the token signer."""
    return runtime_of(request).identity


async def get_limiter(request: Request) -> TokenBucketLimiter:
    """The rate limiter."""
    return runtime_of(request).limiter


async def get_settings(request: Request) -> Settings:
    """The gateway's settings."""
    return runtime_of(request).settings


async def client_ip(request: Request) -> str:
    """The caller's address (uvicorn resolves X-Forwarded-For from trusted proxies only)."""
    return request.client.host if request.client else "unknown"


RuntimeDep = Annotated[GatewayRuntime, Depends(get_runtime)]
UowDep = Annotated[GatewayUnitOfWork, Depends(get_uow)]
IdentityDep = Annotated[Identity, Depends(get_identity)]
LimiterDep = Annotated[TokenBucketLimiter, Depends(get_limiter)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ClientIpDep = Annotated[str, Depends(client_ip)]
