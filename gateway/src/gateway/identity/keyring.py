"""The gateway's signing key ring: the key that signs, and the keys still published for verification."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from motcua_shared.chassis.keys import SigningKey, jwks


class KeyRing:
    """The current signing key plus previous keys kept in the JWKS until their tokens expire."""

    def __init__(self, current: SigningKey, previous: list[SigningKey] | None = None) -> None:
        self.current = current
        self.previous = list(previous or [])

    @classmethod
    def load(cls, path: Path, *, generate_missing: bool) -> KeyRing:
        """Read the PEM at ``path``; create it (mode 0600) when missing and allowed."""
        if not path.exists():
            if not generate_missing:
                raise FileNotFoundError(f"signing key {path} is missing")
            path.parent.mkdir(parents=True, exist_ok=True)
            key = SigningKey.generate()
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(key.to_pem())
            return cls(key)
        return cls(SigningKey.from_pem(path.read_bytes()))

    def rotate(self, new: SigningKey) -> None:
        """Sign with ``new`` from now on; keep publishing the old key."""
        self.previous.insert(0, self.current)
        self.current = new

    def jwks(self) -> dict[str, Any]:
        """The JWKS document of every published key."""
        return jwks([self.current, *self.previous])
