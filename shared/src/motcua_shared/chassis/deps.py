"""Dependencies every service uses: the runtime, its unit of work, its settings and its collaborators.

They are ``async def`` on purpose: FastAPI runs a plain ``def`` dependency in a worker thread, a round trip
through the thread pool on every request for what is an attribute lookup.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from fastapi import Depends, Request

from motcua_shared.chassis.settings import ServiceSettings
from motcua_shared.chassis.uow import UnitOfWork

if TYPE_CHECKING:
    from motcua_shared.chassis.app import Runtime

U = TypeVar("U", bound=UnitOfWork)
S = TypeVar("S", bound=ServiceSettings)
P = TypeVar("P")

Dependency = Callable[[Request], Coroutine[Any, Any, Any]]


def runtime_of(request: Request) -> Runtime[Any]:
    """The running service's resources (set by the lifespan)."""
    runtime: Runtime[Any] = request.app.state.runtime
    return runtime


async def get_runtime(request: Request) -> Runtime[Any]:
    """The runtime as a dependency."""
    return runtime_of(request)


RuntimeDep = Annotated["Runtime[Any]", Depends(get_runtime)]


def uow_dependency(uow_class: type[U]) -> Callable[[Request], Coroutine[Any, Any, U]]:
    """A dependency giving a new unit of work of ``uow_class``, the class the service's app was built with
    (the use case enters it): ``UowDep = Annotated[MyUow, Depends(uow_dependency(MyUow))]``."""

    async def get_uow(request: Request) -> U:
        runtime: Runtime[U] = request.app.state.runtime
        return runtime.uow()

    get_uow.__doc__ = f"A new {uow_class.__name__}."
    return get_uow


def uow_factory_dependency(uow_class: type[U]) -> Callable[[Request], Coroutine[Any, Any, Callable[[], U]]]:
    """A dependency giving a maker of ``uow_class`` units of work (for a route that needs several)."""

    async def get_uow_factory(request: Request) -> Callable[[], U]:
        runtime: Runtime[U] = request.app.state.runtime
        return runtime.uow

    get_uow_factory.__doc__ = f"A maker of {uow_class.__name__}."
    return get_uow_factory


def settings_dependency(settings_class: type[S]) -> Callable[[Request], Coroutine[Any, Any, S]]:
    """A dependency giving the service's settings, of ``settings_class`` (the app was built with them)."""

    async def get_settings(request: Request) -> S:
        settings: S = request.app.state.runtime.settings
        return settings

    get_settings.__doc__ = f"The service's {settings_class.__name__}."
    return get_settings


def ports_dependency(ports_class: type[P]) -> Callable[[Request], Coroutine[Any, Any, P]]:
    """A dependency giving the collaborators the service's ``setup`` built (``app.state.ports``)."""

    async def get_ports(request: Request) -> P:
        ports: P = request.app.state.ports
        return ports

    get_ports.__doc__ = f"The service's {ports_class.__name__}."
    return get_ports
