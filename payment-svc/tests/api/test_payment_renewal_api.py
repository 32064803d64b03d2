"""Renewing a payment request over HTTP: the payer gets a new request for a fee still owed, once."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from payment_testkit import Harness, submitted, withdraw_and_expire
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from motcua_shared.chassis.messaging.models import OutboxRecord
from motcua_shared.contracts.payment import PaymentExpired, PaymentRequested, PaymentSucceeded
from payment_svc.payments import service
from payment_svc.payments.models import Payment
from payment_svc.providers import vnpay
from payment_svc.settings import DEV_SANDBOX_SECRET

PROBLEM_JSON = "application/problem+json"
TTL = timedelta(days=7)


async def renew(
    env: Harness, payment_id: str, *, who: dict[str, str] | None = None, key: str | None = None
) -> httpx.Response:
    headers = {**(who or env.citizen()), "Idempotency-Key": key or uuid.uuid4().hex}
    return await env.client.post(f"/api/v1/payments/{payment_id}/renew", headers=headers)


async def expired_request(env: Harness, *, subject: str = "citizen-an") -> Payment:
    """A submission's payment request, left unpaid until the expiry job closed it.

    Requests are opened on the wall clock (by the event handler), so the service's clock moves on past them.
    """
    payment = await env.requested(submitted(applicant_id=subject))
    env.shift_clock(timedelta(days=8))
    assert await service.expire_due(env.uow(), env.ports) >= 1
    expired = await env.payment_of(payment.dossier_code)
    assert expired is not None
    assert expired.status == "expired"
    return expired


async def fee_requests(env: Harness, dossier_code: str) -> list[Payment]:
    async with env.uow() as uow:
        return await uow.payments.by_dossier(dossier_code)


async def events(env: Harness, type_name: str, subject: str) -> list[dict[str, Any]]:
    async with env.uow() as uow:
        rows = await uow.session.scalars(
            select(OutboxRecord.payload).where(OutboxRecord.type == type_name, OutboxRecord.key == subject)
        )
        return [json.loads(payload)["data"] for payload in rows]


def refusal(response: httpx.Response) -> str:
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body = response.json()
    assert body["type"].endswith("/payment-not-renewable")
    reason: str = body["errors"][0]["reason"]
    return reason


async def paid_but_ipn_lost(env: Harness, payment_id: str) -> dict[str, str]:
    """The payer paid at the gateway but its IPN never arrived; returns the signed result to replay later."""
    checkout = await env.checkout(payment_id)
    assert checkout.status_code == 201, checkout.text
    decided = await env.sandbox_pay(checkout.json()["gateway"]["redirect_url"], lose_ipn=True)
    assert decided.status_code == 303
    return dict(parse_qsl(decided.headers["location"].split("?", 1)[1]))


async def late_ipn(env: Harness, params: dict[str, str]) -> None:
    """The IPN arrives stamped with the service's (shifted) clock, as the gateway would sign it then."""
    changed = {k: v for k, v in params.items() if k != "vnp_SecureHash"}
    changed["vnp_PayDate"] = vnpay.format_time(env.ports.now())
    changed["vnp_SecureHash"] = vnpay.sign_query(changed, DEV_SANDBOX_SECRET)
    answer = await env.client.get("/api/v1/payments/providers/sandbox/ipn", params=changed)
    assert answer.json()["RspCode"] == "00", answer.text


