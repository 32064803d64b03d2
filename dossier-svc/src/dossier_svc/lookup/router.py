"""`/api/v1/lookup/{code}`: public status lookup with proof of holding the dossier."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request

from dossier_svc.deps import PortsDep, UowDep
from dossier_svc.lookup import service
from dossier_svc.lookup.errors import LookupNotFound
from dossier_svc.lookup.schemas import LookupOut
from motcua_shared.chassis.context import client_address
from motcua_shared.chassis.errors import RateLimited
from motcua_shared.chassis.problems import problems

router = APIRouter(prefix="/api/v1/lookup", tags=["lookup"])


@router.get(
    "/{code}",
    response_model=LookupOut,
    responses=problems(LookupNotFound, RateLimited),
    summary="Look a dossier up",
    operation_id="lookup.get",
)
async def lookup(
    code: str,
    request: Request,
    uow: UowDep,
    ports: PortsDep,
    proof: Annotated[
        str | None,
        Query(max_length=64, description="Last 4 digits of the applicant's phone, or the receipt's secret."),
    ] = None,
    proof_header: Annotated[str | None, Header(alias="X-Lookup-Proof", max_length=64)] = None,
) -> LookupOut:
    """Status, current step and due date of a dossier; a wrong proof and an unknown code answer alike."""
    given = proof_header or proof
    if not given or len(code) > 96:
        raise LookupNotFound()
    client = client_address(
        request.client.host if request.client else None,
        request.headers.get("x-forwarded-for"),
        behind_gateway=ports.settings.lookup.trust_forwarded_for,
    )
    return LookupOut.of(await service.lookup(uow, ports.lookup_guard, client=client, code=code, proof=given))
