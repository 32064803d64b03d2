"""The dossier, its workflow steps and its timeline: tables with their behaviour, no I/O."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, time
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dossier_svc.calendar.models import WorkCalendar
from dossier_svc.db import Base, Json
from dossier_svc.dossiers.errors import ActionForbidden, GuardRefused, IllegalAction, InvalidDossier
from dossier_svc.dossiers.workflow import (
    CLOSED,
    RUNNING,
    SYSTEM_ACTIONS,
    Action,
    ActionInput,
    Party,
    State,
    Transition,
    find,
)
from dossier_svc.procedures.service import Terms
from motcua_shared.chassis.auth import Principal, Role
from motcua_shared.chassis.errors import DomainError
from motcua_shared.chassis.idempotency import IdempotencyRecordMixin
from motcua_shared.contracts import dossier as ev
from motcua_shared.contracts.catalog import AgencyRef
from motcua_shared.contracts.common import Actor, Channel, Contact, FeeItem, FeeTiming

if TYPE_CHECKING:
    from collections.abc import Sequence

    from dossier_svc.documents.models import DossierDocument

DRAFT_PREFIX = "draft-"


def new_id() -> str:
    """A new row id."""
    return uuid.uuid4().hex


def numbered_under(agency: AgencyRef) -> str:
    """What the dossiers ``agency`` receives are numbered under: its electronic identifier
    (``000.00.00.H57``), or its platform code where no source gives one (the documented fallback)."""
    return agency.electronic_id or agency.code


def dossier_code(prefix: str, day: str, number: int | str) -> str:
    """The national pattern ``{identifier}-{yymmdd}-{number:04d}`` (``number`` may stand in as a string)."""
    return f"{prefix}-{day}-{number:04d}" if isinstance(number, int) else f"{prefix}-{day}-{number}"


def month_of(moment: datetime, calendar: WorkCalendar) -> str:
    """``YYYY-MM`` of ``moment`` in the platform's zone (the statistics' month)."""
    return calendar.local(moment).strftime("%Y-%m")


AUDIT_RESOURCE = "dossier"
"""What dossier-svc's audit records are about: a dossier, named by its code (motcua_shared.chassis.audit)."""


class DossierStep(Base):
    """One step of a dossier's workflow, with its own share of the time and its own sub-deadline."""

    __tablename__ = "dossier_steps"
    __table_args__ = (
        UniqueConstraint("dossier_id", "order"),
        Index("ix_dossier_steps_finished_at", "finished_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    dossier_id: Mapped[str] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"))
    order: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(64))
    agency_code: Mapped[str] = mapped_column(String(64), index=True)
    agency_name: Mapped[str] = mapped_column(Text)
    share_percent: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime | None]
    """Start of the running stretch of its clock; None when not started, paused or finished."""
    first_started_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]
    worked_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    finished_at: Mapped[datetime | None]
    late: Mapped[bool | None] = mapped_column(Boolean)
    finished_month: Mapped[str | None] = mapped_column(String(7))
    procedure_code: Mapped[str] = mapped_column(String(64))

    def days(self, total_days: float) -> float:
        """Its share of the processing time, in working days."""
        return total_days * self.share_percent / 100

    def start(self, now: datetime, calendar: WorkCalendar, total_days: float) -> None:
        """Start (or restart, after a supplement) with its whole share."""
        self.started_at = now
        self.first_started_at = self.first_started_at or now
        self.due_at = calendar.due(now, self.days(total_days))

    def pause(self, now: datetime, calendar: WorkCalendar) -> None:
        """Stop its clock (a supplement was asked for)."""
        if self.started_at is not None:
            self.worked_seconds += max(0.0, calendar.working_seconds(self.started_at, now))
            self.started_at = None

    def finish(self, now: datetime, calendar: WorkCalendar) -> None:
        """Close it, judging it late or not against its own sub-deadline."""
        self.pause(now, calendar)
        self.finished_at = now
        self.late = self.due_at is not None and now > self.due_at
        self.finished_month = month_of(now, calendar)


class TimelineEntry(Base):
    """One thing that happened to a dossier. Rows are appended, never updated."""

    __tablename__ = "dossier_timeline"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dossier_id: Mapped[str] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    national_status: Mapped[int | None] = mapped_column(Integer)
    actor_id: Mapped[str] = mapped_column(String(128))
    actor_role: Mapped[str] = mapped_column(String(16))
    actor_agency_code: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)


