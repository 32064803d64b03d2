"""Use cases of the directory: list agencies and fields; load the seed structure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from catalog_svc.directory.errors import AgencyNotFound
from catalog_svc.directory.models import (
    AdminLevel,
    Agency,
    AgencyListing,
    CountedField,
    Field,
    NamedAgency,
)
from catalog_svc.directory.repository import forget_directory
from catalog_svc.directory.schemas import AgencyIn, FieldIn, LevelIn
from catalog_svc.uow import CatalogUnitOfWork
from motcua_shared.chassis.errors import Unprocessable


async def list_agencies(
    uow: CatalogUnitOfWork,
    *,
    level: str | None = None,
    parent: str | None = None,
    active: bool | None = True,
    today: date | None = None,
) -> AgencyListing:
    """Agencies (active ones unless asked otherwise), with every level so old level codes stay readable."""
    today = today or date.today()
    async with uow:
        levels = await uow.directory.levels()
        agencies = await uow.directory.agencies(level=level, parent=parent, active=active)
        by_code = {lvl.code: lvl for lvl in levels}
        named = [NamedAgency(agency, by_code[agency.level_code]) for agency in agencies]
        return AgencyListing(agencies=named, levels=levels, today=today)


async def get_agency(uow: CatalogUnitOfWork, code: str) -> NamedAgency:
    """One agency, active or not."""
    async with uow:
        agency = await uow.directory.agency(code)
        if agency is None:
            raise AgencyNotFound(code)
        levels = {lvl.code: lvl for lvl in await uow.directory.levels()}
        return NamedAgency(agency, levels[agency.level_code])


async def list_fields(uow: CatalogUnitOfWork) -> list[CountedField]:
    """Every field with its number of published procedures."""
    async with uow:
        fields = await uow.directory.fields()
        counts = await uow.procedures.count_published_by_field()
        return [CountedField(f, counts.get(f.code, 0)) for f in fields]


async def load_structure(
    uow: CatalogUnitOfWork,
    levels: Sequence[LevelIn],
    fields: Sequence[FieldIn],
    agencies: Sequence[AgencyIn],
) -> tuple[int, int, int]:
    """Insert or update levels, fields and agencies in one transaction (idempotent); returns their counts."""
    level_codes = {level.code for level in levels}
    agency_codes = {agency.code for agency in agencies}
    errors = [
        {"field": f"agencies[{i}]", "message": f"Cấp '{a.level}' không tồn tại."}
        for i, a in enumerate(agencies)
        if a.level not in level_codes
    ] + [
        {"field": f"agencies[{i}]", "message": f"Cơ quan cha '{a.parent}' không tồn tại."}
        for i, a in enumerate(agencies)
        if a.parent is not None and a.parent not in agency_codes
    ]
    identified: dict[str, str] = {}
    for i, a in enumerate(agencies):
        if a.electronic_id is None:
            continue
        if a.electronic_id in identified:
            errors.append(
                {
                    "field": f"agencies[{i}].electronic_id",
                    "message": f"Mã định danh '{a.electronic_id}' đã thuộc '{identified[a.electronic_id]}'.",
                }
            )
        identified.setdefault(a.electronic_id, a.code)
    if errors:
        raise Unprocessable("Dữ liệu cơ cấu tổ chức không hợp lệ.", errors=errors)
    async with uow:
        for level in levels:
            await uow.directory.merge_level(AdminLevel(**level.model_dump()))
        for field in fields:
            await uow.directory.merge_field(Field(**field.model_dump()))
        await uow.directory.flush()
        # Parents first: the foreign key to the parent is checked row by row.
        for agency in _parents_first(agencies):
            await uow.directory.merge_agency(
                Agency(
                    code=agency.code,
                    name=agency.name,
                    level_code=agency.level,
                    parent_code=agency.parent,
                    active=agency.active,
                    receives_dossiers=agency.receives_dossiers,
                    electronic_id=agency.electronic_id,
                    dissolved_on=agency.dissolved_on,
                    former_names=agency.former_names,
                    note=agency.note,
                    sources=agency.sources,
                )
            )
            await uow.directory.flush()
        await uow.commit()
    forget_directory()
    return len(levels), len(fields), len(agencies)


def _parents_first(agencies: Sequence[AgencyIn]) -> list[AgencyIn]:
    by_code = {agency.code: agency for agency in agencies}
    ordered: list[AgencyIn] = []
    placed: set[str] = set()

    def place(agency: AgencyIn, seen: frozenset[str]) -> None:
        if agency.code in placed:
            return
        if agency.code in seen:
            raise Unprocessable(f"Cây cơ quan có vòng lặp tại '{agency.code}'.")
        if agency.parent is not None and agency.parent in by_code:
            place(by_code[agency.parent], seen | {agency.code})
        placed.add(agency.code)
        ordered.append(agency)

    for agency in agencies:
        place(agency, frozenset())
    return ordered
