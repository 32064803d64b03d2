"""Annotated dependency aliases of dossier-svc's routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from dossier_svc.ports import Ports
from dossier_svc.uow import DossierUow
from motcua_shared.chassis.deps import RuntimeDep


def get_ports(request: Request) -> Ports:
    """The ports the composition root built."""
    ports: Ports = request.app.state.ports
    return ports


def get_uow(runtime: RuntimeDep) -> DossierUow:
    """A new unit of work (entered by the use case)."""
    uow = runtime.uow()
    assert isinstance(uow, DossierUow)
    return uow


PortsDep = Annotated[Ports, Depends(get_ports)]
UowDep = Annotated[DossierUow, Depends(get_uow)]
