"""Annotated dependency aliases of notify-svc's routers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends

from motcua_shared.chassis.deps import (
    ports_dependency,
    settings_dependency,
    uow_dependency,
    uow_factory_dependency,
)
from notify_svc.ports import Ports
from notify_svc.settings import Settings
from notify_svc.uow import NotifyUnitOfWork

UowDep = Annotated[NotifyUnitOfWork, Depends(uow_dependency(NotifyUnitOfWork))]
UowFactoryDep = Annotated[Callable[[], NotifyUnitOfWork], Depends(uow_factory_dependency(NotifyUnitOfWork))]
SettingsDep = Annotated[Settings, Depends(settings_dependency(Settings))]
PortsDep = Annotated[Ports, Depends(ports_dependency(Ports))]
