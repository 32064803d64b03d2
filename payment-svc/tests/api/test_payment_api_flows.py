"""payment-svc over HTTP with its mounted sandbox: every path money can take, and every refusal."""

from __future__ import annotations

import asyncio
import io
import re
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl

import pypdf
from payment_testkit import AGENCY, MARRIAGE, OTHER_AGENCY, Harness, submitted, withdraw_and_expire
from sqlalchemy import func, select

from motcua_shared.chassis.bus.base import Message
from motcua_shared.contracts import topics
from motcua_shared.contracts.base import CloudEvent
from motcua_shared.contracts.common import FeeItem, FeeKind, FeeTiming
from motcua_shared.contracts.dossier import (
    DossierApproved,
    DossierStatus,
    DossierSupplementRequested,
)
from motcua_shared.contracts.payment import PaymentRequested, PaymentSucceeded
from motcua_shared.testing import eventually
from payment_svc.payments import service
from payment_svc.payments.models import ProviderTransaction
from payment_svc.providers import bank, vnpay
from payment_svc.settings import DEV_BANK_SECRET, DEV_SANDBOX_SECRET

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def paid_by_gateway(env: Harness, *, subject: str = "citizen-an") -> tuple[str, dict[str, Any]]:
    """A payment paid through the sandbox gateway; returns its id and the signed IPN parameters."""
    payment = await env.requested(submitted(applicant_id=subject))
    checkout = await env.checkout(payment.id, who=env.citizen(subject))
    assert checkout.status_code == 201, checkout.text
    redirect = checkout.json()["gateway"]["redirect_url"]
    decided = await env.sandbox_pay(redirect)
    assert decided.status_code == 303
    txn_ref = vnpay.result_from(dict(_query(decided.headers["location"]))).txn_ref
    ipn = (await env.client.get(f"/api/v1/payments/providers/sandbox/site/ipn/{txn_ref}")).json()
    return payment.id, ipn


def _query(url: str) -> list[tuple[str, str]]:
    return parse_qsl(url.split("?", 1)[1])


def resign(params: dict[str, str], **changes: str) -> dict[str, str]:
    """The parameters changed and signed again with the real secret (a provider really sent them)."""
    changed = {k: v for k, v in {**params, **changes}.items() if k != "vnp_SecureHash"}
    changed["vnp_SecureHash"] = vnpay.sign_query(changed, DEV_SANDBOX_SECRET)
    return changed


async def ipn(env: Harness, params: dict[str, str]) -> Any:
    return await env.client.get("/api/v1/payments/providers/sandbox/ipn", params=params)


async def credits(env: Harness, payment_id: str) -> int:
    async with env.uow() as uow:
        query = select(func.count()).where(
            ProviderTransaction.payment_id == payment_id, ProviderTransaction.outcome == "credited"
        )
        return int(await uow.session.scalar(query) or 0)


async def test_submission_requests_the_sum_of_the_items_in_integer_vnd(env: Harness) -> None:
    exempt = FeeItem(name="Lệ phí khai sinh", kind=FeeKind.LE_PHI, amount=5_000, exempt=True)
    event = submitted(items=(MARRIAGE, exempt))
    payment = await env.requested(event)
    assert payment.amount == 30_000
    assert isinstance(payment.amount, int)
    assert await env.outbox_count(PaymentRequested.TYPE, payment.id) == 1
    body = (await env.client.get(f"/api/v1/payments/{payment.id}", headers=env.citizen())).json()
    assert body["amount"] == 30_000
    assert body["status"] == "pending"
    assert body["reference"].startswith("MC")


async def test_free_or_exempt_dossiers_request_nothing(env: Harness) -> None:
    exempt = FeeItem(name="Lệ phí đăng ký kết hôn", kind=FeeKind.LE_PHI, amount=30_000, exempt=True)
    free = submitted(items=(exempt,))
    paying = submitted()
    await env.publish(free)
    await env.requested(paying)  # published after: once it is handled, so is the free one
    assert await env.payment_of(free.dossier_code) is None


async def test_fees_due_at_result_are_requested_when_the_result_is_ready(env: Harness) -> None:
    event = submitted(timing=FeeTiming.RESULT)
    await env.publish(event)
    await env.requested(submitted())
    assert await env.payment_of(event.dossier_code) is None
    approved = DossierApproved(
        **event.model_dump(
            include={"dossier_code", "procedure_code", "agency_code", "applicant_id", "actor"}
        ),
        status=DossierStatus.RESULT_READY,
        national_status=9,
        occurred_at=event.occurred_at,
    )
    await env.publish(approved)
    payment = await eventually(lambda: env.payment_of(event.dossier_code), what="request at result")
    assert payment.fee_timing == "result"
    assert payment.amount == 38_000


