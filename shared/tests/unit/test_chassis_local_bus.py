"""The embedded bus's log: ordered per key, resumable per group, compacted without losing offsets."""

from __future__ import annotations

from pathlib import Path

from motcua_shared.chassis.bus.base import Message, Record
from motcua_shared.chassis.bus.local import LocalBus


def _messages(count: int, key: str = "hs-1") -> list[Message]:
    return [Message(topic="t.v1", key=key, value=f"m{i}".encode()) for i in range(count)]


async def _drain(bus: LocalBus, group: str) -> list[Record]:
    consumer = bus.consumer(group, ["t.v1"])
    await consumer.start()
    records: list[Record] = []
    while batch := await consumer.poll(max_records=100, timeout=0.05):
        records.extend(batch)
    await consumer.commit({r.position: r.offset + 1 for r in records})
    await consumer.stop()
    return records


async def test_a_group_resumes_from_its_commit_and_other_groups_are_independent(tmp_path: Path) -> None:
    bus = LocalBus(tmp_path / "bus.db", partitions=3)
    await bus.publish(_messages(5))
    assert [r.value for r in await _drain(bus, "a")] == [b"m0", b"m1", b"m2", b"m3", b"m4"]
    await bus.publish(_messages(2))
    assert len(await _drain(bus, "a")) == 2, "only what came after the commit"
    assert len(await _drain(bus, "b")) == 7, "a new group reads the whole log"
    await bus.stop()


async def test_compaction_keeps_what_a_group_has_not_committed_and_the_offsets(tmp_path: Path) -> None:
    bus = LocalBus(tmp_path / "bus.db", partitions=1)
    await bus.publish(_messages(10))
    await _drain(bus, "fast")
    slow = bus.consumer("slow", ["t.v1"])
    await slow.start()
    first = await slow.poll(max_records=4, timeout=0.05)
    await slow.commit({first[-1].position: first[-1].offset + 1})
    await slow.stop()

    assert await bus.compact() == 4, "only what both groups committed"
    rest = await _drain(bus, "slow")
    assert [r.offset for r in rest] == list(range(4, 10))

    assert await bus.compact() == 5, "the last record stays"
    await bus.stop()
    reopened = LocalBus(tmp_path / "bus.db", partitions=1)
    await reopened.publish(_messages(1))
    new = await _drain(reopened, "fast")
    assert [r.offset for r in new] == [10], "offsets never restart after compaction"
    await reopened.stop()


async def test_records_read_from_memory_equal_those_read_from_the_file(tmp_path: Path) -> None:
    bus = LocalBus(tmp_path / "bus.db", partitions=4)
    bus.TAIL = 8  # small, so that part of the log is only in the file
    messages = [
        Message(topic="t.v1", key=f"hs-{i % 5}", value=f"m{i}".encode(), headers=(("h", f"{i}".encode()),))
        for i in range(60)
    ]
    for start in range(0, 60, 7):
        await bus.publish(messages[start : start + 7])
    from_memory_and_file = await _drain(bus, "live")  # the newest records come from the tails
    await bus.stop()

    reopened = LocalBus(tmp_path / "bus.db", partitions=4)  # nothing in memory: all from the file
    from_file = await _drain(reopened, "replay")
    await reopened.stop()

    def by_partition(records: list[Record]) -> dict[int, list[tuple[int, str | None, bytes, object]]]:
        out: dict[int, list[tuple[int, str | None, bytes, object]]] = {}
        for r in records:
            out.setdefault(r.partition, []).append((r.offset, r.key, r.value, r.headers))
        return out

    assert len(from_file) == 60
    assert by_partition(from_memory_and_file) == by_partition(from_file)
    for rows in by_partition(from_file).values():
        assert [offset for offset, *_ in rows] == list(range(len(rows))), "each partition whole, in order"
