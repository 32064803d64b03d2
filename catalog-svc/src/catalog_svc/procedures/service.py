"""Use cases of the procedure catalogue: search, read, create, edit, publish, withdraw, import.

Each command is one transaction; a publish writes the new version, the search columns and the
`ProcedurePublished` event (the whole snapshot dossier-svc and payment-svc keep) in that same transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError

from catalog_svc.directory.repository import Directory
from catalog_svc.procedures.errors import (
    InvalidProcedure,
    InvalidSynonym,
    ProcedureExists,
    ProcedureNotFound,
    SynonymNotFound,
)
from catalog_svc.procedures.models import (
    AUDIT_RESOURCE,
    Procedure,
    ProcedureVersion,
    PublishedView,
    SearchSynonym,
    Status,
    WorkingView,
    levels_key,
)
from catalog_svc.procedures.repository import SearchFilters, forget_searches
from catalog_svc.procedures.schemas import (
    ImportReport,
    ImportRow,
    ProcedureIn,
    RejectedRow,
    VersionRef,
)
from catalog_svc.procedures.search_types import SearchView
from catalog_svc.text import fold, name_key, query_tokens, query_words
from catalog_svc.uow import CatalogUnitOfWork
from motcua_shared.chassis.auth import Principal
from motcua_shared.chassis.pages import Cursor, Page
from motcua_shared.contracts.catalog import (
    AdminLevel,
    AgencyRef,
    ChannelTerms,
    FieldRef,
    ProcedureCase,
    ProcedureFeeItem,
    ProcedurePublished,
    ProcedureSnapshot,
    ProcedureStep,
    ProcedureWithdrawn,
    RequiredDocument,
)

#: Deep pages cost the database a sort of everything before them; nobody reads past this.
MAX_SEARCH_WINDOW = 10_000


# ---------------------------------------------------------------- reading


SEARCH_CURSOR = Cursor(TypeAdapter(int))
"""A search page's cursor: the offset of its first hit (the query and filters come again with it)."""


async def search(
    uow: CatalogUnitOfWork,
    q: str | None,
    filters: SearchFilters,
    *,
    page: int,
    size: int,
    cursor: str | None = None,
) -> SearchView:
    """Published procedures matching ``q`` (accents, word order and word endings optional), best first.

    Paged by ``page`` or by ``cursor`` (the previous page's ``next_cursor``, which wins when given)."""
    after = SEARCH_CURSOR.decode(cursor)
    offset = (page - 1) * size if after is None else max(0, after)
    if offset + size > MAX_SEARCH_WINDOW:
        raise InvalidProcedure(
            [
                {
                    "field": "page",
                    "message": f"Chỉ xem được {MAX_SEARCH_WINDOW} kết quả đầu tiên.",
                    "code": "too_deep",
                }
            ],
            detail="Trang yêu cầu vượt quá giới hạn; hãy thu hẹp tìm kiếm.",
        )
    async with uow:
        directory = await uow.directory.load()
        result = await uow.procedures.search(query_words(q), filters, offset=offset, limit=size)
    return SearchView(
        result=result,
        levels=directory.levels,
        agencies=directory.agencies,
        fields=directory.fields,
        page=offset // size + 1,
        size=size,
        next_cursor=(
            SEARCH_CURSOR.encode(offset + size)
            if offset + size < min(result.total, MAX_SEARCH_WINDOW)
            else None
        ),
    )


async def get_published(uow: CatalogUnitOfWork, code: str, version: int | None = None) -> PublishedView:
    """A published version (the latest unless ``version`` is given), withdrawn or not."""
    async with uow:
        procedure = await uow.procedures.get(code)
        if procedure is None or procedure.version == 0:
            raise ProcedureNotFound(code)
        wanted = version or procedure.version
        stored = await uow.procedures.version(procedure.id, wanted)
        if stored is None:
            raise ProcedureNotFound(code, version)
        return PublishedView(procedure, stored)