async def test_an_expired_request_is_renewed_then_paid(env: Harness) -> None:
    old = await expired_request(env)
    assert (await env.checkout(old.id)).status_code == 409

    before = env.ports.now()
    renewed = await renew(env, old.id, key="renew-1")
    after = env.ports.now()
    assert renewed.status_code == 201, renewed.text
    new = renewed.json()
    assert new["id"] != old.id
    assert new["reference"] != old.reference
    assert (new["status"], new["amount"], new["renews"]) == ("pending", 38_000, old.id)
    assert [i["amount"] for i in new["items"]] == [i["amount"] for i in old.items]
    assert before + TTL <= datetime.fromisoformat(new["expires_at"]) <= after + TTL
    [announced] = await events(env, PaymentRequested.TYPE, new["id"])
    assert (announced["renews"], announced["reference"]) == (old.id, new["reference"])
    [first] = await events(env, PaymentRequested.TYPE, old.id)
    assert first.get("renews") is None

    seen = (await env.client.get(f"/api/v1/payments/{old.id}", headers=env.citizen())).json()
    assert (seen["status"], seen["renewed_by"]) == ("expired", new["id"])
    listed = await env.client.get(f"/api/v1/payments?dossier_code={old.dossier_code}", headers=env.citizen())
    assert [p["id"] for p in listed.json()["items"]] == [new["id"], old.id]

    await late_ipn(env, await paid_but_ipn_lost(env, new["id"]))
    paid = (await env.client.get(f"/api/v1/payments/{new['id']}", headers=env.citizen())).json()
    assert paid["status"] == "succeeded"
    assert re.fullmatch(r"AA-\d{2}E-\d{7}", paid["receipt_number"])
    assert len(await events(env, PaymentSucceeded.TYPE, new["id"])) == 1
    assert refusal(await renew(env, new["id"])) == "paid"
    again = await renew(env, old.id)
    assert refusal(again) == "paid"
    assert again.json()["errors"][0]["current_payment_id"] == new["id"]


async def test_a_failed_request_is_closed_and_renewed(env: Harness) -> None:
    payment = await env.requested(submitted())
    checkout = (await env.checkout(payment.id)).json()
    await env.sandbox_pay(checkout["gateway"]["redirect_url"], approve=False)
    renewed = await renew(env, payment.id)
    assert renewed.status_code == 201, renewed.text
    old = (await env.client.get(f"/api/v1/payments/{payment.id}", headers=env.citizen())).json()
    assert (old["status"], old["renewed_by"]) == ("expired", renewed.json()["id"])
    assert len(await events(env, PaymentExpired.TYPE, payment.id)) == 1
    assert (await env.checkout(payment.id)).status_code == 409


async def test_a_request_still_payable_is_not_renewed(env: Harness) -> None:
    pending = await env.requested(submitted())
    assert refusal(await renew(env, pending.id)) == "still_payable"
    assert len(await fee_requests(env, pending.dossier_code)) == 1
    assert (await env.checkout(pending.id)).status_code == 201


async def test_renewal_is_refused_when_superseded_and_when_the_dossier_ended(env: Harness) -> None:
    old = await expired_request(env)
    assert (await renew(env, old.id)).status_code == 201
    superseded = await renew(env, old.id)
    assert refusal(superseded) == "superseded"
    assert len(await fee_requests(env, old.dossier_code)) == 2

    event = submitted()
    withdrawn = await env.requested(event)
    await withdraw_and_expire(env, event)
    assert refusal(await renew(env, withdrawn.id)) == "dossier_ended"
    assert len(await fee_requests(env, event.dossier_code)) == 1


async def test_only_the_payer_may_renew(env: Harness) -> None:
    old = await expired_request(env)
    stranger = await renew(env, old.id, who=env.citizen("citizen-binh"))
    assert stranger.status_code == 404
    assert stranger.headers["content-type"].startswith(PROBLEM_JSON)
    assert (await renew(env, old.id, who=env.officer())).status_code == 403
    assert (await renew(env, old.id, who=env.admin())).status_code == 403
    assert (await renew(env, "pay-does-not-exist")).status_code == 404
    unsigned = await env.client.post(f"/api/v1/payments/{old.id}/renew", headers={"Idempotency-Key": "k"})
    assert unsigned.status_code == 401
    keyless = await env.client.post(f"/api/v1/payments/{old.id}/renew", headers=env.citizen())
    assert keyless.status_code == 400
    assert keyless.json()["type"].endswith("/idempotency-key-missing")
    assert len(await fee_requests(env, old.dossier_code)) == 1


async def test_the_same_key_replays_the_renewal(env: Harness) -> None:
    old = await expired_request(env)
    first = await renew(env, old.id, key="renew-k")
    again = await renew(env, old.id, key="renew-k")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["reference"] == first.json()["reference"]
    assert "idempotent-replayed" not in first.headers
    assert again.headers["idempotent-replayed"] == "true"
    other = await expired_request(env)
    reused = await renew(env, other.id, key="renew-k")
    assert reused.status_code == 409
    assert reused.json()["type"].endswith("/idempotency-key-reused")
    assert len(await fee_requests(env, old.dossier_code)) == 2
    assert len(await fee_requests(env, other.dossier_code)) == 1
    assert len(await events(env, PaymentRequested.TYPE, first.json()["id"])) == 1


