"""The gateway's signing key ring: the key that signs, and the keys still published for verification.

On disk: the current key at ``signing_key_path`` and retired keys in ``previous/`` beside it, each
named by its ``kid``. A retired key stays in the JWKS until ``retire_after`` has passed since its
retirement (longer than any access token lives), then it is dropped from the ring and the disk.
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from motcua_shared.chassis.keys import SigningKey, jwks


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _create_whole(path: Path, data: bytes) -> bool:
    """Create ``path`` holding ``data`` unless it exists, never showing it half-written; whether it did."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # A name of its own per caller (mode 0600): replicas, or threads of one process, may stage at once.
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".new", dir=path.parent)
    staged = Path(name)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    try:
        os.link(staged, path)
    except FileExistsError:
        return False
    finally:
        staged.unlink()
    return True


class KeyRing:
    """The current signing key plus previous keys kept in the JWKS until their tokens expire."""

    def __init__(
        self, current: SigningKey, previous: list[SigningKey] | None = None, *, path: Path | None = None
    ) -> None:
        self.current = current
        self.previous = list(previous or [])
        self.path = path

    @classmethod
    def load(
        cls, path: Path, *, generate_missing: bool, retire_after: timedelta = timedelta(hours=2)
    ) -> KeyRing:
        """Read the PEM at ``path`` (made, mode 0600, when missing and allowed) and the retired keys."""
        if not path.exists():
            if not generate_missing:
                raise FileNotFoundError(f"signing key {path} is missing")
            key = SigningKey.generate()
            if _create_whole(path, key.to_pem()):
                return cls(key, path=path)
            # Another replica starting at the same moment made it first: sign with that one, as it will.
        previous: list[SigningKey] = []
        folder = path.parent / "previous"
        if folder.is_dir():
            cutoff = time.time() - retire_after.total_seconds()
            for file in sorted(folder.glob("*.pem"), key=lambda p: p.stat().st_mtime, reverse=True):
                if file.stat().st_mtime < cutoff:
                    file.unlink(missing_ok=True)
                    continue
                previous.append(SigningKey.from_pem(file.read_bytes()))
        return cls(SigningKey.from_pem(path.read_bytes()), previous, path=path)

    def rotate(self, new: SigningKey | None = None) -> SigningKey:
        """Sign with ``new`` (a fresh key by default) from now on; keep publishing the old key.

        When the ring was loaded from disk the change is written there too, so a restart keeps it.
        """
        new = new or SigningKey.generate()
        old = self.current
        if self.path is not None:
            _write_private(self.path.parent / "previous" / f"{old.kid}.pem", old.to_pem())
            staged = self.path.with_suffix(".new")
            staged.unlink(missing_ok=True)
            _write_private(staged, new.to_pem())
            staged.replace(self.path)
        self.previous.insert(0, old)
        self.current = new
        return new

    def jwks(self) -> dict[str, Any]:
        """The JWKS document of every published key."""
        return jwks([self.current, *self.previous])
