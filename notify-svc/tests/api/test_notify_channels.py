"""Channels for real: a brand-name HTTP SMS API (retried, then failed for good, receipts signed) and SMTP."""

from __future__ import annotations

import asyncio
import email
import email.policy
import hashlib
import hmac
import json
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import httpx
from aiosmtpd.controller import Controller
from notify_testkit import TOKENS, StartNotify

from motcua.infra.ports import free_port
from motcua_shared.contracts.dossier import DossierReceived, DossierSubmitted
from motcua_shared.contracts.examples import APPLICANT_ID, examples
from motcua_shared.contracts.notify import NotifyChannel
from notify_svc.channels.sms import HttpSmsProvider
from notify_svc.settings import EmailSettings, SmsSettings

EX = examples()
ADMIN = TOKENS.bearer("ops", "admin")
RECEIPT_SECRET = "receipt-secret-for-tests"


def http_sms(answers: list[httpx.Response], seen: list[dict[str, Any]]) -> SmsSettings:
    return SmsSettings(
        provider="http",
        api_url="https://sms.example.vn/api/send",
        api_key="k",
        receipt_secret=RECEIPT_SECRET,
    )


async def test_transient_failures_are_retried_with_backoff_then_sent(start_notify: StartNotify) -> None:
    seen: list[dict[str, Any]] = []
    answers = [httpx.Response(503, text="busy"), httpx.Response(200, json={"message_id": "esms-1"})]

    def provider(request: httpx.Request) -> httpx.Response:
        seen.append({"auth": request.headers["authorization"], **json.loads(request.content)})
        return answers.pop(0)

    settings = http_sms(answers, seen)
    n = await start_notify(sms=settings)
    n.dispatcher.adapters[NotifyChannel.SMS] = HttpSmsProvider(
        settings, httpx.AsyncClient(transport=httpx.MockTransport(provider))
    )
    await n.deliver(EX[DossierSubmitted.TYPE])
    await n.deliver(EX[DossierReceived.TYPE])
    assert await n.dispatch() == 1
    log = (await n.client.get("/api/v1/notifications/deliveries", headers=ADMIN)).json()["items"]
    [queued] = [d for d in log if d["channel"] == "sms"]
    assert (queued["status"], queued["attempts"], queued["last_error"]) == ("queued", 1, "HTTP 503: busy")
    assert await n.dispatch() == 0, "not before the backoff"
    n.clock.advance(timedelta(seconds=61))
    assert await n.dispatch() == 1
    assert [s["request_id"] for s in seen] == [queued["id"], queued["id"]], "the same request id on retry"
    assert seen[0]["phone"] == "0905123456"
    assert seen[0]["unicode"] is False
    assert seen[0]["auth"] == "Bearer k"

    body = json.dumps({"message_id": "esms-1", "status": "delivered"}).encode()
    unsigned = await n.client.post("/api/v1/notifications/receipts/sms", content=body)
    assert unsigned.status_code == 401
    forged = await n.client.post(
        "/api/v1/notifications/receipts/sms", content=body, headers={"X-Signature": "sha256=00"}
    )
    assert forged.status_code == 401
    signature = "sha256=" + hmac.new(RECEIPT_SECRET.encode(), body, hashlib.sha256).hexdigest()
    ok = await n.client.post(
        "/api/v1/notifications/receipts/sms", content=body, headers={"X-Signature": signature}
    )
    assert ok.status_code == 200
    assert ok.json()["status"] == "delivered"


async def test_a_refused_number_fails_for_good(start_notify: StartNotify) -> None:
    settings = http_sms([], [])
    n = await start_notify(sms=settings)
    n.dispatcher.adapters[NotifyChannel.SMS] = HttpSmsProvider(
        settings,
        httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(400, text="invalid phone"))),
    )
    await n.deliver(EX[DossierSubmitted.TYPE])
    await n.deliver(EX[DossierReceived.TYPE])
    await n.dispatch()
    n.clock.advance(timedelta(days=1))
    assert await n.dispatch() == 0
    failed = await n.client.get(
        "/api/v1/notifications/deliveries", params={"status": "failed", "channel": "sms"}, headers=ADMIN
    )
    [row] = failed.json()["items"]
    assert row["attempts"] == 1
    assert row["last_error"].startswith("HTTP 400")


class Inbox:
    """An aiosmtpd handler keeping the raw messages."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content)
        return "250 OK"


async def test_email_reaches_a_real_smtp_server_in_exact_vietnamese(start_notify: StartNotify) -> None:
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        n = await start_notify(email=EmailSettings(host="127.0.0.1", port=port, security="none"))
        await n.deliver(EX[DossierSubmitted.TYPE])
        assert await n.dispatch() == 1
        await asyncio.sleep(0)
    finally:
        controller.stop()
    [raw] = handler.messages
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    assert message["To"] == "thuha.tran@example.vn"
    assert message["Subject"] == "Đã nộp hồ sơ hue.xa.thuan-hoa-250804-0118"
    body = message.get_body(("plain",))
    assert body is not None
    assert body.get_content() == (
        "Kính gửi Trần Thị Thu Hà,\n\n"
        "Hồ sơ Đăng ký khai sinh của ông/bà đã được gửi tới Ủy ban nhân dân phường Thuận Hóa với mã "
        "hue.xa.thuan-hoa-250804-0118 và đang chờ tiếp nhận.\n\n"
        "Vui lòng giữ mã hồ sơ để tra cứu tình trạng giải quyết. Phí, lệ phí phải nộp: 8.000 đồng.\n\n"
        "Trân trọng,\nỦy ban nhân dân phường Thuận Hóa\n\n"
        "Thư này được gửi tự động từ Cổng dịch vụ công motcua, vui lòng không trả lời thư.\n"
    )
    citizen = TOKENS.bearer(APPLICANT_ID)
    assert (await n.client.get("/api/v1/notifications", headers=citizen)).json()["total"] == 1
