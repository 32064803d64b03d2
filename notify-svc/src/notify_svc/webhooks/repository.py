"""Every query on webhook subscriptions."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from notify_svc.webhooks.models import SubscriptionStatus, WebhookSubscription


class WebhookRepository:
    """Subscriptions, by owner or all active ones."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._active: Sequence[WebhookSubscription] | None = None

    def add(self, subscription: WebhookSubscription) -> None:
        """Stage a new subscription."""
        self._session.add(subscription)

    async def get(self, subscription_id: str) -> WebhookSubscription | None:
        """One subscription by id."""
        return await self._session.get(WebhookSubscription, subscription_id)

    async def owned_by(self, owner: str) -> Sequence[WebhookSubscription]:
        """An integrator's subscriptions, oldest first."""
        return (
            await self._session.scalars(
                select(WebhookSubscription)
                .where(WebhookSubscription.owner == owner)
                .order_by(WebhookSubscription.created_at)
            )
        ).all()

    async def active(self) -> Sequence[WebhookSubscription]:
        """Every active subscription (few: one or two per integrator)."""
        return (
            await self._session.scalars(
                select(WebhookSubscription).where(
                    WebhookSubscription.status == SubscriptionStatus.ACTIVE.value
                )
            )
        ).all()

    async def active_in_transaction(self) -> Sequence[WebhookSubscription]:
        """Every active subscription, read at the first call in this transaction and then reused: the
        consumer's handlers, which never change subscriptions, share one read per batch of events."""
        if self._active is None:
            self._active = await self.active()
        return self._active

    async def delete(self, subscription: WebhookSubscription) -> None:
        """Remove a subscription."""
        await self._session.delete(subscription)
