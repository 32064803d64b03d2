"""Annotated dependency aliases of payment-svc's routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from motcua_shared.chassis.auth import Principal, Role, require_roles
from motcua_shared.chassis.deps import ports_dependency, uow_dependency
from payment_svc.ports import Ports
from payment_svc.uow import PaymentUnitOfWork


async def client_ip(request: Request) -> str:
    """The payer's address as the gateway protocol wants it (the proxy's `X-Forwarded-For` first)."""
    forwarded = request.headers.get("x-forwarded-for", "")
    first = forwarded.split(",", 1)[0].strip()
    return first or (request.client.host if request.client else "127.0.0.1")


UowDep = Annotated[PaymentUnitOfWork, Depends(uow_dependency(PaymentUnitOfWork))]
PortsDep = Annotated[Ports, Depends(ports_dependency(Ports))]
ClientIpDep = Annotated[str, Depends(client_ip)]
CitizenDep = Annotated[Principal, Depends(require_roles(Role.CITIZEN))]
StaffDep = Annotated[Principal, Depends(require_roles(Role.OFFICER, Role.ADMIN))]
AdminDep = Annotated[Principal, Depends(require_roles(Role.ADMIN))]