async def get_admin(uow: CatalogUnitOfWork, code: str) -> WorkingView:
    """The working copy beside the latest published version."""
    async with uow:
        procedure = await uow.procedures.get(code)
        if procedure is None:
            raise ProcedureNotFound(code)
        stored = await uow.procedures.version(procedure.id, procedure.version) if procedure.version else None
        return WorkingView(procedure, stored)


# ---------------------------------------------------------------- synonyms


async def list_synonyms(uow: CatalogUnitOfWork) -> list[SearchSynonym]:
    """Every synonym and abbreviation the search expands."""
    async with uow:
        return await uow.procedures.synonyms()


async def put_synonym(
    uow: CatalogUnitOfWork, term: str, expansion: str, note: str | None, *, now: datetime | None = None
) -> tuple[SearchSynonym, bool]:
    """Make the search read ``term`` as ``expansion`` (both folded when searching); ``True`` when new.

    The next search of this process reads it; other replicas within ``relevance.LEXICON_TTL_S`` seconds."""
    key = " ".join(query_tokens(term))
    if not key or len(key) > 64:
        raise InvalidSynonym("term", "Cần từ 1 đến 64 ký tự chữ hoặc số.")
    if not query_tokens(expansion):
        raise InvalidSynonym("expansion", "Cần ít nhất một chữ hoặc số.")
    now = now or datetime.now(UTC)
    async with uow:
        synonym = await uow.procedures.synonym(key)
        created = synonym is None
        if synonym is None:
            synonym = SearchSynonym(term=key, expansion=expansion, note=note, updated_at=now)
            uow.procedures.add_synonym(synonym)
        else:
            synonym.expansion, synonym.note, synonym.updated_at = expansion, note, now
        await uow.commit()
    forget_searches()
    return synonym, created


async def delete_synonym(uow: CatalogUnitOfWork, term: str) -> None:
    """Stop expanding ``term``."""
    key = " ".join(query_tokens(term))
    async with uow:
        synonym = await uow.procedures.synonym(key)
        if synonym is None:
            raise SynonymNotFound(key or term)
        await uow.procedures.delete_synonym(synonym)
        await uow.commit()
    forget_searches()


async def seed_synonyms(uow: CatalogUnitOfWork, rows: Sequence[dict[str, Any]], *, now: datetime) -> int:
    """Add the shipped synonyms whose term is not there yet (an admin's edits stay); returns how many."""
    added = 0
    async with uow:
        for row in rows:
            key = " ".join(query_tokens(row["term"]))
            if await uow.procedures.synonym(key) is None:
                uow.procedures.add_synonym(
                    SearchSynonym(term=key, expansion=row["expansion"], note=row.get("note"), updated_at=now)
                )
                added += 1
        await uow.commit()
    if added:
        forget_searches()
    return added


WORKING_COPY_CURSOR = Cursor(TypeAdapter(str))
"""An admin list page's cursor: the last code shown."""


async def list_working_copies(
    uow: CatalogUnitOfWork,
    *,
    status: Status | None,
    changed: bool | None,
    q: str | None,
    limit: int,
    cursor: str | None,
) -> Page[Procedure]:
    """Every procedure, drafts and withdrawn ones included, by code: the admin's list. ``q`` is part of a
    code, or words of a published name (accents optional); a draft never published is found by its code."""
    after = WORKING_COPY_CURSOR.decode(cursor)
    words = (q.strip().lower(), fold(q)) if q and q.strip() else None
    async with uow:
        rows, total = await uow.procedures.working_copies(
            status=status.value if status else None,
            changed=changed,
            words=words,
            after=after,
            limit=limit + 1,
        )
    kept, next_cursor = WORKING_COPY_CURSOR.cut(rows, limit, lambda p: p.code)
    return Page(items=kept, total=total, next_cursor=next_cursor)


# ---------------------------------------------------------------- writing


def _audit(
    uow: CatalogUnitOfWork, by: Principal | None, action: str, code: str, detail: str | None = None
) -> None:
    """Stage the record of an admin's change, committed with it (nothing for the platform's own seeding)."""
    if by is not None:
        uow.audit.record(by, action, AUDIT_RESOURCE, code, detail=detail)


