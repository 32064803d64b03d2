"""Every query on the sandbox SMS log."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from notify_svc.sandbox.models import SandboxSms
from notify_svc.sql import insert_ignoring_duplicates


class SandboxRepository:
    """Recorded sandbox messages."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(self, values: dict[str, Any]) -> str:
        """Store a message unless its request id was seen; the message id either way."""
        await self._session.execute(insert_ignoring_duplicates(self._session, SandboxSms, values))
        message_id = await self._session.scalar(
            select(SandboxSms.message_id).where(SandboxSms.request_id == values["request_id"])
        )
        assert message_id is not None
        return message_id

    async def for_phone(
        self, phone: str, *, limit: int, before: int | None
    ) -> tuple[Sequence[SandboxSms], int]:
        """Messages to ``phone``, newest first, and how many there are."""
        query = select(SandboxSms).where(SandboxSms.phone == phone)
        total = await self._session.scalar(select(func.count()).select_from(query.subquery())) or 0
        if before is not None:
            query = query.where(SandboxSms.id < before)
        rows = (await self._session.scalars(query.order_by(SandboxSms.id.desc()).limit(limit))).all()
        return rows, total
