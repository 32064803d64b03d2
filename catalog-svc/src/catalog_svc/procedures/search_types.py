"""What a search asks and what it answers, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from catalog_svc.directory.models import AdminLevel, Agency, Field

Match = Literal["all", "exact", "fuzzy", "none"]


@dataclass(frozen=True)
class SearchFilters:
    """What narrows a search besides the words."""

    field: str | None = None
    agency: str | None = None
    level: str | None = None
    online: Literal["full", "partial", "any"] | None = None


@dataclass(frozen=True, slots=True)
class SearchHit:
    """What a search hit shows, straight from the search projection."""

    code: str
    name: str
    field_code: str
    implementing_agency_code: str
    levels: list[str]
    online_level: int
    online_mode: str | None
    min_days: float
    max_days: float
    min_fee: int
    version: int


@dataclass(frozen=True)
class SearchResult:
    """A page of hits, the total and the facet counts."""

    hits: Sequence[SearchHit]
    total: int
    match: Match
    facets: dict[str, list[tuple[str, int]]]
    #: The query as the search understood it when it corrected words, or a suggestion when nothing matched.
    did_you_mean: str | None = None


@dataclass(frozen=True)
class SearchView:
    """One page of a search with the directory that names its codes, and where the next page starts."""

    result: SearchResult
    levels: Mapping[str, AdminLevel]
    agencies: Mapping[str, Agency]
    fields: Mapping[str, Field]
    page: int
    size: int
    next_cursor: str | None


def sorted_counts(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Facet counts, largest first, then by code."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))
