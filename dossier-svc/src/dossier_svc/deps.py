"""Annotated dependency aliases of dossier-svc's routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from dossier_svc.ports import Ports
from dossier_svc.uow import DossierUow
from motcua_shared.chassis.app import Runtime

# Both are `async def` on purpose: FastAPI runs a plain `def` dependency in a worker thread, a round trip
# through the thread pool on every request for what is an attribute lookup.


async def get_ports(request: Request) -> Ports:
    """The ports the composition root built."""
    ports: Ports = request.app.state.ports
    return ports


async def get_uow(request: Request) -> DossierUow:
    """A new unit of work (entered by the use case)."""
    runtime: Runtime = request.app.state.runtime
    uow = runtime.uow()
    assert isinstance(uow, DossierUow)
    return uow


PortsDep = Annotated[Ports, Depends(get_ports)]
UowDep = Annotated[DossierUow, Depends(get_uow)]
