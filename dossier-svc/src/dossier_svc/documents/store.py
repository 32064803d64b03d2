"""Where document bytes live: a file store behind an interface (a local directory now, object storage later).

Keys are the content's sha256, so a client never names a path and the same bytes are stored once.
"""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

_KEY = re.compile(r"^[0-9a-f]{64}$")


class FileStore(Protocol):
    """Content-addressed blob storage."""

    async def put(self, sha256: str, data: bytes) -> str:
        """Store ``data`` (whose sha256 the caller computed) and return its key."""
        ...

    async def get(self, key: str) -> bytes:
        """The bytes stored under ``key``; ``FileNotFoundError`` when absent."""
        ...

    async def exists(self, key: str) -> bool:
        """Whether ``key`` is stored."""
        ...


class LocalFileStore:
    """Blobs as files under one directory, two levels of fan-out, written atomically."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if not _KEY.fullmatch(key):
            raise ValueError("not a storage key")
        return self.root / key[:2] / key[2:4] / key

    async def put(self, sha256: str, data: bytes) -> str:
        """Write the blob unless it is there already (same key, same bytes)."""
        path = self._path(sha256)
        await asyncio.to_thread(self._write, path, data)
        return sha256

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    async def get(self, key: str) -> bytes:
        """Read a blob."""
        return await asyncio.to_thread(self._path(key).read_bytes)

    async def exists(self, key: str) -> bool:
        """Whether a blob is there."""
        return await asyncio.to_thread(self._path(key).exists)

    def count(self) -> int:
        """How many blobs are stored (for tests and operations)."""
        if not self.root.exists():
            return 0
        return sum(1 for p in self.root.rglob("*") if p.is_file() and not p.name.startswith("."))
