"""The shape of a statistics query (the figures themselves are aggregates of the dossier tables)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Scope:
    """The period and filters of a statistics query."""

    start: datetime
    end: datetime
    agency_code: str | None = None
    procedure_code: str | None = None
