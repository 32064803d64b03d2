"""The public statistics, with the Quyết định 766/QĐ-TTg indicators the platform's data supports (formulas
in dossier-svc's README)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class Answer(BaseModel):
    """A part of the answer: every field is always sent, so the schema marks those with a default required."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)


class Timeliness(Answer):
    """Results by how they kept their deadline (shares of the results)."""

    early: int = 0
    on_time: int = 0
    late: int = 0
    early_rate: float | None = None
    on_time_rate: float | None = None
    late_rate: float | None = None


class Satisfaction(Answer):
    """Ratings and their shares."""

    satisfied: int = 0
    acceptable: int = 0
    unsatisfied: int = 0
    total: int = 0
    satisfied_share: float | None = None
    acceptable_share: float | None = None
    unsatisfied_share: float | None = None


class Channels(Answer):
    """Dossiers received, by how they were filed (766: hồ sơ theo hình thức nộp)."""

    online: int = 0
    counter: int = 0
    postal: int = 0
    online_share: float | None = Field(default=None, description="Filed online, of those received.")
    full_online: int = Field(
        default=0, description="Filed online under a procedure offered full-process online (level 4)."
    )
    full_online_share: float | None = Field(default=None, description="`full_online` of those received.")


class Payments(Answer):
    """Fees of the dossiers received, and how many were paid online (766: hồ sơ thanh toán trực tuyến)."""

    with_fees: int = Field(default=0, description="Received dossiers owing fees (a total above zero).")
    paid_online: int = Field(
        default=0, description="Of those, settled by an online payment (VietQR transfer or payment gateway)."
    )
    online_share: float | None = Field(default=None, description="`paid_online` of `with_fees`.")


class Digitisation(Answer):
    """Received dossiers whose documents are digitised (766: số hóa hồ sơ; electronic results not counted)."""

    digitised: int = Field(default=0, description="Received dossiers with at least one document file.")
    share: float | None = Field(default=None, description="`digitised` of those received.")


class Figures(Answer):
    """The figures of one cut: the whole period, a month, an agency, or an agency in a month."""

    received: int = 0
    finished: int = 0
    timeliness: Timeliness = Field(default_factory=Timeliness)
    overdue_in_progress: int = Field(
        default=0,
        description="766: hồ sơ đang giải quyết quá hạn — in progress and past their due time at the end of "
        "the cut (whenever received): a month's end, the period's end, or now, whichever comes first. "
        "A stock at an instant: the months do not add up to the period, whose figure is its last month's.",
    )
    timely_rate: float | None = Field(
        default=None,
        description="766: hồ sơ xử lý trước hạn, đúng hạn = (early + on time) / (finished + overdue in "
        "progress).",
    )
    average_processing_days: float | None = Field(
        default=None, description="Working days from receipt to result, averaged over the results."
    )
    channels: Channels = Field(default_factory=Channels)
    payments: Payments = Field(default_factory=Payments)
    digitisation: Digitisation = Field(default_factory=Digitisation)
    satisfaction: Satisfaction = Field(default_factory=Satisfaction)
    satisfaction_rate: float | None = Field(
        default=None,
        description="766: tỷ lệ hài lòng trong tiếp nhận, giải quyết TTHC = 1 − (late + rated unsatisfied) / "
        "finished.",
    )


class LateStep(Answer):
    """Lateness attributed to the agency and step that caused it."""

    agency_code: str
    agency_name: str
    step_name: str
    finished: int
    late: int
    late_rate: float


class Month(Figures):
    """One month of the period."""

    month: str = Field(description="`YYYY-MM`, platform time.")


class AgencyStats(Figures):
    """One receiving agency over the period, and month by month."""

    agency_code: str
    agency_name: str
    rejected: int = 0
    withdrawn: int = 0
    by_month: list[Month] = Field(default_factory=list)


class Targets(Answer):
    """The province's promises the figures are read against."""

    late_rate_max: float = 0.03
    satisfied_share_min: float = 0.80


class StatsOut(Figures):
    """Processing statistics for a period (public): the whole period, by month, by receiving agency."""

    start: date = Field(serialization_alias="from")
    end: date = Field(serialization_alias="to")
    agency: str | None
    procedure: str | None
    rejected: int
    withdrawn: int
    late_by_step: list[LateStep]
    by_month: list[Month]
    by_agency: list[AgencyStats] = Field(default_factory=list)
    targets: Targets = Field(default_factory=Targets)
