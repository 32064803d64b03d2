"""Events of the dossier lifecycle (dossier-svc), on topic ``motcua.dossier.v1``, keyed by dossier code.

Every event carries the dossier's identity, its receiving agency, its applicant's account and its status
after the event (internal and national), so that notify, payment, statistics and integrators need no call
back. The applicant's contact comes once, in ``submitted``; consumers that need it keep it (the topic's
per-dossier order guarantees ``submitted`` arrives first).
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from pydantic import AwareDatetime, Field

from motcua_shared.contracts import topics
from motcua_shared.contracts.base import Event
from motcua_shared.contracts.common import (
    PERSONAL,
    VN_PHONE_PATTERN,
    Actor,
    Channel,
    Contact,
    FeeItem,
    FeeTiming,
)
from motcua_shared.contracts.registry import register


class DossierStatus(StrEnum):
    """The dossier's internal state."""

    SUBMITTED = "submitted"
    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    SUPPLEMENT_REQUESTED = "supplement_requested"
    RESULT_READY = "result_ready"
    RETURNED = "returned"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class Timeliness(StrEnum):
    """How a finished dossier kept its deadline."""

    EARLY = "early"
    ON_TIME = "on_time"
    LATE = "late"


class Rating(StrEnum):
    """A citizen's satisfaction (mức độ hài lòng)."""

    SATISFIED = "satisfied"
    ACCEPTABLE = "acceptable"
    UNSATISFIED = "unsatisfied"


class DossierEvent(Event):
    """Fields every dossier event carries. Not an event type itself."""

    SUBJECT_FIELD: ClassVar[str] = "dossier_code"
    TOPIC: ClassVar[str] = topics.DOSSIER

    dossier_code: str = Field(
        min_length=1,
        description=(
            "Dossier code (mã hồ sơ): the receiving agency's electronic identifier, the day and the "
            "agency's number that day, e.g. `000.00.00.H57-250804-0118`; the agency's platform code "
            "stands in for an identifier no source gives (`hue.xa.phu-xuan-250804-0118`). The "
            "CloudEvents subject."
        ),
    )
    procedure_code: str = Field(
        min_length=1, description="National code of the procedure it was filed under."
    )
    agency_code: str = Field(min_length=1, description="The receiving agency, whose officers own its queue.")
    applicant_id: str | None = Field(
        default=None,
        description="The applicant's account subject (JWT `sub`), for in-app notices; null for counter "
        "filings by someone without an account.",
    )
    status: DossierStatus = Field(description="The dossier's state after this event.")
    national_status: int = Field(
        ge=1,
        le=10,
        description="The national status code after this event: 1 new, 2 received, 3 refused, 4 processing, "
        "5 supplement requested, 6 financial obligation due, 7 withdrawal requested, 8 stopped, 9 done, "
        "10 returned.",
    )
    occurred_at: AwareDatetime = Field(description="When it happened (the time on the dossier's timeline).")
    actor: Actor = Field(description="Who did it; role `system` for scheduled jobs.")


class DossierStepEvent(DossierEvent):
    """Fields of the events that concern a workflow step. Not an event type itself."""

    step_order: int | None = Field(
        default=None, ge=1, description="The step concerned, from 1; null if none."
    )
    step_name: str | None = Field(default=None, description="The step's name, e.g. `Thẩm định hồ sơ`.")
    responsible_agency_code: str = Field(
        min_length=1,
        description="The agency holding the dossier at that step, to which lateness is attributed.",
    )


@register
class DossierSubmitted(DossierEvent):
    """A dossier was filed (online, at the counter or by post) and awaits receipt.

    It carries what payment and notify need: the applicant's contact, the fee items resolved for this
    applicant, when they are paid, and the processing time.
    """

    TYPE: ClassVar[str] = "vn.motcua.dossier.dossier.submitted.v1"
    SUMMARY: ClassVar[str] = "A dossier was filed and awaits receipt."

    procedure_version: int = Field(ge=1, description="The procedure version it was filed under.")
    procedure_name: str = Field(min_length=1, description="The procedure's name, e.g. `Đăng ký kết hôn`.")
    agency_name: str = Field(min_length=1, description="The receiving agency's name.")
    case_code: str | None = Field(default=None, description="The procedure case (trường hợp) chosen, if any.")
    channel: Channel = Field(description="How it was filed.")
    applicant: Contact = Field(
        description="The applicant's name and contact. Personal data.", json_schema_extra=PERSONAL
    )
    fee_items: tuple[FeeItem, ...] = Field(
        default=(), description="The fee items owed, with this applicant's exemptions; empty when free."
    )
    fee_total: int = Field(ge=0, description="What the applicant pays in all, in VND (exempt items count 0).")
    fee_timing: FeeTiming = Field(
        description="When the fees become payable: now, at a supplement request during processing, "
        "or at the result."
    )
    processing_days: float = Field(ge=0, description="Processing time in working days, counted from receipt.")
    due_at: AwareDatetime | None = Field(
        default=None,
        description="The due time if it were received now (indicative); `received` sets the binding one.",
    )


