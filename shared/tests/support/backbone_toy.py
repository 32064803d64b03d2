"""A toy producer and consumer service for testing the event backbone on any bus and database.

The toy event is deliberately not registered in the contracts registry: it is not part of the platform.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any, ClassVar

from sqlalchemy import Integer, MetaData, String, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from motcua_shared.chassis.bus.base import Bus
from motcua_shared.chassis.db import NAMING_CONVENTION, Database
from motcua_shared.chassis.messaging.consumer import ConsumerRunner, Handlers
from motcua_shared.chassis.messaging.models import MessagingBase
from motcua_shared.chassis.messaging.outbox import OutboxRelay
from motcua_shared.chassis.settings import BusSettings, DbSettings
from motcua_shared.chassis.uow import UnitOfWork
from motcua_shared.contracts.base import CloudEvent, Event
from motcua_shared.testing import eventually


class ToyBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Ledger(ToyBase):
    """The consumer's effect: one row per handled event."""

    __tablename__ = "toy_ledger"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    aggregate: Mapped[str] = mapped_column(String(64), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    event_id: Mapped[str] = mapped_column(String(64))
    handled_at: Mapped[float] = mapped_column()
    committed_at: Mapped[float] = mapped_column(default=0.0)


class ToyHappened(Event):
    TYPE: ClassVar[str] = "vn.motcua.toy.thing.happened.v1"
    TOPIC: ClassVar[str] = "motcua.toy.v1"
    SUBJECT_FIELD: ClassVar[str] = "aggregate"

    aggregate: str
    seq: int
    poison: bool = False
    committed_at: float = 0.0


def toy_event(topic: str) -> type[ToyHappened]:
    """A toy event class on its own topic, so tests never see each other's records."""
    return type("ToyHappened", (ToyHappened,), {"TOPIC": topic, "__module__": __name__})


async def create_schema(db: Database) -> None:
    """Messaging and toy tables (tests skip Alembic here; migrations are tested separately)."""
    async with db.engine.begin() as conn:
        await conn.run_sync(MessagingBase.metadata.create_all)
        await conn.run_sync(ToyBase.metadata.create_all)


@dataclass
class Toy:
    """A producer (database + relay) and a consumer (database + runner) around one bus."""

    bus: Bus
    producer_db: Database
    consumer_db: Database
    event: type[ToyHappened]
    group: str
    bus_settings: BusSettings
    relay: OutboxRelay | None = None
    runners: list[ConsumerRunner] = field(default_factory=list)
    poison_cured: bool = False

    @classmethod
    async def create(
        cls, bus: Bus, producer_url: str, consumer_url: str, *, topic: str | None = None, **bus_options: Any
    ) -> Toy:
        producer_db = Database(DbSettings(url=producer_url))
        consumer_db = Database(DbSettings(url=consumer_url))
        await create_schema(producer_db)
        await create_schema(consumer_db)
        topic = topic or f"motcua.toy.{uuid.uuid4().hex[:8]}.v1"
        settings = BusSettings(
            consumer_max_attempts=3, consumer_backoff_initial=0.01, consumer_backoff_max=0.05, **bus_options
        )
        return cls(bus, producer_db, consumer_db, toy_event(topic), f"toy-{uuid.uuid4().hex[:8]}", settings)

    def producer_uow(self) -> UnitOfWork:
        return UnitOfWork(self.producer_db, source="/motcua/toy-producer", on_commit=self.wake)

    def consumer_uow(self) -> UnitOfWork:
        return UnitOfWork(self.consumer_db, source="/motcua/toy-consumer")

    def wake(self) -> None:
        if self.relay is not None:
            self.relay.wake()

    def handlers(self) -> Handlers[UnitOfWork]:
        handlers: Handlers[UnitOfWork] = Handlers()

        @handlers.on(self.event)
        async def happened(uow: UnitOfWork, event: ToyHappened, envelope: CloudEvent) -> None:
            if event.poison and not self.poison_cured:
                raise ValueError(f"poison event {event.aggregate}/{event.seq}")
            uow.session.add(
                Ledger(
                    aggregate=event.aggregate,
                    seq=event.seq,
                    event_id=envelope.id,
                    handled_at=time.time(),
                    committed_at=event.committed_at,
                )
            )

        return handlers

    def start_relay(self, **options: Any) -> OutboxRelay:
        self.relay = OutboxRelay(self.producer_db, self.bus, service="toy-producer", **options)
        self.relay.start()
        return self.relay

    def start_consumer(self, bus: Bus | None = None) -> ConsumerRunner:
        runner = ConsumerRunner(
            group=self.group,
            service="toy-consumer",
            bus=bus or self.bus,
            handlers=self.handlers(),
            uow_factory=self.consumer_uow,
            settings=self.bus_settings,
        )
        runner.start()
        self.runners.append(runner)
        return runner

    async def emit(self, aggregate: str, seq: int, *, poison: bool = False) -> None:
        """One use case: one transaction, one event in the outbox."""
        async with self.producer_uow() as uow:
            uow.outbox.add(self.event(aggregate=aggregate, seq=seq, poison=poison, committed_at=time.time()))
            await uow.commit()

    async def emit_many(self, events: list[tuple[str, int]], *, per_transaction: int = 1) -> None:
        for start in range(0, len(events), per_transaction):
            async with self.producer_uow() as uow:
                for aggregate, seq in events[start : start + per_transaction]:
                    uow.outbox.add(self.event(aggregate=aggregate, seq=seq, committed_at=time.time()))
                await uow.commit()

    async def ledger(self) -> list[Ledger]:
        async with self.consumer_db.session() as session:
            return list(await session.scalars(select(Ledger).order_by(Ledger.id)))

    async def ledger_count(self) -> int:
        async with self.consumer_db.session() as session:
            return int(await session.scalar(select(func.count()).select_from(Ledger)) or 0)

    async def wait_for_ledger(self, count: int, *, timeout: float = 60) -> None:
        async def enough() -> bool:
            return await self.ledger_count() >= count

        await eventually(enough, timeout=timeout, what=f"{count} ledger rows")

    async def close(self) -> None:
        for runner in self.runners:
            await runner.stop()
        if self.relay is not None:
            await self.relay.stop()
        await self.producer_db.dispose()
        await self.consumer_db.dispose()