async def test_concurrent_renewals_open_one_request(env: Harness) -> None:
    old = await expired_request(env)
    answers = await asyncio.gather(*(renew(env, old.id, key=f"par-{i}") for i in range(5)))
    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409, 409]
    assert {refusal(a) for a in answers if a.status_code == 409} == {"superseded"}
    assert len(await fee_requests(env, old.dossier_code)) == 2

    other = await expired_request(env)
    same_key = await asyncio.gather(*(renew(env, other.id, key="same") for _ in range(3)))
    assert {a.status_code for a in same_key} == {201}
    assert len({a.json()["id"] for a in same_key}) == 1
    assert len(await fee_requests(env, other.dossier_code)) == 2


async def test_the_database_holds_one_request_per_number_of_a_fee(env: Harness) -> None:
    old = await expired_request(env)
    now = env.ports.now()
    first, second = (old.renewal(at=now, ttl=timedelta(days=7)) for _ in range(2))
    second.renews = None  # so that only the (dossier_code, fee_timing, request_no) constraint can refuse it
    async with env.uow() as uow:
        uow.payments.add(first)
        uow.payments.add(second)
        with pytest.raises(IntegrityError, match="request_no"):
            await uow.payments.flush()
    assert len(await fee_requests(env, old.dossier_code)) == 1


async def test_late_money_for_a_replaced_request_after_the_new_one_was_paid_is_flagged_for_refund(
    env: Harness,
) -> None:
    payment = await env.requested(submitted())
    lost = await paid_but_ipn_lost(env, payment.id)
    env.shift_clock(timedelta(days=8))
    assert await service.expire_due(env.uow(), env.ports) == 1
    new = (await renew(env, payment.id)).json()
    await late_ipn(env, await paid_but_ipn_lost(env, new["id"]))

    await late_ipn(env, lost)
    old = (await env.client.get(f"/api/v1/payments/{payment.id}", headers=env.officer())).json()
    assert (old["status"], old["flagged"]) == ("expired", True)
    [txn] = old["transactions"]
    assert txn["outcome"] == "flagged_refund"
    accepted = await env.client.post(
        f"/api/v1/payments/anomalies/{txn['id']}/resolve",
        json={"action": "accept", "note": "Nhận nhầm"},
        headers=env.officer(),
    )
    assert accepted.status_code == 409
    assert accepted.json()["type"].endswith("/fee-already-paid")
    assert accepted.json()["errors"][0]["paid_by"] == new["id"]
    assert (await env.payment_of(payment.dossier_code)).status == "succeeded"  # type: ignore[union-attr]
    assert await events(env, PaymentSucceeded.TYPE, payment.id) == []
    refunded = await env.client.post(
        f"/api/v1/payments/anomalies/{txn['id']}/resolve",
        json={"action": "refunded", "note": "Đã hoàn lại khoản nộp trùng"},
        headers=env.officer(),
    )
    assert refunded.status_code == 200, refunded.text


async def test_late_money_for_a_replaced_request_accepted_closes_the_unpaid_renewal(env: Harness) -> None:
    payment = await env.requested(submitted())
    lost = await paid_but_ipn_lost(env, payment.id)
    env.shift_clock(timedelta(days=8))
    assert await service.expire_due(env.uow(), env.ports) == 1
    new = (await renew(env, payment.id)).json()

    await late_ipn(env, lost)
    old = (await env.client.get(f"/api/v1/payments/{payment.id}", headers=env.officer())).json()
    [txn] = old["transactions"]
    assert txn["outcome"] == "flagged_refund"
    accepted = await env.client.post(
        f"/api/v1/payments/anomalies/{txn['id']}/resolve",
        json={"action": "accept", "note": "Công dân đã nộp đúng số tiền"},
        headers=env.officer(),
    )
    assert accepted.status_code == 200, accepted.text
    statuses = {p.id: p.status for p in await fee_requests(env, payment.dossier_code)}
    assert statuses == {payment.id: "succeeded", new["id"]: "expired"}
    assert len(await events(env, PaymentSucceeded.TYPE, payment.id)) == 1
    assert len(await events(env, PaymentExpired.TYPE, new["id"])) == 1
    assert (await env.checkout(new["id"])).status_code == 409
    assert refusal(await renew(env, new["id"])) == "paid"