async def create(
    uow: CatalogUnitOfWork, data: ProcedureIn, *, now: datetime | None = None, by: Principal | None = None
) -> WorkingView:
    """A new procedure, as a draft nobody but admins sees until it is published; ``by`` is the admin
    (recorded in the audit trail, with every change below)."""
    now = now or datetime.now(UTC)
    async with uow:
        if await uow.procedures.get(data.code) is not None:
            raise ProcedureExists(data.code)
        directory = await uow.directory.load()
        _raise_if_invalid(check_references(data, directory, now.date()))
        procedure = _new_procedure(data, now)
        uow.procedures.add(procedure)
        await uow.procedures.flush()
        _audit(uow, by, "procedure.create", procedure.code)
        await uow.commit()
        return WorkingView(procedure, None)


async def update(
    uow: CatalogUnitOfWork,
    code: str,
    data: ProcedureIn,
    *,
    now: datetime | None = None,
    by: Principal | None = None,
) -> WorkingView:
    """Replace the working copy; what is published stays as it is until the next publish."""
    now = now or datetime.now(UTC)
    if data.code != code:
        _raise_if_invalid(
            [_error("code", "Mã thủ tục trong nội dung phải trùng với mã trên đường dẫn.", "code_mismatch")]
        )
    async with uow:
        procedure = await uow.procedures.get(code)
        if procedure is None:
            raise ProcedureNotFound(code)
        directory = await uow.directory.load()
        _raise_if_invalid(check_references(data, directory, now.date()))
        procedure.edit(_dump(data), content_hash(data), now)
        stored = await uow.procedures.version(procedure.id, procedure.version) if procedure.version else None
        _audit(uow, by, "procedure.update", code)
        await uow.commit()
        return WorkingView(procedure, stored)


async def publish(
    uow: CatalogUnitOfWork, code: str, *, now: datetime | None = None, by: Principal | None = None
) -> PublishedView:
    """Publish the working copy as the next version and emit `ProcedurePublished`."""
    now = now or datetime.now(UTC)
    async with uow:
        procedure = await uow.procedures.get(code)
        if procedure is None:
            raise ProcedureNotFound(code)
        directory = await uow.directory.load()
        data = ProcedureIn.model_validate(procedure.draft)
        _raise_if_invalid(check_references(data, directory, now.date()))
        current = await uow.procedures.version(procedure.id, procedure.version) if procedure.version else None
        # The same content is published anew when the agency tree gave it other receiving agencies.
        receivers_changed = current is not None and current.snapshot.get("receiving_agencies", []) != [
            agency.model_dump(mode="json")
            for agency in receiving_agencies(data.implementing_agency_code, directory)
        ]
        batch = _PublishBatch(now)
        batch.publish(
            procedure,
            data,
            directory,
            replace_levels=procedure.version > 0,
            receivers_changed=receivers_changed,
        )
        await batch.write(uow)
        stored = batch.versions[-1]
        _audit(uow, by, "procedure.publish", code, f"version {stored.version}")
        await uow.commit()
        forget_searches()
        return PublishedView(procedure, stored)


async def withdraw(
    uow: CatalogUnitOfWork,
    code: str,
    reason: str | None,
    *,
    now: datetime | None = None,
    by: Principal | None = None,
) -> PublishedView:
    """Stop taking dossiers for a procedure and emit `ProcedureWithdrawn`; its versions stay readable."""
    now = now or datetime.now(UTC)
    async with uow:
        procedure = await uow.procedures.get(code)
        if procedure is None:
            raise ProcedureNotFound(code)
        procedure.withdraw(reason, now)
        await uow.procedures.unindex(procedure.id)
        stored = await uow.procedures.version(procedure.id, procedure.version)
        assert stored is not None
        uow.outbox.add(
            ProcedureWithdrawn(code=code, version=procedure.version, withdrawn_at=now, reason=reason)
        )
        _audit(uow, by, "procedure.withdraw", code, f"version {procedure.version}")
        await uow.commit()
        forget_searches()
        return PublishedView(procedure, stored)