@dataclass(frozen=True)
class Outcome:
    """What an accepted action produced: its timeline entry and the event to publish."""

    transition: Transition
    entry: TimelineEntry
    event: ev.DossierEvent | None


def actor_of(principal: Principal) -> Actor:
    """The contract's actor for a caller."""
    return Actor(id=principal.subject, role=principal.role.value, agency_code=principal.agency_code)


SYSTEM_ACTOR = Actor(id="system", role="system")


class Dossier(Base):
    """A dossier from draft to its end."""

    __tablename__ = "dossiers"
    __table_args__ = (
        Index("ix_dossiers_queue", "holder_agency_code", "status", "due_at"),
        Index("ix_dossiers_applicant", "applicant_id", "created_at"),
        Index("ix_dossiers_received_at", "received_at"),
        Index("ix_dossiers_approved_at", "approved_at"),
        Index("ix_dossiers_closed_at", "closed_at"),
        Index("ix_dossiers_sweep", "status", "due_soon_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(96), unique=True)
    status: Mapped[str] = mapped_column(String(32))
    row_version: Mapped[int] = mapped_column(Integer)
    procedure_code: Mapped[str] = mapped_column(String(64), index=True)
    procedure_version: Mapped[int | None] = mapped_column(Integer)
    procedure_name: Mapped[str] = mapped_column(Text)
    case_code: Mapped[str | None] = mapped_column(String(64))
    case_name: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(16))
    agency_code: Mapped[str] = mapped_column(String(64))
    agency_name: Mapped[str] = mapped_column(Text)
    holder_agency_code: Mapped[str] = mapped_column(String(64))
    applicant_id: Mapped[str | None] = mapped_column(String(128))
    created_by: Mapped[str] = mapped_column(String(128))
    applicant: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    phone_last4: Mapped[str | None] = mapped_column(String(4))
    form_data: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    fee_exemptions: Mapped[list[str]] = mapped_column(Json, default=list)
    fee_items: Mapped[list[dict[str, Any]]] = mapped_column(Json, default=list)
    fee_total: Mapped[int] = mapped_column(Integer, default=0)
    fee_timing: Mapped[str] = mapped_column(String(16), default=FeeTiming.SUBMISSION.value)
    paid_at: Mapped[datetime | None]
    payment_id: Mapped[str | None] = mapped_column(String(128))
    paid_method: Mapped[str | None] = mapped_column(String(32))
    """How the settling payment was made (the payment contract's ``method``); None before it, or when it
    was settled before the platform kept it."""
    online_level: Mapped[int | None] = mapped_column(Integer)
    """The procedure's online service level when the dossier was filed (4: full-process online)."""
    processing_days: Mapped[float] = mapped_column(Float, default=0.0)
    same_day_cutoff: Mapped[str | None] = mapped_column(String(8))
    """``HH:MM``: received after it (local time), the dossier counts from the next working day."""
    documents_required: Mapped[list[dict[str, Any]]] = mapped_column(Json, default=list)
    result_name: Mapped[str | None] = mapped_column(Text)
    lookup_secret: Mapped[str] = mapped_column(String(32))
    step_count: Mapped[int] = mapped_column(Integer, default=0)
    current_step: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]
    received_at: Mapped[datetime | None]
    clock_started_at: Mapped[datetime | None]
    worked_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    """The legal due time: receipt (or the last supplement) plus the processing days."""
    appointment_at: Mapped[datetime | None]
    """The appointment given to the applicant; later than ``due_at`` after an apology (form 04)."""
    due_soon_at: Mapped[datetime | None]
    due_soon_sent_at: Mapped[datetime | None]
    overdue_sent_at: Mapped[datetime | None]
    supplement_requested_at: Mapped[datetime | None]
    supplement_documents: Mapped[list[str] | None] = mapped_column(Json)
    supplement_reason: Mapped[str | None] = mapped_column(Text)
    respond_by: Mapped[datetime | None] = mapped_column(index=True)
    supplement_count: Mapped[int] = mapped_column(Integer, default=0)
    extension_count: Mapped[int] = mapped_column(Integer, default=0)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    approved_at: Mapped[datetime | None]
    returned_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    close_reason: Mapped[str | None] = mapped_column(Text)
    stopped_by_system: Mapped[bool] = mapped_column(Boolean, default=False)
    timeliness: Mapped[str | None] = mapped_column(String(16))
    processing_hours: Mapped[float | None] = mapped_column(Float)
    received_month: Mapped[str | None] = mapped_column(String(7))
    finished_month: Mapped[str | None] = mapped_column(String(7))

    steps: Mapped[list[DossierStep]] = relationship(
        order_by=DossierStep.order, lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )

    __mapper_args__ = {"version_id_col": row_version}  # noqa: RUF012 - SQLAlchemy's declarative hook

    # --- creation ---------------------------------------------------------------------------------------

    @classmethod
    def draft(
        cls,
        *,
        owner: str | None,
        created_by: str,
        procedure_code: str,
        procedure_name: str,
        agency_code: str,
        agency_name: str,
        channel: Channel,
        now: datetime,
    ) -> Dossier:
        """A new dossier in the draft state, addressed by a provisional code until it is submitted."""
        dossier = cls(
            id=new_id(),
            code=DRAFT_PREFIX + uuid.uuid4().hex[:20],
            status=State.DRAFT.value,
            procedure_code=procedure_code,
            procedure_name=procedure_name,
            channel=channel.value,
            agency_code=agency_code,
            agency_name=agency_name,
            holder_agency_code=agency_code,
            applicant_id=owner,
            created_by=created_by,
            applicant={},
            form_data={},
            fee_exemptions=[],
            fee_items=[],
            fee_total=0,
            processing_days=0.0,
            documents_required=[],
            lookup_secret=new_lookup_secret(),
            step_count=0,
            worked_seconds=0.0,
            supplement_count=0,
            extension_count=0,
            stopped_by_system=False,
            created_at=now,
            updated_at=now,
        )
        dossier.steps = []
        return dossier

    def set_content(
        self,
        *,
        case_code: str | None = None,
        applicant: dict[str, Any] | None = None,
        form_data: dict[str, Any] | None = None,
        fee_exemptions: list[str] | None = None,
    ) -> None:
        """Fill in or change a draft's content (only a draft may change)."""
        if self.state is not State.DRAFT:
            raise IllegalAction("Chỉ hồ sơ nháp mới được sửa.")
        if case_code is not None:
            self.case_code = case_code
        if applicant is not None:
            self.applicant = applicant
            phone = applicant.get("phone")
            self.phone_last4 = phone[-4:] if isinstance(phone, str) and len(phone) >= 4 else None
        if form_data is not None:
            self.form_data = form_data
        if fee_exemptions is not None:
            self.fee_exemptions = sorted(set(fee_exemptions))

    def file_at(self, agency: AgencyRef) -> None:
        """Make ``agency`` the one that receives the dossier (until it is received, it also holds it)."""
        if self.state is not State.DRAFT:
            raise IllegalAction("Chỉ đổi được nơi nộp của hồ sơ nháp.")
        self.agency_code = agency.code
        self.agency_name = agency.name
        self.holder_agency_code = agency.code

    def file_under(self, terms: Terms) -> None:
        """Fix the procedure version, fees, days, documents and steps the dossier will run under."""
        procedure = terms.procedure
        self.procedure_version = procedure.version
        self.procedure_name = procedure.name
        self.case_code = terms.case.code
        self.case_name = terms.case.name
        self.file_at(terms.receiving)
        self.fee_items = [item.model_dump(mode="json") for item in terms.fee_items]
        self.fee_total = terms.fee_total
        self.fee_timing = procedure.fee_timing.value
        self.online_level = procedure.online_level
        self.processing_days = terms.channel.processing_days
        cutoff = procedure.same_day_cutoff
        self.same_day_cutoff = cutoff.strftime("%H:%M") if cutoff is not None else None
        self.documents_required = [
            {
                "code": d.code,
                "name": d.name,
                "required": d.required,
                "originals": d.originals,
                "copies": d.copies,
            }
            for d in terms.documents
        ]
        self.result_name = procedure.result
        self.step_count = len(terms.steps)
        self.steps = [
            DossierStep(
                id=new_id(),
                order=plan.order,
                name=plan.name,
                role=plan.role,
                agency_code=plan.agency.code,
                agency_name=plan.agency.name,
                share_percent=plan.share_percent,
                worked_seconds=0.0,
                procedure_code=procedure.code,
            )
            for plan in terms.steps
        ]

    def check_complete(self, uploaded: set[str]) -> None:
        """422 unless every required document of its case has been uploaded."""
        missing = [d["code"] for d in self.documents_required if d["required"] and d["code"] not in uploaded]
        if missing:
            raise InvalidDossier(
                "Hồ sơ còn thiếu thành phần bắt buộc.",
                errors=[
                    {"field": f"documents.{code}", "message": "required document missing"} for code in missing
                ],
            )

    # --- reading ----------------------------------------------------------------------------------------

    @property
    def state(self) -> State:
        """The state as an enum."""
        return State(self.status)

    @property
    def is_draft(self) -> bool:
        """True before submission."""
        return self.state is State.DRAFT

    def fee_outstanding(self, timing: FeeTiming) -> bool:
        """True when fees paid at ``timing`` are owed and not yet paid."""
        return self.fee_total > 0 and self.fee_timing == timing.value and self.paid_at is None

    @property
    def supplement_asks_fee(self) -> bool:
        """True when the open (or last) supplement request asked for the fees due at supplement.

        Every request made while they are owed asks for them, so no column records it: the fees were paid
        after that request, or not yet.
        """
        asked = self.supplement_requested_at
        return (
            asked is not None
            and self.fee_total > 0
            and self.fee_timing == FeeTiming.SUPPLEMENT.value
            and (self.paid_at is None or self.paid_at >= asked)
        )

    @property
    def national_status(self) -> int | None:
        """The national status code (None for a draft, which the nation never sees)."""
        state = self.state
        if state is State.DRAFT:
            return None
        if state is State.SUBMITTED:
            return 6 if self.fee_outstanding(FeeTiming.SUBMISSION) else 1
        if state is State.SUPPLEMENT_REQUESTED:
            return 6 if self.fee_outstanding(FeeTiming.SUPPLEMENT) else 5
        if state is State.RESULT_READY:
            return 6 if self.fee_outstanding(FeeTiming.RESULT) else 9
        if state is State.REJECTED:
            return 8 if self.stopped_by_system else 3
        return {
            State.RECEIVED: 2,
            State.IN_PROGRESS: 4,
            State.RETURNED: 10,
            State.WITHDRAWN: 7,
        }[state]

    @property
    def step(self) -> DossierStep | None:
        """The current step, if one runs."""
        if self.current_step is None:
            return None
        return next((s for s in self.steps if s.order == self.current_step), None)

    def contact(self) -> Contact:
        """The applicant's contact as events carry it."""
        return Contact(
            name=self.applicant.get("name", ""),
            phone=self.applicant.get("phone", ""),
            email=self.applicant.get("email"),
        )

    def parties(self, principal: Principal) -> frozenset[Party]:
        """What ``principal`` is to this dossier."""
        found: set[Party] = set()
        if principal.role is Role.CITIZEN and self.applicant_id and principal.subject == self.applicant_id:
            found.add(Party.OWNER)
        if principal.role is Role.OFFICER and not self.is_draft:
            if principal.agency_code == self.agency_code:
                found.add(Party.RECEIVING_OFFICER)
            if principal.agency_code == self.holder_agency_code:
                found.add(Party.HOLDING_OFFICER)
        return frozenset(found)

    def visible_to(self, principal: Principal) -> bool:
        """Owner, admin, and (once submitted) officers of the agencies it passes through."""
        if principal.role is Role.ADMIN:
            return True
        if principal.role is Role.CITIZEN:
            return bool(self.applicant_id) and principal.subject == self.applicant_id
        if principal.role is Role.OFFICER and not self.is_draft:
            return principal.agency_code in {self.agency_code, self.holder_agency_code} or any(
                s.agency_code == principal.agency_code and s.first_started_at is not None for s in self.steps
            )
        return False

    # --- the lifecycle ----------------------------------------------------------------------------------

    def authorize(self, action: Action, parties: frozenset[Party], given: ActionInput) -> Transition:
        """The row for ``action`` now; else 409 (illegal here), 403 (party), 422 (input), 409 (guard)."""
        transition, refusal = self._judge(action, parties, given, check_input=True)
        if refusal is not None:
            raise refusal
        assert transition is not None
        return transition

    def allowed_actions(
        self,
        parties: frozenset[Party],
        *,
        fresh_documents: frozenset[str] = frozenset(),
        extension_limit: int | None = None,
    ) -> list[Action]:
        """What ``parties`` may do now through the API: exactly the actions :meth:`authorize` lets through
        when given the input each one needs (a reason, a number of days), judged by the same code.
        ``fresh_documents`` are the documents uploaded since a supplement request; ``extension_limit`` the
        number of extensions the policy allows."""
        given = ActionInput(fresh_documents=fresh_documents, extension_limit=extension_limit)
        return [
            action
            for action in Action
            if action not in SYSTEM_ACTIONS
            and self._judge(action, parties, given, check_input=False)[1] is None
        ]

    def _judge(
        self, action: Action, parties: frozenset[Party], given: ActionInput, *, check_input: bool
    ) -> tuple[Transition | None, DomainError | None]:
        """The row for ``action`` now and why it is refused (None when it is not): the one guard of every
        action. ``check_input`` False leaves out the checks of what the caller sends with it."""
        transition = find(self.state, action)
        if transition is None:
            return None, IllegalAction(
                f"Không thể '{action.value}' khi hồ sơ đang ở trạng thái '{self.status}'."
            )
        if not transition.parties & parties:
            return transition, ActionForbidden("Bạn không được thực hiện thao tác này với hồ sơ.")
        if check_input:
            missing = [name for name in transition.needs if not getattr(given, name)]
            if missing:
                return transition, InvalidDossier(
                    "Thiếu thông tin cho thao tác.",
                    errors=[{"field": name, "message": "required for this action"} for name in missing],
                )
            if given.days is not None and given.days <= 0:
                return transition, InvalidDossier(
                    "Số ngày phải dương.", errors=[{"field": "days", "message": "must be > 0"}]
                )
        if transition.guard is not None:
            refusal = transition.guard(self, given)
            if refusal:
                return transition, GuardRefused(refusal)
        return transition, None

    def act(
        self,
        action: Action,
        parties: frozenset[Party],
        actor: Actor,
        given: ActionInput,
        *,
        now: datetime,
        calendar: WorkCalendar,
    ) -> Outcome:
        """Authorize and apply ``action`` in one step."""
        transition = self.authorize(action, parties, given)
        return self.apply(transition, actor, given, now=now, calendar=calendar)

    def apply(
        self,
        transition: Transition,
        actor: Actor,
        given: ActionInput,
        *,
        now: datetime,
        calendar: WorkCalendar,
    ) -> Outcome:
        """Carry out an authorized transition: its effects, the new state, a timeline entry, an event."""
        source = self.state
        effect = _EFFECTS[transition.action]
        make_event = effect(self, given, now, calendar)
        self.status = transition.target.value
        self.updated_at = now
        if transition.target in CLOSED:
            self.closed_at = self.closed_at or now
        event = make_event(self._event_base(actor, now)) if make_event else None
        entry = TimelineEntry(
            dossier_id=self.id,
            at=now,
            action=transition.action.value,
            from_status=source.value,
            to_status=self.status,
            national_status=self.national_status,
            actor_id=actor.id,
            actor_role=actor.role.value,
            actor_agency_code=actor.agency_code,
            note=given.note or given.reason,
            details=_details(transition.action, given, self, event),
        )
        return Outcome(transition, entry, event)

    def note_payment(
        self, payment_id: str, amount: int, now: datetime, *, method: str | None = None
    ) -> TimelineEntry | None:
        """Record a confirmed payment (``method``: how it was paid); None when it changes nothing (already
        paid)."""
        if self.paid_at is not None:
            return None
        settled = amount >= self.fee_total
        if settled:
            self.paid_at = now
            self.payment_id = payment_id
            self.paid_method = method
            self.updated_at = now
        return TimelineEntry(
            dossier_id=self.id,
            at=now,
            action="payment-confirmed" if settled else "payment-partial",
            from_status=self.status,
            to_status=self.status,
            national_status=self.national_status,
            actor_id="payment",
            actor_role="system",
            note=None,
            details={"payment_id": payment_id, "amount": amount, "fee_total": self.fee_total},
        )

    def resume_when_paid(self, now: datetime, calendar: WorkCalendar) -> Outcome | None:
        """The system's ``resume`` once the fees a supplement request asked for alone are paid.

        None when there is nothing to resume: not waiting, documents were asked too (the applicant still
        supplies them and says so), or the fees are still owed.
        """
        if (
            self.state is not State.SUPPLEMENT_REQUESTED
            or self.supplement_documents
            or not self.supplement_asks_fee
            or self.fee_outstanding(FeeTiming.SUPPLEMENT)
        ):
            return None
        given = ActionInput(
            note="Người nộp đã hoàn thành nghĩa vụ tài chính; hồ sơ tiếp tục được giải quyết."
        )
        return self.act(
            Action.RESUME, frozenset({Party.SYSTEM}), SYSTEM_ACTOR, given, now=now, calendar=calendar
        )

    def _event_base(self, actor: Actor, now: datetime) -> dict[str, Any]:
        return {
            "dossier_code": self.code,
            "procedure_code": self.procedure_code,
            "agency_code": self.agency_code,
            "applicant_id": self.applicant_id,
            "status": self.status,
            "national_status": self.national_status,
            "occurred_at": now,
            "actor": actor,
        }

    def _step_fields(self) -> dict[str, Any]:
        step = self.step
        return {
            "step_order": step.order if step else None,
            "step_name": step.name if step else None,
            "responsible_agency_code": step.agency_code if step else self.holder_agency_code,
        }

    def _stop_clock(self, now: datetime, calendar: WorkCalendar) -> None:
        if self.clock_started_at is not None:
            self.worked_seconds += max(0.0, calendar.working_seconds(self.clock_started_at, now))
            self.clock_started_at = None

    def clock_start(self, now: datetime, calendar: WorkCalendar) -> datetime:
        """When the processing time counts from for a dossier received (or completed) at ``now``: the next
        working day when its procedure has a same-day cut-off and ``now`` is past it, else ``now``."""
        if self.same_day_cutoff is None:
            return now
        local = calendar.local(now)
        if local.time() < time.fromisoformat(self.same_day_cutoff):
            return now
        return calendar.next_working_day(local)

    def _start_clock(self, now: datetime, calendar: WorkCalendar) -> None:
        self.clock_started_at = now
        self.due_at = calendar.due(now, self.processing_days)
        self.appointment_at = self.due_at
        # "Due soon" means one working day before; a deadline shorter than that starts out due soon.
        if self.processing_days > 1:
            self.due_soon_at = calendar.subtract(self.due_at, calendar.day_seconds)
        else:
            self.due_soon_at = None

    def notice_due_soon(self, now: datetime) -> ev.DossierDueSoon | None:
        """Mark it due within a working day, once; the event to publish, or None when already told."""
        if self.due_soon_sent_at is not None or self.state not in RUNNING or self.due_at is None:
            return None
        self.due_soon_sent_at = now
        return ev.DossierDueSoon(
            **self._event_base(SYSTEM_ACTOR, now), **self._step_fields(), due_at=self.due_at
        )

    def notice_overdue(self, now: datetime) -> ev.DossierOverdue | None:
        """Mark it overdue, once; the event to publish, or None when already told or not overdue."""
        if self.overdue_sent_at is not None or not self.is_overdue(now):
            return None
        assert self.due_at is not None
        self.overdue_sent_at = now
        return ev.DossierOverdue(
            **self._event_base(SYSTEM_ACTOR, now), **self._step_fields(), due_at=self.due_at
        )

    def is_overdue(self, now: datetime) -> bool:
        """True when it runs past its legal due time."""
        return self.state in RUNNING and self.due_at is not None and now > self.due_at


