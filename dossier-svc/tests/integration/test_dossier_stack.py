"""dossier-svc on the stack's parts: real PostgreSQL and Apache Kafka, the catalogue's events feeding it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from dossier_testkit import CITIZEN, TOKENS, applicant, multipart, published, snapshot, submission
from sqlalchemy import text

from dossier_svc.app import create_app
from dossier_svc.settings import DeadlineSettings, DocumentSettings, Settings
from dossier_svc.uow import DossierUow
from motcua_shared.chassis.app import Runtime
from motcua_shared.chassis.auth import Role
from motcua_shared.chassis.bus.base import Message
from motcua_shared.chassis.bus.kafka import KafkaBus
from motcua_shared.chassis.settings import BusSettings, DbSettings
from motcua_shared.contracts import topics
from motcua_shared.contracts.base import CloudEvent
from motcua_shared.contracts.catalog import AgencyRef
from motcua_shared.testing import PERSONAL_VALUES, eventually

pytestmark = pytest.mark.integration


@dataclass
class Stack:
    client: httpx.AsyncClient
    runtime: Runtime[DossierUow]
    kafka: KafkaBus
    agency: AgencyRef
    procedure_code: str


@pytest.fixture
async def stack(kafka_bootstrap: str, fresh_pg_url: str, tmp_path: Path) -> AsyncIterator[Stack]:
    bus_settings = BusSettings(kind="kafka", bootstrap_servers=kafka_bootstrap, partitions=4)
    settings = Settings(
        service_name=f"dossier-{uuid.uuid4().hex[:6]}",
        db=DbSettings(url=fresh_pg_url, pool_size=20),
        bus=bus_settings,
        documents=DocumentSettings(store_dir=str(tmp_path / "files")),
        deadlines=DeadlineSettings(enabled=False),
    )
    app = create_app(settings, key_source=TOKENS.jwks, configure_logs=False)
    kafka = KafkaBus(bus_settings, client_id=f"test-{uuid.uuid4().hex[:6]}")
    await kafka.start()
    # A fresh agency and procedure per test: the session's topics are shared and read from the start.
    agency = AgencyRef(code=f"hue.xa.{uuid.uuid4().hex[:8]}", name="Ủy ban nhân dân phường Thuận Hóa")
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://dossier") as client:
            yield Stack(client, app.state.runtime, kafka, agency, f"9.{uuid.uuid4().hex[:8]}")
    await kafka.stop()


async def _publish_procedure(stack: Stack) -> None:
    snap = snapshot(code=stack.procedure_code).model_copy(update={"implementing_agency": stack.agency})
    envelope = CloudEvent.wrap(published(snap), source="/motcua/catalog")
    await stack.kafka.ensure_topics([topics.CATALOG])
    await stack.kafka.publish(
        [Message(topic=topics.CATALOG, key=envelope.subject, value=envelope.to_json().encode())]
    )

    async def replicated() -> bool:
        unit = stack.runtime.uow()
        assert isinstance(unit, DossierUow)
        async with unit as uow:
            procedure = await uow.procedures.get(snap.code)
            return procedure is not None and procedure.agency_code == stack.agency.code

    await eventually(replicated, what="the catalogue's event at the replica", timeout=60)


async def _submit(stack: Stack) -> str:
    response = await stack.client.post(
        "/api/v1/dossiers",
        headers={**CITIZEN, "Idempotency-Key": uuid.uuid4().hex},
        **multipart(submission(stack.procedure_code)),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["code"])


async def test_happy_path_on_postgres_and_kafka(stack: Stack) -> None:
    await _publish_procedure(stack)
    officer = TOKENS.bearer("officer-1", Role.OFFICER, stack.agency.code)
    code = await _submit(stack)
    police = TOKENS.bearer("police", Role.OFFICER, "hue.cong-an-xa")
    for action, who in (
        ("receive", officer),
        ("forward", officer),
        ("forward", police),
        ("approve", officer),
        ("return-result", officer),
    ):
        response = await stack.client.post(f"/api/v1/dossiers/{code}/actions/{action}", headers=who, json={})
        assert response.status_code == 200, (action, response.text)

    consumer = stack.kafka.consumer(f"watch-{uuid.uuid4().hex[:6]}", [topics.DOSSIER])
    await consumer.start()
    seen: list[str] = []
    try:
        for _ in range(120):
            for record in await consumer.poll(max_records=500, timeout=1.0):
                event = CloudEvent.from_json(record.value)
                if event.subject == code:
                    assert record.key == code
                    seen.append(event.type.split(".")[-2])
            if len(seen) >= 6:
                break
    finally:
        await consumer.stop()
    assert seen == ["submitted", "received", "forwarded", "forwarded", "approved", "result_returned"]


async def test_one_hundred_concurrent_submissions_get_distinct_codes_on_postgres(stack: Stack) -> None:
    await _publish_procedure(stack)
    codes = await asyncio.gather(*(_submit(stack) for _ in range(100)))
    assert len(set(codes)) == 100
    assert sorted(int(c.rsplit("-", 1)[1]) for c in codes) == list(range(1, 101))


async def test_racing_requests_with_one_key_file_once_and_leave_no_gap_on_postgres(stack: Stack) -> None:
    await _publish_procedure(stack)
    headers = {**CITIZEN, "Idempotency-Key": uuid.uuid4().hex}

    async def post() -> httpx.Response:
        return await stack.client.post(
            "/api/v1/dossiers", headers=headers, **multipart(submission(stack.procedure_code))
        )

    answers = await asyncio.gather(*(post() for _ in range(10)))
    assert {a.status_code for a in answers} == {201}
    assert sum("Idempotent-Replayed" not in a.headers for a in answers) == 1
    assert len({a.json()["code"] for a in answers}) == 1
    # The replays answer with the stored copy, byte for byte in content the first answer.
    assert all(a.json() == answers[0].json() for a in answers)
    code = answers[0].json()["code"]
    assert code.endswith("-0001")
    # The losers' statements failed whole: their numbers were given back.
    assert (await _submit(stack)).endswith("-0002")
    unit = stack.runtime.uow()
    assert isinstance(unit, DossierUow)
    async with unit as uow:
        stored = (
            await uow.session.execute(
                text(
                    "SELECT (SELECT count(*) FROM dossiers WHERE procedure_code = :p),"
                    " (SELECT count(*) FROM outbox WHERE payload LIKE '%~seq-%'),"
                    " (SELECT count(*) FROM idempotency_keys WHERE CAST(response AS text) LIKE '%~seq-%'),"
                    " (SELECT response ->> 'code' FROM idempotency_keys WHERE key = :k)"
                ),
                {"p": stack.procedure_code, "k": headers["Idempotency-Key"]},
            )
        ).one()
    assert tuple(stored) == (2, 0, 0, code)


async def test_the_submitted_event_carries_the_final_code_on_postgres(stack: Stack) -> None:
    await _publish_procedure(stack)
    code = await _submit(stack)
    consumer = stack.kafka.consumer(f"watch-{uuid.uuid4().hex[:6]}", [topics.DOSSIER])
    await consumer.start()
    found: CloudEvent | None = None
    try:
        for _ in range(120):
            for record in await consumer.poll(max_records=500, timeout=1.0):
                event = CloudEvent.from_json(record.value)
                if event.subject == code:
                    assert record.key == code
                    found = event
            if found is not None:
                break
    finally:
        await consumer.stop()
    assert found is not None
    assert found.type.endswith(".submitted.v1")
    assert found.data["dossier_code"] == code
    assert found.data["agency_code"] == stack.agency.code


async def test_a_submission_reaches_the_public_topic_without_the_applicants_personal_data(
    stack: Stack,
) -> None:
    await _publish_procedure(stack)
    code = await _submit(stack)
    consumer = stack.kafka.consumer(f"watch-{uuid.uuid4().hex[:6]}", [topics.DOSSIER, topics.PUBLIC_DOSSIER])
    await consumer.start()
    found: dict[str, tuple[str | None, bytes]] = {}
    try:
        for _ in range(120):
            for record in await consumer.poll(max_records=500, timeout=1.0):
                if CloudEvent.from_json(record.value).subject == code:
                    found[record.topic] = (record.key, record.value)
            if len(found) == 2:
                break
    finally:
        await consumer.stop()
    assert set(found) == {topics.DOSSIER, topics.PUBLIC_DOSSIER}
    contact = applicant()
    personal = [
        contact["name"],
        contact["email"],
        contact["cccd"],
        contact["address"],
        "0912345678",
        "912345678",
    ]
    internal_key, internal = found[topics.DOSSIER]
    public_key, public = found[topics.PUBLIC_DOSSIER]
    assert contact["name"] in internal.decode(), "the services' topic carries the contact notify needs"
    for value in personal:
        assert value not in public.decode(), value
    assert PERSONAL_VALUES.search(public.decode()) is None, public
    sent, redacted = CloudEvent.from_json(internal), CloudEvent.from_json(public)
    assert public_key == internal_key == code
    assert (redacted.id, redacted.type, redacted.subject) == (sent.id, sent.type, sent.subject)
    assert redacted.type.endswith(".submitted.v1")
    assert "applicant" not in redacted.data
    assert redacted.data["dossier_code"] == code
    assert redacted.data["fee_items"] == sent.data["fee_items"]
