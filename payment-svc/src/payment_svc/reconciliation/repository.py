"""Every query reconciliation makes."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from payment_svc.reconciliation.models import StatementLine


class StatementRepository:
    """Imported statement lines."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def existing_ids(self, provider: str, ids: list[str]) -> set[str]:
        """Which of ``ids`` were imported already for ``provider``."""
        if not ids:
            return set()
        query = select(StatementLine.provider_txn_id).where(
            StatementLine.provider == provider, StatementLine.provider_txn_id.in_(ids)
        )
        return set(await self.session.scalars(query))

    def add(self, line: StatementLine) -> None:
        """Stage a line."""
        self.session.add(line)

    async def on(self, day: date, provider: str | None) -> list[StatementLine]:
        """The lines of one statement day (of one provider, or all)."""
        query = select(StatementLine).where(StatementLine.statement_date == day)
        if provider:
            query = query.where(StatementLine.provider == provider)
        return list(await self.session.scalars(query.order_by(StatementLine.id)))
