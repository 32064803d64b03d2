"""Events of the procedure catalogue (catalog-svc), on topic ``motcua.catalog.v1``, keyed by procedure code.

They carry whole snapshots (event-carried state transfer): consumers keep their own replica.
"""

from __future__ import annotations

from datetime import time
from enum import StrEnum
from typing import ClassVar

from pydantic import AwareDatetime, Field

from motcua_shared.contracts import topics
from motcua_shared.contracts.base import Event
from motcua_shared.contracts.common import Channel, FeeKind, FeeTiming, Part
from motcua_shared.contracts.registry import register


class AdminLevel(StrEnum):
    """A level of local government (cấp). ``district`` stays readable for data from before July 2025."""

    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"


class OnlineMode(StrEnum):
    """Online service per Decree 42/2022: full (toàn trình) or partial (một phần)."""

    FULL = "full"
    PARTIAL = "partial"


class ApplicantKind(StrEnum):
    """Who may file a dossier for the procedure."""

    CITIZEN = "citizen"
    ORGANISATION = "organisation"


class AgencyRef(Part):
    """An agency as the procedure names it."""

    code: str = Field(min_length=1, description="The platform's agency code, e.g. `hue.xa.phu-xuan`.")
    name: str = Field(min_length=1, description="Agency name, e.g. `Ủy ban nhân dân phường Thuận Hóa`.")
    electronic_id: str | None = Field(
        default=None,
        description=(
            "Its electronic identifier (mã định danh điện tử, Quyết định 20/2020/QĐ-TTg), e.g. "
            "`000.00.00.H57` for Ủy ban nhân dân thành phố Huế; null where no source gives it. Dossier "
            "codes are built from it (`<identifier>-yyMMdd-NNNN`), from `code` when it is null."
        ),
    )


class FieldRef(Part):
    """The field (lĩnh vực) a procedure belongs to."""

    code: str = Field(min_length=1, description="Field code, e.g. `hotich`.")
    name: str = Field(min_length=1, description="Field name, e.g. `Hộ tịch`.")


class ProcedureFeeItem(Part):
    """A fee item of the procedure, as the regulation sets it."""

    name: str = Field(min_length=1, description="The item's name, e.g. `Lệ phí đăng ký khai sinh`.")
    kind: FeeKind = Field(description="Phí or lệ phí.")
    amount: int = Field(ge=0, description="Amount in VND (integer, no decimals).")
    exemption: str | None = Field(
        default=None,
        description="Who is exempt, as the regulation words it, e.g. `Miễn lệ phí cho người thuộc hộ nghèo`.",
    )


class ChannelTerms(Part):
    """Processing time and fees of one case filed through one channel."""

    channel: Channel = Field(description="The filing channel these terms apply to.")
    processing_days: float = Field(
        ge=0,
        description=(
            "Processing time (thời hạn giải quyết) in working days of 8 working hours, counted from receipt; "
            "0.5 is half a working day, 0 means the same day."
        ),
    )
    fee_items: tuple[ProcedureFeeItem, ...] = Field(
        default=(), description="The fee items owed through this channel; empty when free."
    )


class ProcedureCase(Part):
    """A case (trường hợp) the regulation distinguishes, each with its own days and fees per channel."""

    code: str = Field(min_length=1, description="The case's code, unique within the procedure.")
    name: str = Field(min_length=1, description="The case's name, e.g. `Đăng ký khai sinh đúng hạn`.")
    channels: tuple[ChannelTerms, ...] = Field(
        min_length=1, description="The channels the case may be filed through, with their terms."
    )


class RequiredDocument(Part):
    """A document of the dossier (thành phần hồ sơ)."""

    code: str = Field(
        min_length=1, description="The document's code, unique within the procedure; uploads refer to it."
    )
    name: str = Field(min_length=1, description="The document's name, e.g. `Tờ khai đăng ký khai sinh`.")
    originals: int = Field(ge=0, description="Number of originals (bản chính) required.")
    copies: int = Field(ge=0, description="Number of copies (bản sao) required.")
    form_ref: str | None = Field(
        default=None,
        description="Reference of the form template (mẫu đơn, tờ khai) to fill in, when there is one.",
    )
    required: bool = Field(default=True, description="False when the document is needed only in some cases.")
    case_codes: tuple[str, ...] = Field(
        default=(), description="The cases that need this document; empty means every case."
    )


class ProcedureStep(Part):
    """A step of the procedure's workflow."""

    order: int = Field(ge=1, description="Position of the step, from 1.")
    name: str = Field(min_length=1, description="What the step does, e.g. `Thẩm định hồ sơ`.")
    role: str = Field(
        min_length=1,
        description=(
            "Who does it: `one_stop` (bộ phận một cửa), `specialist` (chuyên viên), `leader` (lãnh đạo), "
            "or another role code."
        ),
    )
    agency: AgencyRef | None = Field(
        default=None,
        description="The agency that does it, when not the implementing agency (inter-agency procedures).",
    )
    share_percent: int = Field(
        ge=0,
        le=100,
        description="The step's share of the processing time, in percent; the steps' shares add up to 100.",
    )


