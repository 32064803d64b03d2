"""Fixtures of dossier-svc's tests (helpers live in ``dossier_testkit``, importable from every test dir)."""

from __future__ import annotations

import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dossier_testkit import TOKENS, Harness, HarnessFactory, published, snapshot

from dossier_svc.app import create_app
from dossier_svc.settings import DeadlineSettings, DocumentSettings, LookupSettings, Settings
from motcua_shared.chassis.bus.base import Bus
from motcua_shared.chassis.bus.local import LocalBus
from motcua_shared.chassis.settings import BusSettings, DbSettings


@pytest.fixture
async def make_harness(tmp_path: Path) -> AsyncIterator[HarnessFactory]:
    """Start dossier-svc apps on SQLite and the in-memory bus; all are stopped at teardown."""
    stack: list[tuple[Any, httpx.AsyncClient, Bus]] = []

    async def make(*, max_bytes: int = 64 * 1024, **overrides: Any) -> Harness:
        name = uuid.uuid4().hex[:8]
        files_dir = tmp_path / f"files-{name}"
        sections: dict[str, Any] = {
            "db": DbSettings(url=f"sqlite+aiosqlite:///{tmp_path}/dossier-{name}.db"),
            "bus": BusSettings(
                consumer_backoff_initial=0.01, consumer_backoff_max=0.05, consumer_max_attempts=2
            ),
            "documents": DocumentSettings(store_dir=str(files_dir), max_bytes=max_bytes),
            "deadlines": DeadlineSettings(enabled=False),
            "lookup": LookupSettings(per_client_per_minute=1000, failures_per_code_per_hour=5),
        }
        settings = Settings(**{**sections, **overrides})
        bus = LocalBus(tmp_path / f"bus-{name}.db")
        app = create_app(settings, bus=bus, key_source=TOKENS.jwks, configure_logs=False)
        lifespan = app.router.lifespan_context(app)
        await bus.start()
        await lifespan.__aenter__()
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://dossier")
        stack.append((lifespan, client, bus))
        return Harness(app=app, client=client, bus=bus, settings=settings, files_dir=files_dir)

    yield make
    for lifespan, client, bus in reversed(stack):
        await client.aclose()
        await lifespan.__aexit__(None, None, None)
        await bus.stop()


@pytest.fixture
async def harness(make_harness: HarnessFactory) -> Harness:
    """A running service whose replica knows the free birth-registration procedure."""
    h: Harness = await make_harness()
    await h.deliver(published(snapshot()))
    return h
