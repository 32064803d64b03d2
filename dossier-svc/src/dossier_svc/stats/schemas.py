"""The public statistics."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class Timeliness(BaseModel):
    """Results by how they kept their deadline."""

    early: int = 0
    on_time: int = 0
    late: int = 0
    early_rate: float | None = None
    on_time_rate: float | None = None
    late_rate: float | None = None


class Satisfaction(BaseModel):
    """Ratings and their shares."""

    satisfied: int = 0
    acceptable: int = 0
    unsatisfied: int = 0
    total: int = 0
    satisfied_share: float | None = None
    acceptable_share: float | None = None
    unsatisfied_share: float | None = None


class LateStep(BaseModel):
    """Lateness attributed to the agency and step that caused it."""

    agency_code: str
    agency_name: str
    step_name: str
    finished: int
    late: int
    late_rate: float


class Month(BaseModel):
    """One month of the period."""

    month: str = Field(description="`YYYY-MM`, platform time.")
    received: int = 0
    finished: int = 0
    timeliness: Timeliness = Field(default_factory=Timeliness)
    satisfaction: Satisfaction = Field(default_factory=Satisfaction)


class Targets(BaseModel):
    """The province's promises the figures are read against."""

    late_rate_max: float = 0.03
    satisfied_share_min: float = 0.80


class StatsOut(BaseModel):
    """Processing statistics for a period (public)."""

    start: date = Field(serialization_alias="from")
    end: date = Field(serialization_alias="to")
    agency: str | None
    procedure: str | None
    received: int
    finished: int
    rejected: int
    withdrawn: int
    timeliness: Timeliness
    overdue_in_progress: int
    average_processing_days: float | None
    satisfaction: Satisfaction
    late_by_step: list[LateStep]
    by_month: list[Month]
    targets: Targets = Field(default_factory=Targets)
