"""Who is calling, and may they: bearer JWT verification and the FastAPI dependencies built on it.

Every service verifies the gateway's tokens itself against the gateway's JWKS. A :class:`JwksVerifier`
on ``app.state.verifier`` does the cryptography; :data:`PrincipalDep`, :func:`require_roles`,
:func:`ensure_owner` and :func:`ensure_agency` are what routers and use cases call.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, Final

import httpx
import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, SecurityScopes

from motcua_shared.chassis.errors import PROBLEM_BASE, DomainError, Forbidden, Unauthenticated, Unavailable

__all__ = [
    "ALLOWED_ALGORITHMS",
    "REQUIRED_CLAIMS",
    "DomainError",
    "Forbidden",
    "InsufficientScope",
    "InvalidCredentials",
    "JwksDocument",
    "JwksVerifier",
    "KeySource",
    "OptionalPrincipalDep",
    "Principal",
    "PrincipalDep",
    "Role",
    "Unauthenticated",
    "ensure_agency",
    "ensure_owner",
    "get_principal",
    "optional_principal",
    "require_roles",
]

logger = logging.getLogger(__name__)

#: Asymmetric algorithms only: ``none`` and HMAC would let anyone holding the public key mint tokens.
ALLOWED_ALGORITHMS: Final = frozenset({"EdDSA", "RS256"})
REQUIRED_CLAIMS: Final = ("exp", "iat", "sub", "role")
# A gateway token is a few hundred bytes; refusing huge ones early keeps parsing cheap for attackers' input.
MAX_TOKEN_LENGTH: Final = 8192

JwksDocument = Mapping[str, Any]
#: Where an embedded verifier gets the JWKS: a callable (sync or async) returning the document.
KeySource = Callable[[], JwksDocument | Awaitable[JwksDocument]]


class Role(StrEnum):
    """What a caller is to the platform."""

    CITIZEN = "citizen"
    OFFICER = "officer"
    ADMIN = "admin"
    INTEGRATOR = "integrator"


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller: the token's subject, role, (for an officer) agency and (for an integrator)
    the scopes its token was granted."""

    subject: str
    role: Role
    agency_code: str | None = None
    token_id: str | None = None
    scopes: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.role is Role.OFFICER and not self.agency_code:
            raise ValueError("an officer principal needs an agency_code")

    def is_(self, *roles: Role) -> bool:
        """Whether the caller has one of ``roles``."""
        return self.role in roles


class InsufficientScope(Forbidden):
    """An integrator's token lacks a scope the operation needs (RFC 6750 ``insufficient_scope``)."""

    type = PROBLEM_BASE + "insufficient-scope"
    title = "Thiếu phạm vi truy cập"


class InvalidCredentials(Unauthenticated):
    """Credentials were presented but are not acceptable.

    ``reason`` is a stable machine code (``expired``, ``signature``, ``audience``…) for tests and logs;
    neither it nor the detail ever contains the token.
    """

    def __init__(self, reason: str, detail: str) -> None:
        error = "invalid_request" if reason == "malformed_header" else "invalid_token"
        super().__init__(detail, headers={"WWW-Authenticate": f'Bearer error="{error}"'})
        self.reason = reason


_DETAILS: Final[Mapping[str, str]] = {
    "malformed_header": "Tiêu đề Authorization phải có dạng 'Bearer <mã truy cập>'.",
    "malformed": "Mã truy cập không đúng định dạng.",
    "algorithm": "Thuật toán ký của mã truy cập không được chấp nhận.",
    "unknown_key": "Mã truy cập được ký bằng một khóa không xác định.",
    "signature": "Chữ ký của mã truy cập không hợp lệ.",
    "expired": "Mã truy cập đã hết hạn.",
    "not_yet_valid": "Mã truy cập chưa có hiệu lực.",
    "audience": "Mã truy cập không dành cho dịch vụ này.",
    "issuer": "Mã truy cập không do bên phát hành tin cậy cấp.",
    "missing_claim": "Mã truy cập thiếu thông tin bắt buộc.",
    "subject": "Mã truy cập không có chủ thể hợp lệ.",
    "role": "Vai trò trong mã truy cập không hợp lệ.",
    "agency": "Mã truy cập của cán bộ phải có mã cơ quan.",
    "invalid": "Mã truy cập không hợp lệ.",
}


