"""Web Push (RFC 8030, payload encrypted per RFC 8291, VAPID per RFC 8292) through pywebpush."""

from __future__ import annotations

import json
import socket

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.client_middlewares import ClientHandlerType
from pywebpush import WebPushException, webpush_async  # type: ignore[import-untyped]

from motcua_shared.chassis.egress import EgressGuard, RefusedTarget
from motcua_shared.contracts.notify import NotifyChannel
from notify_svc.channels.base import Failed, Job, Outcome, Sent
from notify_svc.channels.vapid import load_vapid
from notify_svc.settings import PushSettings

GONE = frozenset({404, 410})


class GuardedResolver(AbstractResolver):
    """aiohttp's resolver through the outbound guard: a name resolves once, to checked addresses only."""

    def __init__(self, guard: EgressGuard) -> None:
        self._guard = guard

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """The checked address of ``host`` (:class:`RefusedTarget` rather than an internal one)."""
        address = await self._guard.resolve(f"https://{host}:{port or 443}/")
        return [
            ResolveResult(
                hostname=host,
                host=str(address),
                port=port,
                family=socket.AF_INET6 if address.version == 6 else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
        ]

    async def close(self) -> None:
        """Nothing to release."""


def guarded_session(guard: EgressGuard, timeout: float) -> aiohttp.ClientSession:
    """An aiohttp session whose every request (each redirect hop included) passes ``guard``:
    IP literals, which aiohttp never hands to a resolver, by the static check; names by
    :class:`GuardedResolver`."""

    async def checked(request: aiohttp.ClientRequest, handler: ClientHandlerType) -> aiohttp.ClientResponse:
        guard.check_url(str(request.url))
        return await handler(request)

    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(resolver=GuardedResolver(guard)),
        timeout=aiohttp.ClientTimeout(total=timeout),
        middlewares=(checked,),
        trust_env=False,
    )


class WebPushProvider:
    """Posts an encrypted JSON payload ``{title, body, delivery_id}`` to the subscription's endpoint.

    404 and 410 mean the subscription is gone (permanent; the dispatcher forgets it).
    """

    channel = NotifyChannel.PUSH
    provider = "webpush"

    def __init__(self, settings: PushSettings, guard: EgressGuard) -> None:
        if settings.vapid_private_key is None:
            raise ValueError("Web Push needs push.vapid_private_key")
        self._settings = settings
        self._guard = guard
        self._vapid = load_vapid(settings.vapid_private_key.get_secret_value())
        self._session: aiohttp.ClientSession | None = None
        self.rate_per_second = settings.rate_per_second

    async def send(self, job: Job) -> Outcome:
        """Send one push message."""
        if job.push_keys is None:
            return Failed(self.provider, "the push subscription no longer exists", permanent=True)
        if self._session is None:
            self._session = guarded_session(self._guard, self._settings.timeout)
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
        except RefusedTarget as exc:
            return Failed(self.provider, f"refused: {exc}", permanent=True)
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            return Failed(self.provider, f"{type(exc).__name__}: {exc}"[:500], permanent=False)
        status_code = getattr(response, "status", None)
        return Sent(self.provider, None, status_code=status_code if isinstance(status_code, int) else None)

    async def aclose(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None