EventMaker = Any  # Callable[[dict[str, Any]], ev.DossierEvent] | None, kept loose for the effect table


def _submit(d: Dossier, given: ActionInput, now: datetime, cal: WorkCalendar) -> EventMaker:
    d.submitted_at = now

    def make(base: dict[str, Any]) -> ev.DossierEvent:
        return ev.DossierSubmitted(
            **base,
            procedure_version=d.procedure_version or 1,
            procedure_name=d.procedure_name,
            agency_name=d.agency_name,
            case_code=d.case_code,
            channel=Channel(d.channel),
            applicant=d.contact(),
            fee_items=tuple(FeeItem.model_validate(i) for i in d.fee_items),
            fee_total=d.fee_total,
            fee_timing=FeeTiming(d.fee_timing),
            processing_days=d.processing_days,
            due_at=cal.due(now, d.processing_days),
        )

    return make


def _receive(d: Dossier, given: ActionInput, now: datetime, cal: WorkCalendar) -> EventMaker:
    d.received_at = now
    d.received_month = month_of(now, cal)
    start = d.clock_start(now, cal)
    d._start_clock(start, cal)
    d.current_step = 1
    first = d.steps[0]
    first.start(start, cal, d.processing_days)
    d.holder_agency_code = first.agency_code

    def make(base: dict[str, Any]) -> ev.DossierEvent:
        assert d.due_at is not None
        return ev.DossierReceived(**base, due_at=d.due_at, processing_days=d.processing_days)

    return make


