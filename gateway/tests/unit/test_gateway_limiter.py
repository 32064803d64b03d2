"""Token buckets and sign-in backoff on the in-memory store: burst, refill, Retry-After, independence of
keys, bounded memory (the same rules run on the shared SQL store: shared/tests/integration)."""

from __future__ import annotations

import pytest

from gateway.settings import Bucket
from motcua_shared.chassis.errors import RateLimited
from motcua_shared.chassis.limits import Backoff, Buckets, MemoryStore


class Tick:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_bucket_allows_its_burst_then_refills_at_its_rate() -> None:
    clock = Tick()
    limiter = Buckets(MemoryStore(clock=clock))
    bucket = Bucket(burst=3, per_minute=6)
    assert [await limiter.take("p", bucket, "a") for _ in range(3)] == [0, 0, 0]
    assert await limiter.take("p", bucket, "a") == pytest.approx(10.0), "one token every 10 s"
    clock.now += 10
    assert await limiter.take("p", bucket, "a") == 0
    clock.now += 3600
    assert [await limiter.take("p", bucket, "a") for _ in range(4)][-1] > 0, "refill stops at the burst"


async def test_looking_spends_nothing() -> None:
    limiter = Buckets(MemoryStore(clock=Tick()))
    bucket = Bucket(burst=1, per_minute=1)
    assert await limiter.take("p", bucket, "a", spend=False) == 0
    assert await limiter.take("p", bucket, "a") == 0
    assert await limiter.take("p", bucket, "a", spend=False) > 0


async def test_keys_and_policies_have_their_own_buckets() -> None:
    limiter = Buckets(MemoryStore(clock=Tick()))
    bucket = Bucket(burst=1, per_minute=1)
    assert await limiter.take("p", bucket, "a") == 0
    assert await limiter.take("p", bucket, "b") == 0
    assert await limiter.take("q", bucket, "a") == 0
    assert await limiter.take("p", bucket, "a") > 0


async def test_check_raises_429_with_retry_after() -> None:
    limiter = Buckets(MemoryStore(clock=Tick()))
    bucket = Bucket(burst=1, per_minute=2)
    await limiter.check("p", bucket, "a")
    with pytest.raises(RateLimited) as raised:
        await limiter.check("p", bucket, "a")
    assert raised.value.headers == {"Retry-After": "30"}


async def test_memory_is_bounded_by_forgetting_the_idlest() -> None:
    store = MemoryStore(max_keys=100, clock=Tick())
    limiter = Buckets(store)
    bucket = Bucket(burst=1, per_minute=1)
    await limiter.take("p", bucket, "first")
    for i in range(200):
        await limiter.take("p", bucket, f"k{i}")
    assert await limiter.take("p", bucket, "first") == 0, "forgotten, so forgiven"
    assert len(store._entries) == 100


async def test_full_buckets_and_old_failures_are_purged() -> None:
    clock = Tick()
    store = MemoryStore(clock=clock)
    await Buckets(store).take("p", Bucket(burst=2, per_minute=60), "a")
    await Backoff(store, "f", free=1, longest=60, memory=100).failed("x")
    clock.now += 2
    assert await store.purge() == 1, "the bucket is full again: it means nothing"
    clock.now += 200
    assert await store.purge() == 1


async def test_failures_slow_one_source_on_one_name_and_never_the_others() -> None:
    clock = Tick()
    throttle = Backoff(MemoryStore(clock=clock), "sign-in", free=5, longest=900)
    for _ in range(5):
        assert await throttle.wait("canbo.a|203.0.113.9") == 0
        await throttle.failed("canbo.a|203.0.113.9")
    assert await throttle.wait("canbo.a|203.0.113.9") == 0, "five are free"
    waits = []
    for _ in range(12):
        clock.now += 60
        await throttle.failed("canbo.a|203.0.113.9")
        waits.append(await throttle.wait("canbo.a|203.0.113.9"))
    assert waits[:5] == [1, 2, 4, 8, 16]
    assert max(waits) == 900, "doubling, capped"
    assert await throttle.wait("canbo.a|198.51.100.4") == 0, "the owner elsewhere is not held back"
    assert await throttle.wait("canbo.b|203.0.113.9") == 0, "nor another name from the same place"
    await throttle.succeeded("canbo.a|203.0.113.9")
    assert await throttle.wait("canbo.a|203.0.113.9") == 0