async def test_fees_due_at_supplement_are_requested_once_when_the_agency_asks(env: Harness) -> None:
    event = submitted(timing=FeeTiming.SUPPLEMENT)
    await env.publish(event)
    await env.requested(submitted())
    assert await env.payment_of(event.dossier_code) is None, "nothing is payable before the agency asks"
    asked = CloudEvent.wrap(
        DossierSupplementRequested(
            **event.model_dump(
                include={"dossier_code", "procedure_code", "agency_code", "applicant_id", "actor"}
            ),
            status=DossierStatus.SUPPLEMENT_REQUESTED,
            national_status=6,
            occurred_at=event.occurred_at,
            reason="Thực hiện nghĩa vụ tài chính",
        ),
        source="/motcua/dossier",
    )
    message = Message(topic=topics.DOSSIER, key=asked.subject, value=asked.to_json().encode())
    consumer = env.app.state.runtime.consumer
    await env.bus.publish([message, message])  # the same event delivered twice
    await eventually(lambda: consumer.duplicates >= 1, what="the redelivery")
    payment = await eventually(lambda: env.payment_of(event.dossier_code), what="request at supplement")
    assert (payment.fee_timing, payment.amount) == ("supplement", 38_000)
    assert await env.outbox_count(PaymentRequested.TYPE, payment.id) == 1
    async with env.uow() as uow:
        assert len(await uow.payments.by_dossier(event.dossier_code)) == 1
    checkout = await env.checkout(payment.id)
    decided = await env.sandbox_pay(checkout.json()["gateway"]["redirect_url"])
    assert decided.status_code == 303
    await eventually(
        lambda: env.outbox_count(PaymentSucceeded.TYPE, payment.id), what="PaymentSucceeded for the dossier"
    )


async def test_gateway_flow_credits_once_and_issues_a_receipt(env: Harness) -> None:
    payment_id, _ = await paid_by_gateway(env)
    body = (await env.client.get(f"/api/v1/payments/{payment_id}", headers=env.citizen())).json()
    assert body["status"] == "succeeded"
    assert body["method"] == "gateway"
    assert re.fullmatch(r"AA-\d{2}E-\d{7}", body["receipt_number"])
    assert await env.outbox_count(PaymentSucceeded.TYPE, payment_id) == 1


async def test_the_browser_return_shows_but_never_changes_state(env: Harness) -> None:
    payment = await env.requested(submitted())
    checkout = (await env.checkout(payment.id)).json()
    decided = await env.sandbox_pay(checkout["gateway"]["redirect_url"], lose_ipn=True)
    location = decided.headers["location"]
    page = await env.client.get(location.split("8000", 1)[1])
    assert page.status_code == 200
    assert "Đang chờ xác nhận" in page.text
    app_page = f"{env.ports.settings.public_url}/ho-so/{payment.dossier_code}"  # the citizen app's dossier
    assert f'<a href="{app_page}">Về hồ sơ {payment.dossier_code}</a>' in page.text
    assert (await env.payment_of(payment.dossier_code)).status == "pending"  # type: ignore[union-attr]
    forged = dict(_query(location)) | {"vnp_Amount": "100"}
    refused = await env.client.get("/api/v1/payments/providers/sandbox/return", params=forged)
    assert refused.status_code == 400
    assert refused.headers["content-type"].startswith("application/problem+json")


async def test_a_hundred_replays_credit_once(env: Harness) -> None:
    payment_id, params = await paid_by_gateway(env)
    answers = [await ipn(env, params) for _ in range(100)]
    assert {a.status_code for a in answers} == {200}
    assert {a.json()["RspCode"] for a in answers} == {"02"}
    assert await credits(env, payment_id) == 1
    assert await env.outbox_count(PaymentSucceeded.TYPE, payment_id) == 1