def _forward(d: Dossier, given: ActionInput, now: datetime, cal: WorkCalendar) -> EventMaker:
    current = d.step
    assert current is not None
    current.finish(now, cal)
    following = d.steps[current.order]  # orders run 1..n, so index = next order - 1
    following.start(now, cal, d.processing_days)
    from_agency = d.holder_agency_code
    d.current_step = following.order
    d.holder_agency_code = following.agency_code

    def make(base: dict[str, Any]) -> ev.DossierEvent:
        return ev.DossierForwarded(
            **base,
            from_agency_code=from_agency,
            to_agency_code=following.agency_code,
            step_order=following.order,
            step_count=d.step_count,
            step_name=following.name,
            step_due_at=following.due_at,
            note=given.note,
        )

    return make


def _request_supplement(d: Dossier, given: ActionInput, now: datetime, cal: WorkCalendar) -> EventMaker:
    d._stop_clock(now, cal)
    if d.step is not None:
        d.step.pause(now, cal)
    d.supplement_requested_at = now
    d.supplement_documents = list(given.documents)
    d.supplement_reason = given.reason
    d.supplement_count += 1
    d.respond_by = cal.due(now, given.days) if given.days else None

    def make(base: dict[str, Any]) -> ev.DossierEvent:
        return ev.DossierSupplementRequested(
            **base, reason=given.reason or "", documents=given.documents, respond_by=d.respond_by
        )

    return make


