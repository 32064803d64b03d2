"""A procedure: a working copy an admin edits, and the published versions dossiers are filed under.

The columns the search reads (name, folded text, field, agencies, online level, days, fees) describe the
latest published version only; an edit changes the working copy and is invisible until published.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from catalog_svc.db import Base, Json
from catalog_svc.procedures.errors import NothingToPublish, NotPublished


class Status(StrEnum):
    """Where a procedure is in its life."""

    DRAFT = "draft"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


AUDIT_RESOURCE = "procedure"
"""What catalog-svc's audit records are about: an admin's change of a procedure, named by its code
(motcua_shared.chassis.audit: the catalogue holds no personal data, but changing it is an admin power)."""


class Procedure(Base):
    """One procedure of the catalogue."""

    __tablename__ = "procedures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=Status.DRAFT, index=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    draft: Mapped[dict[str, Any]] = mapped_column(Json)
    draft_hash: Mapped[str] = mapped_column(String(64))
    published_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    name: Mapped[str | None] = mapped_column(Text, default=None)
    name_key: Mapped[str | None] = mapped_column(Text, default=None)
    search_text: Mapped[str | None] = mapped_column(Text, default=None)
    field_code: Mapped[str | None] = mapped_column(ForeignKey("fields.code"), index=True, default=None)
    implementing_agency_code: Mapped[str | None] = mapped_column(
        ForeignKey("agencies.code"), index=True, default=None
    )
    competent_agency_code: Mapped[str | None] = mapped_column(ForeignKey("agencies.code"), default=None)
    online_level: Mapped[int | None] = mapped_column(Integer, default=None)
    online_mode: Mapped[str | None] = mapped_column(String(16), default=None)
    min_days: Mapped[float | None] = mapped_column(Float, default=None)
    max_days: Mapped[float | None] = mapped_column(Float, default=None)
    min_fee: Mapped[int | None] = mapped_column(Integer, default=None)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    withdraw_reason: Mapped[str | None] = mapped_column(Text, default=None)

    @property
    def has_unpublished_changes(self) -> bool:
        """Whether the working copy differs from the published version."""
        return self.draft_hash != self.published_hash

    def edit(self, draft: dict[str, Any], draft_hash: str, now: datetime) -> None:
        """Replace the working copy."""
        self.draft = draft
        self.draft_hash = draft_hash
        self.updated_at = now

    def publish(self, projection: dict[str, Any], now: datetime, *, receivers_changed: bool = False) -> int:
        """Make the working copy the next published version; returns that version.

        Republishing unchanged content is refused, except to bring back a withdrawn procedure or when the
        agency tree has changed the agencies that receive its dossiers (``receivers_changed``).
        """
        if self.status == Status.PUBLISHED and not self.has_unpublished_changes and not receivers_changed:
            raise NothingToPublish(self.code, self.version)
        for column, value in projection.items():
            setattr(self, column, value)
        self.version += 1
        self.status = Status.PUBLISHED
        self.published_hash = self.draft_hash
        self.published_at = now
        self.withdrawn_at = None
        self.withdraw_reason = None
        return self.version

    def withdraw(self, reason: str | None, now: datetime) -> None:
        """Take no more dossiers; the published versions stay readable."""
        if self.status != Status.PUBLISHED:
            raise NotPublished(self.code, self.status)
        self.status = Status.WITHDRAWN
        self.withdrawn_at = now
        self.withdraw_reason = reason


class ProcedureLevel(Base):
    """A level the published version is done at (one row per level, for filters and facets)."""

    __tablename__ = "procedure_levels"

    procedure_id: Mapped[int] = mapped_column(
        ForeignKey("procedures.id", ondelete="CASCADE"), primary_key=True
    )
    level_code: Mapped[str] = mapped_column(ForeignKey("admin_levels.code"), primary_key=True, index=True)


class ProcedureSearch(Base):
    """The search projection of a published procedure: one narrow row per searchable procedure.

    Written with each publish and deleted at withdrawal, so it holds exactly what the search may find, and
    nothing else: the search reads this small table (and its full-text index) only, never the wide
    ``procedures`` rows with their working copies. ``levels`` is the level codes between spaces
    (`` commune province ``), so a level filter is a substring test and the level facet needs no join.
    """

    __tablename__ = "procedure_search"

    procedure_id: Mapped[int] = mapped_column(
        ForeignKey("procedures.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(Text)
    name_key: Mapped[str] = mapped_column(Text)
    search_text: Mapped[str] = mapped_column(Text)
    field_code: Mapped[str] = mapped_column(String(64), index=True)
    implementing_agency_code: Mapped[str] = mapped_column(String(64), index=True)
    competent_agency_code: Mapped[str | None] = mapped_column(String(64), default=None)
    levels: Mapped[str] = mapped_column(String(255))
    online_level: Mapped[int] = mapped_column(Integer)
    online_mode: Mapped[str | None] = mapped_column(String(16), default=None)
    min_days: Mapped[float] = mapped_column(Float)
    max_days: Mapped[float] = mapped_column(Float)
    min_fee: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)


class SearchSynonym(Base):
    """A word or abbreviation citizens type (``lltp``, ``cap 3``) and the words the catalogue uses for it.

    Both are stored folded (lowercase, no diacritics); the search replaces the term by its expansion.
    """

    __tablename__ = "search_synonyms"

    term: Mapped[str] = mapped_column(String(64), primary_key=True)
    expansion: Mapped[str] = mapped_column(String(255))
    note: Mapped[str | None] = mapped_column(Text, default=None)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def levels_key(levels: Iterable[str]) -> str:
    """The ``levels`` column of :class:`ProcedureSearch`: sorted distinct codes, each between spaces."""
    return " " + " ".join(sorted(set(levels))) + " "


class ProcedureVersion(Base):
    """A published version, kept whole: a dossier filed under it can always read it back."""

    __tablename__ = "procedure_versions"

    procedure_id: Mapped[int] = mapped_column(
        ForeignKey("procedures.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    snapshot: Mapped[dict[str, Any]] = mapped_column(Json)
    extra: Mapped[dict[str, Any]] = mapped_column(Json)
    content_hash: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class PublishedView:
    """A published version beside its procedure (whose status and latest version readers see with it)."""

    procedure: Procedure
    stored: ProcedureVersion


@dataclass(frozen=True)
class WorkingView:
    """A procedure's working copy beside its latest published version (None before the first publish)."""

    procedure: Procedure
    published: ProcedureVersion | None
