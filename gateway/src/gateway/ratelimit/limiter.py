"""Token buckets in the gateway's memory, keyed by policy and caller.

One gateway process holds the buckets; with several replicas each enforces its own share (the limits
are per replica). The number of buckets is bounded: the least recently used are forgotten first, which
only ever forgives a caller, so an attacker cycling through keys cannot exhaust memory.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable

from gateway.settings import Bucket
from motcua_shared.chassis.errors import RateLimited


class TokenBucketLimiter:
    """``take(name, bucket, key)`` spends one token or says how long to wait."""

    def __init__(self, *, max_keys: int = 100_000, clock: Callable[[], float] = time.monotonic) -> None:
        self._buckets: OrderedDict[tuple[str, str], tuple[float, float]] = OrderedDict()
        self._max_keys = max_keys
        self._clock = clock
        self.enabled = True

    def take(self, name: str, bucket: Bucket, key: str) -> float:
        """Spend a token of ``key``'s bucket under policy ``name``; 0 if allowed, else seconds to wait."""
        if not self.enabled:
            return 0.0
        now = self._clock()
        rate = bucket.per_minute / 60.0
        slot = (name, key)
        tokens, updated = self._buckets.pop(slot, (float(bucket.burst), now))
        tokens = min(float(bucket.burst), tokens + (now - updated) * rate)
        if tokens >= 1.0:
            self._buckets[slot] = (tokens - 1.0, now)
            wait = 0.0
        else:
            self._buckets[slot] = (tokens, now)
            wait = (1.0 - tokens) / rate
        while len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)
        return wait

    def check(self, name: str, bucket: Bucket, key: str) -> None:
        """Like :meth:`take`, raising 429 with ``Retry-After`` when the bucket is empty."""
        wait = self.take(name, bucket, key)
        if wait > 0:
            raise RateLimited(
                "Bạn đã gửi quá nhiều yêu cầu; vui lòng thử lại sau.",
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )

    def reset(self) -> None:
        """Forget every bucket."""
        self._buckets.clear()
