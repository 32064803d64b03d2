"""When to try: after a backoff, and outside quiet hours."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from motcua_shared.chassis.backoff import backoff as chassis_backoff
from motcua_shared.chassis.clock import PLATFORM_TZ
from notify_svc.directory.models import QuietWindow
from notify_svc.settings import RetrySettings


def backoff(attempt: int, policy: RetrySettings, *, rng: random.Random | None = None) -> timedelta:
    """The wait after a delivery's failed attempt number ``attempt`` (from 1), under its retry policy."""
    return timedelta(
        seconds=chassis_backoff(attempt, initial=policy.initial, maximum=policy.maximum, rng=rng)
    )


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
