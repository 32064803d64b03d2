"""catalog-svc's unit of work over memory, for the use cases' unit tests (milliseconds, no database)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import Any

from catalog_svc.directory.models import AdminLevel, Agency, Field
from catalog_svc.directory.repository import Directory
from catalog_svc.directory.schemas import AgencyIn, FieldIn, LevelIn
from catalog_svc.directory.service import load_structure
from catalog_svc.procedures.models import Procedure, ProcedureVersion, Status
from catalog_svc.seed import load_data
from catalog_svc.uow import CatalogUnitOfWork
from motcua_shared.testing import FakeUnitOfWork, flushed


class FakeDirectory:
    """Levels, agencies and fields."""

    def __init__(self) -> None:
        self.levels_by_code: dict[str, AdminLevel] = {}
        self.agencies_by_code: dict[str, Agency] = {}
        self.fields_by_code: dict[str, Field] = {}

    async def load(self, *, fresh: bool = False) -> Directory:
        return Directory(
            levels=dict(self.levels_by_code),
            agencies=dict(self.agencies_by_code),
            fields=dict(self.fields_by_code),
        )

    async def levels(self) -> Sequence[AdminLevel]:
        return sorted(self.levels_by_code.values(), key=lambda level: level.rank)

    async def agencies(
        self, *, level: str | None = None, parent: str | None = None, active: bool | None = None
    ) -> Sequence[Agency]:
        return [
            a
            for _, a in sorted(self.agencies_by_code.items())
            if (level is None or a.level_code == level)
            and (parent is None or a.parent_code == parent)
            and (active is None or a.active is active)
        ]

    async def agency(self, code: str) -> Agency | None:
        return self.agencies_by_code.get(code)

    async def fields(self) -> Sequence[Field]:
        return sorted(self.fields_by_code.values(), key=lambda field: field.name)

    async def merge_level(self, level: AdminLevel) -> None:
        self.levels_by_code[level.code] = flushed(level)

    async def merge_agency(self, agency: Agency) -> None:
        self.agencies_by_code[agency.code] = flushed(agency)

    async def merge_field(self, field: Field) -> None:
        self.fields_by_code[field.code] = flushed(field)

    async def flush(self) -> None:
        return None


class FakeProcedures:
    """Procedures, their published versions and levels, and what the search holds."""

    def __init__(self) -> None:
        self.rows: dict[str, Procedure] = {}
        self.versions_of: dict[tuple[int, int], ProcedureVersion] = {}
        self.levels: dict[int, set[str]] = {}
        self.searchable: dict[int, dict[str, Any]] = {}
        self._ids = itertools.count(1)

    async def get(self, code: str) -> Procedure | None:
        return self.rows.get(code)

    async def get_many(self, codes: Iterable[str]) -> dict[str, Procedure]:
        return {code: self.rows[code] for code in codes if code in self.rows}

    def add(self, procedure: Procedure) -> None:
        self.rows[procedure.code] = procedure

    async def flush(self) -> None:
        for procedure in self.rows.values():
            if procedure.id is None:
                procedure.id = next(self._ids)
                flushed(procedure)

    async def replace_levels(self, procedure_ids: Sequence[int], rows: Sequence[dict[str, Any]]) -> None:
        for procedure_id in procedure_ids:
            self.levels.pop(procedure_id, None)
        for row in rows:
            self.levels.setdefault(row["procedure_id"], set()).add(row["level_code"])

    def add_version(self, version: ProcedureVersion) -> None:
        self.versions_of[(version.procedure_id, version.version)] = version

    async def version(self, procedure_id: int, version: int) -> ProcedureVersion | None:
        return self.versions_of.get((procedure_id, version))

    async def versions(
        self, procedure_ids: Iterable[int], version_of: dict[int, int]
    ) -> dict[int, ProcedureVersion]:
        found = {pid: self.versions_of.get((pid, version_of[pid])) for pid in procedure_ids}
        return {pid: version for pid, version in found.items() if version is not None}

    async def count_published_by_field(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for procedure in self.rows.values():
            if procedure.status == Status.PUBLISHED and procedure.field_code is not None:
                counts[procedure.field_code] = counts.get(procedure.field_code, 0) + 1
        return counts

    async def index(self, rows: Sequence[dict[str, Any]]) -> None:
        for row in rows:
            self.searchable[row["procedure_id"]] = dict(row)

    async def unindex(self, procedure_id: int) -> None:
        self.searchable.pop(procedure_id, None)


class FakeCatalogUow(FakeUnitOfWork[CatalogUnitOfWork]):
    """catalog-svc's unit of work over the fakes above."""

    def open(self) -> None:
        self.directory = FakeDirectory()
        self.procedures = FakeProcedures()


async def with_structure() -> FakeCatalogUow:
    """A fake catalogue holding Huế's shipped levels, fields and agencies (no procedures yet)."""
    uow = FakeCatalogUow()
    await load_structure(
        uow.unit,
        [LevelIn.model_validate(x) for x in load_data("levels.json")["levels"]],
        [FieldIn.model_validate(x) for x in load_data("fields.json")["fields"]],
        [AgencyIn.model_validate(x) for x in load_data("agencies.json")["agencies"]],
    )
    uow.outbox.clear()
    return uow
