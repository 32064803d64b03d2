"""Annotated dependency aliases of catalog-svc's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from catalog_svc.settings import Settings
from catalog_svc.uow import CatalogUnitOfWork
from motcua_shared.chassis.auth import OptionalPrincipalDep, Principal, Role, require_roles
from motcua_shared.chassis.deps import settings_dependency, uow_dependency

UowDep = Annotated[CatalogUnitOfWork, Depends(uow_dependency(CatalogUnitOfWork))]
SettingsDep = Annotated[Settings, Depends(settings_dependency(Settings))]
AdminDep = Annotated[Principal, Depends(require_roles(Role.ADMIN))]
MaybePrincipalDep = OptionalPrincipalDep
