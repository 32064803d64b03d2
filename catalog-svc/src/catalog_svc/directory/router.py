"""HTTP routes of the directory: `/api/v1/agencies`, `/api/v1/fields` (public)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from catalog_svc.deps import UowDep
from catalog_svc.directory import service
from catalog_svc.directory.errors import AgencyNotFound
from catalog_svc.directory.schemas import AgencyList, AgencyOut, FieldList
from motcua_shared.chassis.problems import problems

agencies_router = APIRouter(prefix="/api/v1/agencies", tags=["agencies"])
fields_router = APIRouter(prefix="/api/v1/fields", tags=["fields"])


@agencies_router.get(
    "",
    response_model=AgencyList,
    summary="Agencies and the levels of local government",
    operation_id="agencies.list",
)
async def list_agencies(
    uow: UowDep,
    level: Annotated[str | None, Query(max_length=32, description="Only agencies at this level.")] = None,
    parent: Annotated[
        str | None, Query(max_length=64, description="Only the children of this agency.")
    ] = None,
    include_inactive: Annotated[
        bool, Query(description="Also agencies no longer in operation (e.g. districts dissolved in 2025).")
    ] = False,
) -> AgencyList:
    """Today's agencies (or all of them), with every level, including those no longer organised."""
    listing = await service.list_agencies(
        uow, level=level, parent=parent, active=None if include_inactive else True
    )
    return AgencyList.of(listing)


@agencies_router.get(
    "/{code}",
    response_model=AgencyOut,
    responses=problems(AgencyNotFound),
    summary="One agency",
    operation_id="agencies.get",
)
async def get_agency(code: str, uow: UowDep) -> AgencyOut:
    """One agency by code, in operation or not."""
    return AgencyOut.of(await service.get_agency(uow, code))


@fields_router.get("", response_model=FieldList, summary="Fields of procedures", operation_id="fields.list")
async def list_fields(uow: UowDep) -> FieldList:
    """Every field with its number of published procedures."""
    return FieldList.of(await service.list_fields(uow))
