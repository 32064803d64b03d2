"""Requests and responses of the dossier API."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeInt,
    StringConstraints,
    TypeAdapter,
    field_validator,
)

from dossier_svc.calendar.models import WorkCalendar
from dossier_svc.documents.schemas import DocumentOut
from dossier_svc.dossiers.models import (
    Dossier,
    DossierListing,
    DossierStep,
    DossierView,
    Rated,
    TimelineEntry,
)
from dossier_svc.dossiers.workflow import NATIONAL_LABELS, RUNNING, Action
from motcua_shared.chassis.clock import PlatformTime
from motcua_shared.chassis.pages import Cursor, Page
from motcua_shared.contracts.common import VN_MOBILE_INPUT_PATTERN, Channel, FeeItem, vn_mobile
from motcua_shared.contracts.dossier import Rating

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")
# The validators below are the rule; the document states the same patterns for clients and fuzzers.
_EMAIL_SCHEMA: dict[str, Any] = {"pattern": _EMAIL.pattern}
MAX_FORM_BYTES = 64 * 1024

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class ApplicantIn(BaseModel):
    """The applicant block (personal data: never logged, never in an error)."""

    model_config = ConfigDict(extra="forbid")

    name: Name = Field(description="Full name with diacritics, e.g. `Nguyễn Thị Hương`.")
    cccd: str = Field(pattern=r"^\d{12}$", description="The 12-digit citizen identity number (CCCD).")
    phone: str = Field(
        description="A Vietnamese mobile number, `0912345678` or `+84912345678` (spaces, dots and dashes "
        "between the digits are ignored).",
        json_schema_extra={"pattern": VN_MOBILE_INPUT_PATTERN},
    )
    email: str | None = Field(default=None, max_length=254, json_schema_extra=_EMAIL_SCHEMA)
    address: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        return vn_mobile(value)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.fullmatch(value):
            raise ValueError("not an e-mail address")
        return value


class DraftApplicantIn(BaseModel):
    """The applicant block of a draft: anything may still be missing, but what is there must be valid."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    cccd: str | None = Field(default=None, pattern=r"^\d{12}$")
    phone: str | None = Field(default=None, json_schema_extra={"pattern": VN_MOBILE_INPUT_PATTERN})
    email: str | None = Field(default=None, max_length=254, json_schema_extra=_EMAIL_SCHEMA)
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] | None = None

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return None if value is None else vn_mobile(value)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.fullmatch(value):
            raise ValueError("not an e-mail address")
        return value


def _small_form(value: dict[str, Any]) -> dict[str, Any]:
    if len(json.dumps(value, ensure_ascii=False).encode("utf-8")) > MAX_FORM_BYTES:
        raise ValueError(f"form data larger than {MAX_FORM_BYTES} bytes")
    return value


_AGENCY_CODE = (
    "Where the dossier is filed: one of the procedure's `receiving_agencies` (the catalogue lists them), "
    "required when it has any — e.g. `hue.xa.phu-xuan`, the ward where the applicant lives, for a procedure "
    "of the communes' People's Committees. Leave it out otherwise (the implementing agency receives). The "
    "chosen agency receives the dossier, numbers it and does the implementing agency's steps."
)


class SubmissionIn(BaseModel):
    """A dossier filed in one request (JSON, or the `dossier` part of a multipart request with its files)."""

    model_config = ConfigDict(extra="forbid")

    procedure_code: Code
    case_code: Code | None = Field(default=None, description="Required when the procedure has several cases.")
    agency_code: Code | None = Field(
        default=None,
        description=_AGENCY_CODE,
    )
    channel: Channel | None = Field(
        default=None, description="`online` for citizens (the default); `counter` or `postal` for officers."
    )
    applicant: ApplicantIn
    applicant_account_id: Code | None = Field(
        default=None, description="Officers only: the citizen account that will own a counter filing."
    )
    form_data: dict[str, Any] = Field(default_factory=dict, description="The procedure's form fields.")
    fee_exemptions: list[Name] = Field(
        default_factory=list,
        max_length=20,
        description="Names of fee items the applicant claims exemption from.",
    )

    _form = field_validator("form_data")(_small_form)


