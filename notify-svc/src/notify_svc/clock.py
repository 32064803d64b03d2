"""Time: the platform's zone and an injectable clock (tests move it to try quiet hours)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

VN_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")
"""Asia/Ho_Chi_Minh: UTC+7 all year (Việt Nam keeps no daylight saving time)."""

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The current instant, timezone-aware (UTC)."""
    return datetime.now(UTC)