class ProcedureSnapshot(Part):
    """Everything a dossier and its payment need to know about one published version of a procedure."""

    code: str = Field(min_length=1, description="National procedure code (mã thủ tục), e.g. `1.001193`.")
    version: int = Field(ge=1, description="The version, incremented by every publish.")
    name: str = Field(min_length=1, description="The procedure's name, e.g. `Đăng ký khai sinh`.")
    field: FieldRef = Field(description="Its field (lĩnh vực).")
    levels: tuple[AdminLevel, ...] = Field(min_length=1, description="The levels it is done at.")
    implementing_agency: AgencyRef = Field(
        description="The agency that receives and processes dossiers (cơ quan thực hiện)."
    )
    competent_agency: AgencyRef | None = Field(
        default=None, description="The agency that decides (cơ quan có thẩm quyền), when different."
    )
    receiving_agencies: tuple[AgencyRef, ...] = Field(
        default=(),
        description=(
            "When the implementing agency is a group of agencies that each receive dossiers (e.g. "
            "`Ủy ban nhân dân cấp xã`: the citizen files at the commune or ward where they live), the "
            "agencies of that group a dossier may be filed at; the filer chooses one, which receives the "
            "dossier and does the steps of the implementing agency. Empty: the implementing agency itself "
            "receives. Computed from the agency tree when the version is published."
        ),
    )
    online_level: int = Field(ge=1, le=4, description="Online service level 1–4 (dịch vụ công mức độ).")
    online_mode: OnlineMode | None = Field(
        default=None, description="Full or partial online per Decree 42/2022; null when not online."
    )
    applicant_kinds: tuple[ApplicantKind, ...] = Field(min_length=1, description="Who may file.")
    cases: tuple[ProcedureCase, ...] = Field(
        min_length=1, description="The cases, with processing days and fees per channel."
    )
    documents: tuple[RequiredDocument, ...] = Field(default=(), description="The required documents.")
    steps: tuple[ProcedureStep, ...] = Field(default=(), description="The workflow steps, in order.")
    fee_timing: FeeTiming = Field(
        description="When fees become payable: at submission, at a supplement request during processing, "
        "or when the result is ready."
    )
    result: str | None = Field(
        default=None, description="The result document, e.g. `Giấy khai sinh (bản chính)`."
    )
    legal_basis: tuple[str, ...] = Field(
        default=(), description="The legal texts it rests on, e.g. `Luật Hộ tịch số 60/2014/QH13`."
    )
    same_day_cutoff: time | None = Field(
        default=None,
        description="The local time after which a dossier received counts from the next working day (civil "
        "status: `15:00`, 'nhận hồ sơ sau 15 giờ … trả kết quả trong ngày làm việc tiếp theo'); null: none.",
    )


@register
class ProcedurePublished(Event):
    """A version of a procedure was published; it carries the whole snapshot, which replaces any earlier one.

    Dossier-svc keeps its replica of the catalogue from these events only; dossiers keep the version they
    were filed under.
    """

    TYPE: ClassVar[str] = "vn.motcua.catalog.procedure.published.v1"
    TOPIC: ClassVar[str] = topics.CATALOG
    SUBJECT_FIELD: ClassVar[str] = "code"
    SUMMARY: ClassVar[str] = "A procedure version was published, with its full snapshot."

    code: str = Field(min_length=1, description="National procedure code; the CloudEvents subject.")
    version: int = Field(ge=1, description="The published version.")
    published_at: AwareDatetime = Field(description="When it was published.")
    procedure: ProcedureSnapshot = Field(description="The published version, whole.")


@register
class ProcedureWithdrawn(Event):
    """A procedure was withdrawn: no new dossiers may be filed; dossiers already filed go on."""

    TYPE: ClassVar[str] = "vn.motcua.catalog.procedure.withdrawn.v1"
    TOPIC: ClassVar[str] = topics.CATALOG
    SUBJECT_FIELD: ClassVar[str] = "code"
    SUMMARY: ClassVar[str] = "A procedure was withdrawn and takes no new dossiers."

    code: str = Field(min_length=1, description="National procedure code; the CloudEvents subject.")
    version: int = Field(ge=1, description="The version that was current when it was withdrawn.")
    withdrawn_at: AwareDatetime = Field(description="When it was withdrawn.")
    reason: str | None = Field(default=None, description="Why, e.g. `Bãi bỏ theo Quyết định số …`.")
