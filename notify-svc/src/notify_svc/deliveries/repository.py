"""Every query on deliveries and their attempts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from notify_svc.deliveries.models import Delivery, DeliveryAttempt, DeliveryStatus
from notify_svc.sql import insert_new_rows


class DeliveryRepository:
    """Deliveries: queued by the handlers, claimed by the dispatcher, listed for staff."""

    def __init__(self, session: AsyncSession, *, postgres: bool) -> None:
        self._session = session
        self._postgres = postgres

    async def add_many(self, rows: Sequence[dict[str, Any]]) -> set[str]:
        """Queue deliveries; the ids of those inserted (one whose (event, channel, recipient) already has a
        delivery is skipped)."""
        return await insert_new_rows(self._session, Delivery, rows, returning="id")

    async def claim_due(self, now: datetime, *, limit: int) -> Sequence[Delivery]:
        """Queued deliveries due by ``now`` and not leased; other replicas' locked rows are skipped."""
        query = (
            select(Delivery)
            .where(
                Delivery.status == DeliveryStatus.QUEUED.value,
                Delivery.next_attempt_at <= now,
                or_(Delivery.lease_until.is_(None), Delivery.lease_until < now),
            )
            .order_by(Delivery.next_attempt_at)
            .limit(limit)
        )
        if self._postgres:
            query = query.with_for_update(skip_locked=True)
        return (await self._session.scalars(query)).all()

    async def get(self, delivery_id: str, *, lock: bool = False) -> Delivery | None:
        """One delivery."""
        query = select(Delivery).where(Delivery.id == delivery_id)
        if lock and self._postgres:
            query = query.with_for_update()
        return await self._session.scalar(query)

    async def by_message_id(self, channel: str, message_id: str) -> Delivery | None:
        """The delivery a provider knows by ``message_id``."""
        query = select(Delivery).where(
            Delivery.channel == channel, Delivery.provider_message_id == message_id
        )
        if self._postgres:
            query = query.with_for_update()
        return await self._session.scalar(query)

    async def queued_for(self, channel: str, recipient_key: str) -> Sequence[Delivery]:
        """Still-queued deliveries to one recipient on one channel."""
        return (
            await self._session.scalars(
                select(Delivery).where(
                    Delivery.channel == channel,
                    Delivery.recipient_key == recipient_key,
                    Delivery.status == DeliveryStatus.QUEUED.value,
                )
            )
        ).all()

    async def page(
        self,
        *,
        agency_code: str | None,
        recipient_key: str | None,
        channel: str | None,
        status: str | None,
        dossier_code: str | None,
        limit: int,
        before: tuple[datetime, str] | None,
    ) -> tuple[Sequence[Delivery], int]:
        """Newest first, filtered; and how many match."""
        query = select(Delivery)
        if agency_code is not None:
            query = query.where(Delivery.agency_code == agency_code)
        if recipient_key is not None:
            query = query.where(Delivery.recipient_key == recipient_key)
        if channel is not None:
            query = query.where(Delivery.channel == channel)
        if status is not None:
            query = query.where(Delivery.status == status)
        if dossier_code is not None:
            query = query.where(Delivery.dossier_code == dossier_code)
        total = await self._session.scalar(select(func.count()).select_from(query.subquery())) or 0
        if before is not None:
            at, delivery_id = before
            query = query.where(
                or_(Delivery.created_at < at, (Delivery.created_at == at) & (Delivery.id < delivery_id))
            )
        rows = (
            await self._session.scalars(
                query.order_by(Delivery.created_at.desc(), Delivery.id.desc()).limit(limit)
            )
        ).all()
        return rows, int(total)

    def add_attempt(self, attempt: DeliveryAttempt) -> None:
        """Log one attempt."""
        self._session.add(attempt)

    async def attempts(self, delivery_ids: Sequence[str]) -> Sequence[DeliveryAttempt]:
        """The attempts of ``delivery_ids``, oldest first."""
        if not delivery_ids:
            return []
        return (
            await self._session.scalars(
                select(DeliveryAttempt)
                .where(DeliveryAttempt.delivery_id.in_(delivery_ids))
                .order_by(DeliveryAttempt.id)
            )
        ).all()
