"""Background loops that stop between steps, not in the middle of a database call."""

from __future__ import annotations

import asyncio
import contextlib


async def stop_task(task: asyncio.Task[None], stopping: asyncio.Event, *, grace: float = 10.0) -> None:
    """Ask the loop to stop (``stopping``), wait ``grace`` seconds for it to finish its step, then cancel."""
    stopping.set()
    try:
        await asyncio.wait_for(asyncio.shield(task), grace)
    except TimeoutError:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def pause(stopping: asyncio.Event, seconds: float) -> None:
    """Sleep ``seconds`` unless asked to stop sooner."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stopping.wait(), seconds)
