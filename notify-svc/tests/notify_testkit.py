"""Fixtures of notify-svc's tests: a running service on SQLite and the in-process bus, tokens, a clock."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from motcua_shared.chassis.bus.base import Bus, Message
from motcua_shared.chassis.bus.local import LocalBus
from motcua_shared.chassis.clock import PLATFORM_TZ, SettableClock
from motcua_shared.chassis.settings import BusSettings, DbSettings
from motcua_shared.contracts.base import CloudEvent, Event
from motcua_shared.contracts.registry import model_for
from motcua_shared.testing import Tokens, eventually
from notify_svc.app import create_app
from notify_svc.deliveries.dispatcher import Dispatcher
from notify_svc.settings import DispatchSettings, RetrySettings, Settings, StreamSettings

TOKENS = Tokens()
DAYTIME = datetime(2025, 8, 4, 9, 0, tzinfo=PLATFORM_TZ)


class FakeClock(SettableClock):
    """A clock tests move by hand, stopped on a weekday's daytime unless told otherwise."""

    def __init__(self, at: datetime = DAYTIME) -> None:
        super().__init__(at)


@dataclass
class Notify:
    """A started notify-svc and what tests poke it with."""

    app: FastAPI
    client: httpx.AsyncClient
    bus: Bus
    clock: FakeClock
    settings: Settings
    published: list[CloudEvent] = field(default_factory=list)

    @property
    def dispatcher(self) -> Dispatcher:
        dispatcher: Dispatcher = self.app.state.dispatcher
        return dispatcher

    def envelope(self, event: Event, event_id: str | None = None) -> CloudEvent:
        return CloudEvent.wrap(event, source="/motcua/test", event_id=event_id or str(uuid.uuid4()))

    async def publish(self, envelope: CloudEvent) -> None:
        """Put an event on the bus, as its producer's relay would."""
        await self.bus.publish(
            [Message(topic=_topic(envelope), key=envelope.subject, value=envelope.to_json().encode())]
        )
        self.published.append(envelope)

    async def deliver(self, event: Event, event_id: str | None = None) -> CloudEvent:
        """Publish ``event`` and wait until the consumer has applied it (or found it a duplicate)."""
        envelope = self.envelope(event, event_id)
        consumer = self.app.state.runtime.consumer
        before = consumer.handled + consumer.duplicates
        await self.publish(envelope)
        await eventually(
            lambda: consumer.handled + consumer.duplicates > before, what=f"{envelope.type} consumed"
        )
        return envelope

    async def redeliver(self, envelope: CloudEvent) -> None:
        """The same envelope again (a producer retry or a consumer rebalance)."""
        consumer = self.app.state.runtime.consumer
        before = consumer.duplicates
        await self.publish(envelope)
        await eventually(lambda: consumer.duplicates > before, what="the duplicate seen")

    async def dispatch(self) -> int:
        """Run the dispatcher once."""
        return await self.dispatcher.dispatch_once()

    async def sandbox(self, phone: str) -> list[dict[str, Any]]:
        response = await self.client.get("/api/v1/sandbox/sms", params={"phone": phone})
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items


def _topic(envelope: CloudEvent) -> str:
    model = model_for(envelope.type)
    assert model is not None
    return model.TOPIC


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Settings for a service on SQLite in ``tmp_path`` with a manual dispatcher and quick retries."""
    values: dict[str, Any] = {
        "env": "test",
        "log_json": False,
        "db": DbSettings(url=f"sqlite+aiosqlite:///{tmp_path}/notify.db"),
        "bus": BusSettings(
            partitions=2, consumer_max_attempts=2, consumer_backoff_initial=0.01, relay_poll_interval=0.05
        ),
        "dispatch": DispatchSettings(
            autostart=False, retry=RetrySettings(max_attempts=3, initial=60.0, maximum=600.0)
        ),
        "stream": StreamSettings(poll_interval=0.05, heartbeat=1.0),
    }
    values.update(overrides)
    return Settings(**values)


StartNotify = Callable[..., Awaitable[Notify]]


@pytest.fixture
async def start_notify(tmp_path: Path) -> AsyncIterator[StartNotify]:
    """Start notify-svc (``start_notify(**settings_overrides)``); everything stops at teardown."""
    stack = contextlib.AsyncExitStack()

    async def start(clock: FakeClock | None = None, **overrides: Any) -> Notify:
        settings = make_settings(tmp_path, **overrides)
        bus = LocalBus(tmp_path / f"bus-{uuid.uuid4().hex[:6]}.db", partitions=2)
        await bus.start()
        stack.push_async_callback(bus.stop)
        the_clock = clock or FakeClock()
        app = create_app(settings, bus=bus, key_source=TOKENS.jwks, configure_logs=False, clock=the_clock)
        await stack.enter_async_context(app.router.lifespan_context(app))
        client = await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://notify")
        )
        return Notify(app=app, client=client, bus=bus, clock=the_clock, settings=settings)

    try:
        yield start
    finally:
        await stack.aclose()
