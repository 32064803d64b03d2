"""The lookup's rate limits: sliding windows per client and per dossier code, in memory (per replica)."""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable

from motcua_shared.chassis.errors import RateLimited


class _Windows:
    """Sliding windows of event times by key, bounded in keys (least recently used dropped first)."""

    def __init__(self, limit: int, window: float, max_keys: int = 100_000) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._events: OrderedDict[str, deque[float]] = OrderedDict()

    def _recent(self, key: str, now: float) -> deque[float]:
        events = self._events.get(key)
        if events is None:
            events = deque()
            self._events[key] = events
            if len(self._events) > self.max_keys:
                self._events.popitem(last=False)
        else:
            self._events.move_to_end(key)
        while events and events[0] <= now - self.window:
            events.popleft()
        return events

    def full(self, key: str, now: float) -> float | None:
        """Seconds until ``key`` may go again, or None when it may now."""
        events = self._recent(key, now)
        if len(events) >= self.limit:
            return max(1.0, events[0] + self.window - now)
        return None

    def add(self, key: str, now: float) -> None:
        """Count one event for ``key``."""
        self._recent(key, now).append(now)


class LookupGuard:
    """Limits lookups per client, and failed proofs per code (a 4-digit proof must not be guessable)."""

    def __init__(
        self,
        *,
        per_client_per_minute: int,
        failures_per_code_per_hour: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clients = _Windows(per_client_per_minute, 60.0)
        self._failures = _Windows(failures_per_code_per_hour, 3600.0)
        self._clock = clock

    def admit(self, client: str, code: str) -> None:
        """429 when the client asked too often, or the code has seen too many wrong proofs."""
        now = self._clock()
        wait = self._clients.full(client, now) or self._failures.full(code.upper(), now)
        if wait is not None:
            raise RateLimited(
                "Tra cứu quá nhiều lần; vui lòng thử lại sau.", headers={"Retry-After": str(round(wait))}
            )
        self._clients.add(client, now)

    def failed(self, code: str) -> None:
        """Count a wrong proof (or an unknown code: they must look alike)."""
        self._failures.add(code.upper(), self._clock())
