"""Every query on contacts, preferences and push subscriptions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from notify_svc.directory.models import DossierContact, Preference, PushSubscription
from notify_svc.sql import upsert_many


class DirectoryRepository:
    """Contacts by dossier, preferences and push subscriptions by account."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._staged: dict[str, tuple[dict[str, Any], DossierContact]] = {}

    async def contact(self, dossier_code: str) -> DossierContact | None:
        """The dossier's contact, if known (as saved earlier in this transaction, if it was)."""
        staged = self._staged.get(dossier_code)
        if staged is not None:
            return staged[1]
        return await self._session.get(DossierContact, dossier_code)

    def save_contact(self, values: dict[str, Any]) -> DossierContact:
        """Insert or replace a dossier's contact (``values`` names every column); returns it.

        The row is upserted by :meth:`write_staged`, with the others of the transaction, at commit; until
        then :meth:`contact` answers with this copy (never added to the session, so a row this transaction
        loaded earlier is neither read again nor flushed over it).
        """
        contact = DossierContact(**values)
        self._staged[values["dossier_code"]] = (values, contact)
        return contact

    async def write_staged(self) -> None:
        """Upsert the contacts saved by :meth:`save_contact` (one statement)."""
        staged, self._staged = self._staged, {}
        await upsert_many(self._session, DossierContact, [values for values, _ in staged.values()])

    async def preference(self, subject: str) -> Preference | None:
        """The account's preferences, if it set any."""
        return await self._session.get(Preference, subject)

    def add_preference(self, preference: Preference) -> None:
        """Stage new preferences."""
        self._session.add(preference)

    async def push_subscriptions(self, subject: str) -> Sequence[PushSubscription]:
        """The account's push subscriptions."""
        return (
            await self._session.scalars(
                select(PushSubscription)
                .where(PushSubscription.subject == subject)
                .order_by(PushSubscription.created_at)
            )
        ).all()

    async def push_subscription(self, subscription_id: str) -> PushSubscription | None:
        """One push subscription by id."""
        return await self._session.get(PushSubscription, subscription_id)

    async def push_by_endpoint(self, endpoint: str) -> PushSubscription | None:
        """The push subscription of ``endpoint``."""
        return await self._session.scalar(
            select(PushSubscription).where(PushSubscription.endpoint == endpoint)
        )

    def add_push(self, subscription: PushSubscription) -> None:
        """Stage a new push subscription."""
        self._session.add(subscription)

    async def remove_push(self, subscription_id: str) -> None:
        """Forget a push subscription (gone at the push service, or removed by its owner)."""
        await self._session.execute(delete(PushSubscription).where(PushSubscription.id == subscription_id))
