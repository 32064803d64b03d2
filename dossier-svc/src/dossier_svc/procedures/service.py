"""What a filing under a procedure owes: its case, channel terms, fees, documents and steps."""

from __future__ import annotations

from dataclasses import dataclass

from dossier_svc.procedures.errors import ProcedureNotOpen, ReceivingAgencyInvalid
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
    receiving: AgencyRef
    """The agency the dossier is filed at: the implementing agency, or the one chosen among its members."""
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
    agency_code: str | None = None,
    exemptions: frozenset[str] = frozenset(),
    for_filing: bool = True,
) -> Terms:
    """The terms of filing under ``procedure`` at ``agency_code``; 422 when it cannot be filed that way."""
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
    receiving = receiving_agency(snapshot, agency_code)
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
    return Terms(snapshot, receiving, case, terms, fee_items, documents, steps_of(snapshot, receiving))


def receiving_agency(snapshot: ProcedureSnapshot, agency_code: str | None) -> AgencyRef:
    """Where a dossier under ``snapshot`` is filed when the filer names ``agency_code``; 422 when not there.

    A procedure whose implementing agency is an umbrella (its ``receiving_agencies``, e.g. the communes
    and wards) is filed at one of them, which must be named; any other is filed at its implementing agency,
    which may be named or left out.
    """
    implementing = snapshot.implementing_agency
    if not snapshot.receiving_agencies:
        if agency_code is None or agency_code == implementing.code:
            return implementing
        raise ReceivingAgencyInvalid(
            f"Hồ sơ của thủ tục này do {implementing.name} tiếp nhận; không chọn được nơi nộp khác.",
            errors=_field_error("agency_code", f"leave it out, or {implementing.code}"),
        )
    if agency_code is None or agency_code == implementing.code:
        raise ReceivingAgencyInvalid(
            "Cần chọn cơ quan tiếp nhận hồ sơ (xã, phường nơi nộp) trong danh sách của thủ tục.",
            errors=_field_error("agency_code", "required: one of the procedure's receiving_agencies"),
        )
    chosen = next((agency for agency in snapshot.receiving_agencies if agency.code == agency_code), None)
    if chosen is None:
        raise ReceivingAgencyInvalid(
            "Cơ quan được chọn không tiếp nhận hồ sơ của thủ tục này.",
            errors=_field_error("agency_code", "not one of the procedure's receiving_agencies"),
        )
    return chosen


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


def steps_of(snapshot: ProcedureSnapshot, receiving: AgencyRef | None = None) -> tuple[StepPlan, ...]:
    """The workflow a dossier filed at ``receiving`` runs: the procedure's steps, or one step.

    The steps of the implementing agency (those naming no agency, or naming it) are done by ``receiving``
    (by default the implementing agency): the commune a dossier was filed at, not the communes' umbrella.
    """
    implementing = snapshot.implementing_agency
    receiving = receiving or implementing
    if not snapshot.steps:
        return (StepPlan(1, "Giải quyết hồ sơ", "one_stop", receiving, 100),)
    return tuple(
        StepPlan(
            order=index,
            name=step.name,
            role=step.role,
            agency=receiving if step.agency is None or step.agency.code == implementing.code else step.agency,
            share_percent=step.share_percent,
        )
        for index, step in enumerate(sorted(snapshot.steps, key=lambda s: s.order), start=1)
    )
