"""The declarative base of payment-svc's own database, and the column types it shares."""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from motcua_shared.chassis.db import NAMING_CONVENTION, BigId, UtcDateTime

__all__ = ["Base", "Money", "UtcDateTime"]

Money = BigId
"""An amount of VND: an integer column, never a float."""


class Base(DeclarativeBase):
    """Every table of payment-svc."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
