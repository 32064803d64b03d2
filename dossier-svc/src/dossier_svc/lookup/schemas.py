"""The public lookup's answer: status and progress, no personal data."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class LookupOut(BaseModel):
    """Where a dossier stands."""

    code: str
    procedure_code: str
    procedure_name: str
    agency_name: str
    status: str
    national_status: int
    national_status_label: str
    step_order: int | None
    step_count: int
    step_name: str | None
    step_agency_name: str | None
    submitted_at: datetime | None
    received_at: datetime | None
    appointment_at: datetime | None = Field(description="When the result is promised.")
    result_ready_at: datetime | None
    returned_at: datetime | None
    fee_outstanding: bool