def _resume(d: Dossier, given: ActionInput, now: datetime, cal: WorkCalendar) -> EventMaker:
    # The regulation counts the processing time anew from the supplement's receipt.
    start = d.clock_start(now, cal)
    d._start_clock(start, cal)
    if d.step is not None:
        d.step.start(start, cal, d.processing_days)
    supplied = tuple(sorted(given.fresh_documents))
    d.respond_by = None

    def make(base: dict[str, Any]) -> ev.DossierEvent:
        assert d.due_at is not None
        return ev.DossierSupplemented(**base, documents=supplied, due_at=d.due_at)

    return make


def _approve(d: Dossier, given: ActionInput, now: datetime, cal: WorkCalendar) -> EventMaker:
    if d.step is not None:
        d.step.finish(now, cal)
    d._stop_clock(now, cal)
    d.approved_at = now
    d.finished_month = month_of(now, cal)
    d.processing_hours = round(d.worked_seconds / 3600, 4)
    d.timeliness = _timeliness(now, d.due_at, cal).value
    if given.result:
        d.result_name = given.result

    def make(base: dict[str, Any]) -> ev.DossierEvent:
        return ev.DossierApproved(**base, result=d.result_name, due_at=d.due_at)

    return make


def _timeliness(done: datetime, due: datetime | None, cal: WorkCalendar) -> ev.Timeliness:
    if due is None:
        return ev.Timeliness.ON_TIME
    if done > due:
        return ev.Timeliness.LATE
    if cal.local(done).date() < cal.local(due).date():
        return ev.Timeliness.EARLY
    return ev.Timeliness.ON_TIME


