"""The declarative base of notify-svc's own database, and its column types."""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from motcua_shared.chassis.db import NAMING_CONVENTION, BigId, UtcDateTime

__all__ = ["Base", "BigId", "UtcDateTime"]


class Base(DeclarativeBase):
    """Every table of notify-svc."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
