"""The lifecycle as one explicit table: (state, action) -> who may, on what condition, to which state.

Everything that changes a dossier's state goes through :func:`find`; a pair missing from the table is an
illegal action (409), a party missing from the row is a forbidden one (403).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Literal

from motcua_shared.contracts.common import FeeTiming

if TYPE_CHECKING:
    from dossier_svc.dossiers.models import Dossier


class State(StrEnum):
    """A dossier's internal state: a draft, then the contract's statuses."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    SUPPLEMENT_REQUESTED = "supplement_requested"
    RESULT_READY = "result_ready"
    RETURNED = "returned"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


CLOSED = frozenset({State.RETURNED, State.REJECTED, State.WITHDRAWN})
RUNNING = frozenset({State.RECEIVED, State.IN_PROGRESS})
"""States in which the processing clock runs."""

DueFilter = Literal["soon", "overdue"]
"""A queue's deadline filter: running dossiers in their last working day before the due time, or past it."""


class Action(StrEnum):
    """What can be done to a dossier (the path segment of `/actions/{action}`)."""

    SUBMIT = "submit"
    RECEIVE = "receive"
    REQUEST_SUPPLEMENT = "request-supplement"
    SUPPLEMENT = "supplement"
    FORWARD = "forward"
    APPROVE = "approve"
    REJECT = "reject"
    RETURN_RESULT = "return-result"
    WITHDRAW = "withdraw"
    EXTEND_DEADLINE = "extend-deadline"
    EXPIRE_SUPPLEMENT = "expire-supplement"
    RESUME = "resume"


SYSTEM_ACTIONS = frozenset({Action.EXPIRE_SUPPLEMENT, Action.RESUME})
"""Actions only the system performs (the deadline job; ``resume`` also when a fee asked for alone is
paid); the HTTP API refuses them."""


class Party(StrEnum):
    """What the caller is to this dossier."""

    OWNER = "owner"
    RECEIVING_OFFICER = "receiving_officer"
    """An officer of the agency that received it (the one-stop counter)."""
    HOLDING_OFFICER = "holding_officer"
    """An officer of the agency holding it at its current step."""
    SYSTEM = "system"


@dataclass(frozen=True)
class ActionInput:
    """What came with an action."""

    note: str | None = None
    reason: str | None = None
    documents: tuple[str, ...] = ()
    days: float | None = None
    result: str | None = None
    fresh_documents: frozenset[str] = frozenset()
    """Document codes uploaded since the supplement request (filled in by the service)."""
    extension_limit: int | None = None
    """How many extensions (form 04) a dossier may have (filled in by the service); None: no limit."""
    extension_max_days: float | None = None
    """The most working days one extension may add (filled in by the service); None: no limit."""


Guard = Callable[["Dossier", ActionInput], str | None]
"""Returns why the action cannot happen yet, or None."""


def _fee_settled(timing: FeeTiming, then: str = "") -> Guard:
    """Refuses while fees payable at ``timing`` are owed; ``then`` says what to do about it."""

    def guard(dossier: Dossier, _: ActionInput) -> str | None:
        if dossier.fee_outstanding(timing):
            refusal = "Hồ sơ chưa hoàn thành nghĩa vụ tài chính (phí, lệ phí chưa được thanh toán)."
            return f"{refusal} {then}" if then else refusal
        return None

    return guard


def _all(*guards: Guard) -> Guard:
    """The first refusal of ``guards``, in order."""

    def guard(dossier: Dossier, given: ActionInput) -> str | None:
        return next((r for g in guards if (r := g(dossier, given))), None)

    return guard


def _has_next_step(dossier: Dossier, _: ActionInput) -> str | None:
    if (dossier.current_step or 0) >= dossier.step_count:
        return "Hồ sơ đang ở bước cuối của quy trình; hãy phê duyệt kết quả."
    return None


def _at_last_step(dossier: Dossier, _: ActionInput) -> str | None:
    if (dossier.current_step or 0) < dossier.step_count:
        return "Hồ sơ chưa qua đủ các bước của quy trình."
    return None


def _supplied(dossier: Dossier, given: ActionInput) -> str | None:
    missing = sorted(set(dossier.supplement_documents or ()) - given.fresh_documents)
    if missing:
        return f"Chưa nộp bổ sung các thành phần: {', '.join(missing)}."
    return None