async def test_two_concurrent_ipns_credit_once(env: Harness) -> None:
    payment = await env.requested(submitted())
    checkout = (await env.checkout(payment.id)).json()
    decided = await env.sandbox_pay(checkout["gateway"]["redirect_url"], lose_ipn=True)
    params = dict(_query(decided.headers["location"]))
    first, second = await asyncio.gather(ipn(env, params), ipn(env, params))
    assert sorted([first.json()["RspCode"], second.json()["RspCode"]]) == ["00", "02"]
    assert await credits(env, payment.id) == 1
    assert await env.outbox_count(PaymentSucceeded.TYPE, payment.id) == 1


async def test_forged_and_unknown_callbacks_change_nothing(env: Harness) -> None:
    payment = await env.requested(submitted())
    checkout = (await env.checkout(payment.id)).json()
    decided = await env.sandbox_pay(checkout["gateway"]["redirect_url"], lose_ipn=True)
    params = dict(_query(decided.headers["location"]))
    tampered = params | {"vnp_Amount": "100"}
    answer = await ipn(env, tampered)
    assert answer.status_code == 200  # VNPay's protocol: every outcome is a 200 with its RspCode
    assert answer.json() == {"RspCode": "97", "Message": "Invalid signature"}
    wrong_key = params | {"vnp_SecureHash": vnpay.sign_query(params, "not-the-secret")}
    assert (await ipn(env, wrong_key)).json()["RspCode"] == "97"
    unsigned = {k: v for k, v in params.items() if k != "vnp_SecureHash"}
    assert (await ipn(env, unsigned)).json()["RspCode"] == "97"
    unknown = resign(params, vnp_TxnRef="MCZZZZZZZZQQQQQQ")
    answer = await ipn(env, unknown)
    assert answer.status_code == 200
    assert answer.json()["RspCode"] == "01"
    other_provider = await env.client.get("/api/v1/payments/providers/momo/ipn", params=params)
    assert other_provider.json()["RspCode"] == "01"
    assert (await env.payment_of(payment.dossier_code)).status == "pending"  # type: ignore[union-attr]
    assert await credits(env, payment.id) == 0
    assert (await ipn(env, params)).json()["RspCode"] == "00"  # the genuine one still works


async def test_amount_mismatch_is_flagged_not_credited(env: Harness) -> None:
    payment = await env.requested(submitted())
    checkout = (await env.checkout(payment.id)).json()
    decided = await env.sandbox_pay(checkout["gateway"]["redirect_url"], lose_ipn=True)
    params = resign(dict(_query(decided.headers["location"])), vnp_Amount=vnpay.to_vnp_amount(1_000))
    answer = await ipn(env, params)
    assert answer.status_code == 200
    assert answer.json()["RspCode"] == "04"
    after = (await env.client.get(f"/api/v1/payments/{payment.id}", headers=env.officer())).json()
    assert after["status"] == "pending"
    assert after["flagged"] is True
    anomalies = (await env.client.get("/api/v1/payments/anomalies", headers=env.officer())).json()["items"]
    assert [a["outcome"] for a in anomalies if a["payment_id"] == payment.id] == ["amount_mismatch"]
    other = (await env.client.get("/api/v1/payments/anomalies", headers=env.officer(OTHER_AGENCY))).json()
    assert not [a for a in other["items"] if a["payment_id"] == payment.id]


async def test_success_after_failure_is_accepted(env: Harness) -> None:
    payment = await env.requested(submitted())
    first = (await env.checkout(payment.id)).json()
    await env.sandbox_pay(first["gateway"]["redirect_url"], approve=False)
    assert (await env.payment_of(payment.dossier_code)).status == "failed"  # type: ignore[union-attr]
    second = (await env.checkout(payment.id)).json()
    await env.sandbox_pay(second["gateway"]["redirect_url"])
    assert (await env.payment_of(payment.dossier_code)).status == "succeeded"  # type: ignore[union-attr]


async def test_late_success_after_expiry_is_recorded_and_flagged_for_refund(env: Harness) -> None:
    payment = await env.requested(submitted())
    checkout = (await env.checkout(payment.id)).json()
    decided = await env.sandbox_pay(checkout["gateway"]["redirect_url"], lose_ipn=True)
    env.shift_clock(timedelta(days=8))
    assert await service.expire_due(env.uow(), env.ports) == 1
    params = resign(dict(_query(decided.headers["location"])), vnp_PayDate=vnpay.format_time(env.ports.now()))
    assert (await ipn(env, params)).json()["RspCode"] == "00"
    after = (await env.client.get(f"/api/v1/payments/{payment.id}", headers=env.officer())).json()
    assert after["status"] == "expired"
    assert after["flagged"] is True
    assert [t["outcome"] for t in after["transactions"]] == ["flagged_refund"]
    txn_id = after["transactions"][0]["id"]
    accepted = await env.client.post(
        f"/api/v1/payments/anomalies/{txn_id}/resolve",
        json={"action": "accept", "note": "Công dân đã nộp đúng số tiền"},
        headers=env.officer(),
    )
    assert accepted.status_code == 200, accepted.text
    assert (await env.payment_of(payment.dossier_code)).status == "succeeded"  # type: ignore[union-attr]


