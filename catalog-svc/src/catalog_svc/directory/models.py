"""The administrative structure: levels of local government, agencies and fields, as data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column

from catalog_svc.db import Base, Json


class AdminLevel(Base):
    """A level of local government (cấp); a level no longer organised stays, for old data."""

    __tablename__ = "admin_levels"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    rank: Mapped[int] = mapped_column(Integer)
    active_until: Mapped[date | None] = mapped_column(Date, default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)

    def is_active(self, on: date) -> bool:
        """Whether the level is organised on ``on``."""
        return self.active_until is None or on <= self.active_until


class Agency(Base):
    """An agency (cơ quan) in the tree of the province's administration."""

    __tablename__ = "agencies"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    level_code: Mapped[str] = mapped_column(ForeignKey("admin_levels.code"), index=True)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("agencies.code"), index=True, default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    receives_dossiers: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    """False for an umbrella whose children receive the dossiers (e.g. `Ủy ban nhân dân cấp xã`)."""
    electronic_id: Mapped[str | None] = mapped_column(String(13), unique=True, index=True, default=None)
    """Its electronic identifier (mã định danh điện tử, Quyết định 20/2020/QĐ-TTg); None where unknown."""
    dissolved_on: Mapped[date | None] = mapped_column(Date, default=None)
    former_names: Mapped[list[str]] = mapped_column(Json, default=list)
    note: Mapped[str | None] = mapped_column(Text, default=None)
    sources: Mapped[list[Any]] = mapped_column(Json, default=list)


class Field(Base):
    """A field (lĩnh vực) procedures belong to."""

    __tablename__ = "fields"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))


@dataclass(frozen=True)
class NamedAgency:
    """An agency with the level it belongs to (whose name readers see beside its code)."""

    agency: Agency
    level: AdminLevel


@dataclass(frozen=True)
class AgencyListing:
    """Agencies with every level, and the day on which the levels' being organised is judged."""

    agencies: Sequence[NamedAgency]
    levels: Sequence[AdminLevel]
    today: date


@dataclass(frozen=True)
class CountedField:
    """A field and how many published procedures it holds."""

    field: Field
    procedure_count: int
