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


def is_weak_proof(proof: str) -> bool:
    """Whether ``proof`` has the shape of a phone's last 4 digits (10⁴ values), not of a receipt's secret."""
    text = proof.strip()
    return len(text) == 4 and text.isdigit()


class LookupGuard:
    """Limits lookups per client, wrong proofs per client and code, and — without locking the owner
    out — wrong proofs per code: past that limit a code takes only its receipt's secret (8 characters, ~40
    bits), never the guessable 4 digits, so a stranger's failures cannot keep its holder from looking."""

    def __init__(
        self,
        *,
        per_client_per_minute: int,
        failures_per_code_per_hour: int,
        failures_per_client_code_per_hour: int = 5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clients = _Windows(per_client_per_minute, 60.0)
        self._failures = _Windows(failures_per_code_per_hour, 3600.0)
        self._client_failures = _Windows(failures_per_client_code_per_hour, 3600.0)
        self._clock = clock

    def admit(self, client: str, code: str, proof: str) -> None:
        """429 when the client asked too often or failed too often on this code, or when the code has seen
        too many wrong proofs and this one is the weak kind (unknown codes count alike: nothing tells
        whether a code exists)."""
        now = self._clock()
        key = code.upper()
        wait = (
            self._clients.full(client, now)
            or self._client_failures.full(f"{client}|{key}", now)
            or (self._failures.full(key, now) if is_weak_proof(proof) else None)
        )
        if wait is not None:
            raise RateLimited(
                "Tra cứu quá nhiều lần; vui lòng thử lại sau, hoặc dùng mã tra cứu in trên giấy biên nhận.",
                detail_en="Too many look-ups; try again later, or use the code printed on the receipt.",
                headers={"Retry-After": str(round(wait))},
            )
        self._clients.add(client, now)

    def failed(self, client: str, code: str) -> None:
        """Count a wrong proof (or an unknown code: they must look alike)."""
        now = self._clock()
        self._failures.add(code.upper(), now)
        self._client_failures.add(f"{client}|{code.upper()}", now)