def _close(d: Dossier, given: ActionInput, now: datetime, cal: WorkCalendar) -> None:
    if d.step is not None and d.step.finished_at is None:
        d.step.pause(now, cal)
    d._stop_clock(now, cal)
    d.close_reason = given.reason
    d.respond_by = None


def _reject(d: Dossier, given: ActionInput, now: datetime, cal: WorkCalendar) -> EventMaker:
    _close(d, given, now, cal)

    def make(base: dict[str, Any]) -> ev.DossierEvent:
        return ev.DossierRejected(**base, reason=given.reason or "")

    return make


def _expire_supplement(d: Dossier, given: ActionInput, now: datetime, cal: WorkCalendar) -> EventMaker:
    d.stopped_by_system = True
    return _reject(d, given, now, cal)


def _withdraw(d: Dossier, given: ActionInput, now: datetime, cal: WorkCalendar) -> EventMaker:
    _close(d, given, now, cal)

    def make(base: dict[str, Any]) -> ev.DossierEvent:
        return ev.DossierWithdrawn(**base, reason=given.reason)

    return make


def _return_result(d: Dossier, given: ActionInput, now: datetime, cal: WorkCalendar) -> EventMaker:
    d.returned_at = now

    def make(base: dict[str, Any]) -> ev.DossierEvent:
        return ev.DossierResultReturned(
            **base, due_at=d.due_at, timeliness=ev.Timeliness(d.timeliness or ev.Timeliness.ON_TIME.value)
        )

    return make


