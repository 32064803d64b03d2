"""The replica of the catalogue: the current published version of each procedure, kept from events."""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dossier_svc.db import Base, Json
from motcua_shared.contracts.catalog import (
    ProcedurePublished,
    ProcedureSnapshot,
    ProcedureWithdrawn,
)

_SNAPSHOTS: OrderedDict[tuple[str, int, datetime], ProcedureSnapshot] = OrderedDict()
_SNAPSHOTS_KEPT = 512


class Procedure(Base):
    """One procedure as the catalogue last published it; versions only move forward."""

    __tablename__ = "procedures"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    agency_code: Mapped[str] = mapped_column(String(64), index=True)
    snapshot: Mapped[dict[str, Any]] = mapped_column(Json)
    published_at: Mapped[datetime]
    withdrawn_at: Mapped[datetime | None]
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)

    @classmethod
    def from_published(cls, event: ProcedurePublished) -> Procedure:
        """A replica row for a procedure seen for the first time."""
        row = cls(code=event.code, version=0)
        row.apply_published(event)
        return row

    def apply_published(self, event: ProcedurePublished) -> bool:
        """Take a newer version; an older or equal one (late, redelivered) changes nothing."""
        if event.version <= self.version:
            return False
        self.version = event.version
        self.name = event.procedure.name
        self.agency_code = event.procedure.implementing_agency.code
        self.snapshot = event.procedure.model_dump(mode="json")
        self.published_at = event.published_at
        self.withdrawn_at = None
        self.withdrawn_reason = None
        return True

    def apply_withdrawn(self, event: ProcedureWithdrawn) -> bool:
        """Close the procedure to new dossiers, unless a later version has been published since."""
        if event.version < self.version or self.withdrawn_at is not None:
            return False
        self.withdrawn_at = event.withdrawn_at
        self.withdrawn_reason = event.reason
        return True

    @property
    def open(self) -> bool:
        """Whether it takes new dossiers."""
        return self.withdrawn_at is None

    def snapshot_parsed(self) -> bool:
        """Whether :meth:`to_snapshot` has this version parsed already (no need to read the JSON)."""
        return (self.code, self.version, self.published_at) in _SNAPSHOTS

    def to_snapshot(self) -> ProcedureSnapshot:
        """The published version as the contract models it.

        Parsed once per process and version: a published version never changes (a change is a new version),
        and the snapshot is frozen, so every filing under it can share the parsed one.
        """
        key = (self.code, self.version, self.published_at)
        parsed = _SNAPSHOTS.get(key)
        if parsed is None:
            parsed = ProcedureSnapshot.model_validate(self.snapshot)
            _SNAPSHOTS[key] = parsed
            if len(_SNAPSHOTS) > _SNAPSHOTS_KEPT:
                _SNAPSHOTS.popitem(last=False)
        else:
            _SNAPSHOTS.move_to_end(key)
        return parsed