async def import_procedures(
    uow: CatalogUnitOfWork,
    raw_rows: Sequence[Any],
    *,
    allow_synthetic: bool,
    dry_run: bool = False,
    now: datetime | None = None,
    by: Principal | None = None,
) -> ImportReport:
    """Validate every row, then publish the new versions in one transaction — or change nothing.

    Idempotent by code and version: a row at the published version with the same content is unchanged;
    a row at the next version is published; anything else is rejected with its reason. A ``dry_run``
    reports what the import would do, the rejected rows among it, and changes nothing.
    """
    now = now or datetime.now(UTC)
    plan = _ImportPlan()
    rows = _parse_rows(plan, raw_rows, allow_synthetic=allow_synthetic)
    async with uow:
        directory = await uow.directory.load()
        existing = await uow.procedures.get_many(row.code for _, row in rows)
        for index, row in rows:
            problems = check_references(row, directory, now.date())
            for p in problems:
                plan.refuse(index, row.code, p["field"], p["message"], p["code"])
            if not problems:
                plan.place(index, row, existing.get(row.code))
        await _check_past_versions(uow, plan)
        plan.errors.sort(key=lambda e: e["index"])
        if dry_run:
            return ImportReport(
                received=len(raw_rows),
                published=[VersionRef(code=row.code, version=row.version) for row, _ in plan.to_publish],
                unchanged=plan.unchanged,
                dry_run=True,
                rejected=[RejectedRow.model_validate(e) for e in plan.errors],
            )
        if plan.errors:
            raise InvalidProcedure(
                plan.errors,
                detail=f"{len({e['index'] for e in plan.errors})} dòng bị từ chối; không thay đổi gì.",
            )
        published = await _publish_rows(uow, plan.to_publish, existing, directory, now)
        for ref in published:
            _audit(uow, by, "procedure.import", ref.code, f"version {ref.version}")
        await uow.commit()
        forget_searches()
        return ImportReport(received=len(raw_rows), published=published, unchanged=plan.unchanged)


@dataclass
class _ImportPlan:
    """What an import will do with each row, and why it refuses the rows it refuses."""

    errors: list[dict[str, Any]] = field(default_factory=list)
    to_publish: list[tuple[ImportRow, str]] = field(default_factory=list)
    unchanged: list[VersionRef] = field(default_factory=list)
    past: list[tuple[int, ImportRow, str, Procedure]] = field(default_factory=list)
    """Rows at a version older than the published one: unchanged only if that version's content matches."""

    def refuse(self, index: int, code: Any, field_name: str, message: str, kind: str) -> None:
        """Record why row ``index`` is refused."""
        self.errors.append(_row_error(index, code, field_name, message, kind))

    def place(self, index: int, row: ImportRow, procedure: Procedure | None) -> None:
        """Decide a valid row by its version against the procedure's published one (0 when new)."""
        digest = content_hash(row)
        current = procedure.version if procedure is not None else 0
        same = procedure is not None and digest == procedure.published_hash
        if procedure is not None and row.version == current:
            if same:
                self.unchanged.append(VersionRef(code=row.code, version=row.version))
            else:
                message = f"Phiên bản {row.version} đã công bố với nội dung khác; hãy tăng phiên bản."
                self.refuse(index, row.code, "version", message, "version_conflict")
        elif row.version == current + 1:
            if same and procedure is not None and procedure.status == Status.PUBLISHED:
                message = f"Nội dung giống phiên bản {current} đã công bố."
                self.refuse(index, row.code, "version", message, "no_change")
            else:
                self.to_publish.append((row, digest))
        elif row.version > current + 1:
            message = f"Phiên bản hiện tại là {current}; phiên bản kế tiếp phải là {current + 1}."
            self.refuse(index, row.code, "version", message, "version_gap")
        else:
            assert procedure is not None
            self.past.append((index, row, digest, procedure))


