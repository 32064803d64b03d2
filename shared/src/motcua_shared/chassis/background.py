"""Background loops that stop between steps, not in the middle of a database call.

Waits here use ``asyncio.timeout``, never ``asyncio.wait_for``: on Python 3.11 ``wait_for`` returns
normally when the awaited thing completes in the same turn as a cancellation, swallowing the cancellation,
so a loop cancelled just as it was woken runs on for ever (and whoever awaits it at shutdown with it).
"""

from __future__ import annotations

import asyncio
import contextlib


async def wait_event(event: asyncio.Event, seconds: float) -> bool:
    """Wait at most ``seconds`` for ``event``; whether it is set. A cancellation always propagates."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await event.wait()
    return event.is_set()


async def stop_task(task: asyncio.Task[None], stopping: asyncio.Event, *, grace: float = 10.0) -> None:
    """Ask the loop to stop (``stopping``), wait ``grace`` seconds for it to finish its step, then cancel."""
    stopping.set()
    await asyncio.wait({task}, timeout=grace)
    await cancel_and_wait(task)


async def cancel_and_wait(task: asyncio.Task[None], *, again_after: float = 1.0) -> None:
    """Cancel ``task`` and wait until it has ended, cancelling it again while it runs on (a task may
    outlive one cancellation: third-party code can swallow it). Its outcome is not raised."""
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=again_after)
    if not task.cancelled():
        task.exception()  # retrieved: an error of a loop being stopped is not raised at shutdown


async def pause(stopping: asyncio.Event, seconds: float) -> None:
    """Sleep ``seconds`` unless asked to stop sooner."""
    await wait_event(stopping, seconds)
