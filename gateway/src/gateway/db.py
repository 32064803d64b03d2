"""The declarative base of the gateway's own database (identity state and the outbox)."""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from motcua_shared.chassis.db import NAMING_CONVENTION, UtcDateTime

__all__ = ["Base", "UtcDateTime"]


class Base(DeclarativeBase):
    """Every table of the gateway."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
