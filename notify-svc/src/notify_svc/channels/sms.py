"""SMS adapters: a generic brand-name HTTP API, and the sandbox that records what it is given."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime

import httpx

from motcua_shared.chassis.clock import Clock
from motcua_shared.contracts.notify import NotifyChannel
from notify_svc.channels.base import Failed, Job, Outcome, Sent
from notify_svc.channels.smstext import SmsText, prepare
from notify_svc.settings import SmsSettings

TRANSIENT_STATUSES = frozenset({408, 425, 429})


def national_number(e164: str) -> str:
    """``+84905123456`` → ``0905123456``, the form Vietnamese brand-name APIs take."""
    return "0" + e164.removeprefix("+84") if e164.startswith("+84") else e164


class HttpSmsProvider:
    """A brand-name SMS API over HTTPS.

    ``POST {api_url}`` with ``Authorization: Bearer <api_key>`` and JSON ``{brandname, phone, content,
    unicode, request_id}``; a 2xx answer carries ``{"message_id": ...}``. The request id is the delivery
    id, so a provider that deduplicates on it never sends twice after a retry. 4xx is the message's fault
    (permanent), 5xx, 408, 429 and network errors are transient.
    """

    channel = NotifyChannel.SMS
    provider = "http-sms"

    def __init__(self, settings: SmsSettings, client: httpx.AsyncClient | None = None) -> None:
        if not settings.api_url or settings.api_key is None:
            raise ValueError("the http SMS provider needs api_url and api_key")
        self._settings = settings
        self._url = settings.api_url
        self._client = client or httpx.AsyncClient(timeout=settings.timeout)
        self.rate_per_second = settings.rate_per_second

    async def send(self, job: Job) -> Outcome:
        """Send one SMS."""
        sms = prepare(job.body, strip=self._settings.strip_diacritics)
        assert self._settings.api_key is not None
        try:
            response = await self._client.post(
                self._url,
                json={
                    "brandname": self._settings.brandname,
                    "phone": national_number(job.address),
                    "content": sms.text,
                    "unicode": sms.encoding == "ucs2",
                    "request_id": job.delivery_id,
                },
                headers={"Authorization": f"Bearer {self._settings.api_key.get_secret_value()}"},
            )
        except httpx.HTTPError as exc:
            return Failed(self.provider, f"{type(exc).__name__}: {exc}", permanent=False)
        if response.is_success:
            try:
                message_id = str(response.json()["message_id"])
            except (ValueError, KeyError, TypeError):
                return Failed(self.provider, "the provider's answer has no message_id", permanent=False)
            return Sent(self.provider, message_id, sms.segments, status_code=response.status_code)
        permanent = 400 <= response.status_code < 500 and response.status_code not in TRANSIENT_STATUSES
        return Failed(
            self.provider,
            f"HTTP {response.status_code}: {response.text[:300]}",
            permanent=permanent,
            status_code=response.status_code,
        )

    async def aclose(self) -> None:
        """Close the HTTP pool."""
        await self._client.aclose()


Recorder = Callable[[str, str, str, SmsText, datetime], Awaitable[str]]
"""``(request_id, phone, brandname, sms, at) -> message_id``: stores one sandbox message."""


class SandboxSmsProvider:
    """Sends nothing: records each message so that development and tests can read it back."""

    channel = NotifyChannel.SMS
    provider = "sandbox-sms"

    def __init__(self, settings: SmsSettings, record: Recorder, clock: Clock) -> None:
        self._settings = settings
        self._record = record
        self._clock = clock
        self.rate_per_second = settings.rate_per_second

    async def send(self, job: Job) -> Outcome:
        """Record one SMS."""
        sms = prepare(job.body, strip=self._settings.strip_diacritics)
        message_id = await self._record(
            job.delivery_id, job.address, self._settings.brandname, sms, self._clock.now()
        )
        return Sent(self.provider, message_id, sms.segments)

    async def aclose(self) -> None:
        """Nothing to release."""


def new_message_id() -> str:
    """A sandbox provider message id."""
    return "sbx-" + secrets.token_hex(8)
