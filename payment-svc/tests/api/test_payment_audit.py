"""The personal-data audit trail of payments over the API on SQLite: what officers and admins read or change
of a payment (its payer's name and contacts, its slips, its receipt, its money) is recorded with who,
what, when and from where; only admins read the trail; nothing alters it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from payment_audit import assert_recorded, officer_reads_and_changes, trail
from payment_testkit import AGENCY, Harness, rejected, submitted

from motcua_shared.chassis.auth import Role
from motcua_shared.testing import APPEND_ONLY_VIOLATIONS, assert_append_only, eventually


async def test_officers_reads_and_changes_are_recorded_and_queryable(env: Harness) -> None:
    payment_id = await officer_reads_and_changes(env)
    await assert_recorded(env, payment_id)


async def test_the_trail_is_append_only_in_the_database(env: Harness) -> None:
    await officer_reads_and_changes(env)
    await assert_append_only(env.app.state.runtime.db, APPEND_ONLY_VIOLATIONS, lambda: trail(env))


async def test_a_refused_change_leaves_no_record(env: Harness) -> None:
    payment = await env.requested(submitted())
    url = f"/api/v1/payments/{payment.id}"
    nothing = await env.client.post(f"{url}/slips/confirm", json={}, headers=env.officer())
    assert nothing.status_code == 409, nothing.text
    unpaid = await env.client.post(
        f"{url}/refund",
        json={"amount": 1_000, "reason": "Hoàn thử"},
        headers={**env.officer(), "Idempotency-Key": "refused-1"},
    )
    assert unpaid.status_code == 409, unpaid.text
    assert await trail(env) == []


async def test_an_admin_deciding_a_proposed_refund_is_recorded(env: Harness) -> None:
    event = submitted()
    paid = await env.paid(event=event)
    await env.publish(rejected(event))

    async def proposed() -> str | None:
        async with env.uow() as uow:
            refunds = await uow.payments.refunds_of(paid.id)
        return next((r.id for r in refunds if r.status == "proposed"), None)

    refund_id = await eventually(proposed, what="the proposed refund")
    declined = await env.client.post(
        f"/api/v1/payments/{paid.id}/refunds/{refund_id}/decision",
        json={"action": "decline", "note": "Đã thụ lý một phần"},
        headers=env.admin(),
    )
    assert declined.status_code == 200, declined.text
    (record,) = await trail(env, payment=paid.id)
    assert (record["subject"], record["role"], record["action"], record["detail"]) == (
        "admin-1",
        "admin",
        "refund.decline",
        refund_id,
    )


async def test_resolving_flagged_money_is_recorded_on_its_payment_or_its_transaction(env: Harness) -> None:
    payment = await env.requested(submitted())
    reference = (await env.checkout(payment.id, "vietqr")).json()["vietqr"]["reference"]
    transfers = "/api/v1/payments/providers/sandbox/site/bank/transfers"
    wrong = await env.client.post(transfers, json={"amount": 37_000, "description": f"CK {reference}"})
    assert wrong.json()["notified"]["results"][0]["outcome"] == "amount_mismatch"
    stray = await env.client.post(transfers, json={"amount": 5_000, "description": "tien nha"})
    assert stray.json()["notified"]["results"][0]["outcome"] == "unmatched"
    flagged = (await env.client.get("/api/v1/payments/anomalies", headers=env.admin())).json()["items"]
    by_outcome = {a["outcome"]: a["id"] for a in flagged}
    for txn_id, who in (
        (by_outcome["amount_mismatch"], env.officer()),
        (by_outcome["unmatched"], env.admin()),
    ):
        resolved = await env.client.post(
            f"/api/v1/payments/anomalies/{txn_id}/resolve",
            json={"action": "refunded", "note": "Đã hoàn trả qua ngân hàng"},
            headers=who,
        )
        assert resolved.status_code == 200, resolved.text
    records = await trail(env, action="anomaly.refunded")
    assert [(r["subject"], r["resource_id"], r["detail"]) for r in records] == [
        ("admin-1", f"txn-{by_outcome['unmatched']}", f"transaction {by_outcome['unmatched']}"),
        (f"officer-{AGENCY}", payment.id, f"transaction {by_outcome['amount_mismatch']}"),
    ]


@pytest.mark.parametrize("role", ["citizen", "officer", "integrator"])
async def test_only_admins_read_the_trail(env: Harness, role: str) -> None:
    headers = {
        "citizen": env.citizen(),
        "officer": env.officer(),
        "integrator": env.tokens.bearer("integrator-1", Role.INTEGRATOR),
    }[role]
    answer = await env.client.get("/api/v1/audit/payments", headers=headers)
    assert answer.status_code == 403, answer.text
    assert answer.headers["content-type"] == "application/problem+json"


async def test_the_trail_asks_for_credentials_and_a_valid_filter(env: Harness) -> None:
    assert (await env.client.get("/api/v1/audit/payments")).status_code == 401
    admin = env.admin()
    bad_cursor = await env.client.get("/api/v1/audit/payments", params={"cursor": "!"}, headers=admin)
    assert bad_cursor.status_code == 422
    naive = {"since": "2026-12-01T00:00:00"}
    assert (await env.client.get("/api/v1/audit/payments", params=naive, headers=admin)).status_code == 422
    await officer_reads_and_changes(env)
    now = datetime.now(UTC)  # records carry the wall clock's time, whatever clock the use cases read

    def window(start: timedelta, end: timedelta) -> dict[str, str]:
        return {"since": (now + start).isoformat(), "until": (now + end).isoformat()}

    assert await trail(env, **window(timedelta(days=-2), timedelta(days=-1))) == []
    assert len(await trail(env, **window(timedelta(hours=-1), timedelta(hours=1)))) == 6
