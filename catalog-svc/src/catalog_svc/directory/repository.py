"""Every query on levels, agencies and fields."""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from catalog_svc.directory.models import AdminLevel, Agency, Field


@dataclass(frozen=True)
class Directory:
    """The whole directory in memory: a few dozen rows, read by the use cases that validate or name things."""

    levels: dict[str, AdminLevel]
    agencies: dict[str, Agency]
    fields: dict[str, Field]

    def level_active(self, code: str, on: date) -> bool:
        """Whether ``code`` is a level organised on ``on``."""
        level = self.levels.get(code)
        return level is not None and level.is_active(on)

    def receiving_offices(self, code: str) -> tuple[Agency, ...]:
        """Where a dossier of a procedure implemented by ``code`` is filed, when not at ``code`` itself.

        Empty when ``code`` receives dossiers; for an umbrella (``receives_dossiers`` false, e.g. the
        communes' People's Committees as one), its children in operation that receive them, by code.
        """
        agency = self.agencies.get(code)
        if agency is None or agency.receives_dossiers:
            return ()
        return self._receiving_children.get(code, ())

    @functools.cached_property
    def _receiving_children(self) -> dict[str, tuple[Agency, ...]]:
        children: dict[str, list[Agency]] = {}
        for agency in sorted(self.agencies.values(), key=lambda a: a.code):
            if agency.parent_code is not None and agency.active and agency.receives_dossiers:
                children.setdefault(agency.parent_code, []).append(agency)
        return {parent: tuple(found) for parent, found in children.items()}


#: Seconds a process reuses the directory it read. It changes only when the structure is (re)loaded, which
#: clears this process's copy at once; other replicas see the change within this delay.
DIRECTORY_TTL = 5.0
_cache: dict[str, tuple[float, Directory]] = {}


def forget_directory() -> None:
    """Drop the cached directory (after the structure changed)."""
    _cache.clear()


class DirectoryRepository:
    """Levels, agencies and fields of one unit of work."""

    def __init__(self, session: AsyncSession, cache_key: str = "") -> None:
        self.session = session
        self.cache_key = cache_key

    async def load(self, *, fresh: bool = False) -> Directory:
        """The whole directory (from this process's short-lived copy unless ``fresh``)."""
        cached = _cache.get(self.cache_key)
        if cached is not None and not fresh and time.monotonic() < cached[0]:
            return cached[1]
        levels = (await self.session.scalars(select(AdminLevel))).all()
        agencies = (await self.session.scalars(select(Agency))).all()
        fields = (await self.session.scalars(select(Field))).all()
        rows: list[AdminLevel | Agency | Field] = [*levels, *agencies, *fields]
        for row in rows:
            # Detached with their loaded values, so they outlive this session and its rollback.
            self.session.expunge(row)
        directory = Directory(
            levels={level.code: level for level in levels},
            agencies={agency.code: agency for agency in agencies},
            fields={field.code: field for field in fields},
        )
        _cache[self.cache_key] = (time.monotonic() + DIRECTORY_TTL, directory)
        return directory

    async def levels(self) -> Sequence[AdminLevel]:
        """Every level, top first."""
        return (await self.session.scalars(select(AdminLevel).order_by(AdminLevel.rank))).all()

    async def agencies(
        self, *, level: str | None = None, parent: str | None = None, active: bool | None = None
    ) -> Sequence[Agency]:
        """Agencies matching the filters, by code."""
        query = select(Agency).order_by(Agency.code)
        if level is not None:
            query = query.where(Agency.level_code == level)
        if parent is not None:
            query = query.where(Agency.parent_code == parent)
        if active is not None:
            query = query.where(Agency.active.is_(active))
        return (await self.session.scalars(query)).all()

    async def agency(self, code: str) -> Agency | None:
        """One agency."""
        return await self.session.get(Agency, code)

    async def fields(self) -> Sequence[Field]:
        """Every field, by name."""
        return (await self.session.scalars(select(Field).order_by(Field.name))).all()

    async def merge_level(self, level: AdminLevel) -> None:
        """Insert or update a level."""
        await self.session.merge(level)

    async def merge_agency(self, agency: Agency) -> None:
        """Insert or update an agency."""
        await self.session.merge(agency)

    async def merge_field(self, field: Field) -> None:
        """Insert or update a field."""
        await self.session.merge(field)

    async def flush(self) -> None:
        """Send pending changes (parents before children)."""
        await self.session.flush()
