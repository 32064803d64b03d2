"""Signing keys and token issuance for the gateway's identity (and for tests).

Tokens are signed with Ed25519 (JWS ``EdDSA``); each key is named by its RFC 7638 thumbprint, which
becomes the ``kid`` of every token it signs and of its entry in the published JWKS. Rotation is
publishing the new key next to the old one, signing with the new one, and dropping the old one from the
JWKS once the last token it signed has expired.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from motcua_shared.chassis.auth import Role

__all__ = ["RESERVED_CLAIMS", "SigningKey", "issue_token", "jwk_thumbprint", "jwks"]

#: Claims ``issue_token`` sets itself; ``extra`` may not override them.
RESERVED_CLAIMS = frozenset({"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "role", "agency_code"})

# RFC 7638 §3.2: the members that define a key, per key type, hashed in this (lexicographic) order.
_THUMBPRINT_MEMBERS: Mapping[str, tuple[str, ...]] = {
    "OKP": ("crv", "kty", "x"),
    "RSA": ("e", "kty", "n"),
    "EC": ("crv", "kty", "x", "y"),
}


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def jwk_thumbprint(jwk: Mapping[str, Any]) -> str:
    """The RFC 7638 SHA-256 thumbprint of a public JWK (base64url, no padding)."""
    try:
        members = _THUMBPRINT_MEMBERS[jwk["kty"]]
        canonical = {name: jwk[name] for name in members}
    except KeyError as exc:
        raise ValueError(f"JWK lacks the member {exc.args[0]!r} needed for a thumbprint") from None
    text = json.dumps(canonical, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return _b64url(hashlib.sha256(text.encode("utf-8")).digest())


class SigningKey:
    """An Ed25519 private key and its ``kid`` (the RFC 7638 thumbprint of its public half)."""

    __slots__ = ("_private", "kid")

    algorithm: ClassVar[str] = "EdDSA"

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._private = private_key
        self.kid: str = jwk_thumbprint(self._public_members())

    def __repr__(self) -> str:
        return f"SigningKey(kid={self.kid!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SigningKey) and other.kid == self.kid

    def __hash__(self) -> int:
        return hash(self.kid)

    @classmethod
    def generate(cls) -> SigningKey:
        """A new random key."""
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_pem(cls, pem: bytes, password: bytes | None = None) -> SigningKey:
        """Load a PKCS#8 PEM private key (as written by :meth:`to_pem`); it must be Ed25519."""
        private = serialization.load_pem_private_key(pem, password=password)
        if not isinstance(private, Ed25519PrivateKey):
            raise ValueError("the PEM does not hold an Ed25519 private key")
        return cls(private)

    def to_pem(self, password: bytes | None = None) -> bytes:
        """The private key as PKCS#8 PEM, encrypted with ``password`` when one is given."""
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
        )
        return self._private.private_bytes(
            encoding=serialization.Encoding.PEM,
            format=serialization.PrivateFormat.PKCS8,
            encryption_algorithm=encryption,
        )

    def _public_members(self) -> dict[str, str]:
        raw = self._private.public_key().public_bytes(
            encoding=serialization.Encoding.Raw, format=serialization.PublicFormat.Raw
        )
        return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(raw)}

    def public_jwk(self) -> dict[str, str]:
        """The public key as a JWK for a JWKS document (never any private member)."""
        return {**self._public_members(), "kid": self.kid, "alg": self.algorithm, "use": "sig"}

    def sign(self, claims: Mapping[str, Any]) -> str:
        """Sign ``claims`` as a compact JWS (``alg`` EdDSA, ``kid`` this key); nothing is added or checked."""
        return jwt.encode(dict(claims), self._private, algorithm=self.algorithm, headers={"kid": self.kid})


def jwks(keys: Iterable[SigningKey]) -> dict[str, list[dict[str, str]]]:
    """The JWKS document publishing ``keys`` (current and still-valid previous keys during rotation)."""
    seen: set[str] = set()
    published: list[dict[str, str]] = []
    for key in keys:
        if key.kid not in seen:
            seen.add(key.kid)
            published.append(key.public_jwk())
    return {"keys": published}


def issue_token(
    key: SigningKey,
    *,
    subject: str,
    role: Role | str,
    issuer: str,
    audience: str | list[str],
    ttl: timedelta,
    agency_code: str | None = None,
    extra: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> str:
    """Issue an access token for ``subject`` in ``role``, valid from ``now`` for ``ttl``.

    Sets ``iss``, ``sub``, ``aud``, ``iat``, ``nbf``, ``exp``, a fresh ``jti``, ``role`` and, for an
    officer (who must have one), ``agency_code``. ``extra`` adds claims but may not replace those.
    ``now`` is for tests that need a token from the past.
    """
    role = Role(role)
    if not subject:
        raise ValueError("subject must not be empty")
    if ttl <= timedelta(0):
        raise ValueError("ttl must be positive")
    if role is Role.OFFICER and not agency_code:
        raise ValueError("an officer token needs an agency_code")
    if role is not Role.OFFICER and agency_code is not None:
        raise ValueError("only an officer token carries an agency_code")
    clashing = RESERVED_CLAIMS.intersection(extra or {})
    if clashing:
        raise ValueError(f"extra may not set reserved claims: {sorted(clashing)}")
    if now is not None and now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    issued = (now or datetime.now(UTC)).replace(microsecond=0)
    claims: dict[str, Any] = {
        **(extra or {}),
        "iss": issuer,
        "sub": subject,
        "aud": audience,
        "iat": int(issued.timestamp()),
        "nbf": int(issued.timestamp()),
        "exp": int((issued + ttl).timestamp()),
        "jti": uuid.uuid4().hex,
        "role": role.value,
    }
    if agency_code is not None:
        claims["agency_code"] = agency_code
    return key.sign(claims)