async def test_a_lost_ipn_is_found_by_the_status_query(env: Harness) -> None:
    payment = await env.requested(submitted())
    checkout = (await env.checkout(payment.id)).json()
    await env.sandbox_pay(checkout["gateway"]["redirect_url"], lose_ipn=True)
    assert await service.requery_open(env.uow(), env.ports) == 0  # too early to ask
    env.shift_clock(timedelta(minutes=6))
    assert await service.requery_open(env.uow(), env.ports) == 1
    assert (await env.payment_of(payment.dossier_code)).status == "succeeded"  # type: ignore[union-attr]


async def test_idempotency_key_same_body_same_answer_other_body_409(env: Harness) -> None:
    payment = await env.requested(submitted())
    first = await env.checkout(payment.id, key="k-1")
    again = await env.checkout(payment.id, key="k-1")
    assert again.status_code == 201
    assert "idempotent-replayed" not in first.headers
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["attempt_id"] == first.json()["attempt_id"]
    assert again.json()["gateway"]["redirect_url"] == first.json()["gateway"]["redirect_url"]
    other = await env.checkout(payment.id, "vietqr", key="k-1")
    assert other.status_code == 409
    assert other.json()["type"].endswith("idempotency-key-reused")
    missing = await env.client.post(
        "/api/v1/payments", json={"payment_id": payment.id, "method": "vietqr"}, headers=env.citizen()
    )
    assert missing.status_code == 400
    assert missing.headers["content-type"].startswith("application/problem+json")


async def test_money_is_never_a_float(env: Harness) -> None:
    payment_id, _ = await paid_by_gateway(env)
    refused = await env.client.post(
        f"/api/v1/payments/{payment_id}/refund",
        json={"amount": 1000.5, "reason": "Thu thừa"},
        headers={**env.officer(), "Idempotency-Key": "r-float"},
    )
    assert refused.status_code == 422
    as_float = await env.client.post(
        f"/api/v1/payments/{payment_id}/refund",
        json={"amount": 1000.0, "reason": "Thu thừa"},
        headers={**env.officer(), "Idempotency-Key": "r-float-2"},
    )
    assert as_float.status_code == 422


async def test_nobody_touches_a_payment_that_is_not_theirs(env: Harness) -> None:
    payment_id, _ = await paid_by_gateway(env)
    stranger = env.citizen("citizen-binh")
    assert (await env.client.get(f"/api/v1/payments/{payment_id}", headers=stranger)).status_code == 404
    assert (await env.checkout(payment_id, who=stranger)).status_code == 404
    refund = await env.client.post(
        f"/api/v1/payments/{payment_id}/refund",
        json={"amount": 1_000, "reason": "Không phải của tôi"},
        headers={**stranger, "Idempotency-Key": "r-x"},
    )
    assert refund.status_code == 403
    owner_refund = await env.client.post(
        f"/api/v1/payments/{payment_id}/refund",
        json={"amount": 1_000, "reason": "Tự hoàn"},
        headers={**env.citizen(), "Idempotency-Key": "r-y"},
    )
    assert owner_refund.status_code == 403
    other_officer = env.officer(OTHER_AGENCY)
    assert (await env.client.get(f"/api/v1/payments/{payment_id}", headers=other_officer)).status_code == 404
    other_refund = await env.client.post(
        f"/api/v1/payments/{payment_id}/refund",
        json={"amount": 1_000, "reason": "Sai cơ quan"},
        headers={**other_officer, "Idempotency-Key": "r-z"},
    )
    assert other_refund.status_code == 404
    assert (
        await env.client.get(f"/api/v1/payments/{payment_id}/receipt.pdf", headers=stranger)
    ).status_code == 404
    assert (await env.client.get(f"/api/v1/payments/{payment_id}")).status_code == 401
    listed = (await env.client.get("/api/v1/payments", headers=stranger)).json()
    assert listed["items"] == []
    assert listed["total"] == 0
    assert (
        await env.client.get("/api/v1/payments/reconciliation?date=2025-08-04", headers=env.officer())
    ).status_code == 403


