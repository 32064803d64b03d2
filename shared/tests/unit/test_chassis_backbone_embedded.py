"""The event backbone on the embedded transport: SQLite databases and the in-process log."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import backbone_scenarios as scenarios
import pytest
from backbone_toy import Toy
from sqlalchemy import func, select

from motcua_shared.chassis.bus.local import LocalBus
from motcua_shared.chassis.messaging.models import OutboxRecord
from motcua_shared.testing import eventually


@pytest.fixture
async def toy(tmp_path: Path) -> AsyncIterator[Toy]:
    bus = LocalBus(tmp_path / "bus.db", partitions=4)
    await bus.start()
    toy = await Toy.create(
        bus, f"sqlite+aiosqlite:///{tmp_path}/producer.db", f"sqlite+aiosqlite:///{tmp_path}/consumer.db"
    )
    yield toy
    await toy.close()
    await bus.stop()


async def test_under_load_a_wake_up_waits_for_the_commits_behind_it(
    toy: Toy, monkeypatch: pytest.MonkeyPatch
) -> None:
    await scenarios.under_load_a_wake_up_waits_for_the_commits_behind_it(toy, monkeypatch)


async def test_round_trip(toy: Toy) -> None:
    await scenarios.round_trip(toy)


async def test_consumer_killed_before_offset_commit_redelivery_is_noop(toy: Toy) -> None:
    await scenarios.killed_before_offset_commit(toy)


async def test_poison_event_reaches_dlq_and_the_rest_flow(toy: Toy) -> None:
    await scenarios.poison_goes_to_dlq(toy)


async def test_the_outbox_gauges_show_the_backlog_while_the_bus_is_unreachable(toy: Toy) -> None:
    await scenarios.outage_in_the_gauges(toy)


async def test_order_per_aggregate(toy: Toy) -> None:
    await scenarios.order_per_aggregate(toy)


async def _unmarked_rows(toy: Toy) -> int:
    async with toy.producer_db.reader() as session:
        query = select(func.count()).select_from(OutboxRecord).where(OutboxRecord.published_at.is_(None))
        return int(await session.scalar(query) or 0)


async def test_sqlite_relay_marks_published_rows_later_and_on_stop(toy: Toy) -> None:
    relay = toy.start_relay()
    toy.start_consumer()
    await toy.emit_many([(f"m-{i % 3}", i) for i in range(30)], per_transaction=3)
    await toy.wait_for_ledger(30)

    async def all_marked() -> bool:
        return await _unmarked_rows(toy) == 0

    # Published at once, marked within the mark interval (the relay's next idle round).
    await eventually(all_marked, timeout=30, what="published rows marked in the outbox")
    await toy.emit("m-0", 30)
    await toy.wait_for_ledger(31)
    await relay.stop()
    assert await _unmarked_rows(toy) == 0, "stopping marks what was published"
    assert relay.published == 31


async def test_sqlite_relay_crashing_before_its_mark_publishes_again_and_the_inbox_absorbs_it(
    toy: Toy,
) -> None:
    relay = toy.start_relay()
    toy.start_consumer()
    relay.MARK_INTERVAL = 3600  # never marks on its own: a crash loses the marks
    await toy.emit_many([(f"c-{i % 2}", i) for i in range(10)], per_transaction=5)
    await toy.wait_for_ledger(10)
    assert await _unmarked_rows(toy) == 10
    relay._unmarked.clear()  # the process died: what it remembered is gone
    await relay.stop()
    restarted = toy.start_relay()
    await eventually(lambda: restarted.published >= 10, timeout=30, what="the rows published again")
    await toy.emit("c-0", 10)
    await toy.wait_for_ledger(11)
    rows = await toy.ledger()
    assert sorted(r.seq for r in rows) == list(range(11)), "each effect once despite the second publish"