@register
class DossierReceived(DossierEvent):
    """The one-stop counter accepted the dossier; the processing clock runs from now."""

    TYPE: ClassVar[str] = "vn.motcua.dossier.dossier.received.v1"
    SUMMARY: ClassVar[str] = "A dossier was received; its due time is set."

    due_at: AwareDatetime = Field(description="When the result is due (hẹn trả kết quả).")
    processing_days: float = Field(ge=0, description="Processing time in working days.")


@register
class DossierSupplementRequested(DossierEvent):
    """The agency asked the applicant to supplement the dossier; the processing clock stops."""

    TYPE: ClassVar[str] = "vn.motcua.dossier.dossier.supplement_requested.v1"
    SUMMARY: ClassVar[str] = "The applicant was asked to supplement the dossier; the clock stops."

    reason: str = Field(
        min_length=1,
        description="What is missing or wrong, in the officer's words; may contain personal data.",
        json_schema_extra=PERSONAL,
    )
    documents: tuple[str, ...] = Field(
        default=(), description="Codes of the procedure's documents to supply again or anew."
    )
    respond_by: AwareDatetime | None = Field(
        default=None, description="When the supplement is due before the dossier moves on without it."
    )


@register
class DossierSupplemented(DossierEvent):
    """The applicant supplied what was asked; the processing clock restarts."""

    TYPE: ClassVar[str] = "vn.motcua.dossier.dossier.supplemented.v1"
    SUMMARY: ClassVar[str] = "The applicant supplemented the dossier; the clock restarts."

    documents: tuple[str, ...] = Field(default=(), description="Codes of the documents supplied.")
    due_at: AwareDatetime = Field(description="The due time, recomputed from the supplement's receipt.")


@register
class DossierForwarded(DossierEvent):
    """The dossier moved to the next step of its workflow, possibly to another agency (liên thông)."""

    TYPE: ClassVar[str] = "vn.motcua.dossier.dossier.forwarded.v1"
    SUMMARY: ClassVar[str] = "A dossier moved to its next workflow step, possibly at another agency."

    from_agency_code: str = Field(min_length=1, description="The agency that held it.")
    to_agency_code: str = Field(min_length=1, description="The agency that holds it now.")
    step_order: int = Field(ge=1, description="The step it is now at, from 1.")
    step_count: int = Field(ge=1, description="How many steps the workflow has.")
    step_name: str = Field(min_length=1, description="The step's name, e.g. `Lãnh đạo phê duyệt`.")
    step_due_at: AwareDatetime | None = Field(default=None, description="The step's own sub-deadline.")
    note: str | None = Field(
        default=None,
        description="The forwarding officer's note; may contain personal data.",
        json_schema_extra=PERSONAL,
    )


@register
class DossierApproved(DossierEvent):
    """The result is signed and ready to be returned (status ``result_ready``)."""

    TYPE: ClassVar[str] = "vn.motcua.dossier.dossier.approved.v1"
    SUMMARY: ClassVar[str] = "A dossier's result is ready to be returned."

    result: str | None = Field(
        default=None,
        description="The result document, e.g. `Giấy chứng nhận kết hôn`, as the officer wrote it; may "
        "contain personal data.",
        json_schema_extra=PERSONAL,
    )
    due_at: AwareDatetime | None = Field(default=None, description="When the result was due.")


@register
class DossierRejected(DossierEvent):
    """The agency refused the dossier, giving its reason (the refusal paper, form 03)."""

    TYPE: ClassVar[str] = "vn.motcua.dossier.dossier.rejected.v1"
    SUMMARY: ClassVar[str] = "A dossier was refused, with the reason."

    reason: str = Field(
        min_length=1, description="Why it was refused; may contain personal data.", json_schema_extra=PERSONAL
    )


@register
class DossierResultReturned(DossierEvent):
    """The result was handed to the applicant; the dossier is finished."""

    TYPE: ClassVar[str] = "vn.motcua.dossier.dossier.result_returned.v1"
    SUMMARY: ClassVar[str] = "A dossier's result was returned to the applicant; it is finished."

    due_at: AwareDatetime | None = Field(default=None, description="When it was due.")
    timeliness: Timeliness = Field(description="Early, on time or late against the due time.")