async def test_refunds_partial_then_full_never_above_what_was_paid(env: Harness) -> None:
    payment_id, _ = await paid_by_gateway(env)
    url = f"/api/v1/payments/{payment_id}/refund"
    first = await env.client.post(
        url,
        json={"amount": 8_000, "reason": "Hoàn phí bản sao"},
        headers={**env.officer(), "Idempotency-Key": "r1"},
    )
    assert first.status_code == 201, first.text
    assert first.json()["payment"]["status"] == "refunded"
    assert first.json()["payment"]["refunded_amount"] == 8_000
    replay = await env.client.post(
        url,
        json={"amount": 8_000, "reason": "Hoàn phí bản sao"},
        headers={**env.officer(), "Idempotency-Key": "r1"},
    )
    assert replay.json()["refund"]["id"] == first.json()["refund"]["id"]
    too_much = await env.client.post(
        url, json={"amount": 30_001, "reason": "Hoàn quá"}, headers={**env.admin(), "Idempotency-Key": "r2"}
    )
    assert too_much.status_code == 422
    rest = await env.client.post(
        url,
        json={"amount": 30_000, "reason": "Hồ sơ bị từ chối"},
        headers={**env.admin(), "Idempotency-Key": "r3"},
    )
    assert rest.status_code == 201, rest.text
    assert rest.json()["payment"]["refunded_amount"] == 38_000
    nothing_left = await env.client.post(
        url, json={"amount": 1, "reason": "Hoàn thêm"}, headers={**env.admin(), "Idempotency-Key": "r4"}
    )
    assert nothing_left.status_code == 422


async def test_a_pending_payment_cannot_be_refunded(env: Harness) -> None:
    payment = await env.requested(submitted())
    answer = await env.client.post(
        f"/api/v1/payments/{payment.id}/refund",
        json={"amount": 1_000, "reason": "Chưa trả"},
        headers={**env.officer(), "Idempotency-Key": "r-p"},
    )
    assert answer.status_code == 409


async def test_vietqr_code_then_bank_credit_with_the_reference(env: Harness) -> None:
    payment = await env.requested(submitted())
    checkout = (await env.checkout(payment.id, "vietqr")).json()
    qr = checkout["vietqr"]
    assert qr["reference"] in qr["payload"]
    image = await env.client.get(qr["png_url"], headers=env.citizen())
    assert image.headers["content-type"] == "image/png"
    assert image.content.startswith(b"\x89PNG")
    svg = await env.client.get(qr["svg_url"], headers=env.citizen())
    assert b"<svg" in svg.content
    wrong_amount = await env.client.post(
        "/api/v1/payments/providers/sandbox/site/bank/transfers",
        json={"amount": 37_000, "description": f"NGUYEN THI HUONG CK {qr['reference']}"},
    )
    assert wrong_amount.json()["notified"]["results"][0]["outcome"] == "amount_mismatch"
    right = await env.client.post(
        "/api/v1/payments/providers/sandbox/site/bank/transfers",
        json={"amount": 38_000, "description": f"chuyen tien {qr['reference'].lower()} phi ho so"},
    )
    assert right.json()["notified"]["results"][0]["outcome"] == "credited"
    after = (await env.client.get(f"/api/v1/payments/{payment.id}", headers=env.citizen())).json()
    assert after["status"] == "succeeded"
    assert after["method"] == "vietqr"
    stray = await env.client.post(
        "/api/v1/payments/providers/sandbox/site/bank/transfers",
        json={"amount": 5_000, "description": "tien nha"},
    )
    assert stray.json()["notified"]["results"][0]["outcome"] == "unmatched"
    admin_view = (await env.client.get("/api/v1/payments/anomalies", headers=env.admin())).json()["items"]
    assert "unmatched" in {a["outcome"] for a in admin_view}
    officer_view = (await env.client.get("/api/v1/payments/anomalies", headers=env.officer())).json()["items"]
    assert "unmatched" not in {a["outcome"] for a in officer_view}


