"""Message templates: one per (code, channel), each edit a new version; the highest version is used."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from notify_svc.db import Base, UtcDateTime


class Template(Base):
    """One version of a Jinja2 template: ``subject`` (e-mail subject, push and in-app title) and ``body``."""

    __tablename__ = "templates"
    __table_args__ = (UniqueConstraint("code", "channel", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    subject: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(255))
