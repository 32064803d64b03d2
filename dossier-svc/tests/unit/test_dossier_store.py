"""The content-addressed file store and the receipt's lookup secret."""

from __future__ import annotations

import hashlib
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
