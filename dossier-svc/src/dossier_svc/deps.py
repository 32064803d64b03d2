"""Annotated dependency aliases of dossier-svc's routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from dossier_svc.ports import Ports
from dossier_svc.uow import DossierUow
from motcua_shared.chassis.deps import ports_dependency, uow_dependency

PortsDep = Annotated[Ports, Depends(ports_dependency(Ports))]
UowDep = Annotated[DossierUow, Depends(uow_dependency(DossierUow))]
