"""Dependencies every service uses: the runtime and a unit of work."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request

if TYPE_CHECKING:
    from motcua_shared.chassis.app import Runtime


def runtime_of(request: Request) -> Runtime:
    """The running service's resources (set by the lifespan)."""
    runtime: Runtime = request.app.state.runtime
    return runtime


async def get_runtime(request: Request) -> Runtime:
    """The runtime as a dependency (``async``: FastAPI runs a plain ``def`` in a worker thread)."""
    return runtime_of(request)


RuntimeDep = Annotated["Runtime", Depends(get_runtime)]
