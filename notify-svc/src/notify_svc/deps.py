"""Annotated dependency aliases of notify-svc's routers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, cast

from fastapi import Depends

from motcua_shared.chassis.deps import RuntimeDep
from notify_svc.settings import Settings
from notify_svc.uow import NotifyUnitOfWork


async def get_uow(runtime: RuntimeDep) -> NotifyUnitOfWork:
    """A new unit of work."""
    return cast(NotifyUnitOfWork, runtime.uow())


async def get_uow_factory(runtime: RuntimeDep) -> Callable[[], NotifyUnitOfWork]:
    """A maker of units of work (for the stream, which needs one per read)."""
    return cast(Callable[[], NotifyUnitOfWork], runtime.uow)


async def get_settings(runtime: RuntimeDep) -> Settings:
    """The service's settings."""
    return cast(Settings, runtime.settings)


UowDep = Annotated[NotifyUnitOfWork, Depends(get_uow)]
UowFactoryDep = Annotated[Callable[[], NotifyUnitOfWork], Depends(get_uow_factory)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
