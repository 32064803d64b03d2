"""The public lookup's answer: status and progress, no personal data."""

from __future__ import annotations

from pydantic import BaseModel, Field

from motcua_shared.chassis.clock import PlatformTime


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
    submitted_at: PlatformTime | None
    received_at: PlatformTime | None
    appointment_at: PlatformTime | None = Field(description="When the result is promised.")
    result_ready_at: PlatformTime | None
    returned_at: PlatformTime | None
    fee_outstanding: bool
