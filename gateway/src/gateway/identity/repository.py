"""Every query of identity."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.identity.models import (
    Account,
    ExternalIdentity,
    IntegratorClient,
    OtpChallenge,
    RefreshFamily,
    RefreshToken,
)


class IdentityRepository:
    """Reads and writes identity rows in the unit of work's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: object) -> None:
        """Stage a new row."""
        self.session.add(row)

    async def account(self, account_id: str) -> Account | None:
        """An account by id."""
        return await self.session.get(Account, account_id)

    async def account_by_phone(self, phone: str) -> Account | None:
        """The citizen account of ``phone``."""
        return await self.session.scalar(select(Account).where(Account.phone == phone))

    async def account_by_username(self, username: str) -> Account | None:
        """The staff account named ``username``."""
        return await self.session.scalar(select(Account).where(Account.username == username))

    async def external_identity(self, issuer: str, subject: str) -> ExternalIdentity | None:
        """The link of an external identity, if any."""
        return await self.session.get(ExternalIdentity, (issuer, subject))

    async def challenge(self, challenge_id: str) -> OtpChallenge | None:
        """An OTP challenge by id."""
        return await self.session.get(OtpChallenge, challenge_id)

    async def client(self, client_id: str) -> IntegratorClient | None:
        """An integrator client by id."""
        return await self.session.get(IntegratorClient, client_id)

    async def refresh_token(self, token_hash: str) -> RefreshToken | None:
        """A refresh token by the hash of its value."""
        return await self.session.get(RefreshToken, token_hash)

    async def family(self, family_id: str) -> RefreshFamily | None:
        """A refresh-token family by id."""
        return await self.session.get(RefreshFamily, family_id)

    async def spend_refresh_token(self, token_hash: str, now: datetime) -> bool:
        """Mark the token used unless it already was; False when another request spent it first.

        A conditional UPDATE rather than read-then-write: two concurrent refreshes with one token must not
        both succeed.
        """
        result = await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.token_hash == token_hash, RefreshToken.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))
