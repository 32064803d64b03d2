"""What the sandbox SMS provider 'sent': recorded so that development and tests can read it back."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from notify_svc.db import Base, BigId, UtcDateTime


class SandboxSms(Base):
    """One recorded SMS; ``request_id`` (the delivery id) makes a repeated send a no-op, as real APIs do."""

    __tablename__ = "sandbox_sms"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(String(64), unique=True)
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    phone: Mapped[str] = mapped_column(String(16), index=True)
    brandname: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    encoding: Mapped[str] = mapped_column(String(8))
    segments: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
