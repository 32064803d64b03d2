"""The declarative base of dossier-svc's own database, and the column types its tables share."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from motcua_shared.chassis.db import NAMING_CONVENTION, Json, UtcDateTime

__all__ = ["Base", "Json", "UtcDateTime"]


class Base(DeclarativeBase):
    """Every table of dossier-svc."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime()}