def _parse_rows(
    plan: _ImportPlan, raw_rows: Sequence[Any], *, allow_synthetic: bool
) -> list[tuple[int, ImportRow]]:
    """The well-formed rows, not repeated and allowed here, with their indexes; the others refused."""
    rows: list[tuple[int, ImportRow]] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(raw_rows):
        code = raw.get("code") if isinstance(raw, dict) else None
        try:
            row = ImportRow.model_validate(raw)
        except ValidationError as exc:
            for e in exc.errors():
                plan.refuse(index, code, ".".join(map(str, e["loc"])), e["msg"], e["type"])
            continue
        if row.code in seen:
            plan.refuse(index, row.code, "code", f"Trùng mã với dòng {seen[row.code]}.", "duplicate")
            continue
        seen[row.code] = index
        if row.code_kind == "synthetic" and not allow_synthetic:
            message = "Không nạp dữ liệu tổng hợp ở môi trường này."
            plan.refuse(index, row.code, "code_kind", message, "synthetic")
            continue
        rows.append((index, row))
    return rows


async def _check_past_versions(uow: CatalogUnitOfWork, plan: _ImportPlan) -> None:
    """A row at a past version is unchanged when that stored version has its content, else stale."""
    if not plan.past:
        return
    older = {procedure.id: row.version for _, row, _, procedure in plan.past}
    stored = await uow.procedures.versions(older, older)
    for index, row, digest, procedure in plan.past:
        version = stored.get(procedure.id)
        if version is not None and version.content_hash == digest:
            plan.unchanged.append(VersionRef(code=row.code, version=row.version))
        else:
            message = f"Phiên bản {row.version} đã cũ và khác nội dung đã lưu."
            plan.refuse(index, row.code, "version", message, "stale")


async def _publish_rows(
    uow: CatalogUnitOfWork,
    rows: list[tuple[ImportRow, str]],
    existing: dict[str, Procedure],
    directory: Directory,
    now: datetime,
) -> list[VersionRef]:
    """Create the new procedures, then edit and publish every row's next version in one batch."""
    for row, _digest in rows:
        if row.code not in existing:
            existing[row.code] = _new_procedure(row, now)
            uow.procedures.add(existing[row.code])
    await uow.procedures.flush()
    batch = _PublishBatch(now)
    published: list[VersionRef] = []
    for row, digest in rows:
        procedure = existing[row.code]
        data = ProcedureIn.model_validate(row.model_dump(exclude={"version"}))
        if procedure.draft_hash != digest:
            procedure.edit(_dump(data), digest, now)
        batch.publish(procedure, data, directory, replace_levels=procedure.version > 0)
        published.append(VersionRef(code=row.code, version=procedure.version))
    await batch.write(uow)
    return published


@dataclass
class _PublishBatch:
    """Publishes several procedures with bulk writes (an import may publish tens of thousands)."""

    now: datetime
    versions: list[ProcedureVersion] = field(default_factory=list)
    levels: list[dict[str, Any]] = field(default_factory=list)
    replaced: list[int] = field(default_factory=list)
    events: list[ProcedurePublished] = field(default_factory=list)
    searchable: list[dict[str, Any]] = field(default_factory=list)

    def publish(
        self,
        procedure: Procedure,
        data: ProcedureIn,
        directory: Directory,
        *,
        replace_levels: bool,
        receivers_changed: bool = False,
    ) -> None:
        if replace_levels:
            self.replaced.append(procedure.id)
        projected = projection(data, directory)
        version = procedure.publish(projected, self.now, receivers_changed=receivers_changed)
        self.searchable.append(
            {
                **{column: projected[column] for column in _SEARCH_COLUMNS},
                "procedure_id": procedure.id,
                "code": procedure.code,
                "levels": levels_key(data.levels),
                "version": version,
            }
        )
        snapshot = build_snapshot(data, version, directory)
        self.versions.append(
            ProcedureVersion(
                procedure_id=procedure.id,
                version=version,
                snapshot=snapshot.model_dump(mode="json"),
                extra={
                    "code_kind": data.code_kind,
                    "sources": [s.model_dump(mode="json") for s in data.sources],
                    "keywords": data.keywords,
                },
                content_hash=procedure.draft_hash,
                published_at=self.now,
            )
        )
        self.levels.extend({"procedure_id": procedure.id, "level_code": level} for level in data.levels)
        self.events.append(
            ProcedurePublished(code=data.code, version=version, published_at=self.now, procedure=snapshot)
        )

    async def write(self, uow: CatalogUnitOfWork) -> None:
        await uow.procedures.replace_levels(self.replaced, self.levels)
        await uow.procedures.index(self.searchable)
        for version in self.versions:
            uow.procedures.add_version(version)
        for event in self.events:
            uow.outbox.add(event)
        await uow.procedures.flush()