async def test_forged_bank_notifications_are_refused(env: Harness) -> None:
    payment = await env.requested(submitted())
    body = (
        '{"transactions":[{"id":"FT1","account_number":"113000118888","amount":38000,'
        f'"description":"{payment.reference}","booked_at":"2025-08-04T08:30:00+07:00"}}]}}'
    ).encode()
    stamp = str(int(env.ports.now().timestamp()))
    url = "/api/v1/payments/providers/bank/notify"
    unsigned = await env.client.post(url, content=body)
    assert unsigned.status_code == 400
    forged = await env.client.post(
        url,
        content=body,
        headers={bank.TIMESTAMP_HEADER: stamp, bank.SIGNATURE_HEADER: bank.signature("x", stamp, body)},
    )
    assert forged.status_code == 400
    old = str(int((env.ports.now() - timedelta(hours=1)).timestamp()))
    replayed = await env.client.post(
        url,
        content=body,
        headers={
            bank.TIMESTAMP_HEADER: old,
            bank.SIGNATURE_HEADER: bank.signature(DEV_BANK_SECRET, old, body),
        },
    )
    assert replayed.status_code == 400
    assert (await env.payment_of(payment.dossier_code)).status == "pending"  # type: ignore[union-attr]
    good = await env.client.post(
        url,
        content=body,
        headers={
            bank.TIMESTAMP_HEADER: stamp,
            bank.SIGNATURE_HEADER: bank.signature(DEV_BANK_SECRET, stamp, body),
        },
    )
    assert good.json()["results"][0]["outcome"] == "credited"


async def test_manual_transfer_slip_confirmed_by_the_agency(env: Harness) -> None:
    payment = await env.requested(submitted())
    checkout = (await env.checkout(payment.id, "manual_transfer")).json()
    upload_url = checkout["transfer"]["slip_upload_url"]
    not_an_image = await env.client.post(
        upload_url, files={"file": ("slip.txt", b"hello", "text/plain")}, headers=env.citizen()
    )
    assert not_an_image.status_code == 422
    stranger = await env.client.post(
        upload_url, files={"file": ("slip.png", PNG, "image/png")}, headers=env.citizen("citizen-binh")
    )
    assert stranger.status_code == 404
    slip = await env.client.post(
        upload_url, files={"file": ("slip.png", PNG, "image/png")}, headers=env.citizen()
    )
    assert slip.status_code == 201, slip.text

    async def awaiting(who: dict[str, str]) -> list[str]:
        page = await env.client.get("/api/v1/payments", params={"awaiting": "slip"}, headers=who)
        assert page.status_code == 200, page.text
        return [p["id"] for p in page.json()["items"]]

    assert await awaiting(env.officer()) == [payment.id], "the agency's desk lists the slip to decide"
    assert await awaiting(env.officer(OTHER_AGENCY)) == []
    # The list carries each payment's slips, so the desk decides from it without reading each payment.
    page = await env.client.get("/api/v1/payments", params={"awaiting": "slip"}, headers=env.officer())
    listed = page.json()["items"][0]["slips"]
    assert [(s["id"], s["status"]) for s in listed] == [(slip.json()["id"], "submitted")]
    one = await env.client.get(f"/api/v1/payments/{payment.id}", headers=env.officer())
    assert listed == one.json()["slips"]
    by_citizen = await env.client.post(
        f"/api/v1/payments/{payment.id}/slips/confirm", json={}, headers=env.citizen()
    )
    assert by_citizen.status_code == 403
    by_other_agency = await env.client.post(
        f"/api/v1/payments/{payment.id}/slips/confirm", json={}, headers=env.officer(OTHER_AGENCY)
    )
    assert by_other_agency.status_code == 404
    rejected = await env.client.post(
        f"/api/v1/payments/{payment.id}/slips/reject",
        json={"reason": "Ảnh mờ, không đọc được"},
        headers=env.officer(),
    )
    assert rejected.json()["status"] == "pending"
    assert await awaiting(env.officer()) == [], "a decided slip awaits nothing"
    await env.client.post(upload_url, files={"file": ("slip2.png", PNG, "image/png")}, headers=env.citizen())
    confirmed = await env.client.post(
        f"/api/v1/payments/{payment.id}/slips/confirm",
        json={"bank_txn_id": "FT2521600001"},
        headers=env.officer(),
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "succeeded"
    assert confirmed.json()["method"] == "manual_transfer"
    assert await awaiting(env.officer()) == []
    file = await env.client.get(slip.json()["url"], headers=env.officer())
    assert file.content == PNG


async def test_the_receipt_pdf_reads_back_in_vietnamese(env: Harness) -> None:
    payment_id, _ = await paid_by_gateway(env)
    for who in (env.citizen(), env.officer()):
        answer = await env.client.get(f"/api/v1/payments/{payment_id}/receipt.pdf", headers=who)
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(answer.content)).pages)
    number = (await env.client.get(f"/api/v1/payments/{payment_id}", headers=env.citizen())).json()[
        "receipt_number"
    ]
    for expected in (
        "BIÊN LAI THU PHÍ, LỆ PHÍ",
        "Nguyễn Thị Hương",
        "Lệ phí đăng ký kết hôn",
        "38.000 đồng",
        "Ba mươi tám nghìn đồng",
        "Ký hiệu: {}".format(number.rsplit("-", 1)[0]),
        "Số: {}".format(number.rsplit("-", 1)[1]),
        AGENCY,
    ):
        assert expected in text, expected
    unpaid = await env.requested(submitted())
    assert (
        await env.client.get(f"/api/v1/payments/{unpaid.id}/receipt.pdf", headers=env.citizen())
    ).status_code == 409


