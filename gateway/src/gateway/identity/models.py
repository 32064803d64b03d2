"""Identity state: accounts, OTP challenges (hashed), refresh-token families, integrator clients.

Models carry the rules (expiry, attempts, lockout, reuse) and do no I/O; the service persists them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, UtcDateTime
from gateway.identity.errors import OtpExpired, OtpLocked
from motcua_shared.chassis.auth import Role
from motcua_shared.chassis.errors import Conflict

STAFF_ROLES = frozenset({Role.OFFICER.value, Role.ADMIN.value})


class Account(Base):
    """A person who signs in: a citizen (by phone) or a staff member (officer, admin) by username."""

    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    phone: Mapped[str | None] = mapped_column(String(16), unique=True)
    username: Mapped[str | None] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    agency_code: Mapped[str | None] = mapped_column(String(64))
    display_name: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    def login_failed(self) -> None:
        """Count a wrong password (for the record: the account is never locked by it)."""
        self.failed_logins += 1

    def signed_in(self, now: datetime) -> None:
        """A successful sign-in clears the failure count."""
        self.failed_logins = 0
        self.last_sign_in_at = now

    @property
    def is_staff(self) -> bool:
        """An officer or an admin (signs in by username; an admin manages these accounts)."""
        return self.role in STAFF_ROLES

    def lock(self, by: str) -> None:
        """Stop every sign-in and refresh of this account; ``by`` (an admin's account id) must not be its own,
        so an admin can never lock themselves out."""
        if by == self.id:
            raise Conflict(
                "Không thể tự khóa tài khoản của mình.", detail_en="You cannot lock your own account."
            )
        self.active = False

    def unlock(self) -> None:
        """Let the account sign in again, with its failure count cleared."""
        self.active = True
        self.failed_logins = 0


class ExternalIdentity(Base):
    """An identity at a trusted external issuer (e.g. VNeID), bound to a citizen account."""

    __tablename__ = "external_identities"

    issuer: Mapped[str] = mapped_column(String(255), primary_key=True)
    subject: Mapped[str] = mapped_column(String(255), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    linked_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OtpChallenge(Base):
    """One sign-in code sent to a phone: only its keyed hash is kept."""

    __tablename__ = "otp_challenges"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    phone: Mapped[str] = mapped_column(String(16), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    consumed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    def ensure_usable(self, now: datetime, *, max_attempts: int) -> None:
        """Raise when the code is spent, expired or out of attempts."""
        if self.consumed_at is not None or self.attempts >= max_attempts:
            raise OtpLocked()
        if now >= self.expires_at:
            raise OtpExpired()

    def attempts_left(self, max_attempts: int) -> int:
        """How many more codes may be tried."""
        return max(0, max_attempts - self.attempts)


class RefreshFamily(Base):
    """The chain of refresh tokens descended from one sign-in; revoked whole on reuse or sign-out."""

    __tablename__ = "refresh_families"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(32))

    def revoke(self, now: datetime, reason: str) -> None:
        """End the family; every token in it stops working."""
        if self.revoked_at is None:
            self.revoked_at = now
            self.revoked_reason = reason


class RefreshToken(Base):
    """One refresh token, by the SHA-256 of its value; usable once."""

    __tablename__ = "refresh_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    family_id: Mapped[str] = mapped_column(ForeignKey("refresh_families.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class IntegratorClient(Base):
    """Another system calling the API with client credentials, limited to its scopes."""

    __tablename__ = "integrator_clients"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    secret_hash: Mapped[str] = mapped_column(String(255))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    def change(self, *, name: str | None, scopes: list[str] | None, active: bool | None) -> None:
        """Apply what an admin changed (``None``: left as it is); scopes are kept sorted, without repeats."""
        if name is not None:
            self.name = name
        if scopes is not None:
            self.scopes = sorted(set(scopes))
        if active is not None:
            self.active = active
