"""Every query on contacts, preferences and push subscriptions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.util import identity_key

from notify_svc.directory.models import DossierContact, Preference, PushSubscription
from notify_svc.sql import upsert


class DirectoryRepository:
    """Contacts by dossier, preferences and push subscriptions by account."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def contact(self, dossier_code: str) -> DossierContact | None:
        """The dossier's contact, if known."""
        return await self._session.get(DossierContact, dossier_code)

    def loaded_contact(self, dossier_code: str) -> DossierContact | None:
        """The dossier's contact if this transaction has loaded it already (no query)."""
        loaded = self._session.identity_map.get(identity_key(DossierContact, dossier_code))
        return loaded if isinstance(loaded, DossierContact) else None

    async def upsert_contact(self, values: dict[str, Any]) -> None:
        """Insert or replace a dossier's contact in one statement (``values`` names every column); the
        caller makes sure this transaction has not loaded it (see :meth:`loaded_contact`)."""
        await upsert(self._session, DossierContact, values)

    async def add_contact(self, contact: DossierContact) -> None:
        """Add a contact, flushed: the next event of a batch (same transaction) must find it."""
        self._session.add(contact)
        await self._session.flush()

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
