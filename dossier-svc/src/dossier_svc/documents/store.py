"""Where document bytes live: a file store behind an interface (a local directory now, object storage later).

Keys are the content's sha256, so a client never names a path and the same bytes are stored once.
"""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

_KEY = re.compile(r"^[0-9a-f]{64}$")


class FileStore(Protocol):
    """Content-addressed blob storage; what ``put``/``put_many`` return is durable."""

    async def put(self, sha256: str, data: bytes) -> str:
        """Store ``data`` (whose sha256 the caller computed) and return its key."""
        ...

    async def put_many(self, blobs: Sequence[tuple[str, bytes]]) -> list[str]:
        """Store several ``(sha256, data)`` blobs at once; their keys in the same order."""
        ...

    async def get(self, key: str) -> bytes:
        """The bytes stored under ``key``; ``FileNotFoundError`` when absent."""
        ...

    async def exists(self, key: str) -> bool:
        """Whether ``key`` is stored."""
        ...


class LocalFileStore:
    """Blobs as files under one directory, two levels of fan-out, written atomically and durably.

    A blob is written to a temporary file, fsynced, renamed into place, and its directory fsynced (and
    the parents of any directory just created), so a blob that ``put`` returned survives a power cut:
    the database row that refers to it is committed only afterwards. All blobs of one request are
    written in one worker thread, off the event loop.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if not _KEY.fullmatch(key):
            raise ValueError("not a storage key")
        return self.root / key[:2] / key[2:4] / key

    async def put(self, sha256: str, data: bytes) -> str:
        """Write the blob unless it is there already (same key, same bytes)."""
        return (await self.put_many([(sha256, data)]))[0]

    async def put_many(self, blobs: Sequence[tuple[str, bytes]]) -> list[str]:
        """Write every blob not there yet, in one trip to a worker thread."""
        paths = [(self._path(key), data) for key, data in blobs]
        if paths:
            await asyncio.to_thread(self._write_all, paths)
        return [key for key, _ in blobs]

    def _write_all(self, blobs: list[tuple[Path, bytes]]) -> None:
        for path, data in blobs:
            self._write(path, data)

    def _write(self, path: Path, data: bytes) -> None:
        if path.exists():
            return
        self._make_dirs(path.parent)
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
        _fsync_dir(path.parent)

    def _make_dirs(self, directory: Path) -> None:
        if directory.is_dir():
            return
        missing: list[Path] = []
        while not directory.is_dir():
            missing.append(directory)
            directory = directory.parent
        for created in reversed(missing):
            created.mkdir(exist_ok=True)
            _fsync_dir(created.parent)

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


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
