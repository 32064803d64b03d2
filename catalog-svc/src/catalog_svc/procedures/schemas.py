"""Request and response models of the procedure catalogue.

`ProcedureIn` is what an admin writes (agencies and field by code); `ProcedureOut` is what everyone reads:
the published `ProcedureSnapshot` of the event contract, with its status and sources.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time
from typing import Any, Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from catalog_svc.db import aware
from catalog_svc.procedures.models import Procedure, PublishedView, SearchSynonym, Status, WorkingView
from catalog_svc.procedures.search_types import SearchHit, SearchView
from motcua_shared.chassis.pages import Page
from motcua_shared.contracts.catalog import AgencyRef, ApplicantKind, FieldRef, OnlineMode, ProcedureSnapshot
from motcua_shared.contracts.common import Channel, FeeKind, FeeTiming

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9.\-]{0,63}$"
PART_CODE_PATTERN = r"^[a-z0-9][a-z0-9\-]{0,63}$"
SYNTHETIC_PREFIX = "SYN-"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class FeeItemIn(_In):
    """A fee item: name, phí or lệ phí, amount in VND, who is exempt."""

    name: str = Field(min_length=1, max_length=500)
    kind: FeeKind
    amount: int = Field(ge=0, le=10_000_000_000)
    exemption: str | None = Field(default=None, max_length=1000)


class ChannelTermsIn(_In):
    """Processing days and fees of one case through one channel."""

    channel: Channel
    processing_days: float = Field(ge=0, le=365)
    fee_items: list[FeeItemIn] = Field(default_factory=list, max_length=20)


class CaseIn(_In):
    """A case (trường hợp) of the procedure."""

    code: str = Field(pattern=PART_CODE_PATTERN)
    name: str = Field(min_length=1, max_length=500)
    channels: list[ChannelTermsIn] = Field(min_length=1, max_length=3)

    @model_validator(mode="after")
    def _channels_unique(self) -> Self:
        repeated = [c for c, n in Counter(t.channel for t in self.channels).items() if n > 1]
        if repeated:
            raise ValueError(f"kênh nộp lặp lại trong trường hợp '{self.code}': {', '.join(repeated)}")
        return self


class DocumentIn(_In):
    """A required document."""

    code: str = Field(pattern=PART_CODE_PATTERN)
    name: str = Field(min_length=1, max_length=1000)
    originals: int = Field(ge=0, le=20)
    copies: int = Field(ge=0, le=20)
    form_ref: str | None = Field(default=None, max_length=500)
    required: bool = True
    case_codes: list[str] = Field(default_factory=list, max_length=20)


class StepIn(_In):
    """A workflow step; ``agency_code`` names another agency for inter-agency steps."""

    order: int = Field(ge=1, le=50)
    name: str = Field(min_length=1, max_length=500)
    role: str = Field(min_length=1, max_length=64)
    agency_code: str | None = Field(default=None, max_length=64)
    share_percent: int = Field(ge=0, le=100)


class SourceIn(_In):
    """Where a fact comes from."""

    url: str = Field(min_length=8, max_length=2000, pattern=r"^(https?://|synthetic:)")
    note: str | None = Field(default=None, max_length=2000)


class ProcedureIn(_In):
    """A procedure as an admin writes it."""

    code: str = Field(pattern=CODE_PATTERN, description="National code (`1.001193`) or a local one.")
    code_kind: Literal["national", "local", "synthetic"] = Field(
        default="local",
        description="Whether `code` is the national code, a local one, or synthetic test data.",
    )
    name: str = Field(min_length=1, max_length=1000)
    field_code: str = Field(min_length=1, max_length=64)
    levels: list[str] = Field(min_length=1, max_length=3)
    implementing_agency_code: str = Field(min_length=1, max_length=64)
    competent_agency_code: str | None = Field(default=None, max_length=64)
    online_level: int = Field(ge=1, le=4)
    online_mode: OnlineMode | None = None
    applicant_kinds: list[ApplicantKind] = Field(min_length=1, max_length=2)
    cases: list[CaseIn] = Field(min_length=1, max_length=20)
    documents: list[DocumentIn] = Field(default_factory=list, max_length=60)
    steps: list[StepIn] = Field(default_factory=list, max_length=20)
    fee_timing: FeeTiming = FeeTiming.SUBMISSION
    result: str | None = Field(default=None, max_length=1000)
    legal_basis: list[str] = Field(default_factory=list, max_length=40)
    same_day_cutoff: time | None = Field(
        default=None,
        description="Received after this local time, a dossier counts from the next working day; none by "
        "default.",
    )
    keywords: list[str] = Field(
        default_factory=list, max_length=30, description="Other words people use for it; searched, not shown."
    )
    sources: list[SourceIn] = Field(min_length=1, max_length=20, description="Where each fact comes from.")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problems: list[str] = []
        for what, codes in (
            ("mã trường hợp", [c.code for c in self.cases]),
            ("mã giấy tờ", [d.code for d in self.documents]),
            ("cấp thực hiện", self.levels),
            ("đối tượng", [str(k) for k in self.applicant_kinds]),
        ):
            repeated = sorted(c for c, n in Counter(codes).items() if n > 1)
            if repeated:
                problems.append(f"{what} lặp lại: {', '.join(repeated)}")
        case_codes = {c.code for c in self.cases}
        for document in self.documents:
            unknown = sorted(set(document.case_codes) - case_codes)
            if unknown:
                problems.append(f"giấy tờ '{document.code}' nhắc trường hợp không có: {', '.join(unknown)}")
        if self.steps:
            orders = sorted(s.order for s in self.steps)
            if orders != list(range(1, len(self.steps) + 1)):
                problems.append("các bước phải đánh số liên tục từ 1")
            total = sum(s.share_percent for s in self.steps)
            if total != 100:
                problems.append(f"tỷ lệ thời gian của các bước cộng lại phải bằng 100, hiện là {total}")
        expected_mode = {4: OnlineMode.FULL, 3: OnlineMode.PARTIAL}.get(self.online_level)
        if self.online_mode != expected_mode:
            problems.append(
                f"mức độ {self.online_level} tương ứng với hình thức trực tuyến "
                f"'{expected_mode.value if expected_mode else 'không'}' (Nghị định 42/2022/NĐ-CP)"
            )
        if self.online_level < 3 and any(
            t.channel == Channel.ONLINE for case in self.cases for t in case.channels
        ):
            problems.append("chỉ dịch vụ công mức độ 3, 4 mới nhận hồ sơ trực tuyến")
        synthetic = self.code.startswith(SYNTHETIC_PREFIX)
        if synthetic != (self.code_kind == "synthetic"):
            problems.append(
                f"dữ liệu tổng hợp phải có code_kind 'synthetic' và mã bắt đầu bằng '{SYNTHETIC_PREFIX}'"
            )
        if problems:
            raise ValueError("; ".join(problems))
        return self


class ImportRow(ProcedureIn):
    """A row of a bulk import: a procedure at a version (the import is idempotent by code and version)."""

    version: int = Field(ge=1, le=100_000)


class WithdrawIn(_In):
    """Why a procedure is withdrawn."""

    reason: str | None = Field(default=None, max_length=2000)


class SourceOut(BaseModel):
    """Where a fact comes from."""

    url: str
    note: str | None = None


class ProcedureOut(ProcedureSnapshot):
    """A published version of a procedure, as everyone reads it."""

    code_kind: str = Field(description="`national` when `code` is the national procedure code, else `local`.")
    status: str = Field(description="`published` or `withdrawn`.")
    latest_version: int = Field(description="The latest published version.")
    published_at: AwareDatetime | None = None
    withdrawn_at: AwareDatetime | None = None
    withdraw_reason: str | None = None
    sources: tuple[SourceOut, ...] = Field(default=(), description="Where the facts come from.")

    @classmethod
    def of(cls, view: PublishedView) -> ProcedureOut:
        """A published version as everyone reads it."""
        procedure, stored = view.procedure, view.stored
        return cls.model_validate(
            {
                **stored.snapshot,
                "code_kind": stored.extra.get("code_kind", "local"),
                "status": procedure.status,
                "latest_version": procedure.version,
                "published_at": aware(stored.published_at),
                "withdrawn_at": aware(procedure.withdrawn_at),
                "withdraw_reason": procedure.withdraw_reason,
                "sources": [SourceOut.model_validate(s) for s in stored.extra.get("sources", [])],
            }
        )


class ProcedureAdminOut(BaseModel):
    """A procedure as an admin sees it: the working copy beside what is published."""

    code: str
    status: str
    version: int = Field(description="The latest published version; 0 before the first publish.")
    has_unpublished_changes: bool
    updated_at: datetime
    draft: ProcedureIn
    published: ProcedureOut | None = None

    @classmethod
    def of(cls, view: WorkingView) -> ProcedureAdminOut:
        """The working copy beside the latest published version."""
        procedure = view.procedure
        updated_at = aware(procedure.updated_at)
        assert updated_at is not None
        return cls(
            code=procedure.code,
            status=procedure.status,
            version=procedure.version,
            has_unpublished_changes=procedure.has_unpublished_changes,
            updated_at=updated_at,
            draft=ProcedureIn.model_validate(procedure.draft),
            published=(
                ProcedureOut.of(PublishedView(procedure, view.published))
                if view.published is not None
                else None
            ),
        )


class ProcedureSummary(BaseModel):
    """A search hit."""

    code: str
    name: str
    field: FieldRef
    levels: list[str]
    implementing_agency: AgencyRef
    online_level: int
    online_mode: OnlineMode | None = None
    min_days: float
    max_days: float
    min_fee: int = Field(description="The smallest total of fees over the cases and channels, in VND.")
    version: int
    status: str


class FacetCount(BaseModel):
    """How many hits have this value."""

    code: str
    name: str
    count: int


class Facets(BaseModel):
    """Hit counts by field, level and implementing agency."""

    field: list[FacetCount]
    level: list[FacetCount]
    agency: list[FacetCount]


class SearchPage(Page[ProcedureSummary]):
    """One page of search hits, best first (``?page=&size=``, or ``?cursor=`` from ``next_cursor``)."""

    page: int
    size: int
    match: Literal["all", "exact", "fuzzy", "none"] = Field(
        description=(
            "`all` without a query; `exact` when every word matched; "
            "`fuzzy` when only a tolerant match found hits."
        )
    )
    did_you_mean: str | None = Field(
        default=None,
        description=(
            "With `fuzzy`: the query as the search understood it (misspelt words corrected). With `none`: "
            "a nearby query that finds procedures, to offer the citizen. Otherwise `null`."
        ),
    )
    facets: Facets

    @classmethod
    def of(cls, view: SearchView) -> SearchPage:
        """One page of hits, their codes named from the directory."""
        # Built without validation (``model_construct``): every value comes from the search projection and the
        # directory, which were validated when they were written; FastAPI serialises the page once.
        result = view.result
        return cls.model_construct(
            items=[_summary(hit, view) for hit in result.hits],
            total=result.total,
            page=view.page,
            size=view.size,
            match=result.match,
            did_you_mean=result.did_you_mean,
            facets=Facets.model_construct(
                field=[_facet(code, n, view.fields) for code, n in result.facets["field"]],
                level=[_facet(code, n, view.levels) for code, n in result.facets["level"]],
                agency=[_facet(code, n, view.agencies) for code, n in result.facets["agency"]],
            ),
            next_cursor=view.next_cursor,
        )


def _facet(code: str, count: int, names: Any) -> FacetCount:
    named = names.get(code)
    return FacetCount.model_construct(code=code, name=named.name if named is not None else code, count=count)


def _summary(hit: SearchHit, view: SearchView) -> ProcedureSummary:
    agency = view.agencies.get(hit.implementing_agency_code)
    field_row = view.fields.get(hit.field_code)
    return ProcedureSummary.model_construct(
        code=hit.code,
        name=hit.name,
        field=FieldRef.model_construct(
            code=hit.field_code, name=field_row.name if field_row else hit.field_code
        ),
        levels=sorted(hit.levels, key=lambda code: _rank(code, view)),
        implementing_agency=AgencyRef.model_construct(
            code=hit.implementing_agency_code, name=agency.name if agency else hit.implementing_agency_code
        ),
        online_level=hit.online_level,
        online_mode=OnlineMode(hit.online_mode) if hit.online_mode else None,
        min_days=float(hit.min_days),
        max_days=float(hit.max_days),
        min_fee=hit.min_fee,
        version=hit.version,
        status=Status.PUBLISHED.value,
    )


def _rank(level: str, view: SearchView) -> int:
    found = view.levels.get(level)
    return found.rank if found is not None else 99


class VersionRef(BaseModel):
    """A procedure code and a version."""

    code: str
    version: int


class RejectedRow(BaseModel):
    """Why an import refuses one row."""

    index: int = Field(description="The row's place in the file, from 0.")
    procedure_code: str | None
    field: str
    message: str
    code: str


class ImportReport(BaseModel):
    """What a bulk import did, or (``dry_run``) would do: nothing changes on a dry run."""

    received: int
    published: list[VersionRef] = Field(description="Published, or on a dry run to be published.")
    unchanged: list[VersionRef]
    dry_run: bool = False
    rejected: list[RejectedRow] = Field(
        default_factory=list,
        description="A dry run's refused rows; a real import with any refused row changes nothing and "
        "answers 422 listing them.",
    )


class SynonymIn(_In):
    """What citizens type for a word of the catalogue, and the catalogue's words for it."""

    expansion: str = Field(
        min_length=1,
        max_length=255,
        description="The catalogue's words the term stands for (`lý lịch tư pháp`).",
    )
    note: str | None = Field(default=None, max_length=1000, description="Why, or where it comes from.")


