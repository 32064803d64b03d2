"""The service's outward-facing collaborators, built once by the composition root."""

from __future__ import annotations

from dataclasses import dataclass, field

from dossier_svc.calendar.models import WorkCalendar
from dossier_svc.documents.store import FileStore
from dossier_svc.lookup.models import LookupGuard
from dossier_svc.settings import Settings, SmsLookupSettings
from dossier_svc.smslookup.models import PhoneGate
from motcua_shared.chassis.clock import SYSTEM_CLOCK, Clock
from motcua_shared.chassis.signing import PaperSigner


@dataclass(frozen=True)
class Ports:
    """What use cases need besides the unit of work: the calendar, the file store, the lookup guard, the
    papers' signer, the clock and the SMS look-up's per-phone gate."""

    settings: Settings
    calendar: WorkCalendar
    files: FileStore
    lookup_guard: LookupGuard
    signer: PaperSigner
    clock: Clock = SYSTEM_CLOCK
    phone_gate: PhoneGate = field(default_factory=lambda: PhoneGate(SmsLookupSettings()))