class DraftIn(BaseModel):
    """A draft: only the procedure is needed now."""

    model_config = ConfigDict(extra="forbid")

    procedure_code: Code
    case_code: Code | None = None
    agency_code: Code | None = Field(default=None, description=_AGENCY_CODE + " May be chosen later.")
    applicant: DraftApplicantIn | None = None
    form_data: dict[str, Any] = Field(default_factory=dict)
    fee_exemptions: list[Name] = Field(default_factory=list, max_length=20)

    _form = field_validator("form_data")(_small_form)


class DraftPatch(BaseModel):
    """Changes to a draft; what is absent stays."""

    model_config = ConfigDict(extra="forbid")

    case_code: Code | None = None
    agency_code: Code | None = Field(
        default=None, description="Where the dossier will be filed (see drafts)."
    )
    applicant: DraftApplicantIn | None = None
    form_data: dict[str, Any] | None = None
    fee_exemptions: list[Name] | None = Field(default=None, max_length=20)

    _form = field_validator("form_data")(lambda v: None if v is None else _small_form(v))


class ActionIn(BaseModel):
    """What an action may carry; which fields are required depends on the action."""

    model_config = ConfigDict(extra="forbid")

    note: Text | None = None
    reason: Text | None = Field(
        default=None, description="Required to refuse, ask a supplement, or apologise."
    )
    documents: list[Code] = Field(default_factory=list, max_length=50, description="Documents to supplement.")
    days: float | None = Field(
        default=None,
        gt=0,
        le=365,
        description="`request-supplement`: working days to answer; `extend-deadline`: working days added.",
    )
    result: Text | None = Field(default=None, description="`approve`: the result document's name.")


class RatingIn(BaseModel):
    """The applicant's rating of a returned dossier."""

    model_config = ConfigDict(extra="forbid")

    rating: Rating
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] | None = None


class RatingOut(BaseModel):
    """A rating as stored."""

    dossier_code: str
    rating: Rating
    comment: str | None
    rated_at: PlatformTime

    @classmethod
    def of(cls, rated: Rated) -> RatingOut:
        """Shape a stored rating."""
        record = rated.record
        return cls(
            dossier_code=rated.dossier_code,
            rating=Rating(record.rating),
            comment=record.comment,
            rated_at=record.rated_at,
        )


class TimeLeft(BaseModel):
    """Working time left before the due time, or past it."""

    days: int
    hours: int
    overdue: bool
    label: str = Field(description="`còn X ngày Y giờ` or `quá X ngày Y giờ`.")


class StepOut(BaseModel):
    """A workflow step of the dossier."""

    order: int
    name: str
    role: str
    agency_code: str
    agency_name: str
    share_percent: int
    started_at: PlatformTime | None
    due_at: PlatformTime | None
    finished_at: PlatformTime | None
    late: bool | None

    @classmethod
    def of(cls, step: DossierStep) -> StepOut:
        """Shape a step."""
        return cls(
            order=step.order,
            name=step.name,
            role=step.role,
            agency_code=step.agency_code,
            agency_name=step.agency_name,
            share_percent=step.share_percent,
            started_at=step.first_started_at,
            due_at=step.due_at,
            finished_at=step.finished_at,
            late=step.late,
        )


class FeesOut(BaseModel):
    """What the applicant owes."""

    items: list[FeeItem]
    total: int = Field(description="VND, exempt items counted 0.")
    timing: str
    paid_at: PlatformTime | None
    outstanding: bool


class SupplementOut(BaseModel):
    """The open or last supplement request."""

    reason: str | None
    documents: list[str]
    requested_at: PlatformTime | None
    respond_by: PlatformTime | None
    fee_total: int = Field(
        default=0,
        description="VND asked with it when the procedure's fees are due at supplement (the financial "
        "obligation, paid through the payment service); 0 when only documents were asked.",
    )


