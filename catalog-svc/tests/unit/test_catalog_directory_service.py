"""Agencies, levels and fields (directory/service.py) on a fake unit of work."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from catalog_fakes import FakeCatalogUow, with_structure

from catalog_svc.directory import service
from catalog_svc.directory.errors import AgencyNotFound
from catalog_svc.directory.schemas import AgencyIn, AgencyList, AgencyOut, FieldIn, FieldList, LevelIn
from catalog_svc.procedures import service as procedures
from catalog_svc.procedures.schemas import ProcedureIn
from motcua_shared.chassis.errors import Unprocessable
from motcua_shared.contracts.catalog import ProcedurePublished

LEVEL = LevelIn(code="province", name="Cấp tỉnh", rank=1)


async def test_the_shipped_structure_lists_the_active_agencies_and_every_level() -> None:
    uow = await with_structure()
    listed = AgencyList.of(await service.list_agencies(uow.unit, today=date(2025, 8, 4)))
    assert listed.total == len(listed.items) > 0
    assert all(agency.active for agency in listed.items)
    assert [(lvl.code, lvl.active) for lvl in listed.levels] == [
        ("province", True),
        ("district", False),
        ("commune", True),
    ], "the district level stopped on 1 July 2025 but stays readable"
    departments = AgencyList.of(await service.list_agencies(uow.unit, parent="hue", level="province"))
    assert "hue.so-tu-phap" in {agency.code for agency in departments.items}
    assert AgencyOut.of(await service.get_agency(uow.unit, "hue.so-tu-phap")).level_name == "Cấp tỉnh"
    with pytest.raises(AgencyNotFound):
        await service.get_agency(uow.unit, "hue.khong-co")


async def test_fields_count_their_published_procedures(procedure_body: Callable[..., dict[str, Any]]) -> None:
    uow = await with_structure()
    await procedures.create(uow.unit, ProcedureIn.model_validate(procedure_body()))
    counts = {f.code: f.procedure_count for f in FieldList.of(await service.list_fields(uow.unit)).items}
    assert counts["giaoduc"] == 0, "a draft is not counted"
    await procedures.publish(uow.unit, "HUE-TEST-01")
    counts = {f.code: f.procedure_count for f in FieldList.of(await service.list_fields(uow.unit)).items}
    assert counts["giaoduc"] == 1


async def test_a_structure_naming_an_unknown_level_or_parent_changes_nothing() -> None:
    uow = FakeCatalogUow()
    orphan = AgencyIn(code="hue.x", name="Cơ quan thử", level="province", parent="hue.khong-co")
    unknown = AgencyIn(code="hue.y", name="Cơ quan thử khác", level="quan")
    with pytest.raises(Unprocessable) as refused:
        await service.load_structure(uow.unit, [LEVEL], [], [orphan, unknown])
    assert [e["field"] for e in refused.value.errors or []] == ["agencies[1]", "agencies[0]"]
    assert (uow.directory.agencies_by_code, uow.commits) == ({}, 0)


async def test_a_structure_is_loaded_parents_first_and_again_without_change() -> None:
    uow = FakeCatalogUow()
    child = AgencyIn(code="hue.so", name="Sở thử", level="province", parent="hue")
    parent = AgencyIn(code="hue", name="Ủy ban nhân dân thành phố Huế", level="province")
    field = FieldIn(code="hotich", name="Hộ tịch")
    assert await service.load_structure(uow.unit, [LEVEL], [field], [child, parent]) == (1, 1, 2)
    assert await service.load_structure(uow.unit, [LEVEL], [field], [child, parent]) == (1, 1, 2)
    assert sorted(uow.directory.agencies_by_code) == ["hue", "hue.so"]
    looped = [
        AgencyIn(code="a", name="Cơ quan A", level="province", parent="b"),
        AgencyIn(code="b", name="Cơ quan B", level="province", parent="a"),
    ]
    with pytest.raises(Unprocessable, match="vòng lặp"):
        await service.load_structure(uow.unit, [LEVEL], [], looped)


async def test_an_agency_electronic_identifier_is_listed_and_named_in_published_procedures(
    procedure_body: Callable[..., dict[str, Any]],
) -> None:
    uow = await with_structure()
    city = AgencyOut.of(await service.get_agency(uow.unit, "hue"))
    assert city.electronic_id == "000.00.00.H57"
    assert AgencyOut.of(await service.get_agency(uow.unit, "hue.xa.phu-xuan")).electronic_id is None
    await procedures.create(
        uow.unit,
        ProcedureIn.model_validate(procedure_body(implementing_agency_code="hue", levels=["province"])),
    )
    await procedures.publish(uow.unit, "HUE-TEST-01")
    (published,) = uow.outbox.of_type(ProcedurePublished)
    assert published.procedure.implementing_agency.electronic_id == "000.00.00.H57"


async def test_two_agencies_never_share_an_electronic_identifier() -> None:
    uow = FakeCatalogUow()
    city = AgencyIn(
        code="hue", name="Ủy ban nhân dân thành phố Huế", level="province", electronic_id="000.00.00.H57"
    )
    twin = AgencyIn(
        code="hue.so", name="Sở thử", level="province", parent="hue", electronic_id="000.00.00.H57"
    )
    with pytest.raises(Unprocessable) as refused:
        await service.load_structure(uow.unit, [LEVEL], [], [city, twin])
    assert [e["field"] for e in refused.value.errors or []] == ["agencies[1].electronic_id"]
    with pytest.raises(ValueError, match="pattern"):
        AgencyIn(code="hue.so", name="Sở thử", level="province", electronic_id="H57-14")
