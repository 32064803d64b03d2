"""What a filing under a procedure owes: its case, channel terms, fees, documents and steps."""

from __future__ import annotations

from dataclasses import dataclass

from dossier_svc.procedures.errors import ProcedureNotOpen
from dossier_svc.procedures.models import Procedure
from motcua_shared.contracts.catalog import (
    AgencyRef,
    ChannelTerms,
    ProcedureCase,
    ProcedureSnapshot,
    RequiredDocument,
)
from motcua_shared.contracts.common import Channel, FeeItem

ONLINE_FILING_LEVEL = 3
"""Online service level 3 and above take dossiers filed online (levels 1–2 only inform and give forms)."""


@dataclass(frozen=True)
class StepPlan:
    """A workflow step as a dossier will run it."""

    order: int
    name: str
    role: str
    agency: AgencyRef
    share_percent: int


@dataclass(frozen=True)
class Terms:
    """The resolved terms of one filing."""

    procedure: ProcedureSnapshot
    case: ProcedureCase
    channel: ChannelTerms
    fee_items: tuple[FeeItem, ...]
    documents: tuple[RequiredDocument, ...]
    steps: tuple[StepPlan, ...]

    @property
    def fee_total(self) -> int:
        """What the applicant pays, in VND."""
        return sum(item.payable() for item in self.fee_items)


def _field_error(field: str, message: str) -> list[dict[str, str]]:
    return [{"field": field, "message": message}]


def resolve(
    procedure: Procedure | None,
    *,
    case_code: str | None,
    channel: Channel,
    exemptions: frozenset[str] = frozenset(),
    for_filing: bool = True,
) -> Terms:
    """The terms of filing under ``procedure``; 422 when it cannot be filed that way."""
    if procedure is None:
        raise ProcedureNotOpen(
            "Thủ tục không tồn tại.", errors=_field_error("procedure_code", "unknown procedure")
        )
    if for_filing and not procedure.open:
        raise ProcedureNotOpen(
            "Thủ tục đã bị bãi bỏ, không nhận hồ sơ mới.",
            errors=_field_error("procedure_code", "withdrawn"),
        )
    snapshot = procedure.to_snapshot()
    case = _case(snapshot, case_code)
    terms = next((t for t in case.channels if t.channel == channel), None)
    if terms is None:
        raise ProcedureNotOpen(
            f"Trường hợp này không nhận hồ sơ qua kênh {channel.value}.",
            errors=_field_error("channel", "not offered for this case"),
        )
    if channel is Channel.ONLINE and snapshot.online_level < ONLINE_FILING_LEVEL:
        raise ProcedureNotOpen(
            "Thủ tục chưa cung cấp dịch vụ công trực tuyến để nộp hồ sơ.",
            errors=_field_error("channel", "procedure not open to online filing"),
        )
    exemptable = {item.name for item in terms.fee_items if item.exemption}
    unknown = sorted(exemptions - exemptable)
    if unknown:
        raise ProcedureNotOpen(
            "Khoản phí, lệ phí được đề nghị miễn không có quy định miễn.",
            errors=_field_error("fee_exemptions", f"no exemption for: {', '.join(unknown)}"),
        )
    fee_items = tuple(
        FeeItem(name=item.name, kind=item.kind, amount=item.amount, exempt=item.name in exemptions)
        for item in terms.fee_items
    )
    documents = tuple(d for d in snapshot.documents if not d.case_codes or case.code in d.case_codes)
    return Terms(snapshot, case, terms, fee_items, documents, steps_of(snapshot))


def _case(snapshot: ProcedureSnapshot, case_code: str | None) -> ProcedureCase:
    if case_code is None:
        if len(snapshot.cases) == 1:
            return snapshot.cases[0]
        raise ProcedureNotOpen(
            "Cần chọn trường hợp của thủ tục.",
            errors=_field_error("case_code", f"one of: {', '.join(c.code for c in snapshot.cases)}"),
        )
    for case in snapshot.cases:
        if case.code == case_code:
            return case
    raise ProcedureNotOpen(
        "Trường hợp không thuộc thủ tục.", errors=_field_error("case_code", "unknown case")
    )


def steps_of(snapshot: ProcedureSnapshot) -> tuple[StepPlan, ...]:
    """The workflow a dossier runs: the procedure's steps, or one step at the implementing agency."""
    if not snapshot.steps:
        return (StepPlan(1, "Giải quyết hồ sơ", "one_stop", snapshot.implementing_agency, 100),)
    return tuple(
        StepPlan(
            order=index,
            name=step.name,
            role=step.role,
            agency=step.agency or snapshot.implementing_agency,
            share_percent=step.share_percent,
        )
        for index, step in enumerate(sorted(snapshot.steps, key=lambda s: s.order), start=1)
    )
