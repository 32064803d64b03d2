"""Annotated dependency aliases of catalog-svc's routes."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends

from catalog_svc.settings import Settings
from catalog_svc.uow import CatalogUnitOfWork
from motcua_shared.chassis.auth import OptionalPrincipalDep, Principal, Role, require_roles
from motcua_shared.chassis.deps import RuntimeDep

# Coroutines on purpose: FastAPI runs a plain ``def`` dependency in its thread pool, a thread hop that cost a
# search more CPU than its SQL (see the README's search section).


async def get_uow(runtime: RuntimeDep) -> CatalogUnitOfWork:
    """A new unit of work on the catalogue's database."""
    return cast(CatalogUnitOfWork, runtime.uow())


async def get_settings(runtime: RuntimeDep) -> Settings:
    """The service's settings."""
    return cast(Settings, runtime.settings)


UowDep = Annotated[CatalogUnitOfWork, Depends(get_uow)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
AdminDep = Annotated[Principal, Depends(require_roles(Role.ADMIN))]
MaybePrincipalDep = OptionalPrincipalDep
