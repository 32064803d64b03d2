"""Sign-in throttling by account name and source: slows a guesser, never locks the owner out.

Wrong passwords are counted per (username, source address), whether the account exists or not, so the
answer never tells whether it does. After ``free`` failures in a row the source waits 1 s, then 2 s, 4 s…
up to ``longest`` before its next try on that name; a success from the source clears its count. A
stranger's failures elsewhere therefore cost the officer at their own desk nothing; the per-address
buckets (:mod:`gateway.ratelimit`) bound what one source tries across names. Kept in the gateway's memory
like the buckets, bounded, the least recently used forgotten first (which only ever forgives).
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta


class SignInThrottle:
    """Consecutive failures and the earliest next try, per (name, source)."""

    def __init__(self, *, free: int, longest: timedelta, max_keys: int = 100_000) -> None:
        self._free = free
        self._longest = longest
        self._max_keys = max_keys
        self._entries: OrderedDict[tuple[str, str], tuple[int, datetime]] = OrderedDict()

    @staticmethod
    def _key(name: str, source: str) -> tuple[str, str]:
        return name.strip().lower(), source

    def wait(self, name: str, source: str, now: datetime) -> timedelta:
        """How long ``source`` must still wait before trying ``name`` again (zero when it may)."""
        entry = self._entries.get(self._key(name, source))
        if entry is None or entry[1] <= now:
            return timedelta(0)
        return entry[1] - now

    def failed(self, name: str, source: str, now: datetime) -> None:
        """Count a failed try; past the free ones, the next waits twice as long as the last (capped)."""
        key = self._key(name, source)
        failures = self._entries.pop(key, (0, now))[0] + 1
        over = failures - self._free
        delay = min(self._longest, timedelta(seconds=2 ** min(over - 1, 30))) if over > 0 else timedelta(0)
        self._entries[key] = (failures, now + delay)
        while len(self._entries) > self._max_keys:
            self._entries.popitem(last=False)

    def succeeded(self, name: str, source: str) -> None:
        """A right password from ``source`` clears its count for ``name``."""
        self._entries.pop(self._key(name, source), None)