class SynonymOut(BaseModel):
    """A synonym or abbreviation the search expands: ``term`` (folded) is replaced by ``expansion``."""

    term: str = Field(description="Folded: lowercase, without diacritics (`lltp`, `cap 3`, `so do`).")
    expansion: str
    note: str | None
    updated_at: AwareDatetime

    @classmethod
    def of(cls, row: SearchSynonym) -> SynonymOut:
        """The synonym as an admin reads it."""
        return cls(term=row.term, expansion=row.expansion, note=row.note, updated_at=aware(row.updated_at))


class SynonymList(BaseModel):
    """Every synonym the search expands, by term."""

    items: list[SynonymOut]


class WorkingCopySummary(BaseModel):
    """A procedure in the admin's list: its working copy's name, state and version."""

    code: str
    name: str
    status: str
    version: int = Field(description="The latest published version; 0 before the first publish.")
    has_unpublished_changes: bool
    updated_at: datetime

    @classmethod
    def of(cls, procedure: Procedure) -> WorkingCopySummary:
        """A row of the admin's list."""
        updated_at = aware(procedure.updated_at)
        assert updated_at is not None
        return cls(
            code=procedure.code,
            name=str(procedure.draft.get("name", procedure.code)),
            status=procedure.status,
            version=procedure.version,
            has_unpublished_changes=procedure.has_unpublished_changes,
            updated_at=updated_at,
        )


class WorkingCopyPage(Page[WorkingCopySummary]):
    """Procedures by code, drafts and withdrawn ones included."""
