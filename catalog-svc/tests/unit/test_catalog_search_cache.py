"""The cache of recent search results: reuse, one computation for concurrent askers, no stale results."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from catalog_svc.procedures.repository import SEARCH_CACHE, SearchCache, SearchResult


def _result(total: int) -> SearchResult:
    return SearchResult(hits=[], total=total, match="exact", facets={"field": [], "level": [], "agency": []})


@pytest.fixture(autouse=True)
def _cache_on() -> Iterator[None]:
    ttl, size = SEARCH_CACHE.ttl, SEARCH_CACHE.size
    SEARCH_CACHE.ttl, SEARCH_CACHE.size = 30.0, 2
    yield
    SEARCH_CACHE.ttl, SEARCH_CACHE.size = ttl, size


class Counter:
    """A search that counts its runs and can be held until released."""

    def __init__(self) -> None:
        self.runs = 0
        self.release = asyncio.Event()
        self.release.set()

    async def __call__(self) -> SearchResult:
        self.runs += 1
        await self.release.wait()
        return _result(self.runs)


async def test_a_repeated_search_is_answered_from_the_cache() -> None:
    cache, search = SearchCache(), Counter()
    assert (await cache.get_or_compute("a", search)).total == 1
    assert (await cache.get_or_compute("a", search)).total == 1
    assert (await cache.get_or_compute("b", search)).total == 2
    assert search.runs == 2


async def test_concurrent_identical_searches_run_once() -> None:
    cache, search = SearchCache(), Counter()
    search.release.clear()
    waiting = [asyncio.create_task(cache.get_or_compute("a", search)) for _ in range(5)]
    await asyncio.sleep(0)
    search.release.set()
    assert [r.total for r in await asyncio.gather(*waiting)] == [1] * 5
    assert search.runs == 1


async def test_a_search_begun_before_a_write_is_not_kept() -> None:
    cache, search = SearchCache(), Counter()
    search.release.clear()
    before = asyncio.create_task(cache.get_or_compute("a", search))
    await asyncio.sleep(0)
    cache.clear()  # a publish committed while the search ran
    search.release.set()
    assert (await before).total == 1
    assert (await cache.get_or_compute("a", search)).total == 2, "the stale answer was not stored"


async def test_errors_reach_every_waiter_and_are_not_kept() -> None:
    cache = SearchCache()
    release = asyncio.Event()

    async def failing() -> SearchResult:
        await release.wait()
        raise RuntimeError("database down")

    first = asyncio.create_task(cache.get_or_compute("a", failing))
    await asyncio.sleep(0)
    second = asyncio.create_task(cache.get_or_compute("a", failing))
    await asyncio.sleep(0)
    release.set()
    for task in (first, second):
        with pytest.raises(RuntimeError):
            await task
    assert (await cache.get_or_compute("a", Counter())).total == 1


async def test_the_oldest_results_go_first_and_a_zero_ttl_turns_it_off() -> None:
    cache, search = SearchCache(), Counter()
    for key in ("a", "b", "c"):
        await cache.get_or_compute(key, search)
    assert list(cache.entries) == ["b", "c"]
    SEARCH_CACHE.ttl = 0
    await cache.get_or_compute("b", search)
    assert search.runs == 4
