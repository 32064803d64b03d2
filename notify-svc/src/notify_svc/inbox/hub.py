"""Wakes the live streams of the inboxes a commit wrote to (the streams re-read the database).

A commit wakes its own replica's streams directly and every replica's through PostgreSQL
(:mod:`motcua_shared.chassis.wakeups` on :data:`INBOX_CHANNEL`), so a client hears of a change at once
whichever replica it is connected to."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

INBOX_CHANNEL = "motcua_notify_inbox"


class Hub:
    """In-process wake-ups by inbox key (fed by this replica's commits and by the other replicas')."""

    def __init__(self) -> None:
        self._waiters: dict[str, set[asyncio.Event]] = {}

    def listen(self, keys: Iterable[str]) -> asyncio.Event:
        """An event set by the next :meth:`notify` of any of ``keys``; take it *before* reading."""
        event = asyncio.Event()
        for key in keys:
            self._waiters.setdefault(key, set()).add(event)
        return event

    def forget(self, keys: Iterable[str], event: asyncio.Event) -> None:
        """Stop listening with ``event``."""
        for key in keys:
            waiting = self._waiters.get(key)
            if waiting is not None:
                waiting.discard(event)
                if not waiting:
                    del self._waiters[key]

    def notify(self, keys: Iterable[str]) -> None:
        """Wake every stream listening on ``keys``."""
        for key in keys:
            for event in self._waiters.pop(key, ()):
                event.set()

    @property
    def listeners(self) -> int:
        """How many (key, stream) pairs wait."""
        return sum(len(v) for v in self._waiters.values())
