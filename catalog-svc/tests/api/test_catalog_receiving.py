"""Commune-level procedures name the communes' umbrella; the communes that receive them are published too."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from catalog_testkit import ADMIN, running, settings_for
from sqlalchemy import select

from catalog_svc.directory.schemas import AgencyIn, FieldIn, LevelIn
from catalog_svc.directory.service import load_structure
from catalog_svc.seed import load_data
from catalog_svc.uow import CatalogUnitOfWork
from motcua_shared.chassis.bus.local import LocalBus
from motcua_shared.chassis.messaging.models import OutboxRecord
from motcua_shared.contracts.catalog import ProcedurePublished

PHU_XUAN = {"code": "hue.xa.phu-xuan", "name": "Ủy ban nhân dân phường Phú Xuân", "electronic_id": None}


@pytest.fixture
async def app_client(tmp_path: Path, local_bus: LocalBus) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    async with running(settings_for(f"sqlite+aiosqlite:///{tmp_path}/catalog.db"), local_bus) as pair:
        yield pair


async def _published(app: Any, code: str) -> list[ProcedurePublished]:
    async with app.state.runtime.db.session() as session:
        rows = (
            await session.scalars(
                select(OutboxRecord)
                .where(OutboxRecord.type == ProcedurePublished.TYPE, OutboxRecord.key == code)
                .order_by(OutboxRecord.id)
            )
        ).all()
    return [ProcedurePublished.model_validate(json.loads(row.payload)["data"]) for row in rows]


async def _reload_structure(app: Any, closed: Callable[[dict[str, Any]], bool]) -> None:
    """Load the shipped agency tree again, with the agencies ``closed`` picks no longer in operation."""
    agencies = [
        AgencyIn.model_validate({**raw, "active": raw["active"] and not closed(raw)})
        for raw in load_data("agencies.json")["agencies"]
    ]
    uow = app.state.runtime.uow()
    assert isinstance(uow, CatalogUnitOfWork)
    await load_structure(
        uow,
        [LevelIn.model_validate(x) for x in load_data("levels.json")["levels"]],
        [FieldIn.model_validate(x) for x in load_data("fields.json")["fields"]],
        agencies,
    )


async def test_a_commune_procedure_names_the_40_communes_that_receive_it(client: httpx.AsyncClient) -> None:
    birth = (await client.get("/api/v1/procedures/1.001193")).json()
    assert birth["implementing_agency"]["code"] == "hue.ubnd-xa"
    receivers = birth["receiving_agencies"]
    assert len(receivers) == 40
    assert PHU_XUAN in receivers
    assert all(r["code"].startswith("hue.xa.") for r in receivers), "the umbrella itself receives nothing"
    assert [r["code"] for r in receivers] == sorted(r["code"] for r in receivers)
    communes = (await client.get("/api/v1/agencies", params={"parent": "hue.ubnd-xa"})).json()["items"]
    assert {c["code"] for c in communes} == {r["code"] for r in receivers}

    judicial_record = (await client.get("/api/v1/procedures/3.000333")).json()
    assert judicial_record["receiving_agencies"] == [], "a department receives its own dossiers"

    umbrella = (await client.get("/api/v1/agencies/hue.ubnd-xa")).json()
    assert umbrella["receives_dossiers"] is False
    assert (await client.get("/api/v1/agencies/hue.xa.phu-xuan")).json()["receives_dossiers"] is True


async def test_the_published_event_carries_them_and_a_new_tree_reaches_the_next_publish(
    app_client: tuple[httpx.AsyncClient, Any], procedure_body: Callable[..., dict[str, Any]]
) -> None:
    client, app = app_client
    assert (await client.post("/api/v1/procedures", json=procedure_body(), headers=ADMIN)).status_code == 201
    assert (await client.post("/api/v1/procedures/HUE-TEST-01/publish", headers=ADMIN)).status_code == 200
    [first] = await _published(app, "HUE-TEST-01")
    assert len(first.procedure.receiving_agencies) == 40
    assert PHU_XUAN in [r.model_dump() for r in first.procedure.receiving_agencies]

    # Phú Xuân stops receiving (say, merged): the published version stays as it was published ...
    await _reload_structure(app, lambda agency: agency["code"] == PHU_XUAN["code"])
    public = (await client.get("/api/v1/procedures/HUE-TEST-01")).json()
    assert (public["version"], len(public["receiving_agencies"])) == (1, 40)
    # ... and the same content may be published again, as a new version with the new receivers.
    again = await client.post("/api/v1/procedures/HUE-TEST-01/publish", headers=ADMIN)
    assert again.status_code == 200, again.text
    assert again.json()["version"] == 2
    assert len(again.json()["receiving_agencies"]) == 39
    assert PHU_XUAN not in again.json()["receiving_agencies"]
    second = (await _published(app, "HUE-TEST-01"))[-1]
    assert (second.version, len(second.procedure.receiving_agencies)) == (2, 39)
    # Nothing changed since: refused, as for any unchanged content.
    assert (await client.post("/api/v1/procedures/HUE-TEST-01/publish", headers=ADMIN)).status_code == 409


async def test_an_umbrella_whose_members_all_closed_cannot_implement_a_procedure(
    app_client: tuple[httpx.AsyncClient, Any], procedure_body: Callable[..., dict[str, Any]]
) -> None:
    client, app = app_client
    await _reload_structure(app, lambda agency: agency["parent"] == "hue.ubnd-xa")
    refused = await client.post("/api/v1/procedures", json=procedure_body(), headers=ADMIN)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    [error] = refused.json()["errors"]
    assert (error["field"], error["code"]) == ("implementing_agency_code", "no_receiving_agency")
    assert (await client.get("/api/v1/procedures/HUE-TEST-01/admin", headers=ADMIN)).status_code == 404
    assert await _published(app, "HUE-TEST-01") == []
