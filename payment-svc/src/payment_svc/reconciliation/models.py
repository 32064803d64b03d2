"""Statement lines imported from providers and banks."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from payment_svc.db import Base, Money, UtcDateTime


class StatementLine(Base):
    """One credit a provider's (or bank's) statement lists; importing the same line twice is a no-op."""

    __tablename__ = "statement_lines"
    __table_args__ = (UniqueConstraint("provider", "provider_txn_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    provider: Mapped[str] = mapped_column(String(32))
    statement_date: Mapped[date] = mapped_column(Date, index=True)
    provider_txn_id: Mapped[str] = mapped_column(String(80))
    reference: Mapped[str] = mapped_column(String(500), default="")
    amount: Mapped[int] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(8), default="VND")
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime)
    imported_by: Mapped[str] = mapped_column(String(128))
