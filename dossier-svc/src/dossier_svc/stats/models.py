"""The shape of a statistics query and of the aggregate rows it reads (grouped by agency and month)."""

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


@dataclass(frozen=True)
class Received:
    """Dossiers received by one agency in one month, counted by what the indicators ask of them."""

    agency_code: str
    agency_name: str
    month: str
    received: int
    online: int
    counter: int
    postal: int
    full_online: int
    """Filed online under a procedure offered full-process online (level 4)."""
    with_fees: int
    """Owing fees (a total above zero)."""
    paid_online: int
    """Owing fees, and settled by an online payment."""
    digitised: int
    """With at least one document file."""


@dataclass(frozen=True)
class Finished:
    """Results one agency produced in one month with the same timeliness."""

    agency_code: str
    agency_name: str
    month: str
    timeliness: str
    count: int
    hours: float
    """Their processing time summed, in working hours."""


@dataclass(frozen=True)
class Closed:
    """Dossiers one agency refused or that were withdrawn there, in the period."""

    agency_code: str
    agency_name: str
    status: str
    count: int


@dataclass(frozen=True)
class Overdue:
    """Dossiers of one agency in progress and past their due time at the end of one month of the period
    (or at the period's end, or now, whichever comes first)."""

    agency_code: str
    agency_name: str
    month: str
    count: int


@dataclass(frozen=True)
class Rated:
    """Ratings of one agency's dossiers given in one month."""

    agency_code: str
    month: str
    rating: str
    count: int
