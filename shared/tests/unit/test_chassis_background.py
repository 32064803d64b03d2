"""Background loops stop when cancelled, even when the cancellation meets a wake-up."""

from __future__ import annotations

import asyncio

from motcua_shared.chassis.background import cancel_and_wait, pause, stop_task, wait_event


async def _woken_loop(event: asyncio.Event, rounds: list[int]) -> None:
    while True:
        rounds.append(1)
        await wait_event(event, 5)
        event.clear()


async def test_a_loop_cancelled_as_it_is_woken_ends() -> None:
    event, rounds = asyncio.Event(), list[int]()
    task = asyncio.create_task(_woken_loop(event, rounds))
    await asyncio.sleep(0.01)
    event.set()
    task.cancel()  # in the same turn: asyncio.wait_for (3.11) would return and the loop run on
    done, _ = await asyncio.wait({task}, timeout=1)
    assert task in done
    assert task.cancelled()
    assert rounds == [1]


async def test_wait_event_tells_set_from_timed_out() -> None:
    event = asyncio.Event()
    assert await wait_event(event, 0.01) is False
    event.set()
    assert await wait_event(event, 5) is True


async def test_cancel_and_wait_outlasts_a_swallowed_cancellation() -> None:
    swallowed = 0

    async def stubborn() -> None:
        nonlocal swallowed
        while True:
            try:
                await asyncio.sleep(5)
            except asyncio.CancelledError:
                swallowed += 1
                if swallowed > 2:
                    raise

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    async with asyncio.timeout(5):
        await cancel_and_wait(task, again_after=0.01)
    assert task.done()
    assert swallowed == 3


async def test_stop_task_lets_the_step_finish_then_cancels() -> None:
    stopping, finished = asyncio.Event(), list[bool]()

    async def polite() -> None:
        while not stopping.is_set():
            await pause(stopping, 5)
        finished.append(True)

    task = asyncio.create_task(polite())
    await asyncio.sleep(0)
    await stop_task(task, stopping, grace=1)
    assert finished == [True]

    async def deaf() -> None:
        await asyncio.sleep(60)

    other = asyncio.create_task(deaf())
    await stop_task(other, asyncio.Event(), grace=0.01)
    assert other.cancelled()
