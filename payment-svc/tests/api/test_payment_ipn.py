"""The gateway's IPN against VNPay's documented answers (vnpay_ipn.php, version 2.1.0): HTTP 200 for every
outcome, ``RspCode`` 00 confirmed, 01 order not found, 02 already confirmed, 04 invalid amount, 97 invalid
signature, 99 unknown error; every ``vnp_*`` field hashed, empty ones included; late retries answered."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl

import httpx
from payment_testkit import Harness, submitted

from payment_svc.providers import vnpay
from payment_svc.providers.vnpay import VnpayGateway
from payment_svc.settings import DEV_SANDBOX_SECRET

# VNPay's table, as its integration guide and sample list it.
DOCUMENTED = {
    "00": "Confirm Success",
    "01": "Order not found",
    "02": "Order already confirmed",
    "04": "Invalid amount",
    "97": "Invalid signature",
    "99": "Unknown error",
}


def signed(params: dict[str, str], **changes: str) -> dict[str, str]:
    """The parameters changed and signed with the merchant's secret (the gateway really sent them)."""
    changed = {k: v for k, v in {**params, **changes}.items() if k != "vnp_SecureHash"}
    changed["vnp_SecureHash"] = vnpay.sign_query(changed, DEV_SANDBOX_SECRET)
    return changed


async def unsent_ipn(env: Harness, *, approve: bool = True) -> tuple[str, dict[str, str]]:
    """A checkout the payer decided whose IPN was lost: the payment's id and the IPN's signed fields."""
    payment = await env.requested(submitted())
    checkout = (await env.checkout(payment.id)).json()
    decided = await env.sandbox_pay(checkout["gateway"]["redirect_url"], approve=approve, lose_ipn=True)
    return payment.id, dict(parse_qsl(decided.headers["location"].split("?", 1)[1], keep_blank_values=True))


async def answer(env: Harness, params: dict[str, str], provider: str = "sandbox") -> tuple[str, str]:
    """The IPN's answer, checked to be HTTP 200 with one of the documented codes and its message."""
    response = await env.client.get(f"/api/v1/payments/providers/{provider}/ipn", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    assert set(body) == {"RspCode", "Message"}
    assert DOCUMENTED[body["RspCode"]] == body["Message"]
    return body["RspCode"], body["Message"]


async def status(env: Harness, payment_id: str) -> str:
    body = (await env.client.get(f"/api/v1/payments/{payment_id}", headers=env.officer())).json()
    return str(body["status"])


async def test_the_outcome_table(env: Harness) -> None:
    payment_id, params = await unsent_ipn(env)
    assert (await answer(env, params | {"vnp_Amount": "100"}))[0] == "97"  # tampered
    assert (await answer(env, signed(params, vnp_TmnCode="KHAC0001")))[0] == "97"  # another merchant
    unsigned = {k: v for k, v in params.items() if k != "vnp_SecureHash"}
    assert (await answer(env, unsigned))[0] == "97"
    assert (await answer(env, signed(params, vnp_TxnRef="MCZZZZZZZZQQQQQQ")))[0] == "01"
    assert (await answer(env, params, provider="momo"))[0] == "01"
    assert await status(env, payment_id) == "pending"
    assert (await answer(env, params))[0] == "00"
    assert await status(env, payment_id) == "succeeded"
    assert (await answer(env, params))[0] == "02"
    other_id, other = await unsent_ipn(env)
    assert (await answer(env, signed(other, vnp_Amount=vnpay.to_vnp_amount(1_000))))[0] == "04"
    assert await status(env, other_id) == "pending"


async def test_a_declined_payment_is_confirmed_then_already_confirmed(env: Harness) -> None:
    payment_id, params = await unsent_ipn(env, approve=False)
    assert params["vnp_ResponseCode"] == "24"
    assert (await answer(env, params))[0] == "00"
    assert await status(env, payment_id) == "failed"
    assert (await answer(env, params))[0] == "02"


async def test_empty_fields_are_hashed_as_the_gateway_sent_them(env: Harness) -> None:
    payment_id, params = await unsent_ipn(env)
    with_empty = signed(params, vnp_BankTranNo="")
    assert "vnp_BankTranNo=&" in vnpay.canonical_query(with_empty)
    dropped = {k: v for k, v in with_empty.items() if k != "vnp_BankTranNo"}
    assert (await answer(env, dropped))[0] == "97", "the signature covers the empty field"
    assert (await answer(env, with_empty))[0] == "00"
    assert await status(env, payment_id) == "succeeded"


async def test_a_late_retry_of_a_confirmed_payment_is_already_confirmed(env: Harness) -> None:
    payment_id, params = await unsent_ipn(env)
    assert (await answer(env, params))[0] == "00"
    env.shift_clock(timedelta(hours=6))
    assert (await answer(env, params))[0] == "02"
    assert await status(env, payment_id) == "succeeded"


async def test_a_late_first_ipn_is_applied_as_the_status_query_states_it(env: Harness) -> None:
    payment_id, params = await unsent_ipn(env)
    env.shift_clock(timedelta(hours=2))
    doctored = signed(params, vnp_ResponseCode="24", vnp_TransactionStatus="02")
    # The old message says "declined"; the gateway says now that it was paid, and that is what counts.
    assert (await answer(env, doctored))[0] == "00"
    assert await status(env, payment_id) == "succeeded"
    assert (await answer(env, params))[0] == "02"


async def test_a_late_ipn_the_gateway_cannot_confirm_is_an_unknown_error(env: Harness) -> None:
    payment_id, params = await unsent_ipn(env)
    env.shift_clock(timedelta(hours=2))
    settings = env.ports.settings.gateway()
    async with httpx.AsyncClient() as http:
        env.ports.gateway = VnpayGateway(
            code="sandbox",
            tmn_code=settings.tmn_code,
            hash_secret=settings.hash_secret.get_secret_value(),
            pay_url="http://127.0.0.1:9/pay",
            api_url="http://127.0.0.1:9/api",  # the discard port: nothing answers
            http=http,
            timeout=2.0,
        )
        assert await answer(env, params) == ("99", "Unknown error")
    assert await status(env, payment_id) == "pending"
