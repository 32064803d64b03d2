"""The dispatcher: leases due deliveries, sends them through their channel's adapter, records the outcome.

It is woken by commits that queued work and polls as well (for retries coming due, and for work queued by
other replicas). A lease that expires (the process died mid-send) makes the delivery due again; the SMS
provider's request id (the delivery id) keeps that from sending twice where the provider deduplicates.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping

from motcua_shared.chassis.background import wait_event
from motcua_shared.chassis.backoff import backoff
from motcua_shared.contracts.notify import NotifyChannel
from notify_svc.channels.base import ChannelAdapter, Failed, Job, Outcome
from notify_svc.channels.ratelimit import TokenBucket
from notify_svc.deliveries import service
from notify_svc.ports import Ports
from notify_svc.settings import DispatchSettings
from notify_svc.uow import NotifyUnitOfWork

log = logging.getLogger(__name__)


class Dispatcher:
    """Runs in the background of each replica; :meth:`dispatch_once` is also callable directly (tests)."""

    def __init__(
        self,
        uow_factory: Callable[[], NotifyUnitOfWork],
        ports: Ports,
        adapters: Mapping[NotifyChannel, ChannelAdapter],
        settings: DispatchSettings,
    ) -> None:
        self._uow = uow_factory
        self._ports = ports
        self.adapters = dict(adapters)
        self._settings = settings
        self._buckets = {channel: TokenBucket(a.rate_per_second) for channel, a in adapters.items()}
        self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(settings.concurrency)
        self.sent = 0
        self.failed = 0

    def wake(self) -> None:
        """New work was committed."""
        self._wake.set()

    async def serve(self, *, loop: bool = True) -> None:
        """Dispatch until cancelled (or, with ``loop=False``, only hold the adapters until then)."""
        try:
            if loop:
                await self._run()
            else:
                await asyncio.Event().wait()
        finally:
            for adapter in self.adapters.values():
                with contextlib.suppress(Exception):
                    await adapter.aclose()

    async def _run(self) -> None:
        failures = 0
        while True:
            self._wake.clear()
            try:
                handled = await self.dispatch_once()
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                delay = backoff(failures, initial=0.4, maximum=10.0, jitter=False)
                log.warning("dispatch failed; retrying", extra={"error": repr(exc)[:300], "retry_in": delay})
                await asyncio.sleep(delay)
                continue
            if handled >= self._settings.batch_size:
                continue
            await wait_event(self._wake, self._settings.poll_interval)

    async def dispatch_once(self) -> int:
        """Lease one batch of due deliveries and send them all; returns how many were attempted."""
        jobs = await service.claim(self._uow(), self._ports, limit=self._settings.batch_size)
        if jobs:
            await asyncio.gather(*(self._attempt(job) for job in jobs))
        return len(jobs)

    async def _attempt(self, job: Job) -> None:
        async with self._slots:
            adapter = self.adapters.get(job.channel)
            started = time.perf_counter()
            outcome: Outcome
            if adapter is None:
                outcome = Failed("none", f"the {job.channel.value} channel is not configured", permanent=True)
            else:
                await self._buckets[job.channel].acquire()
                try:
                    outcome = await adapter.send(job)
                except Exception as exc:
                    # An adapter bug must not lose the delivery: it is retried like a transient failure.
                    log.exception("channel adapter raised", extra={"channel": job.channel.value})
                    outcome = Failed(adapter.provider, f"{type(exc).__name__}: {exc}"[:500], permanent=False)
            elapsed = (time.perf_counter() - started) * 1000
            await service.record(self._uow(), self._ports, job, outcome, duration_ms=elapsed)
            if isinstance(outcome, Failed):
                self.failed += 1
            else:
                self.sent += 1
