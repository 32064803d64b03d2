"""The lifecycle table on the domain model: property-tested, plus clocks, fees and step attribution."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from dossier_testkit import published, snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dossier_svc.calendar.models import WorkCalendar
from dossier_svc.dossiers.errors import ActionForbidden, GuardRefused, IllegalAction, InvalidDossier
from dossier_svc.dossiers.models import Dossier, TimelineEntry
from dossier_svc.dossiers.schemas import due_estimated
from dossier_svc.dossiers.workflow import TABLE, Action, ActionInput, Party, State, find
from dossier_svc.procedures.models import Procedure
from dossier_svc.procedures.service import resolve
from dossier_svc.settings import CalendarSettings
from motcua_shared.contracts import dossier as ev
from motcua_shared.contracts.common import Actor, ActorRole, Channel, FeeTiming

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = WorkCalendar.from_settings(CalendarSettings())
ACTOR = Actor(id="x", role=ActorRole.OFFICER, agency_code="hue.xa.thuan-hoa")
MONDAY = datetime(2025, 8, 4, 8, 0, tzinfo=VN)


def new_dossier(**snap: object) -> Dossier:
    procedure = Procedure.from_published(published(snapshot(**snap)))  # type: ignore[arg-type]
    terms = resolve(procedure, case_code=None, channel=Channel.ONLINE)
    dossier = Dossier.draft(
        owner="citizen-1",
        created_by="citizen-1",
        procedure_code=procedure.code,
        procedure_name=procedure.name,
        agency_code=terms.procedure.implementing_agency.code,
        agency_name=terms.procedure.implementing_agency.name,
        channel=Channel.ONLINE,
        now=MONDAY,
    )
    dossier.set_content(applicant={"name": "Trần Văn Bình", "phone": "+84912345678"})
    dossier.file_under(terms)
    dossier.code = "hue.xa.thuan-hoa-250804-0001"
    return dossier


def run(
    dossier: Dossier, action: Action, parties: set[Party], at: datetime, **given: object
) -> TimelineEntry:
    outcome = dossier.act(action, frozenset(parties), ACTOR, ActionInput(**given), now=at, calendar=CAL)  # type: ignore[arg-type]
    return outcome.entry


EVERY_STATE_REACHABLE = {t.target for t in TABLE} | {State.DRAFT}
PARTY_SETS = [
    frozenset(),
    frozenset({Party.OWNER}),
    frozenset({Party.RECEIVING_OFFICER}),
    frozenset({Party.HOLDING_OFFICER}),
    frozenset({Party.RECEIVING_OFFICER, Party.HOLDING_OFFICER}),
    frozenset({Party.SYSTEM}),
]
steps = st.lists(
    st.tuples(
        st.sampled_from(list(Action)),
        st.sampled_from(PARTY_SETS),
        st.booleans(),
        st.sampled_from([None, 0.5, 2.0]),
        st.integers(min_value=0, max_value=30),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps, st.sampled_from([0, 50_000]), st.sampled_from(list(FeeTiming)))
def test_random_actions_by_random_parties_follow_the_table(
    sequence: list[tuple[Action, frozenset[Party], bool, float | None, int]], fee: int, timing: FeeTiming
) -> None:
    dossier = new_dossier(fee=fee, fee_timing=timing)
    now = MONDAY
    timeline: list[TimelineEntry] = []
    for action, parties, with_reason, days, hours in sequence:
        now += timedelta(hours=hours)
        if hours == 7 and fee:
            dossier.note_payment("pay-1", fee, now)
        before = dossier.state
        given = ActionInput(
            reason="Lý do" if with_reason else None,
            days=days,
            fresh_documents=frozenset(dossier.supplement_documents or ()),
        )
        try:
            outcome = dossier.act(action, parties, ACTOR, given, now=now, calendar=CAL)
        except (IllegalAction, ActionForbidden, GuardRefused, InvalidDossier):
            assert dossier.state is before
            continue
        row = find(before, action)
        assert row is not None, f"{action} accepted in {before} outside the table"
        assert row.parties & parties
        assert dossier.state is row.target
        assert outcome.entry.from_status == before.value
        assert outcome.entry.to_status == dossier.status
        assert outcome.entry.action == action.value
        timeline.append(outcome.entry)
        assert dossier.state in EVERY_STATE_REACHABLE
        if dossier.state is not State.DRAFT:
            assert dossier.national_status in range(1, 11)
    for earlier, later in pairwise(timeline):
        assert earlier.to_status == later.from_status


def test_every_row_is_reachable_only_from_its_state() -> None:
    dossier = new_dossier()
    with pytest.raises(IllegalAction):
        run(dossier, Action.RECEIVE, {Party.RECEIVING_OFFICER}, MONDAY)
    with pytest.raises(ActionForbidden):
        run(dossier, Action.SUBMIT, {Party.HOLDING_OFFICER}, MONDAY)
    run(dossier, Action.SUBMIT, {Party.OWNER}, MONDAY)
    assert dossier.national_status == 1
    with pytest.raises(InvalidDossier):
        run(dossier, Action.REJECT, {Party.RECEIVING_OFFICER}, MONDAY)  # no reason


def test_a_fee_due_at_submission_gates_receipt_until_paid() -> None:
    dossier = new_dossier(fee=8_000)
    run(dossier, Action.SUBMIT, {Party.OWNER}, MONDAY)
    assert dossier.national_status == 6
    with pytest.raises(GuardRefused):
        run(dossier, Action.RECEIVE, {Party.RECEIVING_OFFICER}, MONDAY)
    assert dossier.note_payment("pay-1", 5_000, MONDAY) is not None  # short: recorded, not settled
    assert dossier.paid_at is None
    dossier.note_payment("pay-2", 8_000, MONDAY)
    assert dossier.note_payment("pay-2", 8_000, MONDAY) is None
    run(dossier, Action.RECEIVE, {Party.RECEIVING_OFFICER}, MONDAY)
    assert dossier.national_status == 2


def test_a_supplement_stops_the_clock_and_restarts_the_time_from_its_receipt() -> None:
    dossier = new_dossier(days=3)
    run(dossier, Action.SUBMIT, {Party.OWNER}, MONDAY)
    run(dossier, Action.RECEIVE, {Party.RECEIVING_OFFICER}, MONDAY)
    assert dossier.due_at == datetime(2025, 8, 7, 8, 0, tzinfo=VN)
    tuesday = MONDAY + timedelta(days=1)
    run(
        dossier,
        Action.REQUEST_SUPPLEMENT,
        {Party.HOLDING_OFFICER},
        tuesday,
        reason="Ảnh mờ",
        documents=("to-khai",),
        days=5.0,
    )
    assert dossier.clock_started_at is None
    assert dossier.national_status == 5
    friday = MONDAY + timedelta(days=4)
    with pytest.raises(GuardRefused):
        run(dossier, Action.SUPPLEMENT, {Party.OWNER}, friday)  # nothing uploaded yet
    run(dossier, Action.SUPPLEMENT, {Party.OWNER}, friday, fresh_documents=frozenset({"to-khai"}))
    assert dossier.due_at == datetime(2025, 8, 13, 8, 0, tzinfo=VN)  # Fri + 3 working days
    assert dossier.worked_seconds == 8 * 3600


def test_lateness_is_attributed_to_the_step_that_caused_it() -> None:
    dossier = new_dossier(days=5)  # shares 20/40/40: 1, 2 and 2 working days
    run(dossier, Action.SUBMIT, {Party.OWNER}, MONDAY)
    run(dossier, Action.RECEIVE, {Party.RECEIVING_OFFICER}, MONDAY)
    run(dossier, Action.FORWARD, {Party.HOLDING_OFFICER}, MONDAY + timedelta(hours=2))
    assert dossier.holder_agency_code == "hue.cong-an-xa"
    police_step = dossier.step
    assert police_step is not None
    assert police_step.order == 2
    # The police take four working days for their two.
    run(dossier, Action.FORWARD, {Party.HOLDING_OFFICER}, datetime(2025, 8, 8, 10, 0, tzinfo=VN))
    run(dossier, Action.APPROVE, {Party.HOLDING_OFFICER}, datetime(2025, 8, 8, 15, 0, tzinfo=VN))
    late = {s.order: s.late for s in dossier.steps}
    assert late == {1: False, 2: True, 3: False}
    assert dossier.timeliness == "early"  # due Mon 11 Aug 08:00, done the Friday before
    run(dossier, Action.RETURN_RESULT, {Party.RECEIVING_OFFICER}, datetime(2025, 8, 8, 16, 0, tzinfo=VN))
    assert dossier.national_status == 10


def test_overdue_and_due_soon_are_noticed_once() -> None:
    dossier = new_dossier(days=3)
    run(dossier, Action.SUBMIT, {Party.OWNER}, MONDAY)
    run(dossier, Action.RECEIVE, {Party.RECEIVING_OFFICER}, MONDAY)
    assert dossier.due_soon_at == datetime(2025, 8, 6, 8, 0, tzinfo=VN)
    soon = dossier.notice_due_soon(datetime(2025, 8, 6, 9, 0, tzinfo=VN))
    assert soon is not None
    assert soon.step_order == 1
    assert dossier.notice_due_soon(datetime(2025, 8, 6, 10, 0, tzinfo=VN)) is None
    assert dossier.notice_overdue(datetime(2025, 8, 6, 10, 0, tzinfo=VN)) is None
    late = dossier.notice_overdue(datetime(2025, 8, 7, 9, 0, tzinfo=VN))
    assert late is not None
    assert late.responsible_agency_code == "hue.xa.thuan-hoa"
    assert dossier.notice_overdue(datetime(2025, 8, 8, 9, 0, tzinfo=VN)) is None


def test_an_apology_moves_the_appointment_not_the_legal_due_time() -> None:
    dossier = new_dossier(days=1)
    run(dossier, Action.SUBMIT, {Party.OWNER}, MONDAY)
    run(dossier, Action.RECEIVE, {Party.RECEIVING_OFFICER}, MONDAY)
    run(dossier, Action.EXTEND_DEADLINE, {Party.HOLDING_OFFICER}, MONDAY, reason="Chờ xác minh", days=2.0)
    assert dossier.appointment_at == datetime(2025, 8, 7, 8, 0, tzinfo=VN)
    assert dossier.due_at == datetime(2025, 8, 5, 8, 0, tzinfo=VN)
    now = datetime.now(UTC)
    assert dossier.is_overdue(now)


def _at_last_step(dossier: Dossier, at: datetime) -> None:
    run(dossier, Action.SUBMIT, {Party.OWNER}, at)
    run(dossier, Action.RECEIVE, {Party.RECEIVING_OFFICER}, at)
    run(dossier, Action.FORWARD, {Party.HOLDING_OFFICER}, at)
    run(dossier, Action.FORWARD, {Party.HOLDING_OFFICER}, at)


def test_a_fee_due_at_supplement_is_asked_for_alone_and_the_dossier_resumes_once_paid() -> None:
    dossier = new_dossier(fee=50_000, fee_timing=FeeTiming.SUPPLEMENT, days=3)
    _at_last_step(dossier, MONDAY)
    assert dossier.national_status == 4, "nothing is owed before the agency asks"
    with pytest.raises(GuardRefused, match="request-supplement"):
        run(dossier, Action.APPROVE, {Party.HOLDING_OFFICER}, MONDAY)  # the fee cannot be forgotten
    assert dossier.state is State.IN_PROGRESS

    tuesday = MONDAY + timedelta(days=1)
    entry = run(dossier, Action.REQUEST_SUPPLEMENT, {Party.HOLDING_OFFICER}, tuesday, reason="Nộp lệ phí")
    assert dossier.status == State.SUPPLEMENT_REQUESTED.value
    assert dossier.national_status == 6
    assert entry.national_status == 6
    assert entry.details == {"fee_total": 50_000}
    assert dossier.supplement_asks_fee
    assert dossier.clock_started_at is None, "the clock waits on the citizen, as for documents"
    assert dossier.worked_seconds == 8 * 3600
    for action, parties in ((Action.SUPPLEMENT, {Party.OWNER}), (Action.RESUME, {Party.SYSTEM})):
        with pytest.raises(GuardRefused, match="nghĩa vụ tài chính"):
            run(dossier, action, parties, tuesday)
        assert dossier.status == State.SUPPLEMENT_REQUESTED.value
    assert dossier.resume_when_paid(tuesday, CAL) is None, "nothing paid yet"
    assert dossier.note_payment("pay-1", 20_000, tuesday) is not None
    assert dossier.resume_when_paid(tuesday, CAL) is None, "a short payment settles nothing"

    thursday = MONDAY + timedelta(days=3)
    dossier.note_payment("pay-2", 50_000, thursday)
    resumed = dossier.resume_when_paid(thursday, CAL)
    assert resumed is not None
    assert resumed.transition.action is Action.RESUME
    assert (resumed.entry.actor_role, resumed.entry.from_status) == ("system", "supplement_requested")
    assert isinstance(resumed.event, ev.DossierSupplemented)
    assert resumed.event.actor.role is ActorRole.SYSTEM
    assert resumed.event.documents == ()
    assert (dossier.state, dossier.national_status) == (State.IN_PROGRESS, 4)
    assert dossier.due_at == datetime(2025, 8, 12, 8, 0, tzinfo=VN)  # Thu + 3 working days, anew
    assert dossier.worked_seconds == 8 * 3600, "the days waiting on the payment are not counted"
    assert dossier.resume_when_paid(thursday, CAL) is None, "only once"
    run(dossier, Action.APPROVE, {Party.HOLDING_OFFICER}, thursday)
    assert dossier.national_status == 9
    run(dossier, Action.RETURN_RESULT, {Party.RECEIVING_OFFICER}, thursday)
    assert dossier.national_status == 10


def test_documents_asked_with_the_fee_are_still_supplied_by_the_applicant() -> None:
    dossier = new_dossier(fee=50_000, fee_timing=FeeTiming.SUPPLEMENT)
    _at_last_step(dossier, MONDAY)
    run(
        dossier,
        Action.REQUEST_SUPPLEMENT,
        {Party.HOLDING_OFFICER},
        MONDAY,
        reason="Bổ sung tờ khai và nộp lệ phí",
        documents=("to-khai",),
    )
    assert dossier.national_status == 6
    uploaded = frozenset({"to-khai"})
    with pytest.raises(GuardRefused, match="nghĩa vụ tài chính"):
        run(dossier, Action.SUPPLEMENT, {Party.OWNER}, MONDAY, fresh_documents=uploaded)
    dossier.note_payment("pay-1", 50_000, MONDAY + timedelta(hours=1))
    assert dossier.resume_when_paid(MONDAY + timedelta(hours=1), CAL) is None
    assert (dossier.state, dossier.national_status) == (State.SUPPLEMENT_REQUESTED, 5)
    with pytest.raises(GuardRefused, match="to-khai"):
        run(dossier, Action.SUPPLEMENT, {Party.OWNER}, MONDAY + timedelta(hours=2))
    run(dossier, Action.SUPPLEMENT, {Party.OWNER}, MONDAY + timedelta(hours=2), fresh_documents=uploaded)
    assert dossier.state is State.IN_PROGRESS
    # A later request asks for documents only: the fee was paid after the first one.
    run(
        dossier,
        Action.REQUEST_SUPPLEMENT,
        {Party.HOLDING_OFFICER},
        MONDAY + timedelta(hours=3),
        reason="Ảnh mờ",
    )
    assert not dossier.supplement_asks_fee
    assert dossier.national_status == 5


@pytest.mark.parametrize(("fee", "timing"), [(0, FeeTiming.SUPPLEMENT), (50_000, FeeTiming.RESULT)])
def test_no_fee_due_at_supplement_means_a_plain_supplement_request(fee: int, timing: FeeTiming) -> None:
    dossier = new_dossier(fee=fee, fee_timing=timing)
    _at_last_step(dossier, MONDAY)
    entry = run(dossier, Action.REQUEST_SUPPLEMENT, {Party.HOLDING_OFFICER}, MONDAY, reason="Thiếu chữ ký")
    assert dossier.national_status == 5
    assert "fee_total" not in entry.details
    assert dossier.resume_when_paid(MONDAY, CAL) is None
    run(dossier, Action.SUPPLEMENT, {Party.OWNER}, MONDAY)
    run(dossier, Action.APPROVE, {Party.HOLDING_OFFICER}, MONDAY)
    assert dossier.national_status == (6 if fee else 9)


# -- allowed_actions is the guard's own answer -----------------------------------------------------------

API_CALLERS = [p for p in PARTY_SETS if Party.SYSTEM not in p]
walk_steps = st.lists(
    st.tuples(
        st.sampled_from(list(Action)),
        st.booleans(),  # the applicant has uploaded what a supplement request asks
        st.integers(min_value=0, max_value=30),  # hours later; 7 pays the fee
    ),
    max_size=25,
)


def _walk(sequence: list[tuple[Action, bool, int]], fee: int, timing: FeeTiming, days: float) -> Dossier:
    """Replay ``sequence`` on a new dossier; each action by the parties its row names, when it has one."""
    dossier = new_dossier(fee=fee, fee_timing=timing, days=days)
    now = MONDAY
    for action, uploaded, hours in sequence:
        now += timedelta(hours=hours)
        if hours == 7 and fee:
            dossier.note_payment("pay-1", fee, now)
        row = find(dossier.state, action)
        parties = row.parties if row else frozenset({Party.OWNER})
        fresh = frozenset(dossier.supplement_documents or ()) if uploaded else frozenset()
        given = ActionInput(reason="Lý do", days=1.0, documents=("to-khai",), fresh_documents=fresh)
        try:
            dossier.act(action, parties, ACTOR, given, now=now, calendar=CAL)
        except (IllegalAction, ActionForbidden, GuardRefused, InvalidDossier):
            continue
    return dossier


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    walk_steps,
    st.sampled_from([0, 50_000]),
    st.sampled_from(list(FeeTiming)),
    st.sampled_from([1.0, 5.0]),
    st.sampled_from(API_CALLERS),
    st.booleans(),
)
def test_allowed_actions_are_exactly_the_actions_that_succeed(
    sequence: list[tuple[Action, bool, int]],
    fee: int,
    timing: FeeTiming,
    days: float,
    caller: frozenset[Party],
    uploaded: bool,
) -> None:
    """For any state a dossier can reach and any caller: an offered action succeeds (given what it needs),
    and an action that would succeed is offered."""
    reached = _walk(sequence, fee, timing, days)
    fresh = frozenset(reached.supplement_documents or ()) if uploaded else frozenset()
    offered = reached.allowed_actions(caller, fresh_documents=fresh)
    assert not set(offered) & {Action.RESUME, Action.EXPIRE_SUPPLEMENT}, "system actions are never offered"
    for action in Action:
        if action in (Action.RESUME, Action.EXPIRE_SUPPLEMENT):
            continue
        trial = _walk(sequence, fee, timing, days)
        given = ActionInput(reason="Lý do", days=1.0, documents=("to-khai",), fresh_documents=fresh)
        try:
            trial.act(action, caller, ACTOR, given, now=MONDAY + timedelta(days=60), calendar=CAL)
            succeeded = True
        except (IllegalAction, ActionForbidden, GuardRefused):
            succeeded = False
        assert succeeded == (action in offered), (
            f"{action} in {reached.state} (step {reached.current_step}/{reached.step_count}, "
            f"paid {reached.paid_at is not None}) for {set(caller)}: offered {offered}"
        )


def test_the_reported_lies_are_gone() -> None:
    """Unpaid: no `receive`; at step 1 of 3: no `approve`; at the last step: no `forward`."""
    dossier = new_dossier(fee=8_000, days=5)
    run(dossier, Action.SUBMIT, {Party.OWNER}, MONDAY)
    assert Action.RECEIVE not in dossier.allowed_actions(frozenset({Party.RECEIVING_OFFICER}))
    dossier.note_payment("pay-1", 8_000, MONDAY)
    assert Action.RECEIVE in dossier.allowed_actions(frozenset({Party.RECEIVING_OFFICER}))
    run(dossier, Action.RECEIVE, {Party.RECEIVING_OFFICER}, MONDAY)
    holder = frozenset({Party.HOLDING_OFFICER})
    assert Action.APPROVE not in dossier.allowed_actions(holder)
    assert Action.FORWARD in dossier.allowed_actions(holder)
    run(dossier, Action.FORWARD, {Party.HOLDING_OFFICER}, MONDAY)
    run(dossier, Action.FORWARD, {Party.HOLDING_OFFICER}, MONDAY)
    assert dossier.current_step == dossier.step_count == 3
    assert Action.FORWARD not in dossier.allowed_actions(holder)
    assert Action.APPROVE in dossier.allowed_actions(holder)


def test_a_same_day_procedure_received_after_its_cut_off_counts_from_the_next_working_day() -> None:
    before, after = MONDAY.replace(hour=14, minute=59), MONDAY.replace(hour=15, minute=0)
    early = new_dossier(days=0, same_day_cutoff=time(15, 0))
    assert early.same_day_cutoff == "15:00"
    run(early, Action.SUBMIT, {Party.OWNER}, before)
    run(early, Action.RECEIVE, {Party.RECEIVING_OFFICER}, before)
    assert early.due_at == MONDAY.replace(hour=17, minute=30)

    late = new_dossier(days=0, same_day_cutoff=time(15, 0))
    run(late, Action.SUBMIT, {Party.OWNER}, after)
    entry = run(late, Action.RECEIVE, {Party.RECEIVING_OFFICER}, after)
    tuesday = MONDAY + timedelta(days=1)
    assert late.received_at == after
    assert late.clock_started_at == tuesday.replace(hour=7, minute=30)
    assert late.due_at == tuesday.replace(hour=17, minute=30)
    assert late.steps[0].first_started_at == tuesday.replace(hour=7, minute=30)
    assert entry.details["counted_from"] == tuesday.replace(hour=7, minute=30).isoformat()

    without = new_dossier(days=0)
    assert without.same_day_cutoff is None
    run(without, Action.SUBMIT, {Party.OWNER}, after)
    run(without, Action.RECEIVE, {Party.RECEIVING_OFFICER}, after)
    assert without.due_at == MONDAY.replace(hour=17, minute=30)


def test_a_dossier_received_after_15_before_days_off_counts_from_the_next_working_day() -> None:
    """Khai sinh received on Friday 29/8/2025 at 15:30, before the weekend and the National Day holiday
    (1–2/9/2025): the next working day is Wednesday 3/9, not Saturday."""
    friday = datetime(2025, 8, 29, 15, 30, tzinfo=VN)
    dossier = new_dossier(days=0, same_day_cutoff=time(15, 0))
    run(dossier, Action.SUBMIT, {Party.OWNER}, friday)
    run(dossier, Action.RECEIVE, {Party.RECEIVING_OFFICER}, friday)
    wednesday = datetime(2025, 9, 3, 7, 30, tzinfo=VN)
    assert CAL.next_working_day(friday) == wednesday
    assert dossier.clock_started_at == wednesday
    assert dossier.due_at == wednesday.replace(hour=17, minute=30)


def test_a_due_time_across_the_estimated_tet_days_says_so() -> None:
    before_tet = datetime(2027, 2, 3, 9, 0, tzinfo=VN)
    dossier = new_dossier(days=3)
    run(dossier, Action.SUBMIT, {Party.OWNER}, before_tet)
    run(dossier, Action.RECEIVE, {Party.RECEIVING_OFFICER}, before_tet)
    assert due_estimated(dossier, CAL)
    ordinary = new_dossier(days=3)
    run(ordinary, Action.SUBMIT, {Party.OWNER}, MONDAY)
    run(ordinary, Action.RECEIVE, {Party.RECEIVING_OFFICER}, MONDAY)
    assert not due_estimated(ordinary, CAL)
