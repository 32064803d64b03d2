"""The declarative base of dossier-svc's own database, and the column types its tables share."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, MetaData
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from motcua_shared.chassis.db import NAMING_CONVENTION


class UtcDateTime(TypeDecorator[datetime]):
    """An aware timestamp stored in UTC; SQLite, which keeps no offset, reads it back aware too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Json = JSON().with_variant(JSONB(), "postgresql")
"""A JSON document column (JSONB on PostgreSQL)."""


class Base(DeclarativeBase):
    """Every table of dossier-svc."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime()}


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)
