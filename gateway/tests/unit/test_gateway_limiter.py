"""Token buckets: burst, refill, Retry-After, independence of keys, bounded memory."""

from __future__ import annotations

import pytest

from gateway.ratelimit.limiter import TokenBucketLimiter
from gateway.settings import Bucket
from motcua_shared.chassis.errors import RateLimited


class Tick:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_its_burst_then_refills_at_its_rate() -> None:
    clock = Tick()
    limiter = TokenBucketLimiter(clock=clock)
    bucket = Bucket(burst=3, per_minute=6)
    assert [limiter.take("p", bucket, "a") for _ in range(3)] == [0, 0, 0]
    assert limiter.take("p", bucket, "a") == pytest.approx(10.0), "one token every 10 s"
    clock.now += 10
    assert limiter.take("p", bucket, "a") == 0
    clock.now += 3600
    assert [limiter.take("p", bucket, "a") for _ in range(4)][-1] > 0, "refill stops at the burst"


def test_keys_and_policies_have_their_own_buckets() -> None:
    limiter = TokenBucketLimiter(clock=Tick())
    bucket = Bucket(burst=1, per_minute=1)
    assert limiter.take("p", bucket, "a") == 0
    assert limiter.take("p", bucket, "b") == 0
    assert limiter.take("q", bucket, "a") == 0
    assert limiter.take("p", bucket, "a") > 0


def test_check_raises_429_with_retry_after() -> None:
    limiter = TokenBucketLimiter(clock=Tick())
    bucket = Bucket(burst=1, per_minute=2)
    limiter.check("p", bucket, "a")
    with pytest.raises(RateLimited) as raised:
        limiter.check("p", bucket, "a")
    assert raised.value.headers == {"Retry-After": "30"}


def test_memory_is_bounded_by_forgetting_the_idlest() -> None:
    limiter = TokenBucketLimiter(max_keys=100, clock=Tick())
    bucket = Bucket(burst=1, per_minute=1)
    limiter.take("p", bucket, "first")
    for i in range(200):
        limiter.take("p", bucket, f"k{i}")
    assert limiter.take("p", bucket, "first") == 0, "forgotten, so forgiven"
    assert len(limiter._buckets) == 100
