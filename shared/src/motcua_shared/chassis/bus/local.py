"""The in-process bus of the embedded mode: a durable, partitioned log in a SQLite file.

It is not a mock. Offsets are committed per group and a restarted consumer resumes from its committed
offsets, so the embedded mode has the same at-least-once semantics as Kafka. Records that every group
reading a partition has committed are compacted away from time to time (the last record of a partition is
kept, so offsets never restart); a group that joins later starts after them. Kafka's own behaviour is
only ever tested against Kafka.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections import deque
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Integer,
    LargeBinary,
    String,
    Table,
    delete,
    func,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from motcua_shared.chassis.bus.base import Bus, Consumer, Message, Record, TopicPartition, partition_for
from motcua_shared.chassis.db import Database
from motcua_shared.chassis.settings import DbSettings


class _LogBase(DeclarativeBase):
    pass


class _LogRecord(_LogBase):
    __tablename__ = "bus_records"

    topic: Mapped[str] = mapped_column(String(249), primary_key=True)
    partition: Mapped[int] = mapped_column(Integer, primary_key=True)
    offset: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str | None] = mapped_column(String(255))
    value: Mapped[bytes] = mapped_column(LargeBinary)
    headers: Mapped[list[list[str]]] = mapped_column(JSON, default=list)


class _GroupOffset(_LogBase):
    __tablename__ = "bus_offsets"

    group: Mapped[str] = mapped_column(String(255), primary_key=True)
    topic: Mapped[str] = mapped_column(String(249), primary_key=True)
    partition: Mapped[int] = mapped_column(Integer, primary_key=True)
    offset: Mapped[int] = mapped_column(Integer)


_RECORDS = cast(Table, _LogRecord.__table__)
_OFFSETS = cast(Table, _GroupOffset.__table__)


class LocalBus(Bus):
    """A partitioned log in SQLite (``path``) or in memory (``path=None``, for unit tests)."""

    TAIL = 256
    """Newest records kept in memory per partition for consumers that keep up."""

    def __init__(self, path: Path | None = None, *, partitions: int = 12) -> None:
        url = f"sqlite+aiosqlite:///{path}" if path else "sqlite+aiosqlite://"
        self._db = Database(DbSettings(url=url, auto_migrate=False))
        self.partitions = partitions
        self._write_lock = asyncio.Lock()
        # In memory there is one connection (StaticPool): sessions must take turns on it.
        self._shared_connection = path is None
        self._published = asyncio.Condition()
        self._ends: dict[TopicPartition, int] = {}
        self._started = False
        self._starting = asyncio.Lock()
        self.compact_every = 60.0
        self._tails: dict[TopicPartition, deque[Record]] = {}
        self._compacted_at = time.monotonic()

    async def start(self) -> None:
        """Create the log's tables and learn where each partition ends."""
        async with self._starting:
            if self._started:
                return
            async with self._turn(), self._db.engine.begin() as conn:
                await conn.run_sync(_LogBase.metadata.create_all)
            async with self._turn(), self._db.reader() as session:
                rows = await session.execute(
                    select(_LogRecord.topic, _LogRecord.partition, func.max(_LogRecord.offset)).group_by(
                        _LogRecord.topic, _LogRecord.partition
                    )
                )
                self._ends = {(t, p): int(o) + 1 for t, p, o in rows.all()}
            self._tails = {}
            self._started = True

    async def stop(self) -> None:
        """Close the log file."""
        self._started = False
        await self._db.dispose()

    async def publish(self, messages: Sequence[Message]) -> None:
        """Append the messages durably (committed to the SQLite file) and wake the consumers."""
        if not messages:
            return
        await self.start()
        async with self._write_lock:
            ends = dict(self._ends)
            rows: list[dict[str, Any]] = []
            for message in messages:
                tp = (message.topic, partition_for(message.key, self.partitions))
                offset = ends.get(tp, 0)
                ends[tp] = offset + 1
                rows.append(
                    {
                        "topic": tp[0],
                        "partition": tp[1],
                        "offset": offset,
                        "key": message.key,
                        "value": message.value,
                        "headers": [[k, v.decode("utf-8", "replace")] for k, v in message.headers],
                    }
                )
            async with self._db.session() as session:
                await session.execute(sqlite_insert(_RECORDS), rows)
                await session.commit()
            self._ends = ends
            # The newest records also stay in memory: a consumer keeping up reads them from here, not
            # from the file (which stays the durable log, for restarts and late readers).
            for row in rows:
                tp = (row["topic"], row["partition"])
                tail = self._tails.get(tp)
                if tail is None:
                    tail = self._tails[tp] = deque(maxlen=self.TAIL)
                tail.append(
                    _record(
                        row["topic"],
                        row["partition"],
                        row["offset"],
                        row["key"],
                        row["value"],
                        row["headers"],
                    )
                )
        async with self._published:
            self._published.notify_all()

    def consumer(self, group: str, topics: Sequence[str]) -> Consumer:
        """A consumer of ``topics`` in ``group``."""
        return _LocalConsumer(self, group, list(topics))

    async def ensure_topics(self, topics: Sequence[str]) -> None:
        """Topics need no creation in the local log."""
        await self.start()

    async def ping(self) -> bool:
        """True when the log file answers."""
        return self._started and await self._db.ping()

    def end_offset(self, tp: TopicPartition) -> int:
        """The offset the next record of ``tp`` will get."""
        return self._ends.get(tp, 0)

    async def _wait_for_records(self, timeout: float) -> None:
        async with self._published:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):  # not wait_for: see chassis.background
                    await self._published.wait()

    def _turn(self) -> contextlib.AbstractAsyncContextManager[object]:
        return self._write_lock if self._shared_connection else contextlib.nullcontext()

    async def _read(self, starts: Sequence[tuple[TopicPartition, int]], per_partition: int) -> list[Record]:
        """Up to ``per_partition`` records of each partition from its start offset: from the in-memory
        tail when it still holds that offset, else from the file in one statement."""
        records: list[Record] = []
        from_file: list[tuple[TopicPartition, int]] = []
        for tp, start in starts:
            tail = self._tails.get(tp)
            if tail and tail[0].offset <= start:
                first = start - tail[0].offset
                records.extend(itertools.islice(tail, first, first + per_partition))
            else:
                from_file.append((tp, start))
        if from_file:
            records.extend(await self._read_file(from_file, per_partition))
        # Each partition's records in order; partitions in the order asked (the caller rotates it).
        rank = {tp: i for i, (tp, _) in enumerate(starts)}
        records.sort(key=lambda r: (rank[(r.topic, r.partition)], r.offset))
        return records

    async def _read_file(
        self, starts: Sequence[tuple[TopicPartition, int]], per_partition: int
    ) -> list[Record]:
        table = _LogRecord.__table__.c
        parts = [
            select(table.topic, table.partition, table.offset, table.key, table.value, table.headers)
            .where(table.topic == topic, table.partition == partition, table.offset >= start)
            .order_by(table.offset)
            .limit(per_partition)
            .subquery()
            .select()
            for (topic, partition), start in starts
        ]
        statement = parts[0] if len(parts) == 1 else union_all(*parts)
        async with self._turn(), self._db.reader() as session:
            rows = (await session.execute(statement)).all()
        return [_record(*row) for row in rows]

    async def _committed(self, group: str, tps: Sequence[TopicPartition]) -> dict[TopicPartition, int]:
        async with self._turn(), self._db.reader() as session:
            rows = await session.execute(
                select(_GroupOffset.topic, _GroupOffset.partition, _GroupOffset.offset).where(
                    _GroupOffset.group == group,
                    tuple_(_GroupOffset.topic, _GroupOffset.partition).in_(list(tps)),
                )
            )
            return {(t, p): o for t, p, o in rows.all()}

    async def _commit(self, group: str, offsets: Mapping[TopicPartition, int]) -> None:
        if not offsets:
            return
        async with self._turn(), self._db.session() as session:
            stmt = sqlite_insert(_OFFSETS)
            stmt = stmt.on_conflict_do_update(
                index_elements=["group", "topic", "partition"], set_={"offset": stmt.excluded.offset}
            )
            await session.execute(
                stmt,
                [{"group": group, "topic": t, "partition": p, "offset": o} for (t, p), o in offsets.items()],
            )
            await session.commit()
        if time.monotonic() - self._compacted_at > self.compact_every:
            self._compacted_at = time.monotonic()
            await self.compact()

    async def compact(self) -> int:
        """Delete the records every group reading their partition has committed; returns how many."""
        deleted = 0
        async with self._write_lock, self._db.session() as session:
            floors = await session.execute(
                select(_GroupOffset.topic, _GroupOffset.partition, func.min(_GroupOffset.offset)).group_by(
                    _GroupOffset.topic, _GroupOffset.partition
                )
            )
            for topic, partition, floor in floors.all():
                keep_from = min(int(floor), self.end_offset((topic, partition)) - 1)
                result = await session.execute(
                    delete(_LogRecord).where(
                        _LogRecord.topic == topic,
                        _LogRecord.partition == partition,
                        _LogRecord.offset < keep_from,
                    )
                )
                deleted += int(getattr(result, "rowcount", 0) or 0)
            await session.commit()
        return deleted


