"""The cryptography of sign-in: argon2id hashes, OTP codes, access tokens, external ID tokens."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

import argon2
import httpx
import jwt

from gateway.identity.errors import InvalidGrant
from gateway.identity.keyring import KeyRing
from gateway.settings import ExternalIssuer, IdentitySettings
from motcua_shared.chassis.auth import Role
from motcua_shared.chassis.clock import SYSTEM_CLOCK, Clock
from motcua_shared.chassis.errors import Unavailable
from motcua_shared.chassis.keys import issue_token
from motcua_shared.chassis.limits import retry_after

_T = TypeVar("_T")


def sha256_hex(value: str) -> str:
    """Hex SHA-256 of ``value`` (refresh tokens are long random strings: a plain hash suffices)."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


class Secrets:
    """Hashes and random values; argon2id runs in a worker thread so sign-in never stalls the loop, and only
    ``hashes_at_once`` of them at a time in the process: each holds its memory cost (64 MiB by default)
    while it runs, so a burst of sign-ins would otherwise grow a replica by 64 MiB each. A caller that finds
    no turn within ``hash_wait`` seconds is answered 503 with ``Retry-After``, as for a dependency down."""

    def __init__(
        self,
        *,
        otp_pepper: bytes,
        hasher: argon2.PasswordHasher | None = None,
        hashes_at_once: int = 1,
        hash_wait: float = 5.0,
    ) -> None:
        self._pepper = otp_pepper
        self._hasher = hasher or argon2.PasswordHasher()
        self._turns = asyncio.Semaphore(hashes_at_once)
        self._hash_wait = hash_wait
        # Verified against when a username is unknown, so that the answer takes as long as for a known one;
        # made at the first such sign-in (in its turn), not at start, where it would cost 64 MiB for nothing.
        self._decoy: str | None = None

    @staticmethod
    def new_otp() -> str:
        """Six random digits."""
        return f"{secrets.randbelow(1_000_000):06d}"

    @staticmethod
    def new_token() -> str:
        """A 256-bit random opaque token (refresh tokens, client secrets)."""
        return secrets.token_urlsafe(32)

    def otp_hash(self, challenge_id: str, code: str) -> str:
        """The keyed hash of an OTP: without the pepper, a leaked table cannot be brute-forced."""
        return hmac.new(self._pepper, f"{challenge_id}:{code}".encode(), hashlib.sha256).hexdigest()

    def otp_matches(self, challenge_id: str, code: str, stored: str) -> bool:
        """Compare in constant time."""
        return hmac.compare_digest(self.otp_hash(challenge_id, code), stored)

    async def hash_password(self, password: str) -> str:
        """An argon2id hash of ``password`` (503 when no turn to hash comes in time)."""
        return await self._in_turn(lambda: self._hasher.hash(password))

    async def verify_password(self, stored: str | None, password: str) -> bool:
        """Whether ``password`` matches ``stored``; a missing hash costs the same time and fails (503 when no
        turn to hash comes in time)."""

        def verify() -> bool:
            if stored is None and self._decoy is None:
                self._decoy = self._hasher.hash(secrets.token_urlsafe(16))
            try:
                return self._hasher.verify(stored or self._decoy or "", password)
            except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
                return False

        ok = await self._in_turn(verify)
        return ok and stored is not None

    async def _in_turn(self, work: Callable[[], _T]) -> _T:
        try:
            async with asyncio.timeout(self._hash_wait):
                await self._turns.acquire()
        except TimeoutError:
            raise Unavailable(
                "Hệ thống đang xử lý nhiều lượt đăng nhập; vui lòng thử lại sau giây lát.",
                headers={"Retry-After": retry_after(self._hash_wait)},
                detail_en="Too many sign-ins are being checked at once; try again shortly.",
            ) from None
        try:
            return await asyncio.to_thread(work)
        finally:
            self._turns.release()


def derive_pepper(settings: IdentitySettings, ring: KeyRing) -> bytes:
    """The OTP hashing key: configured, or derived from the signing key so that none needs managing."""
    if settings.otp_pepper is not None:
        return settings.otp_pepper.get_secret_value().encode("utf-8")
    return hmac.new(ring.current.to_pem(), b"motcua-otp-pepper-v1", hashlib.sha256).digest()


@dataclass(frozen=True)
class IssuedAccess:
    """An access token and how long it lives."""

    token: str
    expires_in: int


