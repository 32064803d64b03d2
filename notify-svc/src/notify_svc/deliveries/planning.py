"""Who hears about an event, with which template, and the context the templates see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from motcua_shared.contracts.base import Event
from motcua_shared.contracts.dossier import (
    DossierDueSoon,
    DossierForwarded,
    DossierLookupAnswered,
    DossierOverdue,
    DossierSubmitted,
    DossierSupplemented,
    DossierWithdrawn,
)
from motcua_shared.contracts.identity import OtpRequested
from motcua_shared.contracts.payment import PaymentRefundProposed, PaymentRequested
from notify_svc.directory.models import DossierContact
from notify_svc.templates.defaults import AGENCY, CITIZEN, LOOKUP_REPLY, OTP, TemplateSpec

_CITIZEN_BY_TYPE = {spec.event_type: spec for spec in CITIZEN}
_AGENCY_BY_TYPE = {spec.event_type: spec for spec in AGENCY}
GENERIC_NAME = "Quý ông/bà"
GENERIC_AGENCY = "Cơ quan giải quyết hồ sơ"


@dataclass(frozen=True, slots=True)
class Plan:
    """The notifications an event causes: to the applicant (or the OTP's phone), and to agencies' inboxes."""

    citizen: TemplateSpec | None
    agencies: tuple[tuple[TemplateSpec, str], ...]


def _agency_of(event: Event) -> str | None:
    if isinstance(event, DossierForwarded):
        # Only a hand-over to another agency puts the dossier in a new queue.
        return event.to_agency_code if event.to_agency_code != event.from_agency_code else None
    if isinstance(event, DossierDueSoon | DossierOverdue):
        return event.responsible_agency_code
    # A supplement goes back to the receiving agency's queue (its counter records what was brought).
    if isinstance(event, DossierSubmitted | DossierSupplemented | DossierWithdrawn | PaymentRefundProposed):
        return event.agency_code
    return None


def plan(event: Event) -> Plan:
    """What ``event`` causes."""
    if isinstance(event, OtpRequested):
        return Plan(OTP, ())
    if isinstance(event, DossierLookupAnswered):
        return Plan(LOOKUP_REPLY, ())
    agency_spec = _AGENCY_BY_TYPE.get(event.TYPE)
    agency = _agency_of(event) if agency_spec else None
    return Plan(
        _CITIZEN_BY_TYPE.get(event.TYPE),
        ((agency_spec, agency),) if agency_spec and agency else (),
    )


def context_for(event: Event, contact: DossierContact | None) -> dict[str, Any]:
    """The names a template may use: the event's fields, plus the person's and the dossier's names."""
    context: dict[str, Any] = dict(event)
    name = contact.name if contact else None
    if isinstance(event, PaymentRequested):
        name = event.payer.name
    procedure_name = getattr(event, "procedure_name", None) or (contact.procedure_name if contact else None)
    context["name"] = name or GENERIC_NAME
    context["procedure_name"] = procedure_name or getattr(event, "procedure_code", "")
    context["agency_name"] = (
        getattr(event, "agency_name", None) or (contact.agency_name if contact else None) or GENERIC_AGENCY
    )
    if isinstance(event, OtpRequested):
        context["ttl_minutes"] = max(1, round((event.expires_at - event.requested_at).total_seconds() / 60))
    return context
