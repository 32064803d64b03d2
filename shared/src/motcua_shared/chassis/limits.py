"""Rate limits and failure counters that every replica of a service agrees on.

The state of a limit is one small entry per (policy, key): a token bucket's level and when it was
measured, or a count of failures and until when the next try must wait. Where it lives is the
:class:`StateStore`:

- :class:`SqlStore` keeps it in the service's own database (the ``rate_state`` table, migrated with the
  service's tables by :func:`create_rate_state_table`), read and written under a row lock in one short
  transaction, so replicas behind a balancer share one budget per caller. This is the store on
  PostgreSQL, where replicas run.
- :class:`MemoryStore` keeps it in the process: the embedded platform's single process on SQLite, and tests.

Both apply the same pure update functions (:class:`Buckets`, :class:`Backoff`), so the rules are written
once. Entries carry an expiry after which they mean nothing (a full bucket, a forgotten failure); expired
rows are treated as absent and deleted by :meth:`SqlStore.purge`.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy import Float, Index, String, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from motcua_shared.chassis.db import Database
from motcua_shared.chassis.errors import RateLimited

T = TypeVar("T")
log = logging.getLogger(__name__)

WallClock = Callable[[], float]


class LimitsBase(DeclarativeBase):
    """Metadata of the shared limit state, migrated by the services that keep limits."""


class RateState(LimitsBase):
    """One limit's state for one key (see the module's docstring)."""

    __tablename__ = "rate_state"
    __table_args__ = (Index("ix_rate_state_expires", "expires"),)

    policy: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    level: Mapped[float] = mapped_column(Float)
    stamp: Mapped[float] = mapped_column(Float)
    expires: Mapped[float] = mapped_column(Float)


def create_rate_state_table(op: Any) -> None:
    """The ``rate_state`` table, for a service's Alembic migration (``op`` is ``alembic.op``)."""
    RateState.__table__.create(op.get_bind(), checkfirst=True)  # type: ignore[attr-defined]


def drop_rate_state_table(op: Any) -> None:
    """Undo :func:`create_rate_state_table`."""
    op.drop_table("rate_state")


@dataclass(frozen=True)
class Entry:
    """A limit's state: ``level`` (tokens, or failures), ``stamp`` (seconds since the epoch: when the level
    was measured, or until when to wait) and ``expires`` (after which the entry is as good as absent)."""

    level: float
    stamp: float
    expires: float


Update = Callable[[Entry | None, float], tuple[Entry | None, T]]
"""A pure step: the current entry (None when absent or expired) and now → the new entry (None deletes) and
what the caller gets back."""


class StateStore(Protocol):
    """Where limit state lives; :meth:`update` is atomic per (policy, key) across every user of the store."""

    async def update(self, policy: str, key: str, step: Update[T]) -> T:
        """Apply ``step`` to the entry of (``policy``, ``key``) atomically; what ``step`` returns."""
        ...

    async def purge(self) -> int:
        """Forget expired entries; how many."""
        ...


class MemoryStore:
    """Limit state in this process, bounded in keys: the least recently used go first, which only ever
    forgives a caller (an attacker cycling keys cannot exhaust memory)."""

    def __init__(self, *, max_keys: int = 100_000, clock: WallClock = time.time) -> None:
        self._entries: OrderedDict[tuple[str, str], Entry] = OrderedDict()
        self._max_keys = max_keys
        self._clock = clock

    async def update(self, policy: str, key: str, step: Update[T]) -> T:
        """See :meth:`StateStore.update` (no await inside: atomic on the event loop)."""
        now = self._clock()
        slot = (policy, key)
        current = self._entries.pop(slot, None)
        if current is not None and current.expires <= now:
            current = None
        new, result = step(current, now)
        if new is not None:
            self._entries[slot] = new
            while len(self._entries) > self._max_keys:
                self._entries.popitem(last=False)
        return result

    async def purge(self) -> int:
        """See :meth:`StateStore.purge`."""
        now = self._clock()
        stale = [slot for slot, entry in self._entries.items() if entry.expires <= now]
        for slot in stale:
            del self._entries[slot]
        return len(stale)

    def clear(self) -> None:
        """Forget everything."""
        self._entries.clear()


class SqlStore:
    """Limit state in the service's database, shared by its replicas (see the module's docstring)."""

    def __init__(self, db: Database, *, clock: WallClock = time.time) -> None:
        self._db = db
        self._clock = clock
        self._insert = pg_insert if db.is_postgres else sqlite_insert

    async def update(self, policy: str, key: str, step: Update[T]) -> T:
        """See :meth:`StateStore.update`: the row is created expired if missing, then locked, so two
        replicas updating one key take turns (SQLite's transactions are serial anyway)."""
        key = key[:255]
        async with self._db.session() as session, session.begin():
            now = self._clock()
            row = None
            # The purge may delete the row while this replica waits for its lock: the locked read then finds
            # nothing, and the row is made again.
            for _attempt in range(5):
                await session.execute(
                    self._insert(RateState)
                    .values(policy=policy, key=key, level=0.0, stamp=now, expires=now)
                    .on_conflict_do_nothing()
                )
                row = (
                    await session.execute(
                        select(RateState)
                        .where(RateState.policy == policy, RateState.key == key)
                        .with_for_update()
                    )
                ).scalar_one_or_none()
                if row is not None:
                    break
            if row is None:
                raise RuntimeError(f"limit state {policy}/{key} deleted under every attempt to lock it")
            current = Entry(row.level, row.stamp, row.expires) if row.expires > now else None
            new, result = step(current, now)
            if new is None:
                # Expired, not deleted: a replica waiting for this row's lock must still find it (the purge
                # removes it later).
                row.expires = now
            else:
                row.level, row.stamp, row.expires = new.level, new.stamp, new.expires
        return result

    async def purge(self) -> int:
        """See :meth:`StateStore.purge`."""
        async with self._db.session() as session, session.begin():
            result = await session.execute(delete(RateState).where(RateState.expires <= self._clock()))
        return int(getattr(result, "rowcount", 0) or 0)


