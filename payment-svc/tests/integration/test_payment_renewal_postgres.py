"""Renewal races on PostgreSQL's row locks (READ COMMITTED), with the renewed request announced on Kafka."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from payment_testkit import APPLICANT, Harness, harness, kafka_bus, submitted
from sqlalchemy import text

from motcua_shared.chassis.auth import Principal, Role
from motcua_shared.chassis.bus.kafka import KafkaBus
from motcua_shared.contracts import topics
from motcua_shared.contracts.base import CloudEvent
from motcua_shared.contracts.payment import PaymentRequested, RefundCause
from motcua_shared.testing import eventually
from payment_svc.payments import service
from payment_svc.payments.errors import NotRenewable
from payment_svc.payments.models import EndedDossier, Payment
from payment_svc.payments.repository import PaymentRepository

pytestmark = pytest.mark.integration
AN = Principal(subject="citizen-an", role=Role.CITIZEN)


@pytest.fixture
async def pg_env(kafka_bootstrap: str, fresh_pg_url: str) -> AsyncIterator[tuple[Harness, KafkaBus]]:
    async with (
        kafka_bus(kafka_bootstrap) as (bus, settings),
        harness(db_url=fresh_pg_url, bus=bus, bus_settings=settings) as env,
    ):
        yield env, bus


async def expired_request(env: Harness) -> Payment:
    payment = await env.requested(submitted())
    env.shift_clock(timedelta(days=8))
    assert await service.expire_due(env.uow(), env.ports) >= 1
    return payment


async def renew(env: Harness, payment_id: str, key: str) -> httpx.Response:
    headers = {**env.citizen(), "Idempotency-Key": key}
    return await env.client.post(f"/api/v1/payments/{payment_id}/renew", headers=headers)


async def requests_of(env: Harness, dossier_code: str) -> list[Payment]:
    async with env.uow() as uow:
        return await uow.payments.by_dossier(dossier_code)


async def test_concurrent_renewals_open_one_request_announced_on_kafka(
    pg_env: tuple[Harness, KafkaBus],
) -> None:
    env, bus = pg_env
    watcher = bus.consumer(f"payment-watch-{uuid.uuid4().hex[:8]}", [topics.PAYMENT])
    await watcher.start()
    try:
        old = await expired_request(env)
        answers = await asyncio.gather(*(renew(env, old.id, f"par-{i}") for i in range(6)))
        assert sorted(a.status_code for a in answers) == [201, 409, 409, 409, 409, 409]
        [won] = [a.json() for a in answers if a.status_code == 201]
        assert {a.json()["errors"][0]["reason"] for a in answers if a.status_code == 409} == {"superseded"}
        assert {p.id for p in await requests_of(env, old.dossier_code)} == {old.id, won["id"]}

        same = await asyncio.gather(*(renew(env, won["id"], "late") for _ in range(4)))
        assert {a.status_code for a in same} == {409}, "the renewal is still payable"

        deadline = time.monotonic() + 60
        announced: CloudEvent | None = None
        while announced is None and time.monotonic() < deadline:
            for record in await watcher.poll(max_records=100, timeout=0.5):
                envelope = CloudEvent.from_json(record.value)
                if envelope.type == PaymentRequested.TYPE and envelope.subject == won["id"]:
                    announced = envelope
        assert announced is not None, "no payment.requested for the renewal on Kafka"
        assert announced.data["renews"] == old.id
        assert announced.data["reference"] == won["reference"]
    finally:
        await watcher.stop()


async def test_waves_of_concurrent_renewals_never_deadlock(pg_env: tuple[Harness, KafkaBus]) -> None:
    """Renewals that wait for the old request's lock and renewals that arrive after the new one is committed
    lock the fee's requests in one order: run without the retry on a lost race, none is a deadlock's
    victim."""
    env, _ = pg_env
    once = service.renew.__wrapped__  # type: ignore[attr-defined]

    async def renew_once(payment_id: str, key: str, delay: float) -> str:
        await asyncio.sleep(delay)
        try:
            await once(env.uow(), env.ports, AN, payment_id, key=key)
        except NotRenewable as refused:
            return refused.reason.value
        return "renewed"

    for round_no in range(12):
        old = await expired_request(env)
        # Some start together and wait for the first one's locks; others come as it commits.
        waves = [renew_once(old.id, f"wave-{round_no}-{i}", 0.004 * (i % 4)) for i in range(8)]
        outcomes = await asyncio.gather(*waves)
        assert sorted(outcomes) == ["renewed"] + ["superseded"] * 7, outcomes


async def test_the_same_key_at_once_renews_once(pg_env: tuple[Harness, KafkaBus]) -> None:
    env, _ = pg_env
    old = await expired_request(env)
    answers = await asyncio.gather(*(renew(env, old.id, "same-key") for _ in range(5)))
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["id"] for a in answers}) == 1
    assert len(await requests_of(env, old.dossier_code)) == 2


async def end(env: Harness, dossier_code: str) -> None:
    async with env.uow() as uow:
        await service.end_for_dossier(
            uow, dossier_code, now=env.ports.now(), cause=RefundCause.WITHDRAWN, ended_by=APPLICANT
        )
        await uow.commit()


async def lock_waiters(env: Harness) -> int:
    async with env.uow() as uow:
        query = text(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return int(await uow.session.scalar(query) or 0)


async def test_a_dossier_ending_while_a_renewal_holds_the_locks_expires_the_renewal(
    pg_env: tuple[Harness, KafkaBus], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The interleaving a single locking read gets wrong: the renewal has locked the fee's requests and found
    the dossier not ended; the ending records its mark and waits for the locks; the renewal commits a request
    the ending's locking statement cannot see. The ending must still expire it."""
    env, _ = pg_env
    old = await expired_request(env)
    checked, go_on = asyncio.Event(), asyncio.Event()
    original = PaymentRepository.ended

    async def paused(repository: PaymentRepository, dossier_code: str) -> EndedDossier | None:
        found = await original(repository, dossier_code)
        checked.set()
        await go_on.wait()
        return found

    monkeypatch.setattr(PaymentRepository, "ended", paused)
    renewing = asyncio.create_task(service.renew(env.uow(), env.ports, AN, old.id, key="interleaved"))
    await checked.wait()
    monkeypatch.setattr(PaymentRepository, "ended", original)
    ending = asyncio.create_task(end(env, old.dossier_code))
    await eventually(lambda: lock_waiters(env), what="the ending waiting for the renewal's locks")
    go_on.set()
    renewed = (await renewing).payment
    await ending

    statuses = {p.id: p.status for p in await requests_of(env, old.dossier_code)}
    assert statuses == {old.id: "expired", renewed.id: "expired"}
    refused = await renew(env, renewed.id, "after-the-end")
    assert refused.json()["errors"][0]["reason"] == "dossier_ended"


async def test_a_renewal_racing_the_dossiers_end_leaves_nothing_to_pay(
    pg_env: tuple[Harness, KafkaBus],
) -> None:
    env, _ = pg_env
    for i in range(6):
        old = await expired_request(env)
        answer, _ = await asyncio.gather(renew(env, old.id, f"race-{i}"), end(env, old.dossier_code))
        if answer.status_code == 409:
            assert answer.json()["errors"][0]["reason"] == "dossier_ended"
        else:
            assert answer.status_code == 201, answer.text
        statuses = {p.status for p in await requests_of(env, old.dossier_code)}
        assert statuses == {"expired"}, f"an ended dossier left a request open: {statuses}"
