"""How long to wait before trying again: exponential backoff, capped, with optional jitter."""

from __future__ import annotations

import random

# 2**32 times any sane initial wait is far past any cap; the bound keeps the power a small number.
_MAX_DOUBLINGS = 32


def backoff(
    attempt: int, *, initial: float, maximum: float, jitter: bool = True, rng: random.Random | None = None
) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (from 1): ``initial``, doubled with each
    attempt, capped at ``maximum``; with ``jitter``, scaled into [50 %, 100 %] of that so that clients
    failing together (a provider's or a broker's outage) do not retry in a synchronised stampede."""
    ceiling = min(maximum, initial * 2.0 ** min(max(attempt - 1, 0), _MAX_DOUBLINGS))
    if not jitter:
        return ceiling
    return ceiling * (rng or random).uniform(0.5, 1.0)
