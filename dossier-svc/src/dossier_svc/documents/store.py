"""Where document bytes live: a file store behind an interface (a local directory now, object storage later).

Keys are the content's sha256, so a client never names a path and the same bytes are stored once.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import hashlib
import os
import re
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal, Protocol

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

    async def touch(self, key: str) -> None:
        """Mark ``key`` as in use now (a reuse by reference), so a purge in the same moment keeps it."""
        ...

    async def delete_idle(self, keys: set[str], *, idle_for: float) -> int:
        """Delete the blobs of ``keys`` untouched for ``idle_for`` seconds; how many were deleted."""
        ...


class LocalFileStore:
    """Blobs as files under one directory, two levels of fan-out, written atomically and durably.

    A blob is written to a temporary file and renamed into place; ``put_many`` returns once the blob, its
    name and any directory just created are on disk, so a blob it returned survives a power cut (the
    database row that refers to it is committed only afterwards). How that is made durable:

    * ``sync="group"`` (the default where Linux has ``syncfs``): the requests of the moment share one
      ``syncfs`` of the store's file system, started after their files were written (group commit): one
      journal commit for many blobs instead of two ``fsync`` calls (file and directory) per blob, which
      cost the service more CPU than anything else a submission does with its documents. A few syncs
      may overlap, so that an upload waits about one sync (``syncfs`` also flushes whatever else is
      dirty on that file system, so a store on its own volume syncs fastest);
    * ``sync="each"``: each file, then its directory, is fsynced on its own (what ``group`` falls back to
      where there is no ``syncfs``).

    A file found already in place is trusted only if it holds the bytes its name promises: after a crash
    between a rename and the sync, a name can exist over a short or empty file, which is then rewritten.
    Blob writes run in a worker thread, off the event loop.
    """

    def __init__(self, root: Path, *, sync: Literal["group", "each"] = "group") -> None:
        self.root = root
        self._syncfs = _load_syncfs() if sync == "group" else None
        self._group = _GroupSync(self._sync_all) if self._syncfs is not None else None

    @property
    def sync(self) -> Literal["group", "each"]:
        """How writes are made durable (``group`` only where ``syncfs`` exists)."""
        return "group" if self._group is not None else "each"

    def _path(self, key: str) -> Path:
        if not _KEY.fullmatch(key):
            raise ValueError("not a storage key")
        return self.root / key[:2] / key[2:4] / key

    async def put(self, sha256: str, data: bytes) -> str:
        """Write the blob unless it is there already (same key, same bytes)."""
        return (await self.put_many([(sha256, data)]))[0]

    async def put_many(self, blobs: Sequence[tuple[str, bytes]]) -> list[str]:
        """Write every blob not there yet, in one trip to a worker thread; return when they are durable."""
        paths = [(self._path(key), key, data) for key, data in blobs]
        if paths:
            await asyncio.to_thread(self._write_all, paths, self._group is None)
            if self._group is not None:
                await self._group.wait()
        return [key for key, _ in blobs]

    def _write_all(self, blobs: list[tuple[Path, str, bytes]], each: bool) -> None:
        for path, key, data in blobs:
            self._write(path, key, data, each=each)

    def _write(self, path: Path, key: str, data: bytes, *, each: bool) -> None:
        if _holds(path, key, len(data)):
            # In use again: a purge of the moment must not take it (it keeps what was touched lately).
            os.utime(path)
            return
        self._make_dirs(path.parent, each=each)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                if each:
                    handle.flush()
                    os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        if each:
            _fsync_dir(path.parent)

    def _make_dirs(self, directory: Path, *, each: bool) -> None:
        if directory.is_dir():
            return
        missing: list[Path] = []
        while not directory.is_dir():
            missing.append(directory)
            directory = directory.parent
        for created in reversed(missing):
            created.mkdir(exist_ok=True)
            if each:
                _fsync_dir(created.parent)

    def _sync_all(self) -> None:
        assert self._syncfs is not None
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root, os.O_RDONLY)
        try:
            self._syncfs(fd)
        finally:
            os.close(fd)

    async def get(self, key: str) -> bytes:
        """Read a blob."""
        return await asyncio.to_thread(self._path(key).read_bytes)

    async def exists(self, key: str) -> bool:
        """Whether a blob is there."""
        return await asyncio.to_thread(self._path(key).exists)

    async def touch(self, key: str) -> None:
        """Mark a blob as in use now (its modification time)."""
        with contextlib.suppress(FileNotFoundError):
            await asyncio.to_thread(os.utime, self._path(key))

    async def delete_idle(self, keys: set[str], *, idle_for: float) -> int:
        """Delete the blobs of ``keys`` whose modification time is older than ``idle_for`` seconds."""

        def run() -> int:
            limit = time.time() - idle_for
            deleted = 0
            for key in keys:
                path = self._path(key)
                with contextlib.suppress(FileNotFoundError):
                    if path.stat().st_mtime <= limit:
                        path.unlink()
                        deleted += 1
            return deleted

        return await asyncio.to_thread(run)

    def count(self) -> int:
        """How many blobs are stored (for tests and operations)."""
        if not self.root.exists():
            return 0
        return sum(1 for p in self.root.rglob("*") if p.is_file() and not p.name.startswith("."))


def _holds(path: Path, key: str, size: int) -> bool:
    """Whether ``path`` is there with the bytes of ``key`` (a name left over a short or empty file by a
    crash before the sync does not count)."""
    try:
        if path.stat().st_size != size:
            return False
        return hashlib.sha256(path.read_bytes()).hexdigest() == key
    except FileNotFoundError:
        return False


class _GroupSync:
    """Group commit: every caller of :meth:`wait` returns after a run of ``sync`` that started after it
    called. Callers share the run that has not started yet; up to ``in_flight`` runs overlap, so a
    caller waits about one run, not the rest of the one under way and then its own."""

    def __init__(self, sync: Callable[[], None], *, in_flight: int = 4) -> None:
        self._sync = sync
        self._in_flight = in_flight
        self._loop: asyncio.AbstractEventLoop | None = None
        self._next: asyncio.Future[None] | None = None
        self._running: set[asyncio.Task[None]] = set()
        self.runs = 0

    async def wait(self) -> None:
        """Return once a sync that started after this call has finished (raise what it raised)."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop, self._next, self._running = loop, None, set()
        batch = self._next
        if batch is None:
            batch = self._next = loop.create_future()
            if len(self._running) < self._in_flight:
                self._start(loop)
        await asyncio.shield(batch)

    def _start(self, loop: asyncio.AbstractEventLoop) -> None:
        batch, self._next = self._next, None
        assert batch is not None
        task = loop.create_task(self._run(batch), name="file-store-sync")
        self._running.add(task)

    async def _run(self, batch: asyncio.Future[None]) -> None:
        try:
            await asyncio.to_thread(self._sync)
        except asyncio.CancelledError:
            batch.cancel()
            raise
        except Exception as error:  # handed to every waiter of this run
            batch.set_exception(error)
        else:
            batch.set_result(None)
        finally:
            self.runs += 1
            task = asyncio.current_task()
            if task is not None:
                self._running.discard(task)
            if self._next is not None and len(self._running) < self._in_flight and self._loop is not None:
                self._start(self._loop)


def _load_syncfs() -> Callable[[int], None] | None:
    """Linux's ``syncfs(2)`` (flush one file system: data, metadata and journal), or None elsewhere."""
    try:
        function = ctypes.CDLL(None, use_errno=True).syncfs
    except (AttributeError, OSError):
        return None
    function.argtypes = [ctypes.c_int]
    function.restype = ctypes.c_int

    def syncfs(fd: int) -> None:
        if function(fd) != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, os.strerror(errno))

    return syncfs


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
