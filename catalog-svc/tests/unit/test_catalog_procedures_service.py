"""The catalogue's use cases (procedures/service.py) on a fake unit of work: versions and their events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from catalog_fakes import FakeCatalogUow, with_structure

from catalog_svc.procedures import service
from catalog_svc.procedures.errors import (
    InvalidProcedure,
    NothingToPublish,
    NotPublished,
    ProcedureExists,
    ProcedureNotFound,
)
from catalog_svc.procedures.models import Status
from catalog_svc.procedures.schemas import ProcedureAdminOut, ProcedureIn, ProcedureOut
from motcua_shared.chassis.auth import Principal, Role
from motcua_shared.contracts.catalog import ProcedurePublished, ProcedureWithdrawn

NOW = datetime(2025, 8, 4, 2, 0, tzinfo=UTC)
Body = Callable[..., dict[str, Any]]


@pytest.fixture
async def uow() -> FakeCatalogUow:
    return await with_structure()


async def test_a_new_procedure_is_a_draft_nobody_reads_until_published(
    uow: FakeCatalogUow, procedure_body: Body
) -> None:
    created = ProcedureAdminOut.of(
        await service.create(uow.unit, ProcedureIn.model_validate(procedure_body()), now=NOW)
    )
    assert (created.status, created.version, created.published) == ("draft", 0, None)
    assert uow.outbox.events == [], "a draft announces nothing"
    with pytest.raises(ProcedureNotFound):
        await service.get_published(uow.unit, "HUE-TEST-01")
    with pytest.raises(ProcedureExists):
        await service.create(uow.unit, ProcedureIn.model_validate(procedure_body()), now=NOW)


async def test_a_procedure_naming_an_unknown_agency_or_field_is_refused(
    uow: FakeCatalogUow, procedure_body: Body
) -> None:
    body = procedure_body(implementing_agency_code="hue.khong-co", field_code="khongco")
    commits = uow.commits
    with pytest.raises(InvalidProcedure) as refused:
        await service.create(uow.unit, ProcedureIn.model_validate(body), now=NOW)
    fields = {e["field"] for e in refused.value.errors or []}
    assert {"implementing_agency_code", "field_code"} <= fields
    assert uow.procedures.rows == {}
    assert uow.commits == commits


async def test_publishing_makes_a_version_searchable_and_announces_its_whole_snapshot(
    uow: FakeCatalogUow, procedure_body: Body
) -> None:
    await service.create(uow.unit, ProcedureIn.model_validate(procedure_body()), now=NOW)
    out = ProcedureOut.of(await service.publish(uow.unit, "HUE-TEST-01", now=NOW))
    assert (out.status, out.latest_version) == ("published", 1)

    (event,) = uow.outbox.committed
    assert isinstance(event, ProcedurePublished)
    assert (event.code, event.version, event.published_at) == ("HUE-TEST-01", 1, NOW)
    assert event.procedure.implementing_agency.code == "hue.ubnd-xa"
    assert [fee.amount for fee in event.procedure.cases[0].channels[0].fee_items] == [20_000]
    procedure = uow.procedures.rows["HUE-TEST-01"]
    assert uow.procedures.levels[procedure.id] == {"commune"}
    assert uow.procedures.searchable[procedure.id]["version"] == 1

    with pytest.raises(NothingToPublish):
        await service.publish(uow.unit, "HUE-TEST-01", now=NOW)
    assert len(uow.outbox.committed) == 1


async def test_an_edit_stays_unpublished_until_the_next_version(
    uow: FakeCatalogUow, procedure_body: Body
) -> None:
    await service.create(uow.unit, ProcedureIn.model_validate(procedure_body()), now=NOW)
    await service.publish(uow.unit, "HUE-TEST-01", now=NOW)
    edited = ProcedureAdminOut.of(
        await service.update(
            uow.unit,
            "HUE-TEST-01",
            ProcedureIn.model_validate(procedure_body(result="Giấy phép mới")),
            now=NOW,
        )
    )
    assert edited.has_unpublished_changes
    assert ProcedureOut.of(await service.get_published(uow.unit, "HUE-TEST-01")).result == "Giấy phép"

    await service.publish(uow.unit, "HUE-TEST-01", now=NOW)
    assert ProcedureOut.of(await service.get_published(uow.unit, "HUE-TEST-01")).result == "Giấy phép mới"
    assert (
        ProcedureOut.of(await service.get_published(uow.unit, "HUE-TEST-01", version=1)).result == "Giấy phép"
    )
    assert [e.version for e in uow.outbox.of_type(ProcedurePublished)] == [1, 2]
    with pytest.raises(InvalidProcedure):
        await service.update(
            uow.unit, "HUE-TEST-01", ProcedureIn.model_validate(procedure_body(code="HUE-TEST-02")), now=NOW
        )


async def test_withdrawing_stops_the_search_and_is_announced(
    uow: FakeCatalogUow, procedure_body: Body
) -> None:
    await service.create(uow.unit, ProcedureIn.model_validate(procedure_body()), now=NOW)
    with pytest.raises(NotPublished):
        await service.withdraw(uow.unit, "HUE-TEST-01", "thử", now=NOW)
    await service.publish(uow.unit, "HUE-TEST-01", now=NOW)
    out = ProcedureOut.of(await service.withdraw(uow.unit, "HUE-TEST-01", "Bãi bỏ", now=NOW))
    assert (out.status, out.withdraw_reason) == ("withdrawn", "Bãi bỏ")
    assert uow.procedures.searchable == {}
    withdrawn = uow.outbox.of_type(ProcedureWithdrawn)
    assert [(w.code, w.version, w.reason) for w in withdrawn] == [("HUE-TEST-01", 1, "Bãi bỏ")]
    assert uow.procedures.rows["HUE-TEST-01"].status == Status.WITHDRAWN
    with pytest.raises(ProcedureNotFound):
        await service.withdraw(uow.unit, "HUE-NONE-01", None, now=NOW)


async def test_an_import_publishes_new_rows_keeps_unchanged_ones_and_refuses_all_on_any_error(
    uow: FakeCatalogUow, procedure_body: Body
) -> None:
    rows = [procedure_body(version=1), procedure_body(code="HUE-TEST-02", version=1)]
    report = await service.import_procedures(uow.unit, rows, allow_synthetic=False, now=NOW)
    assert [(v.code, v.version) for v in report.published] == [("HUE-TEST-01", 1), ("HUE-TEST-02", 1)]
    assert len(uow.outbox.of_type(ProcedurePublished)) == 2

    again = await service.import_procedures(uow.unit, rows, allow_synthetic=False, now=NOW)
    assert (again.published, [v.code for v in again.unchanged]) == ([], ["HUE-TEST-01", "HUE-TEST-02"])

    gap = [procedure_body(version=2, result="Khác"), procedure_body(code="HUE-TEST-02", version=4)]
    with pytest.raises(InvalidProcedure) as refused:
        await service.import_procedures(uow.unit, gap, allow_synthetic=False, now=NOW)
    assert [(e["index"], e["code"]) for e in refused.value.errors or []] == [(1, "version_gap")]
    assert uow.procedures.rows["HUE-TEST-01"].version == 1, "nothing changes when a row is refused"
    assert len(uow.outbox.of_type(ProcedurePublished)) == 2


async def test_a_dry_run_plans_the_import_without_writing_or_announcing(
    uow: FakeCatalogUow, procedure_body: Body
) -> None:
    rows = [
        procedure_body(code="HUE-THU-01", version=1),
        procedure_body(code="HUE-THU-01", version=1),
        procedure_body(code="HUE-THU-02", version=2),
    ]
    commits = uow.commits
    report = await service.import_procedures(uow.unit, rows, allow_synthetic=False, dry_run=True, now=NOW)
    assert report.dry_run is True
    assert [(r.code, r.version) for r in report.published] == [("HUE-THU-01", 1)]
    assert [(r.index, r.code) for r in report.rejected] == [(1, "duplicate"), (2, "version_gap")]
    assert uow.outbox.events == []
    assert await uow.unit.procedures.get("HUE-THU-01") is None, "nothing was added"
    assert uow.commits == commits


async def test_an_admins_changes_commit_their_audit_records_and_a_refused_one_none(
    uow: FakeCatalogUow, procedure_body: Body
) -> None:
    admin = Principal(subject="admin-1", role=Role.ADMIN)
    body = ProcedureIn.model_validate(procedure_body())
    await service.create(uow.unit, body, now=NOW, by=admin)
    with pytest.raises(ProcedureExists):
        await service.create(uow.unit, body, now=NOW, by=admin)
    with pytest.raises(NotPublished):
        await service.withdraw(uow.unit, "HUE-TEST-01", "thử", now=NOW, by=admin)
    await service.publish(uow.unit, "HUE-TEST-01", now=NOW, by=admin)
    with pytest.raises(NothingToPublish):
        await service.publish(uow.unit, "HUE-TEST-01", now=NOW, by=admin)
    await service.withdraw(uow.unit, "HUE-TEST-01", None, now=NOW)
    assert [(r.subject, r.action, r.resource, r.resource_id, r.detail) for r in uow.audit.records] == [
        ("admin-1", "procedure.create", "procedure", "HUE-TEST-01", None),
        ("admin-1", "procedure.publish", "procedure", "HUE-TEST-01", "version 1"),
    ], "refusals leave nothing; a change made by no admin (seeding) is not recorded"
    assert uow.audit.staged == []
