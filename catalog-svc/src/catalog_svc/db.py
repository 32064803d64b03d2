"""The declarative base of catalog-svc's own database, and column types shared by its tables."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, MetaData
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeEngine

from motcua_shared.chassis.db import NAMING_CONVENTION

#: JSON on SQLite, JSONB on PostgreSQL.
Json: TypeEngine[Any] = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    """Every table of catalog-svc."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def aware(moment: datetime | None) -> datetime | None:
    """``moment`` with a time zone (SQLite hands back naive UTC datetimes)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
