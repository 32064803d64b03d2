"""Time: the platform's zone and the clock port use cases read the current instant from."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Annotated, Final, Protocol

from pydantic import AfterValidator

PLATFORM_TZ_NAME: Final = "Asia/Ho_Chi_Minh"
PLATFORM_TZ: Final = timezone(timedelta(hours=7), PLATFORM_TZ_NAME)
"""Asia/Ho_Chi_Minh: UTC+7 all year (Việt Nam keeps no daylight saving time), so a fixed offset is exact
and needs no time-zone database."""


class Clock(Protocol):
    """Where a use case reads the current instant (tests give a :class:`SettableClock`)."""

    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        return datetime.now(UTC)


SYSTEM_CLOCK: Final[Clock] = SystemClock()


class SettableClock:
    """A clock tests set and move: stopped at ``at``, or running with the machine's clock when ``at`` is
    None; :meth:`advance` moves it on in either case."""

    def __init__(self, at: datetime | None = None) -> None:
        self._at = at
        self._shift = timedelta(0)

    def now(self) -> datetime:
        """The instant the clock shows, in UTC."""
        base = datetime.now(UTC) if self._at is None else self._at
        return (base + self._shift).astimezone(UTC)

    def set(self, at: datetime) -> None:
        """Stop the clock at ``at``."""
        self._at, self._shift = at, timedelta(0)

    def advance(self, delta: timedelta = timedelta(0), /, **parts: float) -> None:
        """Move the clock on by ``delta`` and by ``parts`` (``timedelta``'s keywords: ``minutes=5``)."""
        self._shift += delta + timedelta(**parts)


def in_platform_zone(moment: datetime) -> datetime:
    """``moment`` as the platform shows it, at +07:00 (the same instant)."""
    return moment.astimezone(PLATFORM_TZ)


PlatformTime = Annotated[datetime, AfterValidator(in_platform_zone)]
"""An instant in an API response: always RFC 3339 at +07:00, whether it was just computed or read back from
the database (stored in UTC), so one instant has one spelling."""
