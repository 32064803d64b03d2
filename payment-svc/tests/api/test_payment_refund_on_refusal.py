"""A dossier refused or withdrawn after its fee was paid: a refund is proposed, an officer decides it."""

from __future__ import annotations

from typing import Any

from payment_testkit import OTHER_AGENCY, Harness, rejected, submitted, withdrawn

from motcua_shared.contracts.dossier import DossierSubmitted
from motcua_shared.contracts.payment import PaymentRefunded, PaymentRefundProposed
from motcua_shared.testing import eventually


async def paid(env: Harness, event: DossierSubmitted) -> str:
    payment = await env.requested(event)
    checkout = (await env.checkout(payment.id)).json()
    decided = await env.sandbox_pay(checkout["gateway"]["redirect_url"])
    assert decided.status_code == 303
    assert (await env.payment_of(event.dossier_code)).status == "succeeded"  # type: ignore[union-attr]
    return payment.id


async def proposal(env: Harness, payment_id: str) -> dict[str, Any]:
    async def found() -> dict[str, Any] | None:
        body = (await env.client.get(f"/api/v1/payments/{payment_id}", headers=env.officer())).json()
        return next((r for r in body["refunds"] if r["status"] == "proposed"), None)

    return await eventually(found, what="the proposed refund")


async def decide(
    env: Harness, payment_id: str, refund_id: str, *, headers: dict[str, str] | None = None, **body: Any
) -> Any:
    return await env.client.post(
        f"/api/v1/payments/{payment_id}/refunds/{refund_id}/decision",
        json={"note": "Hoàn trả theo quyết định từ chối", **body},
        headers=headers or env.officer(),
    )


async def awaiting_refund(env: Harness, headers: dict[str, str]) -> list[str]:
    """The payments an officer's desk lists with a proposed refund to decide."""
    page = await env.client.get("/api/v1/payments", params={"awaiting": "refund"}, headers=headers)
    assert page.status_code == 200, page.text
    return [p["id"] for p in page.json()["items"]]


async def test_a_refusal_after_payment_proposes_a_refund_an_officer_approves(env: Harness) -> None:
    event = submitted()
    payment_id = await paid(env, event)
    await env.publish(rejected(event))
    proposed = await proposal(env, payment_id)
    assert (proposed["amount"], proposed["provider"]) == (38_000, "sandbox")
    assert proposed["reason"].startswith("Hồ sơ bị từ chối sau khi đã nộp phí, lệ phí")
    assert await env.outbox_count(PaymentRefundProposed.TYPE, payment_id) == 1
    assert await env.outbox_count(PaymentRefunded.TYPE, payment_id) == 0  # nothing returned before a decision
    assert await awaiting_refund(env, env.officer()) == [payment_id]
    assert await awaiting_refund(env, env.officer(OTHER_AGENCY)) == []
    listed = await env.client.get("/api/v1/payments", params={"awaiting": "refund"}, headers=env.officer())
    assert listed.json()["items"][0]["refunds"] == [proposed], "the desk decides from the list"

    extra = await env.client.post(
        f"/api/v1/payments/{payment_id}/refund",
        json={"amount": 1_000, "reason": "Hoàn thêm"},
        headers={**env.officer(), "Idempotency-Key": "extra-1"},
    )
    assert extra.status_code == 422, "the proposal reserves the whole amount"
    assert (
        await decide(env, payment_id, proposed["id"], action="approve", headers=env.citizen())
    ).status_code == 403
    elsewhere = await decide(
        env, payment_id, proposed["id"], action="approve", headers=env.officer(OTHER_AGENCY)
    )
    assert elsewhere.status_code == 404
    too_much = await decide(env, payment_id, proposed["id"], action="approve", amount=40_000)
    assert too_much.status_code == 422

    approved = await decide(env, payment_id, proposed["id"], action="approve", amount=30_000)
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert (body["refund"]["status"], body["refund"]["amount"]) == ("succeeded", 30_000)
    assert (body["payment"]["status"], body["payment"]["refunded_amount"]) == ("refunded", 30_000)
    assert await awaiting_refund(env, env.officer()) == [], "a decided proposal awaits nothing"
    assert await env.outbox_count(PaymentRefunded.TYPE, payment_id) == 1
    again = await decide(env, payment_id, proposed["id"], action="approve")
    assert again.json()["refund"]["status"] == "succeeded"
    assert await env.outbox_count(PaymentRefunded.TYPE, payment_id) == 1
    declined_late = await decide(env, payment_id, proposed["id"], action="decline")
    assert declined_late.status_code == 409


async def test_a_withdrawal_after_payment_proposes_a_refund_an_officer_may_decline(env: Harness) -> None:
    event = submitted()
    payment_id = await paid(env, event)
    await env.publish(withdrawn(event))
    proposed = await proposal(env, payment_id)
    assert proposed["reason"].startswith("Hồ sơ được rút sau khi đã nộp phí, lệ phí")
    declined = await decide(env, payment_id, proposed["id"], action="decline")
    assert declined.status_code == 200, declined.text
    assert declined.json()["refund"]["status"] == "declined"
    assert await awaiting_refund(env, env.officer()) == []
    assert declined.json()["payment"]["status"] == "succeeded"
    assert (await decide(env, payment_id, proposed["id"], action="approve")).status_code == 409
    assert await env.outbox_count(PaymentRefunded.TYPE, payment_id) == 0
    # Declined, the amount is free again for a refund asked the ordinary way.
    asked = await env.client.post(
        f"/api/v1/payments/{payment_id}/refund",
        json={"amount": 8_000, "reason": "Hoàn phí cấp bản sao"},
        headers={**env.officer(), "Idempotency-Key": "copy-1"},
    )
    assert asked.status_code == 201, asked.text


async def test_an_unpaid_dossier_refused_proposes_nothing(env: Harness) -> None:
    event = submitted()
    payment = await env.requested(event)
    await env.publish(rejected(event))

    async def expired() -> bool:
        found = await env.payment_of(event.dossier_code)
        return found is not None and found.status == "expired"

    await eventually(expired, what="expiry on refusal")
    assert await env.outbox_count(PaymentRefundProposed.TYPE, payment.id) == 0
