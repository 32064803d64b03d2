"""When to try: exponential backoff with jitter, and quiet hours."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from motcua_shared.chassis.clock import PLATFORM_TZ
from notify_svc.directory.models import QuietWindow
from notify_svc.settings import RetrySettings


def backoff(attempt: int, policy: RetrySettings, *, rng: random.Random | None = None) -> timedelta:
    """The wait after failed attempt number ``attempt`` (from 1): doubling, capped, then jittered
    into [50 %, 100 %] so that a provider's outage does not end in a synchronised stampede."""
    ceiling = min(policy.maximum, policy.initial * 2 ** (attempt - 1))
    factor = (rng or random).uniform(0.5, 1.0)
    return timedelta(seconds=ceiling * factor)


def after_quiet_hours(at: datetime, window: QuietWindow | None) -> datetime:
    """``at`` itself, or the end of the quiet hours ``at`` falls in (local time, Asia/Ho_Chi_Minh)."""
    if window is None:
        return at
    local = at.astimezone(PLATFORM_TZ)
    minute = local.hour * 60 + local.minute
    if not window.contains(minute):
        return at
    end = local.replace(hour=window.end // 60, minute=window.end % 60, second=0, microsecond=0)
    if end <= local:
        end += timedelta(days=1)
    return end.astimezone(at.tzinfo)