def _record(
    topic: str, partition: int, offset: int, key: str | None, value: bytes, headers: list[list[str]]
) -> Record:
    return Record(
        topic=topic,
        partition=partition,
        offset=offset,
        key=key,
        value=value,
        headers=tuple((k, v.encode("utf-8")) for k, v in headers),
    )


class _LocalConsumer(Consumer):
    def __init__(self, bus: LocalBus, group: str, topics: list[str]) -> None:
        self._bus = bus
        self._group = group
        self._tps = [(t, p) for t in topics for p in range(bus.partitions)]
        self._positions: dict[TopicPartition, int] = {}
        self._next = 0

    async def start(self) -> None:
        await self._bus.start()
        await self.seek_to_committed()

    async def stop(self) -> None:
        self._positions = {}

    async def seek_to_committed(self) -> None:
        committed = await self._bus._committed(self._group, self._tps)
        self._positions = {tp: committed.get(tp, 0) for tp in self._tps}

    async def poll(self, *, max_records: int, timeout: float) -> list[Record]:
        ready = self._ready()
        if not ready:
            await self._bus._wait_for_records(timeout)
            ready = self._ready()
        if not ready:
            return []
        # Start each poll at a different partition, and share the batch among the ready partitions, so a
        # busy one cannot starve the rest.
        self._next = (self._next + 1) % len(ready)
        order = ready[self._next :] + ready[: self._next]
        share = max(1, -(-max_records // len(order)))
        records = await self._bus._read([(tp, self._positions[tp]) for tp in order], share)
        records = records[:max_records]
        for record in records:
            self._positions[record.position] = record.offset + 1
        return records

    def _ready(self) -> list[TopicPartition]:
        return [tp for tp, pos in self._positions.items() if self._bus.end_offset(tp) > pos]

    async def commit(self, offsets: Mapping[TopicPartition, int]) -> None:
        await self._bus._commit(self._group, offsets)

    async def lag(self) -> int:
        return sum(max(self._bus.end_offset(tp) - pos, 0) for tp, pos in self._positions.items())
