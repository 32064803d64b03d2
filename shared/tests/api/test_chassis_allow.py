"""A 405 names every method the path takes, not only those of the first route that matched it."""

from __future__ import annotations

import httpx
from fastapi import APIRouter, FastAPI

from motcua_shared.chassis.http import install_problem_handlers


def app() -> FastAPI:
    router = APIRouter(prefix="/api/v1/payments/{payment_id}")

    @router.get("")
    async def get(payment_id: str) -> None: ...

    @router.delete("")
    async def delete(payment_id: str) -> None: ...

    @router.get("/slips/{slip_id}")
    async def slip(payment_id: str, slip_id: str) -> None: ...

    @router.post("/slips/confirm")
    async def confirm(payment_id: str) -> None: ...

    application = FastAPI()
    install_problem_handlers(application)
    application.include_router(router)
    return application


async def test_a_405_lists_every_method_of_the_path() -> None:
    transport = httpx.ASGITransport(app=app())
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        whole = await client.put("/api/v1/payments/p-1")
        literal = await client.options("/api/v1/payments/p-1/slips/confirm")
        templated = await client.post("/api/v1/payments/p-1/slips/s-1")
    assert whole.status_code == 405
    assert whole.headers["allow"] == "DELETE, GET"
    assert whole.headers["content-type"] == "application/problem+json"
    assert literal.status_code == 405
    assert literal.headers["allow"] == "POST", "the literal path's resource, not the templated one's"
    assert templated.headers["allow"] == "GET"
