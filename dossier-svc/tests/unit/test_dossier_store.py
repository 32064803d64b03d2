"""The content-addressed file store and the receipt's lookup secret."""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from dossier_svc.documents.store import LocalFileStore
from dossier_svc.dossiers.models import new_lookup_secret


async def test_blobs_land_under_their_digest_once(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path / "not" / "yet" / "there")
    blobs = [b"%PDF-1.4 one", b"%PDF-1.4 two", b"%PDF-1.4 one"]
    keys = await store.put_many([(hashlib.sha256(b).hexdigest(), b) for b in blobs])
    assert keys == [hashlib.sha256(b).hexdigest() for b in blobs]
    assert store.count() == 2
    for key, data in zip(keys, blobs, strict=True):
        assert await store.get(key) == data
        assert (store.root / key[:2] / key[2:4] / key).is_file()
    assert not list(store.root.rglob(".upload-*"))  # no temporary file left behind
    assert await store.put(keys[0], blobs[0]) == keys[0]
    assert store.count() == 2


async def test_a_key_is_never_a_client_path(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)
    with pytest.raises(ValueError, match="not a storage key"):
        await store.put_many([("../../etc/passwd", b"x")])
    with pytest.raises(ValueError, match="not a storage key"):
        await store.get("A" * 64)
    assert store.count() == 0


def test_lookup_secrets_use_the_whole_unambiguous_alphabet_evenly() -> None:
    alphabet = set("ABCDEFGHJKMNPQRSTUVWXYZ23456789")
    secrets = [new_lookup_secret() for _ in range(8000)]
    assert all(len(s) == 8 and set(s) <= alphabet for s in secrets)
    assert len(set(secrets)) == len(secrets)
    counts = Counter("".join(secrets))
    assert set(counts) == alphabet
    # Chi-square over 31 characters (30 degrees of freedom): above 80 happens by chance about once in
    # a million runs; a byte taken modulo 31 without rejection (8 characters 12 % likelier) scores ~200.
    expected = 8 * len(secrets) / len(alphabet)
    assert sum((n - expected) ** 2 / expected for n in counts.values()) < 80


@pytest.mark.parametrize("sync", ["group", "each"])
async def test_both_ways_of_syncing_store_the_same(tmp_path: Path, sync: str) -> None:
    store = LocalFileStore(tmp_path, sync=sync)  # type: ignore[arg-type]
    assert store.sync == sync  # Linux has syncfs
    data = b"%PDF-1.4 durable"
    key = hashlib.sha256(data).hexdigest()
    assert await store.put(key, data) == key
    assert await store.get(key) == data


async def test_concurrent_uploads_share_a_sync_that_started_after_their_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = LocalFileStore(tmp_path)
    group = store._group
    assert group is not None
    events: list[str] = []
    real_sync = group._sync

    def slow_sync() -> None:
        events.append("sync starts")
        time.sleep(0.05)
        real_sync()
        events.append("sync ends")

    monkeypatch.setattr(group, "_sync", slow_sync)
    real_write = store._write

    def write(path: Path, key: str, data: bytes, *, each: bool) -> None:
        real_write(path, key, data, each=each)
        events.append(f"wrote {data.decode()}")

    monkeypatch.setattr(store, "_write", write)

    async def put(label: str) -> None:
        await store.put(hashlib.sha256(label.encode()).hexdigest(), label.encode())
        events.append(f"returned {label}")

    await asyncio.gather(*(put(f"blob-{i}") for i in range(20)))
    assert store.count() == 20
    assert 1 <= group.runs < 20, "uploads of the moment share syncs"
    for i in range(20):
        wrote, returned = events.index(f"wrote blob-{i}"), events.index(f"returned blob-{i}")
        starts = [n for n, e in enumerate(events) if e == "sync starts" and wrote < n < returned]
        assert starts, f"no sync started between blob-{i}'s write and its return"
        assert events.index("sync ends", starts[0]) < returned, f"blob-{i} returned before its sync ended"


async def test_a_failed_sync_fails_the_upload(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = LocalFileStore(tmp_path)
    assert store._group is not None

    def broken() -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(store._group, "_sync", broken)
    with pytest.raises(OSError, match="Input/output"):
        await store.put(hashlib.sha256(b"x").hexdigest(), b"x")
    monkeypatch.undo()
    assert await store.put(hashlib.sha256(b"y").hexdigest(), b"y")  # the next sync runs again


async def test_a_name_left_over_a_torn_file_is_written_again(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)
    data = b"%PDF-1.4 whole document"
    key = hashlib.sha256(data).hexdigest()
    torn = tmp_path / key[:2] / key[2:4] / key
    torn.parent.mkdir(parents=True)
    for leftover in (b"", data[:7], b"X" * len(data)):  # empty, short, same size but other bytes
        torn.write_bytes(leftover)
        await store.put(key, data)
        assert torn.read_bytes() == data


async def test_syncs_overlap_up_to_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = LocalFileStore(tmp_path)
    group = store._group
    assert group is not None
    running, most = 0, 0
    lock = threading.Lock()

    def slow_sync() -> None:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.03)
        with lock:
            running -= 1

    monkeypatch.setattr(group, "_sync", slow_sync)

    async def put(i: int) -> None:
        await asyncio.sleep(i * 0.004)  # arrivals spread over several syncs
        data = f"blob-{i}".encode()
        await store.put(hashlib.sha256(data).hexdigest(), data)

    await asyncio.gather(*(put(i) for i in range(60)))
    assert store.count() == 60
    assert 1 < most <= 4, "runs overlap, never more than four"
    assert group.runs < 60, "arrivals still share runs"