async def test_reconciliation_of_the_sandbox_statement(env: Harness) -> None:
    payment_id, _ = await paid_by_gateway(env)
    day = env.ports.now().astimezone(vnpay.VN_TIME).date()
    statement = (await env.client.get(f"/api/v1/payments/providers/sandbox/site/statements/{day}.csv")).text
    statement += "99999999,MCNOTOURS000,50000,VND,,success\n"
    imported = await env.client.post(
        f"/api/v1/payments/reconciliation/statements?provider=sandbox&date={day}",
        content=statement.encode(),
        headers={**env.admin(), "Content-Type": "text/csv"},
    )
    assert imported.status_code == 201, imported.text
    report = imported.json()["report"]
    assert report["counts"]["matched"] == 1
    assert report["matched"][0]["payment_id"] == payment_id
    assert [r["provider_txn_id"] for r in report["missing_ours"]] == ["99999999"]
    again = await env.client.post(
        f"/api/v1/payments/reconciliation/statements?provider=sandbox&date={day}",
        content=statement.encode(),
        headers={**env.admin(), "Content-Type": "text/csv"},
    )
    assert again.json()["imported"] == 0
    second_id, _ = await paid_by_gateway(env)
    later = (
        await env.client.get(
            f"/api/v1/payments/reconciliation?date={day}&provider=sandbox", headers=env.admin()
        )
    ).json()
    assert [r["payment_id"] for r in later["missing_theirs"]] == [second_id]


async def test_reconciliation_flags_an_amount_mismatch(env: Harness) -> None:
    _, ipn_params = await paid_by_gateway(env)
    day = env.ports.now().astimezone(vnpay.VN_TIME).date()
    line = f"provider_txn_id,reference,amount\n{ipn_params['vnp_TransactionNo']},x,37.000\n"
    imported = await env.client.post(
        f"/api/v1/payments/reconciliation/statements?provider=sandbox&date={day}",
        content=line.encode(),
        headers={**env.admin(), "Content-Type": "text/csv"},
    )
    report = imported.json()["report"]
    assert report["counts"]["amount_mismatches"] == 1
    assert report["amount_mismatches"][0]["their_amount"] == 37_000
    assert report["amount_mismatches"][0]["our_amount"] == 38_000


async def test_withdrawal_ends_an_unpaid_request(env: Harness) -> None:
    event = submitted()
    payment = await env.requested(event)
    await withdraw_and_expire(env, event)
    assert (await env.checkout(payment.id)).status_code == 409


async def test_listing_pages_with_a_cursor(env: Harness) -> None:
    for _ in range(3):
        await env.requested(submitted(applicant_id="citizen-chi"))
    who = env.citizen("citizen-chi")
    first = (await env.client.get("/api/v1/payments?limit=2", headers=who)).json()
    assert first["total"] == 3
    assert len(first["items"]) == 2
    second = (
        await env.client.get(f"/api/v1/payments?limit=2&cursor={first['next_cursor']}", headers=who)
    ).json()
    assert len(second["items"]) == 1
    assert {i["id"] for i in first["items"]}.isdisjoint({i["id"] for i in second["items"]})
    bad = await env.client.get("/api/v1/payments?cursor=%%%", headers=who)
    assert bad.status_code == 422
