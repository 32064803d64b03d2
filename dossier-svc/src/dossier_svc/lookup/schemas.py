"""The public lookup's answer: status and progress, no personal data."""

from __future__ import annotations

from pydantic import BaseModel, Field

from dossier_svc.dossiers.models import Dossier
from dossier_svc.dossiers.workflow import NATIONAL_LABELS
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

    @classmethod
    def of(cls, dossier: Dossier) -> LookupOut:
        """Where a (submitted) dossier stands, as the public lookup shows it."""
        national = dossier.national_status or 1
        step = dossier.step
        return cls(
            code=dossier.code,
            procedure_code=dossier.procedure_code,
            procedure_name=dossier.procedure_name,
            agency_name=dossier.agency_name,
            status=dossier.status,
            national_status=national,
            national_status_label=NATIONAL_LABELS[national],
            step_order=dossier.current_step,
            step_count=dossier.step_count,
            step_name=step.name if step else None,
            step_agency_name=step.agency_name if step else None,
            submitted_at=dossier.submitted_at,
            received_at=dossier.received_at,
            appointment_at=dossier.appointment_at,
            result_ready_at=dossier.approved_at,
            returned_at=dossier.returned_at,
            fee_outstanding=national == 6,
        )
