"""Webhooks and Web Push reach only checked public addresses (channels/webhook.py, channels/push.py)."""

from __future__ import annotations

from collections.abc import Sequence

import httpx
import pytest

from motcua_shared.chassis.clock import SYSTEM_CLOCK
from motcua_shared.chassis.egress import EgressGuard, RefusedTarget, Resolver, guarded_client
from motcua_shared.contracts.notify import NotifyChannel
from notify_svc.channels.base import Failed, Job, Sent
from notify_svc.channels.push import GuardedResolver, guarded_session
from notify_svc.channels.webhook import WebhookSender, new_secret
from notify_svc.settings import WebhookSettings


def job(address: str) -> Job:
    return Job(
        delivery_id="d-1",
        channel=NotifyChannel.WEBHOOK,
        address=address,
        subject=None,
        body="{}",
        attempt=1,
        source_event_id="e-1",
        source_event_type="vn.motcua.dossier.dossier.received.v1",
        secrets=(new_secret(),),
    )


def answering(*answers: Sequence[str]) -> Resolver:
    script = list(answers)

    async def resolver(host: str, port: int) -> Sequence[str]:
        return script.pop(0)

    return resolver


async def test_a_webhook_to_an_internal_target_is_refused_without_a_status_code_or_a_connection() -> None:
    reached: list[httpx.Request] = []

    def network(request: httpx.Request) -> httpx.Response:
        reached.append(request)
        return httpx.Response(500)

    guard = EgressGuard(resolver=answering(["93.184.216.34"], ["10.1.2.3"]))
    settings = WebhookSettings(allow_insecure_urls=False)
    sender = WebhookSender(
        settings,
        SYSTEM_CLOCK,
        client=guarded_client(guard, timeout=5, transport=httpx.MockTransport(network)),
    )
    first = await sender.send(job("https://hooks.example.vn/in"))
    assert isinstance(first, Failed)
    assert first.status_code == 500
    for address in ("https://hooks.example.vn/in", "https://2852039166/latest/meta-data/"):
        refused = await sender.send(job(address))
        assert isinstance(refused, Failed)
        assert refused.status_code is None
        assert refused.error.startswith("refused:")
    assert [r.url.host for r in reached] == ["93.184.216.34"]


async def test_a_webhook_goes_to_a_public_endpoint() -> None:
    guard = EgressGuard(resolver=answering(["93.184.216.34"]))
    sender = WebhookSender(
        WebhookSettings(allow_insecure_urls=False),
        SYSTEM_CLOCK,
        client=guarded_client(guard, timeout=5, transport=httpx.MockTransport(lambda r: httpx.Response(204))),
    )
    assert isinstance(await sender.send(job("https://hooks.example.vn/in")), Sent)


async def test_push_resolves_a_name_only_to_checked_addresses() -> None:
    resolver = GuardedResolver(EgressGuard(resolver=answering(["142.250.66.10"], ["169.254.169.254"])))
    [pinned] = await resolver.resolve("fcm.googleapis.com", 443)
    assert (pinned["host"], pinned["hostname"]) == ("142.250.66.10", "fcm.googleapis.com")
    with pytest.raises(RefusedTarget):
        await resolver.resolve("fcm.googleapis.com", 443)


async def test_push_to_an_ip_literal_is_refused_before_connecting() -> None:
    session = guarded_session(EgressGuard(allowed_hosts=["fcm.googleapis.com"]), timeout=2)
    try:
        for url in ("https://169.254.169.254/latest/meta-data/", "http://127.1:9/", "https://[::1]/"):
            with pytest.raises(RefusedTarget):
                await session.post(url, data=b"x")
    finally:
        await session.close()
