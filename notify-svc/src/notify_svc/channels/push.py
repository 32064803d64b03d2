"""Web Push (RFC 8030, payload encrypted per RFC 8291, VAPID per RFC 8292) through pywebpush."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from py_vapid import Vapid  # type: ignore[import-untyped]
from pywebpush import WebPushException, webpush_async  # type: ignore[import-untyped]

from motcua_shared.contracts.notify import NotifyChannel
from notify_svc.channels.base import Failed, Job, Outcome, Sent
from notify_svc.settings import PushSettings

GONE = frozenset({404, 410})


def load_vapid(key: str) -> Any:
    """A VAPID key from PEM text or a base64url raw private value."""
    text = key.strip()
    if text.startswith("-----BEGIN"):
        return Vapid.from_pem(text.encode())
    return Vapid.from_raw(text.encode())


class WebPushProvider:
    """Posts an encrypted JSON payload ``{title, body, delivery_id}`` to the subscription's endpoint.

    404 and 410 mean the subscription is gone (permanent; the dispatcher forgets it).
    """

    channel = NotifyChannel.PUSH
    provider = "webpush"

    def __init__(self, settings: PushSettings) -> None:
        if settings.vapid_private_key is None:
            raise ValueError("Web Push needs push.vapid_private_key")
        self._settings = settings
        self._vapid = load_vapid(settings.vapid_private_key.get_secret_value())
        self._session: aiohttp.ClientSession | None = None
        self.rate_per_second = settings.rate_per_second

    async def send(self, job: Job) -> Outcome:
        """Send one push message."""
        if job.push_keys is None:
            return Failed(self.provider, "the push subscription no longer exists", permanent=True)
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self._settings.timeout))
        p256dh, auth = job.push_keys
        payload = json.dumps(
            {"title": job.subject or "", "body": job.body, "delivery_id": job.delivery_id}, ensure_ascii=False
        )
        try:
            response = await webpush_async(
                subscription_info={"endpoint": job.address, "keys": {"p256dh": p256dh, "auth": auth}},
                data=payload,
                vapid_private_key=self._vapid,
                vapid_claims={"sub": self._settings.vapid_subject},
                ttl=self._settings.ttl_seconds,
                aiohttp_session=self._session,
            )
        except WebPushException as exc:
            status = getattr(exc, "status_code", None)
            return Failed(
                self.provider,
                f"push service refused: {status}",
                permanent=status in GONE or (status is not None and 400 <= status < 500 and status != 429),
                status_code=status,
            )
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            return Failed(self.provider, f"{type(exc).__name__}: {exc}"[:500], permanent=False)
        status_code = getattr(response, "status", None)
        return Sent(self.provider, None, status_code=status_code if isinstance(status_code, int) else None)

    async def aclose(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None
