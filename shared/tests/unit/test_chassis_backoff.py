"""The one backoff: doubling from the initial wait, capped, jittered into the upper half when asked."""

import random

from motcua_shared.chassis.backoff import backoff


def test_the_wait_doubles_up_to_the_cap() -> None:
    waits = [backoff(n, initial=0.5, maximum=3.0, jitter=False) for n in (1, 2, 3, 4, 5)]
    assert waits == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_jitter_keeps_each_wait_between_half_and_all_of_its_ceiling() -> None:
    rng = random.Random(3)
    for attempt, ceiling in zip(range(1, 8), (1, 2, 4, 8, 10, 10, 10), strict=True):
        wait = backoff(attempt, initial=1, maximum=10, rng=rng)
        assert ceiling / 2 <= wait <= ceiling


def test_a_long_outage_does_not_overflow() -> None:
    assert backoff(10_000, initial=0.1, maximum=5.0, jitter=False) == 5.0
