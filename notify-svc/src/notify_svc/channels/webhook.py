"""Integrator webhooks signed per the Standard Webhooks specification (v1, HMAC-SHA256).

Each request carries ``webhook-id`` (the delivery id, the same on every retry, so receivers deduplicate
on it), ``webhook-timestamp`` (Unix seconds of this attempt) and ``webhook-signature``: ``v1,<base64
HMAC-SHA256 of "{id}.{timestamp}.{body}">`` for each live secret, space-separated (several during a
secret rotation). A secret is ``whsec_`` followed by the base64 of its key bytes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable

import httpx

from motcua_shared.chassis.clock import Clock
from motcua_shared.chassis.egress import EgressGuard, RefusedTarget, guarded_client
from motcua_shared.contracts.notify import NotifyChannel
from notify_svc.channels.base import Failed, Job, Outcome, Sent
from notify_svc.settings import WebhookSettings

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format marker of Standard Webhooks secrets


def new_secret() -> str:
    """A fresh signing secret: 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def sign(secrets_: Iterable[str], message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value for ``body`` under each secret."""
    content = f"{message_id}.{timestamp}.".encode() + body
    return " ".join(
        "v1," + base64.b64encode(hmac.new(_key(s), content, hashlib.sha256).digest()).decode("ascii")
        for s in secrets_
    )


class WebhookSender:
    """POSTs the event (a CloudEvent, JSON) to the subscription's URL; any 2xx is success."""

    channel = NotifyChannel.WEBHOOK
    provider = "webhook"

    def __init__(
        self,
        settings: WebhookSettings,
        clock: Clock,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self._clock = clock
        self._client = client or guarded_client(
            EgressGuard(allow_private=settings.allow_insecure_urls), timeout=settings.timeout
        )
        self.rate_per_second = settings.rate_per_second

    async def send(self, job: Job) -> Outcome:
        """Deliver one event to one endpoint."""
        if not job.secrets:
            return Failed(self.provider, "the subscription is disabled or gone", permanent=True)
        body = job.body.encode("utf-8")
        timestamp = int(self._clock.now().timestamp())
        headers = {
            "content-type": "application/json",
            "user-agent": "motcua-webhooks/1",
            "webhook-id": job.delivery_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(job.secrets, job.delivery_id, timestamp, body),
        }
        try:
            response = await self._client.post(job.address, content=body, headers=headers)
        except RefusedTarget as exc:
            # No status code and no detail from the far side: a refused target must not become a probe.
            return Failed(self.provider, f"refused: {exc}", permanent=False)
        except httpx.HTTPError as exc:
            return Failed(self.provider, f"{type(exc).__name__}: {exc}"[:500], permanent=False)
        if response.is_success:
            return Sent(self.provider, None, delivered=True, status_code=response.status_code)
        return Failed(
            self.provider, f"HTTP {response.status_code}", permanent=False, status_code=response.status_code
        )

    async def aclose(self) -> None:
        """Close the HTTP pool."""
        await self._client.aclose()