# ---------------------------------------------------------------- rules and shapes


def content_hash(data: ProcedureIn) -> str:
    """A digest of the content (not the version), to tell an unchanged row from a changed one."""
    canonical = json.dumps(_dump(data), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _dump(data: ProcedureIn) -> dict[str, Any]:
    return data.model_dump(mode="json", exclude={"version"})


def _new_procedure(data: ProcedureIn, now: datetime) -> Procedure:
    return Procedure(
        code=data.code,
        status=Status.DRAFT,
        version=0,
        synthetic=data.code_kind == "synthetic",
        draft=_dump(data),
        draft_hash=content_hash(data),
        updated_at=now,
    )


def _error(field_name: str, message: str, code: str) -> dict[str, Any]:
    return {"field": field_name, "in": "body", "message": message, "code": code}


def _row_error(index: int, procedure_code: Any, field_name: str, message: str, code: str) -> dict[str, Any]:
    where = f"procedures[{index}]" + (f".{field_name}" if field_name else "")
    return {
        "index": index,
        "procedure_code": procedure_code if isinstance(procedure_code, str) else None,
        **_error(where, message, code),
    }


def _raise_if_invalid(errors: list[dict[str, Any]]) -> None:
    if errors:
        raise InvalidProcedure(errors)


def check_references(data: ProcedureIn, directory: Directory, today: date) -> list[dict[str, Any]]:
    """What the procedure names that the directory does not have (or no longer has in operation)."""
    errors: list[dict[str, Any]] = []
    if data.field_code not in directory.fields:
        errors.append(_error("field_code", f"Lĩnh vực '{data.field_code}' không tồn tại.", "unknown_field"))
    for i, level in enumerate(data.levels):
        if level not in directory.levels:
            errors.append(_error(f"levels.{i}", f"Cấp '{level}' không tồn tại.", "unknown_level"))
        elif not directory.level_active(level, today):
            errors.append(
                _error(
                    f"levels.{i}", f"{directory.levels[level].name} không còn được tổ chức.", "inactive_level"
                )
            )
        elif level not in {member.value for member in AdminLevel}:
            errors.append(
                _error(f"levels.{i}", f"Cấp '{level}' chưa có trong hợp đồng sự kiện.", "unsupported_level")
            )
    agencies = [("implementing_agency_code", data.implementing_agency_code)]
    if data.competent_agency_code:
        agencies.append(("competent_agency_code", data.competent_agency_code))
    agencies += [(f"steps.{i}.agency_code", s.agency_code) for i, s in enumerate(data.steps) if s.agency_code]
    for where, code in agencies:
        agency = directory.agencies.get(code)
        if agency is None:
            errors.append(_error(where, f"Cơ quan '{code}' không tồn tại.", "unknown_agency"))
        elif not agency.active:
            errors.append(_error(where, f"Cơ quan '{agency.name}' không còn hoạt động.", "inactive_agency"))
    implementing = directory.agencies.get(data.implementing_agency_code)
    if (
        implementing is not None
        and implementing.active
        and not implementing.receives_dossiers
        and not directory.receiving_offices(implementing.code)
    ):
        errors.append(
            _error(
                "implementing_agency_code",
                f"'{implementing.name}' không trực tiếp tiếp nhận hồ sơ và không có cơ quan trực thuộc "
                "nào đang tiếp nhận.",
                "no_receiving_agency",
            )
        )
    return errors


def receiving_agencies(implementing_agency_code: str, directory: Directory) -> tuple[AgencyRef, ...]:
    """The agencies a dossier may be filed at when the implementing agency is an umbrella; else empty."""
    return tuple(
        AgencyRef(code=agency.code, name=agency.name, electronic_id=agency.electronic_id)
        for agency in directory.receiving_offices(implementing_agency_code)
    )


def _agency_ref(code: str, directory: Directory) -> AgencyRef:
    agency = directory.agencies[code]
    return AgencyRef(code=agency.code, name=agency.name, electronic_id=agency.electronic_id)


def build_snapshot(data: ProcedureIn, version: int, directory: Directory) -> ProcedureSnapshot:
    """The contract's snapshot of ``data`` published as ``version`` (agency and field names resolved)."""
    field_row = directory.fields[data.field_code]
    ranks = {code: level.rank for code, level in directory.levels.items()}
    return ProcedureSnapshot(
        code=data.code,
        version=version,
        name=data.name,
        field=FieldRef(code=field_row.code, name=field_row.name),
        levels=tuple(AdminLevel(level) for level in sorted(data.levels, key=lambda code: ranks[code])),
        implementing_agency=_agency_ref(data.implementing_agency_code, directory),
        competent_agency=_agency_ref(data.competent_agency_code, directory)
        if data.competent_agency_code
        else None,
        receiving_agencies=receiving_agencies(data.implementing_agency_code, directory),
        online_level=data.online_level,
        online_mode=data.online_mode,
        applicant_kinds=tuple(data.applicant_kinds),
        cases=tuple(
            ProcedureCase(
                code=case.code,
                name=case.name,
                channels=tuple(
                    ChannelTerms(
                        channel=terms.channel,
                        processing_days=terms.processing_days,
                        fee_items=tuple(
                            ProcedureFeeItem(name=f.name, kind=f.kind, amount=f.amount, exemption=f.exemption)
                            for f in terms.fee_items
                        ),
                    )
                    for terms in case.channels
                ),
            )
            for case in data.cases
        ),
        documents=tuple(
            RequiredDocument(
                code=d.code,
                name=d.name,
                originals=d.originals,
                copies=d.copies,
                form_ref=d.form_ref,
                required=d.required,
                case_codes=tuple(d.case_codes),
            )
            for d in data.documents
        ),
        steps=tuple(
            ProcedureStep(
                order=s.order,
                name=s.name,
                role=s.role,
                agency=_agency_ref(s.agency_code, directory) if s.agency_code else None,
                share_percent=s.share_percent,
            )
            for s in sorted(data.steps, key=lambda step: step.order)
        ),
        fee_timing=data.fee_timing,
        result=data.result,
        legal_basis=tuple(data.legal_basis),
        same_day_cutoff=data.same_day_cutoff,
    )


#: The columns of the search projection that :func:`projection` gives.
_SEARCH_COLUMNS = (
    "name",
    "name_key",
    "search_text",
    "field_code",
    "implementing_agency_code",
    "competent_agency_code",
    "online_level",
    "online_mode",
    "min_days",
    "max_days",
    "min_fee",
)


def projection(data: ProcedureIn, directory: Directory) -> dict[str, Any]:
    """The columns the search reads, computed from the version being published."""
    terms = [t for case in data.cases for t in case.channels]
    field_row = directory.fields[data.field_code]
    searchable = " ".join([data.name, *data.keywords, field_row.name, data.code])
    return {
        "name": data.name,
        "name_key": name_key(data.name),
        "search_text": fold(searchable),
        "field_code": data.field_code,
        "implementing_agency_code": data.implementing_agency_code,
        "competent_agency_code": data.competent_agency_code,
        "online_level": data.online_level,
        "online_mode": data.online_mode.value if data.online_mode else None,
        "min_days": min(t.processing_days for t in terms),
        "max_days": max(t.processing_days for t in terms),
        "min_fee": min(sum(f.amount for f in t.fee_items) for t in terms),
    }
