"""Operation ids are ``resource.verb``: the route's first tag and its name, unless the route names itself."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from motcua_shared.chassis.openapi import operation_id


def test_operation_ids_are_the_resource_and_the_verb() -> None:
    router = APIRouter(prefix="/api/v1/payments", tags=["payment-providers"])

    @router.post("/bank/notify")
    async def bank_notify() -> None: ...

    @router.get("/{payment_id}", operation_id="payments.get")
    async def get_payment(payment_id: str) -> None: ...

    app = FastAPI(generate_unique_id_function=operation_id)
    app.include_router(router)

    @app.get("/untagged")
    async def Untagged() -> None: ...

    paths = app.openapi()["paths"]
    assert paths["/api/v1/payments/bank/notify"]["post"]["operationId"] == "payment_providers.bank_notify"
    assert paths["/api/v1/payments/{payment_id}"]["get"]["operationId"] == "payments.get"
    assert paths["/untagged"]["get"]["operationId"] == "untagged"