def time_left(dossier: Dossier, calendar: WorkCalendar, now: datetime) -> TimeLeft | None:
    """The officer's countdown, while the clock runs."""
    if dossier.state not in RUNNING or dossier.due_at is None:
        return None
    days, hours, overdue = calendar.remaining(now, dossier.due_at)
    return TimeLeft(
        days=days, hours=hours, overdue=overdue, label=calendar.remaining_label(now, dossier.due_at)
    )


def due_estimated(dossier: Dossier, calendar: WorkCalendar) -> bool:
    """Whether the due time rests on an estimated day, from the clock's (last) start to the due date."""
    if dossier.due_at is None:
        return False
    start = dossier.clock_started_at or dossier.received_at or dossier.due_at
    return calendar.estimated_between(calendar.local(start).date(), calendar.local(dossier.due_at).date())


class DossierSummary(BaseModel):
    """A dossier in a list (a citizen's own, or an agency's work queue)."""

    code: str
    status: str
    national_status: int | None
    national_status_label: str | None
    procedure_code: str
    procedure_name: str
    agency_code: str
    holder_agency_code: str
    applicant_name: str | None
    channel: str
    current_step: int | None
    step_count: int
    step_name: str | None
    submitted_at: PlatformTime | None
    due_at: PlatformTime | None
    due_at_estimated: bool = Field(
        description="True when `due_at` rests on a day off (or a make-up working day) the calendar only "
        "estimates: the holidays library's guess, not yet confirmed by a decision in the settings."
    )
    time_left: TimeLeft | None
    created_at: PlatformTime

    @classmethod
    def of(cls, dossier: Dossier, calendar: WorkCalendar, now: datetime) -> DossierSummary:
        """Shape a dossier for a list."""
        return cls(**_summary_fields(dossier, calendar, now))


def _summary_fields(dossier: Dossier, calendar: WorkCalendar, now: datetime) -> dict[str, Any]:
    """The fields a dossier's summary and its full shape share."""
    step = dossier.step
    national = dossier.national_status
    return {
        "code": dossier.code,
        "status": dossier.status,
        "national_status": national,
        "national_status_label": NATIONAL_LABELS.get(national) if national else None,
        "procedure_code": dossier.procedure_code,
        "procedure_name": dossier.procedure_name,
        "agency_code": dossier.agency_code,
        "holder_agency_code": dossier.holder_agency_code,
        "applicant_name": dossier.applicant.get("name"),
        "channel": dossier.channel,
        "current_step": dossier.current_step,
        "step_count": dossier.step_count,
        "step_name": step.name if step else None,
        "submitted_at": dossier.submitted_at,
        "due_at": dossier.due_at,
        "due_at_estimated": due_estimated(dossier, calendar),
        "time_left": time_left(dossier, calendar, now),
        "created_at": dossier.created_at,
    }


