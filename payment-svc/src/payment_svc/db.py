"""The declarative base of payment-svc's own database, and the column types it shares."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Dialect, Integer, MetaData
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from motcua_shared.chassis.db import NAMING_CONVENTION

Money = BigInteger().with_variant(Integer, "sqlite")
"""An amount of VND: an integer column, never a float."""


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp that reads back aware on SQLite too (stored as UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Every table of payment-svc."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
