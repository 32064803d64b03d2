"""The gateway and bank signatures, checked against HMACs computed here by hand."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

import httpx
import pytest

from payment_svc.providers import bank, vnpay
from payment_svc.providers.base import CheckoutRequest, SignatureError, TxnState
from payment_svc.sandbox.service import Sandbox
from payment_svc.sandbox.settings import SandboxSettings

SECRET = "test-secret"


def gateway() -> vnpay.VnpayGateway:
    return vnpay.VnpayGateway(
        code="sandbox",
        tmn_code="MOTCUA01",
        hash_secret=SECRET,
        pay_url="https://pay.example/pay",
        api_url="https://pay.example/api",
        http=httpx.AsyncClient(),
    )


def checkout_request(order_info: str) -> CheckoutRequest:
    now = datetime(2025, 8, 4, 1, 15, tzinfo=UTC)
    return CheckoutRequest(
        txn_ref="MCABCDEFGH12",
        amount=38_000,
        order_info=order_info,
        return_url="http://127.0.0.1:8000/api/v1/payments/providers/sandbox/return",
        client_ip="10.0.0.1",
        created_at=now,
        expires_at=now + timedelta(minutes=15),
    )


def test_checkout_url_is_sorted_encoded_and_signed_with_hmac_sha512() -> None:
    url = gateway().checkout_url(checkout_request("Thanh toan phi ho so hue.xa.thuan-hoa-250804-0118"))
    query = url.split("?", 1)[1]
    signed, _, digest = query.rpartition("&vnp_SecureHash=")
    keys = [pair.split("=", 1)[0] for pair in signed.split("&")]
    assert keys == sorted(keys)
    assert "vnp_Amount=3800000" in signed
    assert "vnp_CreateDate=20250804081500" in signed  # Vietnam time
    assert "vnp_OrderInfo=Thanh+toan+phi+ho+so+hue.xa.thuan-hoa-250804-0118" in signed
    assert digest == hmac.new(SECRET.encode(), signed.encode(), hashlib.sha512).hexdigest()


def test_a_checkout_leaves_empty_fields_out_and_a_callback_hashes_them() -> None:
    request = checkout_request("")
    sent = dict(parse_qsl(gateway().checkout_url(request).split("?", 1)[1], keep_blank_values=True))
    assert "vnp_OrderInfo" not in sent
    assert vnpay.verify_query(sent, SECRET)
    callback = {"vnp_TmnCode": "MOTCUA01", "vnp_BankTranNo": "", "vnp_TxnRef": "MCABCDEFGH12"}
    by_hand = "vnp_BankTranNo=&vnp_TmnCode=MOTCUA01&vnp_TxnRef=MCABCDEFGH12"
    assert vnpay.canonical_query(callback) == by_hand
    assert (
        vnpay.sign_query(callback, SECRET)
        == hmac.new(SECRET.encode(), by_hand.encode(), hashlib.sha512).hexdigest()
    )


def test_callbacks_verify_and_tampering_is_caught() -> None:
    params = {
        "vnp_TmnCode": "MOTCUA01",
        "vnp_TxnRef": "MCABCDEFGH12",
        "vnp_Amount": "3800000",
        "vnp_ResponseCode": "00",
        "vnp_TransactionStatus": "00",
        "vnp_TransactionNo": "14000001",
        "vnp_PayDate": "20250804081600",
    }
    params["vnp_SecureHash"] = vnpay.sign_query(params, SECRET)
    result = gateway().verify_callback(params)
    assert result.state is TxnState.SUCCEEDED
    assert result.amount == 38_000
    assert result.occurred_at == datetime(2025, 8, 4, 1, 16, tzinfo=UTC)
    for field, value in (("vnp_Amount", "100"), ("vnp_ResponseCode", "24"), ("vnp_TxnRef", "MCX")):
        with pytest.raises(SignatureError):
            gateway().verify_callback(params | {field: value})
    other_merchant = {k: v for k, v in params.items() if k != "vnp_SecureHash"} | {"vnp_TmnCode": "OTHER"}
    other_merchant["vnp_SecureHash"] = vnpay.sign_query(other_merchant, SECRET)
    with pytest.raises(SignatureError):
        gateway().verify_callback(other_merchant)


def test_amounts_that_are_not_whole_dong_never_match() -> None:
    assert vnpay.from_vnp_amount("3800000") == 38_000
    assert vnpay.from_vnp_amount("3800050") is None
    assert vnpay.from_vnp_amount("38000.5") is None
    assert vnpay.result_from({"vnp_Amount": "12.5"}).amount == -1


def test_response_codes() -> None:
    assert vnpay.state_of("00", "00") is TxnState.SUCCEEDED
    assert vnpay.state_of("24", "02") is TxnState.FAILED
    assert vnpay.state_of("", "01") is TxnState.PENDING


def test_api_checksums_cover_the_fields_in_order() -> None:
    body = {f: f"v{i}" for i, f in enumerate(vnpay.QUERY_REQUEST_FIELDS)}
    expected = hmac.new(SECRET.encode(), "|".join(body.values()).encode(), hashlib.sha512).hexdigest()
    assert vnpay.sign_fields(body, vnpay.QUERY_REQUEST_FIELDS, SECRET) == expected
    body["vnp_SecureHash"] = expected
    assert vnpay.verify_fields(body, vnpay.QUERY_REQUEST_FIELDS, SECRET)
    assert not vnpay.verify_fields(body | {"vnp_TxnRef": "x"}, vnpay.QUERY_REQUEST_FIELDS, SECRET)


def test_bank_signature_binds_the_timestamp() -> None:
    body = b'{"transactions":[]}'
    now = datetime.now(UTC)
    stamp = str(int(now.timestamp()))
    expected = hmac.new(SECRET.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert bank.signature(SECRET, stamp, body) == expected
    assert bank.verify(SECRET, stamp, expected, body, now=now) == float(stamp)
    with pytest.raises(SignatureError):
        bank.verify(SECRET, str(int(stamp) - 1), expected, body, now=now)
    with pytest.raises(SignatureError):
        bank.verify(SECRET, stamp, expected, body + b" ", now=now)
    with pytest.raises(SignatureError):
        bank.verify(SECRET, None, expected, body, now=now)


def test_references_are_found_however_the_bank_mangles_the_description() -> None:
    assert bank.references_in("NGUYEN THI HUONG chuyen tien MC7K2Q9X4D phi") == ["MC7K2Q9X4D"]
    assert "MC7K2Q9X4D" in bank.references_in("mc7k2q9x4dchuyentien")
    assert "MC7K2Q9X4D" in bank.references_in("MC-7K2Q-9X4D")
    assert bank.references_in("tien nha thang 8") == []


def test_a_restarted_sandbox_never_numbers_a_transaction_again() -> None:
    """`make run` restarted on the same var/: the new sandbox's transaction numbers follow the old one's."""

    def approved(sandbox: Sandbox, ref: str) -> int:
        now = datetime.now(UTC)
        url = gateway().checkout_url(
            CheckoutRequest(
                txn_ref=ref,
                amount=38_000,
                order_info="Thanh toan phi",
                return_url="http://127.0.0.1:8000/api/v1/payments/providers/sandbox/return",
                client_ip="10.0.0.1",
                created_at=now,
                expires_at=now + timedelta(minutes=15),
            )
        )
        sandbox.open_checkout(dict(parse_qsl(url.split("?", 1)[1])))
        return int(sandbox.decide(ref, approve=True).number)

    settings = SandboxSettings(hash_secret=SECRET, tmn_code="MOTCUA01")
    before = Sandbox(settings)
    first = [approved(before, f"MCOLD{i:07d}") for i in range(50)]
    after = Sandbox(settings)  # the restart: nothing of the old sandbox's memory survives
    second = [approved(after, f"MCNEW{i:07d}") for i in range(3)]
    assert len(set(first)) == 50
    assert min(second) > max(first), "no number of the earlier run is handed out again"