def _rejected(reason: str) -> InvalidCredentials:
    return InvalidCredentials(reason, _DETAILS[reason])


class JwksVerifier:
    """Verifies bearer tokens against a JWKS, fetched over HTTP or read from an in-process source.

    Give exactly one of ``jwks_url`` (the stack: the gateway's ``/.well-known/jwks.json``) and
    ``key_source`` (embedded mode: the gateway's key ring in the same process).

    The key set is cached for ``cache_ttl`` seconds. A token naming an unknown ``kid`` triggers a reload
    (the gateway may have rotated), but at most once per ``min_refetch_interval`` seconds, so a stream
    of tokens with made-up ``kid`` values cannot turn into a stream of requests to the gateway;
    concurrent verifications wait for one shared load. ``min_refetch_interval`` defaults to 30 s for a
    URL and 0 for an in-process source, which costs nothing to read. When a reload fails the last good
    key set stays in use; with none at all, verification raises :class:`Unavailable` (503), since the
    caller's token is not at fault.
    """

    VERIFIED_TTL = 60.0
    """Seconds a verified token is trusted without checking its signature again."""
    VERIFIED_MAX = 10_000
    """Verified tokens remembered at most (the oldest is forgotten first)."""

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        jwks_url: str | None = None,
        key_source: KeySource | None = None,
        http_client: httpx.AsyncClient | None = None,
        cache_ttl: float = 300.0,
        min_refetch_interval: float | None = None,
        leeway: float = 5.0,
        fetch_timeout: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if (jwks_url is None) == (key_source is None):
            raise ValueError("give exactly one of jwks_url and key_source")
        if not issuer or not audience:
            raise ValueError("issuer and audience are required")
        self._issuer = issuer
        self._audience = audience
        self._jwks_url = jwks_url
        self._key_source = key_source
        self._client = http_client
        self._owns_client = http_client is None
        self._cache_ttl = cache_ttl
        self._min_refetch_interval = (
            min_refetch_interval if min_refetch_interval is not None else (30.0 if jwks_url else 0.0)
        )
        self._leeway = leeway
        self._fetch_timeout = fetch_timeout
        self._clock = clock
        self._lock = asyncio.Lock()
        self._keys: dict[str, jwt.PyJWK] | None = None
        self._verified: dict[str, tuple[Principal, str, float, float]] = {}
        self._loaded_at: float | None = None
        self._attempted_at: float | None = None

    async def aclose(self) -> None:
        """Close the HTTP client if this verifier created it."""
        if self._owns_client and self._client is not None:
            await self._client.aclose()
            self._client = None

    async def verify(self, token: str) -> Principal:
        """Verify ``token`` and return its principal; raise :class:`InvalidCredentials` if it is not good.

        A token verified in the last :attr:`VERIFIED_TTL` seconds, not expired and whose key is still in
        the key set, is answered from memory: an app sends the same token with every request, and a
        signature check costs more than the rest of a small request's authorisation.
        """
        seen = self._verified.get(token)
        if seen is not None:
            principal, kid, expires, verified_at = seen
            if (
                self._clock() - verified_at < self.VERIFIED_TTL
                and time.time() < expires
                and self._keys is not None
                and kid in self._keys
            ):
                return principal
            del self._verified[token]
        alg, kid = self._read_header(token)
        key = await self._key_for(kid)
        if key.algorithm_name != alg:
            # An RSA key must never verify an EdDSA-labelled token or the reverse.
            raise _rejected("algorithm")
        claims = self._decode(token, key, alg)
        principal = self._principal(claims)
        exp = claims.get("exp")
        if isinstance(exp, int | float):
            if len(self._verified) >= self.VERIFIED_MAX:
                self._verified.pop(next(iter(self._verified)))
            self._verified[token] = (principal, kid, float(exp), self._clock())
        return principal

    @staticmethod
    def _read_header(token: str) -> tuple[str, str]:
        if not token or len(token) > MAX_TOKEN_LENGTH:
            raise _rejected("malformed")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise _rejected("malformed") from None
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in ALLOWED_ALGORITHMS:
            raise _rejected("algorithm")
        # We understand no JWS extensions, and RFC 7515 §4.1.11 says to reject what we do not understand.
        if "crit" in header:
            raise _rejected("malformed")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise _rejected("unknown_key")
        return alg, kid

    def _decode(self, token: str, key: jwt.PyJWK, alg: str) -> dict[str, Any]:
        try:
            return jwt.decode(
                token,
                key,
                algorithms=[alg],
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": list(REQUIRED_CLAIMS), "enforce_minimum_key_length": True},
            )
        except jwt.ExpiredSignatureError:
            raise _rejected("expired") from None
        except jwt.ImmatureSignatureError:
            raise _rejected("not_yet_valid") from None
        except jwt.InvalidAudienceError:
            raise _rejected("audience") from None
        except jwt.InvalidIssuerError:
            raise _rejected("issuer") from None
        except jwt.MissingRequiredClaimError:
            raise _rejected("missing_claim") from None
        except jwt.InvalidSignatureError:
            raise _rejected("signature") from None
        except jwt.PyJWTError:
            raise _rejected("invalid") from None

    @staticmethod
    def _principal(claims: Mapping[str, Any]) -> Principal:
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject.strip():
            raise _rejected("subject")
        raw_role = claims.get("role")
        if not isinstance(raw_role, str) or raw_role not in Role.__members__.values():
            raise _rejected("role")
        role = Role(raw_role)
        agency_code = claims.get("agency_code")
        if role is Role.OFFICER:
            if not isinstance(agency_code, str) or not agency_code.strip():
                raise _rejected("agency")
        else:
            # Only an officer acts for an agency, whatever else the token says.
            agency_code = None
        token_id = claims.get("jti")
        scope = claims.get("scope")
        # Scopes limit integrators only (RFC 9068: one space-separated string); people have roles.
        scopes = (
            frozenset(scope.split()) if role is Role.INTEGRATOR and isinstance(scope, str) else frozenset()
        )
        return Principal(
            subject=subject,
            role=role,
            agency_code=agency_code,
            token_id=token_id if isinstance(token_id, str) else None,
            scopes=scopes,
        )

    def _is_fresh(self) -> bool:
        return self._loaded_at is not None and self._clock() - self._loaded_at < self._cache_ttl

    async def _key_for(self, kid: str) -> jwt.PyJWK:
        keys = self._keys
        if keys is not None and kid in keys and (self._is_fresh() or self._lock.locked()):
            # While another verification is refreshing, a key we already trust needs no wait.
            return keys[kid]
        async with self._lock:
            wanted = self._keys is None or kid not in self._keys or not self._is_fresh()
            if wanted and self._may_load():
                await self._load()
            if self._keys is None:
                raise Unavailable(
                    "Chưa tải được khóa xác thực; vui lòng thử lại sau.",
                    headers={"Retry-After": str(max(1, round(self._min_refetch_interval)))},
                )
            key = self._keys.get(kid)
        if key is None:
            raise _rejected("unknown_key")
        return key

    def _may_load(self) -> bool:
        return self._attempted_at is None or self._clock() - self._attempted_at >= self._min_refetch_interval

    async def _load(self) -> None:
        self._attempted_at = self._clock()
        try:
            keys = _parse_jwks(await self._fetch())
        except Exception as exc:
            logger.warning("could not load the JWKS (%s): %s", type(exc).__name__, exc)
            return
        self._keys = keys
        self._loaded_at = self._clock()

    async def _fetch(self) -> object:
        if self._key_source is not None:
            document = self._key_source()
            return await document if inspect.isawaitable(document) else document
        assert self._jwks_url is not None
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._fetch_timeout, follow_redirects=False)
        response = await self._client.get(
            self._jwks_url, headers={"Accept": "application/json"}, timeout=self._fetch_timeout
        )
        response.raise_for_status()
        return response.json()


