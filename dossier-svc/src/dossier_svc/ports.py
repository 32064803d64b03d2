"""The service's outward-facing collaborators, built once by the composition root."""

from __future__ import annotations

from dataclasses import dataclass

from dossier_svc.calendar.models import WorkCalendar
from dossier_svc.documents.store import FileStore
from dossier_svc.lookup.models import LookupGuard
from dossier_svc.settings import Settings
from motcua_shared.chassis.clock import SYSTEM_CLOCK, Clock
from motcua_shared.chassis.signing import PaperSigner


@dataclass(frozen=True)
class Ports:
    """What use cases need besides the unit of work: the calendar, the file store, the lookup guard, the
    papers' signer and the clock."""

    settings: Settings
    calendar: WorkCalendar
    files: FileStore
    lookup_guard: LookupGuard
    signer: PaperSigner
    clock: Clock = SYSTEM_CLOCK
