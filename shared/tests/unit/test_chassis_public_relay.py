"""The outbox relay's public twins: a committed event on a topic with a public twin is published there too,
right after itself, with the same envelope and its personal data removed; other topics get no twin."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest

from motcua_shared.chassis.bus.base import Message
from motcua_shared.chassis.bus.local import LocalBus
from motcua_shared.chassis.db import Database
from motcua_shared.chassis.messaging.outbox import OutboxRelay
from motcua_shared.chassis.uow import UnitOfWork
from motcua_shared.contracts import topics
from motcua_shared.contracts.base import CloudEvent, Event
from motcua_shared.contracts.catalog import ProcedurePublished
from motcua_shared.contracts.dossier import DossierRated, DossierSubmitted
from motcua_shared.contracts.examples import examples
from motcua_shared.testing import PERSONAL_VALUES, eventually, messaging_db, with_personal_text


class RecordingBus(LocalBus):
    """The in-memory log, keeping also the order of what is published across topics and what is created."""

    def __init__(self) -> None:
        super().__init__()
        self.published: list[Message] = []
        self.ensured: list[str] = []

    async def publish(self, messages: Sequence[Message]) -> None:
        await super().publish(messages)
        self.published.extend(messages)

    async def ensure_topics(self, topics: Sequence[str]) -> None:
        await super().ensure_topics(topics)
        self.ensured.extend(topics)


@pytest.fixture
async def bus() -> AsyncIterator[RecordingBus]:
    recording = RecordingBus()
    yield recording
    await recording.stop()


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await messaging_db(tmp_path / "outbox.db")
    yield database
    await database.dispose()


async def _commit(db: Database, events: Sequence[Event]) -> list[CloudEvent]:
    async with UnitOfWork(db, source="/motcua/dossier") as uow:
        envelopes = [uow.outbox.add(event) for event in events]
        await uow.commit()
    return envelopes


async def _relay(relay: OutboxRelay, rows: int) -> None:
    """Relay until ``rows`` committed rows are published, as the relay's loop would."""

    async def done() -> bool:
        await relay.relay_once()
        return relay.published >= rows

    await eventually(done, what=f"{rows} rows relayed", timeout=10)
    await relay.stop()
    assert relay.published == rows


async def test_an_event_with_a_public_twin_is_published_twice_and_the_twin_holds_no_personal_data(
    db: Database, bus: RecordingBus
) -> None:
    samples = examples()
    submitted = samples[DossierSubmitted.TYPE]
    rated = with_personal_text(samples[DossierRated.TYPE])
    published = samples[ProcedurePublished.TYPE]
    envelopes = await _commit(db, [submitted, published, rated])
    relay = OutboxRelay(db, bus, service="dossier", public=topics.PUBLIC)
    await _relay(relay, 3)

    assert bus.ensured == [topics.PUBLIC_DOSSIER], "the public topic is created before its first event"
    assert [m.topic for m in bus.published] == [
        topics.DOSSIER,
        topics.PUBLIC_DOSSIER,
        topics.CATALOG,
        topics.DOSSIER,
        topics.PUBLIC_DOSSIER,
    ]
    internal = [m for m in bus.published if m.topic == topics.DOSSIER]
    public = [m for m in bus.published if m.topic == topics.PUBLIC_DOSSIER]
    assert PERSONAL_VALUES.search(internal[0].value.decode()), "the internal event keeps the contact"
    assert PERSONAL_VALUES.search(internal[1].value.decode()), "and the rating's comment"
    for message, original in zip(public, (envelopes[0], envelopes[2]), strict=True):
        assert PERSONAL_VALUES.search(message.value.decode()) is None, message.value
        twin = CloudEvent.from_json(message.value)
        assert message.key == original.subject
        assert (twin.id, twin.type, twin.subject, twin.source, twin.time) == (
            original.id,
            original.type,
            original.subject,
            original.source,
            original.time,
        )
        assert message.headers == internal[0].headers
    assert "applicant" not in CloudEvent.from_json(public[0].value).data
    assert "comment" not in CloudEvent.from_json(public[1].value).data
    assert CloudEvent.from_json(public[1].value).data["rating"] == rated.model_dump(mode="json")["rating"]


async def test_without_public_topics_the_relay_publishes_each_event_once(
    db: Database, bus: RecordingBus
) -> None:
    await _commit(db, [examples()[DossierSubmitted.TYPE]])
    relay = OutboxRelay(db, bus, service="dossier")
    await _relay(relay, 1)
    assert [m.topic for m in bus.published] == [topics.DOSSIER]
    assert bus.ensured == []