_PRIVATE_MEMBERS: Final = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


def _parse_jwks(document: object) -> dict[str, jwt.PyJWK]:
    """The usable verification keys of a JWKS document by ``kid``; unusable entries are skipped."""
    if not isinstance(document, Mapping) or not isinstance(document.get("keys"), list):
        raise ValueError("not a JWKS document")
    keys: dict[str, jwt.PyJWK] = {}
    for entry in document["keys"]:
        if not isinstance(entry, Mapping):
            continue
        kid = entry.get("kid")
        if not isinstance(kid, str) or not kid or kid in keys:
            continue
        if entry.get("use", "sig") != "sig" or entry.get("kty") not in ("OKP", "RSA"):
            continue
        if _PRIVATE_MEMBERS.intersection(entry):
            logger.error("the JWKS publishes private key material for kid %s; key ignored", kid)
            continue
        try:
            key = jwt.PyJWK(dict(entry))
        except (jwt.PyJWTError, ValueError, TypeError, KeyError):
            logger.warning("JWKS key %s is not usable; skipped", kid)
            continue
        if key.algorithm_name in ALLOWED_ALGORITHMS:
            keys[kid] = key
    return keys


_bearer_scheme = HTTPBearer(
    auto_error=False,
    bearerFormat="JWT",
    scheme_name="bearer",
    description="Access token issued by the gateway's identity (EdDSA or RS256).",
)
# Declared only so OpenAPI documents the scheme; the header itself is parsed below, because
# HTTPBearer cannot tell a missing header from a malformed one.
_BearerDoc = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer_scheme)]


