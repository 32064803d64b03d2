"""Steps the audit-trail tests share on SQLite and on PostgreSQL: officers' and admins' reads and changes of
payments leave records an admin can query; the payer's own leave none."""

from __future__ import annotations

from typing import Any

from payment_testkit import AGENCY, Harness, submitted

from motcua_shared.testing import audit_trail

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def trail(env: Harness, **params: Any) -> list[dict[str, Any]]:
    """The admin's view of the payments' trail (every page), newest first."""
    return await audit_trail(env.client, "payments", env.admin(), **params)


async def officer_reads_and_changes(env: Harness) -> str:
    """The payer transfers by hand, uploads the slip and reads the payment; the agency's officer lists the
    slips to decide, reads the payment, opens the slip, confirms it, downloads the receipt and refunds part.
    The payment's id."""
    payment = await env.requested(submitted())
    assert (await env.checkout(payment.id, "manual_transfer")).status_code == 201
    url = f"/api/v1/payments/{payment.id}"
    uploaded = await env.client.post(
        f"{url}/slips", files={"file": ("ck.png", PNG, "image/png")}, headers=env.citizen()
    )
    assert uploaded.status_code == 201, uploaded.text
    assert (await env.client.get(url, headers=env.citizen())).status_code == 200
    officer = env.officer()
    at_the_desk = {**officer, "X-Forwarded-For": "198.51.100.1, 203.0.113.7", "X-Request-ID": "req-pay-1"}
    listed = await env.client.get("/api/v1/payments", params={"awaiting": "slip"}, headers=officer)
    assert [p["id"] for p in listed.json()["items"]] == [payment.id]
    assert (await env.client.get(url, headers=at_the_desk)).status_code == 200
    assert (await env.client.get(uploaded.json()["url"], headers=officer)).content == PNG
    confirmed = await env.client.post(f"{url}/slips/confirm", json={}, headers=officer)
    assert confirmed.status_code == 200, confirmed.text
    assert (await env.client.get(f"{url}/receipt.pdf", headers=officer)).status_code == 200
    refund = await env.client.post(
        f"{url}/refund",
        json={"amount": 8_000, "reason": "Thu thừa phí bản sao"},
        headers={**officer, "Idempotency-Key": "audit-refund-1"},
    )
    assert refund.status_code == 201, refund.text
    return payment.id


async def assert_recorded(env: Harness, payment_id: str) -> None:
    """What :func:`officer_reads_and_changes` left in the trail of the payment."""
    records = await trail(env, payment=payment_id)
    assert [r["action"] for r in records] == [
        "refund.create",
        "receipt.download",
        "slip.confirm",
        "slip.download",
        "payment.read",
        "payment.list",
    ], "the officer's reads and changes, newest first; none of the payer's own"
    read = records[-2]
    assert (read["subject"], read["role"], read["agency_code"]) == (f"officer-{AGENCY}", "officer", AGENCY)
    assert (read["resource"], read["resource_id"]) == ("payment", payment_id)
    assert read["client"] == "203.0.113.7", "the address the gateway appended, not what the client claimed"
    assert read["request_id"] == "req-pay-1"
    slip_download, slip_confirm = records[3], records[2]
    assert slip_download["detail"] == slip_confirm["detail"], "both name the slip"
    assert records[1]["detail"], "a receipt download names the receipt"
    assert await trail(env, subject="citizen-an") == []
    assert [r["resource_id"] for r in await trail(env, action="refund.create")] == [payment_id]