@register
class DossierWithdrawn(DossierEvent):
    """The applicant withdrew the dossier before a result."""

    TYPE: ClassVar[str] = "vn.motcua.dossier.dossier.withdrawn.v1"
    SUMMARY: ClassVar[str] = "The applicant withdrew a dossier."

    reason: str | None = Field(
        default=None,
        description="The applicant's reason, if given; may contain personal data.",
        json_schema_extra=PERSONAL,
    )


@register
class DossierDueSoon(DossierStepEvent):
    """The dossier is due within one working day and not finished; emitted once per dossier."""

    TYPE: ClassVar[str] = "vn.motcua.dossier.dossier.due_soon.v1"
    SUMMARY: ClassVar[str] = "A dossier is due within one working day."

    due_at: AwareDatetime = Field(description="When it is due.")


@register
class DossierOverdue(DossierStepEvent):
    """The dossier passed its due time unfinished; emitted once per dossier."""

    TYPE: ClassVar[str] = "vn.motcua.dossier.dossier.overdue.v1"
    SUMMARY: ClassVar[str] = "A dossier passed its due time unfinished."

    due_at: AwareDatetime = Field(description="When it was due.")


@register
class DossierDeadlineExtended(DossierEvent):
    """The agency will be late: it apologised in writing (form 04) and set a new appointment."""

    TYPE: ClassVar[str] = "vn.motcua.dossier.dossier.deadline_extended.v1"
    SUMMARY: ClassVar[str] = "The agency apologised for a late dossier and set a new due time."

    previous_due_at: AwareDatetime = Field(description="The due time that will be missed.")
    due_at: AwareDatetime = Field(description="The new appointment.")
    reason: str = Field(
        min_length=1,
        description="Why it will be late, as the apology letter says; may contain personal data.",
        json_schema_extra=PERSONAL,
    )


@register
class DossierRated(DossierEvent):
    """The applicant rated how the returned dossier was handled (once per dossier)."""

    TYPE: ClassVar[str] = "vn.motcua.dossier.dossier.rated.v1"
    SUMMARY: ClassVar[str] = "The applicant rated a returned dossier."

    rating: Rating = Field(description="Satisfied, acceptable or unsatisfied.")
    comment: str | None = Field(
        default=None,
        description="The applicant's comment; may contain personal data.",
        json_schema_extra=PERSONAL,
    )


class LookupOutcome(StrEnum):
    """What an SMS look-up found."""

    FOUND = "found"
    NOT_FOUND = "not_found"
    """An unknown code and a wrong proof alike: nothing tells them apart."""
    LIMITED = "limited"
    """The look-up guard refused (too many tries on that code, or a weak proof on a guessed-at code)."""
    HELP = "help"
    """The message was not a look-up the platform could read; the reply says how to write one."""


@register
class DossierLookupAnswered(Event):
    """A look-up by SMS (``TRACUU <code> <proof>``) was answered; notify texts the answer back to the phone.

    Keyed by the inbound message's id, not by a dossier: a refused look-up names no dossier, and its fields
    are the same whether the code is unknown or the proof wrong.
    """

    TYPE: ClassVar[str] = "vn.motcua.dossier.lookup.answered.v1"
    TOPIC: ClassVar[str] = topics.DOSSIER
    SUBJECT_FIELD: ClassVar[str] = "message_id"
    SUMMARY: ClassVar[str] = "A look-up by SMS was answered; send the answer to the phone that asked."

    message_id: str = Field(
        min_length=1, max_length=64, description="The SMS provider's id of the inbound message; the subject."
    )
    phone: str = Field(
        pattern=VN_PHONE_PATTERN,
        description="The phone that asked, where the answer goes, in E.164 form. Personal data.",
        json_schema_extra=PERSONAL,
    )
    outcome: LookupOutcome = Field(
        description="found, not_found (an unknown code or a wrong proof), limited, help."
    )
    dossier_code: str | None = Field(default=None, description="The dossier found; null unless `found`.")
    status_label: str | None = Field(
        default=None, description="Its national status as the portal words it, e.g. `Đang xử lý`."
    )
    due_at: AwareDatetime | None = Field(default=None, description="When the result is promised, if set.")
    next_step: str | None = Field(
        default=None, description="What happens next, or what the citizen must do, in Vietnamese."
    )
    answered_at: AwareDatetime = Field(description="When the look-up was answered.")