def _bearer_token(request: Request) -> str | None:
    values = request.headers.getlist("authorization")
    if not values:
        return None
    if len(values) > 1:
        raise _rejected("malformed_header")
    scheme, _, credentials = values[0].strip().partition(" ")
    credentials = credentials.strip()
    if scheme.lower() != "bearer" or not credentials or " " in credentials:
        raise _rejected("malformed_header")
    return credentials


def _verifier(request: Request) -> JwksVerifier:
    verifier = getattr(request.app.state, "verifier", None)
    if not isinstance(verifier, JwksVerifier):
        raise RuntimeError("app.state.verifier must be a JwksVerifier (set it in the lifespan)")
    return verifier


async def get_principal(request: Request, _doc: _BearerDoc = None) -> Principal:
    """The caller, from a valid ``Authorization: Bearer`` token; 401 when missing or invalid."""
    token = _bearer_token(request)
    if token is None:
        raise Unauthenticated("Cần đăng nhập: thiếu mã truy cập.", headers={"WWW-Authenticate": "Bearer"})
    return await _verifier(request).verify(token)


async def optional_principal(request: Request, _doc: _BearerDoc = None) -> Principal | None:
    """The caller if a token is sent, ``None`` if not; a token that is sent but invalid is still a 401."""
    token = _bearer_token(request)
    if token is None:
        return None
    return await _verifier(request).verify(token)


PrincipalDep = Annotated[Principal, Depends(get_principal)]
OptionalPrincipalDep = Annotated[Principal | None, Depends(optional_principal)]


def require_roles(*roles: Role) -> Callable[[SecurityScopes, Principal], Awaitable[Principal]]:
    """A dependency returning the caller if their role is one of ``roles``, else raising 403.

    Used through ``Security(require_roles(...), scopes=[...])``, an integrator must also hold every scope
    listed (else 403 ``insufficient_scope``), and OpenAPI shows the scopes on the operation's security
    requirement; the other roles are not limited by scopes.
    """
    if not roles:
        raise ValueError("require_roles needs at least one role")
    allowed = frozenset(roles)

    async def principal_in_role(security_scopes: SecurityScopes, principal: PrincipalDep) -> Principal:
        if principal.role not in allowed:
            raise Forbidden("Vai trò của bạn không được phép thực hiện thao tác này.")
        missing = sorted(set(security_scopes.scopes) - principal.scopes)
        if principal.role is Role.INTEGRATOR and missing:
            challenge = f'Bearer error="insufficient_scope", scope="{security_scopes.scope_str}"'
            raise InsufficientScope(
                f"Mã truy cập thiếu phạm vi: {' '.join(missing)}.", headers={"WWW-Authenticate": challenge}
            )
        return principal

    return principal_in_role


def ensure_owner(principal: Principal, owner_subject: str) -> None:
    """Pass if the caller is the citizen who owns the resource, or an admin; else raise 403."""
    if principal.role is Role.ADMIN:
        return
    if principal.role is Role.CITIZEN and owner_subject and principal.subject == owner_subject:
        return
    raise Forbidden("Bạn không có quyền với tài nguyên này.")


def ensure_agency(principal: Principal, agency_code: str) -> None:
    """Pass if the caller is an officer of ``agency_code``, or an admin; else raise 403."""
    if principal.role is Role.ADMIN:
        return
    if principal.role is Role.OFFICER and agency_code and principal.agency_code == agency_code:
        return
    raise Forbidden("Tài nguyên này thuộc cơ quan khác.")