class DossierOut(DossierSummary):
    """A dossier in full, for its applicant and the officers handling it."""

    procedure_version: int | None
    case_code: str | None
    case_name: str | None
    agency_name: str
    applicant: dict[str, Any]
    applicant_account_id: str | None
    form_data: dict[str, Any]
    fees: FeesOut
    processing_days: float
    received_at: PlatformTime | None
    appointment_at: PlatformTime | None
    approved_at: PlatformTime | None
    returned_at: PlatformTime | None
    closed_at: PlatformTime | None
    close_reason: str | None
    timeliness: str | None
    result_name: str | None
    steps: list[StepOut]
    documents_required: list[dict[str, Any]]
    documents: list[DocumentOut]
    supplement: SupplementOut | None
    lookup_secret: str = Field(description="Printed on the receipt; proves holding the dossier at lookup.")
    allowed_actions: list[Action] = Field(description="Actions the caller may attempt now.")
    updated_at: PlatformTime

    @classmethod
    def of_view(cls, view: DossierView, calendar: WorkCalendar) -> DossierOut:
        """Shape a dossier as its reader sees it (its documents, what they may do now)."""
        dossier = view.dossier
        return cls.full(
            dossier,
            calendar=calendar,
            now=view.now,
            documents=[DocumentOut.of(dossier.code, r) for r in view.documents],
            allowed=view.allowed,
        )

    @classmethod
    def full(
        cls,
        dossier: Dossier,
        *,
        calendar: WorkCalendar,
        now: datetime,
        documents: list[DocumentOut],
        allowed: list[Action],
    ) -> DossierOut:
        """Shape a dossier in full."""
        return cls(
            **_summary_fields(dossier, calendar, now),
            procedure_version=dossier.procedure_version,
            case_code=dossier.case_code,
            case_name=dossier.case_name,
            agency_name=dossier.agency_name,
            applicant=dossier.applicant,
            applicant_account_id=dossier.applicant_id,
            form_data=dossier.form_data,
            fees=FeesOut(
                items=[FeeItem.model_validate(i) for i in dossier.fee_items],
                total=dossier.fee_total,
                timing=dossier.fee_timing,
                paid_at=dossier.paid_at,
                outstanding=dossier.national_status == 6,
            ),
            processing_days=dossier.processing_days,
            received_at=dossier.received_at,
            appointment_at=dossier.appointment_at,
            approved_at=dossier.approved_at,
            returned_at=dossier.returned_at,
            closed_at=dossier.closed_at,
            close_reason=dossier.close_reason,
            timeliness=dossier.timeliness,
            result_name=dossier.result_name,
            steps=[StepOut.of(s) for s in dossier.steps],
            documents_required=dossier.documents_required,
            documents=documents,
            supplement=(
                SupplementOut(
                    reason=dossier.supplement_reason,
                    documents=list(dossier.supplement_documents or []),
                    requested_at=dossier.supplement_requested_at,
                    respond_by=dossier.respond_by,
                    fee_total=dossier.fee_total if dossier.supplement_asks_fee else 0,
                )
                if dossier.supplement_requested_at
                else None
            ),
            lookup_secret=dossier.lookup_secret,
            allowed_actions=allowed,
            updated_at=dossier.updated_at,
        )


class DossierPage(Page[DossierSummary]):
    """A page of dossiers."""

    @classmethod
    def of(cls, listing: DossierListing, calendar: WorkCalendar) -> DossierPage:
        """Shape a listing; the cursor points past its last row while more follow."""
        following = listing.offset + len(listing.rows)
        return cls(
            items=[DossierSummary.of(d, calendar, listing.now) for d in listing.rows],
            total=listing.total,
            next_cursor=DOSSIER_CURSOR.encode(following) if following < listing.total else None,
        )


DOSSIER_CURSOR = Cursor(TypeAdapter(NonNegativeInt))
"""Positions in a listing of dossiers: how many come before the page."""


class TimelineItem(BaseModel):
    """One entry of a dossier's timeline."""

    at: PlatformTime
    action: str
    from_status: str
    to_status: str
    national_status: int | None
    actor_id: str
    actor_role: str
    actor_agency_code: str | None
    note: str | None
    details: dict[str, Any]

    @classmethod
    def of(cls, entry: TimelineEntry) -> TimelineItem:
        """Shape an entry."""
        return cls(
            at=entry.at,
            action=entry.action,
            from_status=entry.from_status,
            to_status=entry.to_status,
            national_status=entry.national_status,
            actor_id=entry.actor_id,
            actor_role=entry.actor_role,
            actor_agency_code=entry.actor_agency_code,
            note=entry.note,
            details=entry.details or {},
        )


class TimelineOut(BaseModel):
    """A dossier's timeline, oldest first."""

    items: list[TimelineItem]
    total: int

    @classmethod
    def of(cls, entries: Sequence[TimelineEntry]) -> TimelineOut:
        """Shape a timeline."""
        items = [TimelineItem.of(e) for e in entries]
        return cls(items=items, total=len(items))
