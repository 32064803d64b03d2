"""Every query of identity."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.identity.models import (
    STAFF_ROLES,
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

    async def staff(
        self, *, agency_code: str | None, role: str | None, q: str | None, after: str | None, limit: int
    ) -> tuple[list[Account], int]:
        """Officers and admins by username (after ``after``, at most ``limit``), and how many match."""
        query = _staff_query(agency_code, role, q)
        total = await self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        if after is not None:
            query = query.where(Account.username > after)
        rows = await self.session.scalars(query.order_by(Account.username).limit(limit))
        return list(rows), total

    async def revoke_sessions(self, account_id: str, now: datetime, reason: str) -> None:
        """End every refresh-token family of the account still open."""
        await self.session.execute(
            update(RefreshFamily)
            .where(RefreshFamily.account_id == account_id, RefreshFamily.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason)
            .execution_options(synchronize_session=False)
        )

    async def revoked_since(self, since: datetime) -> list[str]:
        """The ids of the refresh-token families revoked at or after ``since``."""
        rows = await self.session.scalars(select(RefreshFamily.id).where(RefreshFamily.revoked_at >= since))
        return list(rows)

    async def clients(self, *, after: str | None, limit: int) -> tuple[list[IntegratorClient], int]:
        """Integrator clients by id (after ``after``, at most ``limit``), and how many there are."""
        total = await self.session.scalar(select(func.count()).select_from(IntegratorClient)) or 0
        query = select(IntegratorClient).order_by(IntegratorClient.client_id).limit(limit)
        if after is not None:
            query = query.where(IntegratorClient.client_id > after)
        return list(await self.session.scalars(query)), total


def _staff_query(agency_code: str | None, role: str | None, q: str | None) -> Select[Account]:
    query = select(Account).where(Account.role.in_(STAFF_ROLES) if role is None else Account.role == role)
    if agency_code is not None:
        query = query.where(Account.agency_code == agency_code)
    if q:
        needle = q.lower()
        query = query.where(
            or_(
                func.lower(Account.username).contains(needle, autoescape=True),
                func.lower(Account.display_name).contains(needle, autoescape=True),
            )
        )
    return query