def _may_extend(dossier: Dossier, given: ActionInput) -> str | None:
    limit = given.extension_limit
    if limit is not None and dossier.extension_count >= limit:
        return f"Hồ sơ đã được gia hạn {dossier.extension_count} lần, là số lần gia hạn tối đa cho phép."
    longest = given.extension_max_days
    if longest is not None and given.days is not None and given.days > longest:
        return f"Mỗi lần gia hạn không quá {longest:g} ngày làm việc."
    return None


@dataclass(frozen=True)
class Transition:
    """One row of the table."""

    source: State
    action: Action
    parties: frozenset[Party]
    target: State
    guard: Guard | None = None
    needs: tuple[str, ...] = field(default=())
    """Input fields the action requires (422 when missing)."""


_obligation_met = _fee_settled(
    FeeTiming.SUPPLEMENT,
    "Hãy yêu cầu người nộp thực hiện nghĩa vụ tài chính (request-supplement) trước khi phê duyệt.",
)
"""A fee due at supplement is paid before the result: it cannot be forgotten on the way."""

_OWNER = frozenset({Party.OWNER})
_RECEIVER = frozenset({Party.RECEIVING_OFFICER})
_HOLDER = frozenset({Party.HOLDING_OFFICER})
_SYSTEM = frozenset({Party.SYSTEM})


def _processing(state: State) -> tuple[Transition, ...]:
    return (
        Transition(state, Action.FORWARD, _HOLDER, State.IN_PROGRESS, _has_next_step),
        Transition(state, Action.APPROVE, _HOLDER, State.RESULT_READY, _all(_at_last_step, _obligation_met)),
        Transition(state, Action.REQUEST_SUPPLEMENT, _HOLDER, State.SUPPLEMENT_REQUESTED, needs=("reason",)),
        Transition(state, Action.REJECT, _HOLDER, State.REJECTED, needs=("reason",)),
        Transition(state, Action.WITHDRAW, _OWNER, State.WITHDRAWN),
        Transition(state, Action.EXTEND_DEADLINE, _HOLDER, state, _may_extend, needs=("reason", "days")),
    )


TABLE: tuple[Transition, ...] = (
    Transition(State.DRAFT, Action.SUBMIT, _OWNER | _RECEIVER, State.SUBMITTED),
    Transition(
        State.SUBMITTED, Action.RECEIVE, _RECEIVER, State.RECEIVED, _fee_settled(FeeTiming.SUBMISSION)
    ),
    Transition(State.SUBMITTED, Action.REJECT, _RECEIVER, State.REJECTED, needs=("reason",)),
    Transition(State.SUBMITTED, Action.WITHDRAW, _OWNER, State.WITHDRAWN),
    *_processing(State.RECEIVED),
    *_processing(State.IN_PROGRESS),
    Transition(
        State.SUPPLEMENT_REQUESTED,
        Action.SUPPLEMENT,
        _OWNER | _RECEIVER,
        State.IN_PROGRESS,
        _all(_fee_settled(FeeTiming.SUPPLEMENT), _supplied),
    ),
    Transition(State.SUPPLEMENT_REQUESTED, Action.REJECT, _HOLDER, State.REJECTED, needs=("reason",)),
    Transition(State.SUPPLEMENT_REQUESTED, Action.WITHDRAW, _OWNER, State.WITHDRAWN),
    Transition(State.SUPPLEMENT_REQUESTED, Action.EXPIRE_SUPPLEMENT, _SYSTEM, State.REJECTED),
    Transition(
        State.SUPPLEMENT_REQUESTED,
        Action.RESUME,
        _SYSTEM,
        State.IN_PROGRESS,
        _fee_settled(FeeTiming.SUPPLEMENT),
    ),
    Transition(
        State.RESULT_READY, Action.RETURN_RESULT, _RECEIVER, State.RETURNED, _fee_settled(FeeTiming.RESULT)
    ),
)

_INDEX: dict[tuple[State, Action], Transition] = {(t.source, t.action): t for t in TABLE}
assert len(_INDEX) == len(TABLE), "one row per (state, action)"


def find(state: State, action: Action) -> Transition | None:
    """The row for ``action`` in ``state``, or None when it is illegal there."""
    return _INDEX.get((state, action))


NATIONAL_LABELS: dict[int, str] = {
    1: "Mới đăng ký",
    2: "Được tiếp nhận",
    3: "Không được tiếp nhận",
    4: "Đang xử lý",
    5: "Yêu cầu bổ sung giấy tờ",
    6: "Yêu cầu thực hiện nghĩa vụ tài chính",
    7: "Công dân yêu cầu rút hồ sơ",
    8: "Dừng xử lý",
    9: "Đã có kết quả",
    10: "Đã trả kết quả",
}
"""The national status list (names as the national portal words them)."""
