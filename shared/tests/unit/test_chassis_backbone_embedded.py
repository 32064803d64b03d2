"""The event backbone on the embedded transport: SQLite databases and the in-process log."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import backbone_scenarios as scenarios
import pytest
from backbone_toy import Toy

from motcua_shared.chassis.bus.local import LocalBus


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


async def test_round_trip(toy: Toy) -> None:
    await scenarios.round_trip(toy)


async def test_consumer_killed_before_offset_commit_redelivery_is_noop(toy: Toy) -> None:
    await scenarios.killed_before_offset_commit(toy)


async def test_poison_event_reaches_dlq_and_the_rest_flow(toy: Toy) -> None:
    await scenarios.poison_goes_to_dlq(toy)


async def test_order_per_aggregate(toy: Toy) -> None:
    await scenarios.order_per_aggregate(toy)
