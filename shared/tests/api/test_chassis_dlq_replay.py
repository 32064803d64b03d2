"""A dead letter is listed by the ops endpoint and, once the cause is fixed, replayed exactly once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from backbone_toy import Toy, create_schema

from motcua_shared.chassis.app import Runtime, create_service_app
from motcua_shared.chassis.auth import Role
from motcua_shared.chassis.bus.local import LocalBus
from motcua_shared.chassis.settings import BusSettings, DbSettings, ServiceSettings
from motcua_shared.testing import Tokens, eventually

TOKENS = Tokens()
ADMIN = TOKENS.bearer("ops", Role.ADMIN)


async def test_dead_letter_listed_then_replayed_once(tmp_path: Path) -> None:
    bus = LocalBus(tmp_path / "bus.db", partitions=2)
    await bus.start()
    consumer_url = f"sqlite+aiosqlite:///{tmp_path}/consumer.db"
    toy = await Toy.create(bus, f"sqlite+aiosqlite:///{tmp_path}/producer.db", consumer_url)
    settings = ServiceSettings(
        service_name=toy.group,
        db=DbSettings(url=consumer_url, auto_migrate=False),
        bus=BusSettings(consumer_max_attempts=2, consumer_backoff_initial=0.01),
    )

    async def schema(runtime: Runtime[Any]) -> None:
        await create_schema(runtime.db)

    app = create_service_app(
        settings,
        title="toy consumer",
        handlers=toy.handlers(),
        bus=bus,
        key_source=TOKENS.jwks,
        setup=schema,
    )
    toy.start_relay()
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://toy") as client:
                await toy.emit("hs-1", 0, poison=True)
                await toy.emit("hs-1", 1)
                await toy.wait_for_ledger(1)

                async def listed() -> bool:
                    return bool((await client.get("/ops/dlq", headers=ADMIN)).json()["total"] == 1)

                await eventually(listed, what="the dead letter listed")
                [letter] = (await client.get("/ops/dlq", headers=ADMIN)).json()["items"]
                assert "poison event hs-1/0" in letter["error"]
                assert letter["attempts"] == 2
                assert "motcua_dlq_size" in (await client.get("/metrics", headers=ADMIN)).text

                still_broken = await client.post(f"/ops/dlq/{letter['id']}/replay", headers=ADMIN)
                assert still_broken.status_code == 409
                assert "poison event" in still_broken.json()["detail"]
                assert (await client.get("/ops/dlq", headers=ADMIN)).json()["total"] == 1, (
                    "kept when it fails"
                )

                toy.poison_cured = True
                replayed = await client.post(f"/ops/dlq/{letter['id']}/replay", headers=ADMIN)
                assert replayed.status_code == 200
                assert replayed.json() == {"id": letter["id"], "applied": True}
                assert sorted(r.seq for r in await toy.ledger()) == [0, 1]
                assert (await client.get("/ops/dlq", headers=ADMIN)).json()["total"] == 0
                again = await client.post(f"/ops/dlq/{letter['id']}/replay", headers=ADMIN)
                assert again.status_code == 404
                assert again.headers["content-type"] == "application/problem+json"
    finally:
        await toy.close()
        await bus.stop()