def _extend(d: Dossier, given: ActionInput, now: datetime, cal: WorkCalendar) -> EventMaker:
    previous = d.appointment_at or d.due_at or now
    d.appointment_at = cal.add(previous, (given.days or 0) * cal.day_seconds)
    d.extension_count += 1
    d.extension_reason = given.reason

    def make(base: dict[str, Any]) -> ev.DossierEvent:
        assert d.appointment_at is not None
        return ev.DossierDeadlineExtended(
            **base, previous_due_at=previous, due_at=d.appointment_at, reason=given.reason or ""
        )

    return make


_EFFECTS = {
    Action.SUBMIT: _submit,
    Action.RECEIVE: _receive,
    Action.FORWARD: _forward,
    Action.REQUEST_SUPPLEMENT: _request_supplement,
    Action.SUPPLEMENT: _resume,
    Action.RESUME: _resume,
    Action.APPROVE: _approve,
    Action.REJECT: _reject,
    Action.EXPIRE_SUPPLEMENT: _expire_supplement,
    Action.WITHDRAW: _withdraw,
    Action.RETURN_RESULT: _return_result,
    Action.EXTEND_DEADLINE: _extend,
}


def _details(action: Action, given: ActionInput, d: Dossier, event: ev.DossierEvent | None) -> dict[str, Any]:
    """What the timeline keeps of an action: enough to issue its paper again as it was then."""
    details: dict[str, Any] = {}
    if given.documents:
        details["documents"] = list(given.documents)
    if given.fresh_documents:
        details["supplied"] = sorted(given.fresh_documents)
    if given.days is not None:
        details["days"] = given.days
    if action is Action.FORWARD and d.step is not None:
        details["step"] = d.step.order
        details["agency_code"] = d.step.agency_code
    if action is Action.RECEIVE and d.due_at is not None:
        details["due_at"] = d.due_at.isoformat()
        if d.clock_started_at is not None and d.clock_started_at != d.received_at:
            details["counted_from"] = d.clock_started_at.isoformat()
    if action is Action.REQUEST_SUPPLEMENT:
        if d.supplement_asks_fee:
            details["fee_total"] = d.fee_total
        if d.respond_by is not None:
            details["respond_by"] = d.respond_by.isoformat()
    if isinstance(event, ev.DossierDeadlineExtended):
        details["previous_due_at"] = event.previous_due_at.isoformat()
        details["due_at"] = event.due_at.isoformat()
    return details