class TokenIssuer:
    """Signs access tokens with the key ring's current key."""

    def __init__(self, ring: KeyRing, settings: IdentitySettings, clock: Clock = SYSTEM_CLOCK) -> None:
        self._ring = ring
        self._settings = settings
        self._clock = clock

    def access(
        self,
        *,
        subject: str,
        role: Role,
        agency_code: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> IssuedAccess:
        """A short-lived access token for ``subject`` in ``role``."""
        ttl = timedelta(seconds=self._settings.access_ttl_seconds)
        token = issue_token(
            self._ring.current,
            subject=subject,
            role=role,
            agency_code=agency_code,
            issuer=self._settings.issuer,
            audience=self._settings.audience,
            ttl=ttl,
            extra=extra,
            now=self._clock.now(),
        )
        return IssuedAccess(token=token, expires_in=int(ttl.total_seconds()))


@dataclass(frozen=True)
class ExternalClaims:
    """What a trusted issuer vouches for."""

    issuer: str
    subject: str
    phone: str | None
    name: str | None


@dataclass
class _IssuerKeys:
    keys: dict[str, jwt.PyJWK] = field(default_factory=dict)
    loaded_at: float | None = None
    attempted_at: float | None = None


class ExternalVerifier:
    """Verifies ID tokens of the external OpenID Connect issuers the settings trust (e.g. VNeID).

    Each issuer's JWKS is cached for ``cache_ttl`` seconds and re-read on an unknown ``kid`` at most every
    ``min_refetch`` seconds, so forged ``kid`` values cannot make the gateway hammer the issuer.
    """

    def __init__(
        self,
        issuers: list[ExternalIssuer],
        *,
        http: httpx.AsyncClient | None = None,
        cache_ttl: float = 300.0,
        min_refetch: float = 30.0,
    ) -> None:
        self._issuers = {i.issuer: i for i in issuers}
        self._http = http
        self._owns_http = http is None
        self._cache_ttl = cache_ttl
        self._min_refetch = min_refetch
        self._keys: dict[str, _IssuerKeys] = {}
        self._lock = asyncio.Lock()

    async def aclose(self) -> None:
        """Close the HTTP client it created."""
        if self._http is not None and self._owns_http:
            await self._http.aclose()

    async def verify(self, id_token: str) -> ExternalClaims:
        """The claims of a valid ID token from a trusted issuer; :class:`InvalidGrant` otherwise."""
        try:
            unverified = jwt.decode(id_token, options={"verify_signature": False})
            header = jwt.get_unverified_header(id_token)
        except jwt.PyJWTError:
            raise InvalidGrant("Mã định danh bên ngoài không hợp lệ.") from None
        issuer = self._issuers.get(str(unverified.get("iss", "")))
        kid = header.get("kid")
        if issuer is None or not isinstance(kid, str):
            raise InvalidGrant("Mã định danh không do bên phát hành tin cậy cấp.")
        key = await self._key(issuer, kid)
        try:
            claims = jwt.decode(
                id_token,
                key,
                algorithms=list(issuer.algorithms),
                audience=issuer.audience,
                issuer=issuer.issuer,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
                leeway=30,
            )
        except jwt.PyJWTError:
            raise InvalidGrant("Mã định danh bên ngoài không hợp lệ hoặc đã hết hạn.") from None
        phone = claims.get(issuer.phone_claim)
        name = claims.get("name")
        return ExternalClaims(
            issuer=issuer.issuer,
            subject=str(claims["sub"]),
            phone=phone if isinstance(phone, str) else None,
            name=name if isinstance(name, str) else None,
        )

    async def _key(self, issuer: ExternalIssuer, kid: str) -> jwt.PyJWK:
        cache = self._keys.setdefault(issuer.issuer, _IssuerKeys())
        fresh = cache.loaded_at is not None and time.monotonic() - cache.loaded_at < self._cache_ttl
        if kid not in cache.keys or not fresh:
            async with self._lock:
                may = cache.attempted_at is None or time.monotonic() - cache.attempted_at >= self._min_refetch
                if (kid not in cache.keys or not fresh) and may:
                    await self._load(issuer, cache)
        key = cache.keys.get(kid)
        if key is None:
            if cache.loaded_at is None:
                raise Unavailable("Chưa tải được khóa của bên phát hành; vui lòng thử lại sau.")
            raise InvalidGrant("Mã định danh được ký bằng khóa không xác định.")
        return key

    async def _load(self, issuer: ExternalIssuer, cache: _IssuerKeys) -> None:
        cache.attempted_at = time.monotonic()
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=5.0, follow_redirects=False)
        try:
            response = await self._http.get(issuer.jwks_url)
            response.raise_for_status()
            document = response.json()
        except (httpx.HTTPError, ValueError):
            return
        keys: dict[str, jwt.PyJWK] = {}
        for entry in document.get("keys", []) if isinstance(document, dict) else []:
            try:
                key = jwt.PyJWK(entry)
            except (jwt.PyJWTError, ValueError, TypeError, KeyError):
                continue
            if isinstance(entry.get("kid"), str):
                keys[entry["kid"]] = key
        cache.keys = keys
        cache.loaded_at = time.monotonic()