def store_for(db: Database, *, clock: WallClock = time.time, max_keys: int = 100_000) -> StateStore:
    """The store a service's limits use: its database when that is PostgreSQL (replicas share it), the
    process's memory on SQLite (one process by construction). ``clock`` is the platform's, in seconds since
    the epoch (replicas' clocks agree as NTP keeps them)."""
    return SqlStore(db, clock=clock) if db.is_postgres else MemoryStore(max_keys=max_keys, clock=clock)


def _bucket_step(burst: int, per_second: float, *, spend: bool) -> Update[float]:
    def step(entry: Entry | None, now: float) -> tuple[Entry | None, float]:
        tokens = (
            float(burst)
            if entry is None
            else min(float(burst), entry.level + (now - entry.stamp) * per_second)
        )
        if tokens >= 1.0:
            wait = 0.0
            if spend:
                tokens -= 1.0
        else:
            wait = (1.0 - tokens) / per_second
        if tokens >= burst:
            return None, wait
        return Entry(tokens, now, now + (burst - tokens) / per_second), wait

    return step


class Rate(Protocol):
    """A bucket's size and refill (a settings model with these two fields is one)."""

    @property
    def burst(self) -> int:
        """Tokens at most: what may come at once."""
        ...

    @property
    def per_minute(self) -> float:
        """Tokens added per minute."""
        ...


class Buckets:
    """Token buckets by policy and key: ``rate.burst`` at once, refilled at ``rate.per_minute``."""

    def __init__(self, store: StateStore) -> None:
        self.store = store
        self.enabled = True

    async def take(self, policy: str, rate: Rate, key: str, *, spend: bool = True) -> float:
        """Spend a token of ``key``'s bucket under ``policy`` (or only look, ``spend=False``); 0 when
        allowed, else the seconds to wait."""
        if not self.enabled:
            return 0.0
        return await self.store.update(
            policy, key, _bucket_step(rate.burst, rate.per_minute / 60.0, spend=spend)
        )

    async def check(self, policy: str, rate: Rate, key: str) -> None:
        """Like :meth:`take`, raising 429 with ``Retry-After`` when the bucket is empty."""
        wait = await self.take(policy, rate, key)
        if wait > 0:
            raise RateLimited(
                "Bạn đã gửi quá nhiều yêu cầu; vui lòng thử lại sau.",
                detail_en="Too many requests; try again later.",
                headers={"Retry-After": retry_after(wait)},
            )


def retry_after(wait: float) -> str:
    """A ``Retry-After`` value for ``wait`` seconds: whole seconds, at least 1."""
    return str(max(1, math.ceil(wait)))


class Backoff:
    """Consecutive failures per key, each past the first ``free`` doubling the wait before the next try
    (1 s, 2 s, 4 s… up to ``longest``); a success clears the key. Failures are forgotten ``memory`` seconds
    after the last wait ends."""

    def __init__(
        self, store: StateStore, policy: str, *, free: int, longest: float, memory: float = 3600.0
    ) -> None:
        self.store = store
        self.policy = policy
        self._free = free
        self._longest = longest
        self._memory = memory

    async def wait(self, key: str) -> float:
        """Seconds ``key`` must still wait before its next try (0 when it may)."""

        def step(entry: Entry | None, now: float) -> tuple[Entry | None, float]:
            return entry, (0.0 if entry is None else max(0.0, entry.stamp - now))

        return await self.store.update(self.policy, key, step)

    async def failed(self, key: str) -> None:
        """Count a failed try."""

        def step(entry: Entry | None, now: float) -> tuple[Entry | None, None]:
            failures = (0 if entry is None else int(entry.level)) + 1
            over = failures - self._free
            delay = min(self._longest, float(2 ** min(over - 1, 30))) if over > 0 else 0.0
            return Entry(float(failures), now + delay, now + delay + self._memory), None

        await self.store.update(self.policy, key, step)

    async def succeeded(self, key: str) -> None:
        """Clear ``key``'s failures."""
        await self.store.update(self.policy, key, lambda _entry, _now: (None, None))


async def purge_forever(store: StateStore, *, every: float = 60.0) -> None:
    """Forget expired entries every ``every`` seconds until cancelled (run it as a singleton)."""
    while True:
        try:
            await store.purge()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("could not purge expired limit state", exc_info=True)
        await asyncio.sleep(every)