_SECRET_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # noqa: S105 - an alphabet, not a secret
_SECRET_UNBIASED = 256 - 256 % len(_SECRET_ALPHABET)


def new_lookup_secret() -> str:
    """The secret printed on the receipt: 8 characters, unambiguous to read and type.

    Drawn from one read of the system's random source, each character uniform over the alphabet (bytes
    at or above the last whole multiple of its length are skipped, so no character is favoured).
    """
    chosen: list[str] = []
    while len(chosen) < 8:
        chosen.extend(
            _SECRET_ALPHABET[b % len(_SECRET_ALPHABET)]
            for b in secrets.token_bytes(16)
            if b < _SECRET_UNBIASED
        )
    return "".join(chosen[:8])


class DossierSequence(Base):
    """The last dossier number given by an agency on a day."""

    __tablename__ = "dossier_sequences"

    agency_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[str] = mapped_column(String(6), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class IdempotencyRecord(IdempotencyRecordMixin, Base):
    """A dossier-creating request remembered by its caller's key, with its answer: replayed, never done
    twice."""

    __tablename__ = "idempotency_keys"

    dossier_code: Mapped[str] = mapped_column(String(96))
    response: Mapped[dict[str, Any]] = mapped_column(Json)


class RatingRecord(Base):
    """An applicant's rating of a returned dossier (one per dossier)."""

    __tablename__ = "dossier_ratings"
    __table_args__ = (Index("ix_dossier_ratings_month", "rated_month", "agency_code"),)

    dossier_id: Mapped[str] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), primary_key=True)
    rating: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime]
    rated_month: Mapped[str] = mapped_column(String(7))
    agency_code: Mapped[str] = mapped_column(String(64))
    procedure_code: Mapped[str] = mapped_column(String(64))


@dataclass(frozen=True)
class Rated:
    """A stored rating with the code of the dossier it rates."""

    dossier_code: str
    record: RatingRecord


@dataclass(frozen=True)
class DossierListing:
    """One page of a list of dossiers: its rows, how many match in all, how many come before it, and when
    it was read (the time the rows' days left are counted from)."""

    rows: Sequence[Dossier]
    total: int
    offset: int
    now: datetime


@dataclass(frozen=True)
class DossierView:
    """A dossier as someone reads it: its documents, what they may do with it now, and when they read it."""

    dossier: Dossier
    documents: Sequence[DossierDocument]
    allowed: list[Action]
    now: datetime
