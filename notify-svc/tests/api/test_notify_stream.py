"""The live stream over a real socket (uvicorn): backlog after Last-Event-ID, then live, only one's own."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import uvicorn
from notify_testkit import TOKENS, Notify, StartNotify

from motcua.infra.ports import free_port
from motcua_shared.contracts.dossier import DossierReceived, DossierSubmitted, DossierSupplementRequested
from motcua_shared.contracts.examples import APPLICANT_ID, examples
from motcua_shared.testing import eventually

EX = examples()
OWNER = TOKENS.bearer(APPLICANT_ID)


@contextlib.asynccontextmanager
async def serving(n: Notify) -> AsyncIterator[str]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(n.app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    await eventually(lambda: server.started, what="uvicorn started")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def read_events(response: httpx.Response, count: int, into: list[dict[str, Any]]) -> None:
    current: dict[str, str] = {}
    async for line in response.aiter_lines():
        if line == "":
            if "data" in current:
                into.append(
                    {
                        "sse_id": current.get("id"),
                        "sse_event": current.get("event"),
                        **json.loads(current["data"]),
                    }
                )
                if len(into) >= count:
                    return
            current = {}
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(": ")
        current[field] = value


async def test_the_stream_resumes_after_last_event_id_then_goes_live(start_notify: StartNotify) -> None:
    n = await start_notify()
    await n.deliver(EX[DossierSubmitted.TYPE])
    await n.deliver(EX[DossierReceived.TYPE])
    first = (await n.client.get("/api/v1/notifications", headers=OWNER)).json()["items"][-1]
    async with serving(n) as base, httpx.AsyncClient(base_url=base, timeout=20) as client:
        events: list[dict[str, Any]] = []
        headers = {**OWNER, "Last-Event-ID": str(first["seq"])}
        async with client.stream("GET", "/api/v1/stream", headers=headers) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            reader = asyncio.create_task(read_events(response, 2, events))
            await eventually(lambda: len(events) == 1, what="the backlog after Last-Event-ID")
            assert events[0]["template"] == "dossier.received"
            await n.deliver(EX[DossierSupplementRequested.TYPE])
            await asyncio.wait_for(reader, 20)
        assert [e["template"] for e in events] == ["dossier.received", "dossier.supplement_requested"]
        assert [int(e["sse_id"]) for e in events] == [e["seq"] for e in events]
        assert all(e["sse_event"] == "notification" for e in events)

        unauthenticated = await client.get("/api/v1/stream")
        assert unauthenticated.status_code == 401
        bad = await client.get("/api/v1/stream", headers={**OWNER, "Last-Event-ID": "abc"})
        assert bad.status_code == 422

        stranger: list[dict[str, Any]] = []
        async with client.stream(
            "GET", "/api/v1/stream", headers={**TOKENS.bearer("citizen-khac"), "Last-Event-ID": "0"}
        ) as r:
            reader = asyncio.create_task(read_events(r, 1, stranger))
            await n.deliver(
                EX[DossierReceived.TYPE].model_copy(update={"dossier_code": "hue.xa.thuan-hoa-250804-0200"})
            )
            # A later notification of the stranger's own: the stream is in order, so the owner's, had it
            # leaked, would have come before it.
            mine = "hue.xa.thuan-hoa-250804-0201"
            await n.deliver(
                EX[DossierSubmitted.TYPE].model_copy(
                    update={"dossier_code": mine, "applicant_id": "citizen-khac"}
                )
            )
            await asyncio.wait_for(reader, 20)
        assert [e["dossier_code"] for e in stranger] == [mine], "nobody else's notifications on one's stream"


# -- browsers: a single-use ticket instead of the Authorization header ----------------------------------


async def _ticket(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    issued = await client.post("/api/v1/stream/tickets", headers=headers)
    assert issued.status_code == 201, issued.text
    body: dict[str, Any] = issued.json()
    return body


async def test_a_browser_follows_its_stream_with_single_use_tickets(start_notify: StartNotify) -> None:
    n = await start_notify()
    await n.deliver(EX[DossierSubmitted.TYPE])
    await n.deliver(EX[DossierReceived.TYPE])
    first = (await n.client.get("/api/v1/notifications", headers=OWNER)).json()["items"][-1]
    async with serving(n) as base, httpx.AsyncClient(base_url=base, timeout=20) as client:
        issued = await _ticket(client, OWNER)
        assert set(issued) == {"ticket", "expires_at", "stream_url"}
        assert issued["stream_url"].endswith(f"/api/v1/stream?ticket={issued['ticket']}")
        # EventSource sends no Authorization header: the ticket alone opens the stream.
        params = {"ticket": issued["ticket"], "last_event_id": str(first["seq"])}
        events: list[dict[str, Any]] = []
        async with client.stream("GET", "/api/v1/stream", params=params) as response:
            assert response.status_code == 200
            await asyncio.wait_for(read_events(response, 1, events), 20)
        assert [e["template"] for e in events] == ["dossier.received"]

        again = await client.get("/api/v1/stream", params=params)
        assert again.status_code == 401, "a ticket opens one connection"
        assert again.json()["type"].endswith("/invalid-stream-ticket")

        # Reconnecting: a new ticket, and the last event seen (a new EventSource cannot set the header).
        await n.deliver(EX[DossierSupplementRequested.TYPE])
        fresh = await _ticket(client, OWNER)
        resumed: list[dict[str, Any]] = []
        params = {"ticket": fresh["ticket"], "last_event_id": events[-1]["sse_id"]}
        async with client.stream("GET", "/api/v1/stream", params=params) as response:
            assert response.status_code == 200
            await asyncio.wait_for(read_events(response, 1, resumed), 20)
        assert [e["template"] for e in resumed] == ["dossier.supplement_requested"]


async def test_forged_expired_and_unauthenticated_tickets_are_refused(start_notify: StartNotify) -> None:
    n = await start_notify()
    client = n.client
    assert (await client.post("/api/v1/stream/tickets")).status_code == 401, "a ticket needs a token"
    forged = await client.get("/api/v1/stream", params={"ticket": "x" * 43})
    assert forged.status_code == 401
    assert forged.headers["content-type"].startswith("application/problem+json")
    assert "x" * 43 not in forged.text
    late = await _ticket(client, OWNER)
    n.clock.advance(seconds=n.settings.stream.ticket_ttl + 1)
    expired = await client.get("/api/v1/stream", params={"ticket": late["ticket"]})
    assert expired.status_code == 401
    assert (await client.get("/api/v1/stream", params={"last_event_id": "0"})).status_code == 401


async def test_a_ticket_is_redeemed_by_any_replica_but_once(start_notify: StartNotify) -> None:
    """Tickets live in the service's database, not in one process: two replicas share them."""
    one = await start_notify()
    other = await start_notify()
    issued = await _ticket(one.client, OWNER)
    params = {"ticket": issued["ticket"]}
    async with (
        serving(other) as base,
        httpx.AsyncClient(base_url=base, timeout=20) as client,
        client.stream("GET", "/api/v1/stream", params=params) as response,
    ):
        assert response.status_code == 200
    assert (await one.client.get("/api/v1/stream", params={"ticket": issued["ticket"]})).status_code == 401


async def test_a_ticket_streams_its_holders_notifications_only(start_notify: StartNotify) -> None:
    n = await start_notify()
    await n.deliver(EX[DossierReceived.TYPE])
    async with serving(n) as base, httpx.AsyncClient(base_url=base, timeout=20) as client:
        stranger = await _ticket(client, TOKENS.bearer("citizen-khac"))
        seen: list[dict[str, Any]] = []
        params = {"ticket": stranger["ticket"], "last_event_id": "0"}
        async with client.stream("GET", "/api/v1/stream", params=params) as response:
            assert response.status_code == 200
            reader = asyncio.create_task(read_events(response, 1, seen))
            # The holder's own notification, later than the other's: had that leaked, it would come first.
            mine = "hue.xa.thuan-hoa-250804-0201"
            theirs = {"dossier_code": mine, "applicant_id": "citizen-khac"}
            await n.deliver(EX[DossierSubmitted.TYPE].model_copy(update=theirs))
            await asyncio.wait_for(reader, 20)
        assert [e["dossier_code"] for e in seen] == [mine], "the ticket is its holder's, nobody else's"
