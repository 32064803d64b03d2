"""The clock port: the platform's zone, the system clock and the clock tests set and move."""

from datetime import UTC, datetime, timedelta

from motcua_shared.chassis.clock import PLATFORM_TZ, SYSTEM_CLOCK, SettableClock


def test_the_platform_zone_is_utc_plus_seven_by_its_name() -> None:
    local = datetime(2025, 8, 4, 8, 15, tzinfo=PLATFORM_TZ)
    assert local.isoformat() == "2025-08-04T08:15:00+07:00"
    assert local.tzname() == "Asia/Ho_Chi_Minh"


def test_the_system_clock_is_aware_and_in_utc() -> None:
    before = datetime.now(UTC)
    now = SYSTEM_CLOCK.now()
    assert now.tzinfo is UTC
    assert before <= now <= datetime.now(UTC)


def test_a_stopped_clock_moves_only_when_told() -> None:
    clock = SettableClock(datetime(2025, 8, 4, 23, 0, tzinfo=PLATFORM_TZ))
    assert clock.now() == datetime(2025, 8, 4, 16, 0, tzinfo=UTC)
    assert clock.now().tzinfo is UTC
    clock.advance(timedelta(hours=1), minutes=30)
    assert clock.now() == datetime(2025, 8, 4, 17, 30, tzinfo=UTC)
    clock.set(datetime(2026, 1, 1, tzinfo=UTC))
    assert clock.now() == datetime(2026, 1, 1, tzinfo=UTC)


def test_a_running_clock_follows_the_system_clock_shifted() -> None:
    clock = SettableClock()
    clock.advance(days=8)
    shifted = clock.now() - datetime.now(UTC)
    assert timedelta(days=8) - timedelta(seconds=5) < shifted <= timedelta(days=8)
