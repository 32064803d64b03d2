"""The whole flow on Apache Kafka and PostgreSQL: dossier submitted → payment requested → paid at the
sandbox → ``PaymentSucceeded`` on the topic dossier-svc consumes; and the race cases on real row locks."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
import uuid
from collections.abc import AsyncIterator
from urllib.parse import parse_qsl

import pytest
from payment_testkit import Harness, harness, kafka_bus, rejected, submitted
from sqlalchemy import func, select

from motcua_shared.chassis.bus.base import Consumer
from motcua_shared.contracts import topics
from motcua_shared.contracts.base import CloudEvent
from motcua_shared.contracts.payment import (
    PaymentRefunded,
    PaymentRefundProposed,
    PaymentRequested,
    PaymentSucceeded,
)
from payment_svc.payments.models import ProviderTransaction

pytestmark = pytest.mark.integration


async def next_event(consumer: Consumer, type_name: str, subject: str, *, timeout: float = 60) -> CloudEvent:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for record in await consumer.poll(max_records=100, timeout=0.5):
            envelope = CloudEvent.from_json(record.value)
            if envelope.type == type_name and envelope.subject == subject:
                assert record.key == subject
                return envelope
    raise AssertionError(f"no {type_name} for {subject} on Kafka")


@contextlib.asynccontextmanager
async def watched(kafka_bootstrap: str, db_url: str) -> AsyncIterator[tuple[Harness, Consumer]]:
    """payment-svc on Kafka and PostgreSQL, with a consumer reading the payment topic from now on."""
    async with kafka_bus(kafka_bootstrap) as (bus, settings):
        watcher = bus.consumer(f"payment-watch-{uuid.uuid4().hex[:8]}", [topics.PAYMENT])
        await watcher.start()
        try:
            async with harness(db_url=db_url, bus=bus, bus_settings=settings) as env:
                yield env, watcher
        finally:
            await watcher.stop()


async def credited(env: Harness, payment_id: str) -> int:
    async with env.uow() as uow:
        query = select(func.count()).where(
            ProviderTransaction.payment_id == payment_id, ProviderTransaction.outcome == "credited"
        )
        return int(await uow.session.scalar(query) or 0)


async def test_submitted_to_succeeded_on_kafka_and_postgres(kafka_bootstrap: str, fresh_pg_url: str) -> None:
    async with watched(kafka_bootstrap, fresh_pg_url) as (env, watcher):
        event = submitted()
        payment = await env.requested(event)
        requested = await next_event(watcher, PaymentRequested.TYPE, payment.id)
        assert requested.data["amount"] == 38_000
        assert requested.data["reference"] == payment.reference

        checkout = await env.checkout(payment.id)
        assert checkout.status_code == 201, checkout.text
        decided = await env.sandbox_pay(checkout.json()["gateway"]["redirect_url"], lose_ipn=True)
        params = dict(parse_qsl(decided.headers["location"].split("?", 1)[1]))
        url = "/api/v1/payments/providers/sandbox/ipn"
        racing = await asyncio.gather(*(env.client.get(url, params=params) for _ in range(5)))
        assert sorted(r.json()["RspCode"] for r in racing) == ["00", "02", "02", "02", "02"]
        replays = [await env.client.get(url, params=params) for _ in range(100)]
        assert {r.json()["RspCode"] for r in replays} == {"02"}
        assert await credited(env, payment.id) == 1

        succeeded = await next_event(watcher, PaymentSucceeded.TYPE, payment.id)
        assert succeeded.data["dossier_code"] == event.dossier_code
        assert succeeded.data["amount"] == 38_000
        assert re.fullmatch(r"AA-\d{2}E-\d{7}", succeeded.data["receipt_number"])
        body = (await env.client.get(f"/api/v1/payments/{payment.id}", headers=env.citizen())).json()
        assert body["status"] == "succeeded"
        assert await env.outbox_count(PaymentSucceeded.TYPE, payment.id) == 1


async def test_concurrent_refunds_never_exceed_the_payment_on_postgres(
    kafka_bootstrap: str, fresh_pg_url: str
) -> None:
    async with (
        kafka_bus(kafka_bootstrap) as (bus, settings),
        harness(db_url=fresh_pg_url, bus=bus, bus_settings=settings) as env,
    ):
        payment = await env.requested(submitted())
        checkout = (await env.checkout(payment.id)).json()
        await env.sandbox_pay(checkout["gateway"]["redirect_url"])
        url = f"/api/v1/payments/{payment.id}/refund"
        answers = await asyncio.gather(
            *(
                env.client.post(
                    url,
                    json={"amount": 20_000, "reason": "Hoàn trả song song"},
                    headers={**env.officer(), "Idempotency-Key": f"par-{i}"},
                )
                for i in range(4)
            )
        )
        assert sorted(a.status_code for a in answers) == [201, 422, 422, 422]
        after = (await env.client.get(f"/api/v1/payments/{payment.id}", headers=env.officer())).json()
        assert after["refunded_amount"] == 20_000


async def test_a_refusal_after_payment_proposes_a_refund_on_kafka_and_postgres(
    kafka_bootstrap: str, fresh_pg_url: str
) -> None:
    async with watched(kafka_bootstrap, fresh_pg_url) as (env, watcher):
        event = submitted()
        payment = await env.requested(event)
        checkout = (await env.checkout(payment.id)).json()
        await env.sandbox_pay(checkout["gateway"]["redirect_url"])
        await next_event(watcher, PaymentSucceeded.TYPE, payment.id)

        await env.publish(rejected(event))  # on the dossier topic, as dossier-svc publishes it
        proposed = await next_event(watcher, PaymentRefundProposed.TYPE, payment.id)
        assert proposed.data["dossier_code"] == event.dossier_code
        assert (proposed.data["proposed_amount"], proposed.data["cause"]) == (38_000, "rejected")
        assert proposed.data["agency_code"] == event.agency_code

        decided = await env.client.post(
            f"/api/v1/payments/{payment.id}/refunds/{proposed.data['refund_id']}/decision",
            json={"action": "approve", "note": "Hoàn lệ phí theo quyết định từ chối"},
            headers=env.officer(),
        )
        assert decided.status_code == 200, decided.text
        refunded = await next_event(watcher, PaymentRefunded.TYPE, payment.id)
        assert refunded.data["refund_id"] == proposed.data["refund_id"]
        assert refunded.data["refunded_amount"] == 38_000
        assert refunded.data["actor"]["role"] == "officer"
