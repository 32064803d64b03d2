"""E-receipt numbers under concurrency on PostgreSQL: the series row's lock hands each number out once."""

from __future__ import annotations

import asyncio

import pytest
from payment_testkit import Harness

pytestmark = pytest.mark.integration


async def take(env: Harness, series: str, *, commit: bool = True) -> int:
    async with env.uow() as uow:
        number = await uow.payments.next_receipt_number(series)
        await asyncio.sleep(0.01)  # hold the row lock a moment, so the others queue behind it
        if commit:
            await uow.commit()
        return number


async def test_concurrent_issuers_never_share_a_number(pg: Harness) -> None:
    numbers = await asyncio.gather(*(take(pg, "AA-26E") for _ in range(30)))
    assert sorted(numbers) == list(range(1, 31))
    other = await asyncio.gather(*(take(pg, "AB-26E") for _ in range(5)))
    assert sorted(other) == [1, 2, 3, 4, 5], "each series counts on its own"
    # A credit that rolls back takes its number with it: the number was printed on no receipt.
    assert await take(pg, "AA-26E", commit=False) == 31
    assert await take(pg, "AA-26E") == 31


async def test_concurrent_credits_get_distinct_receipts(pg: Harness) -> None:
    payments = await asyncio.gather(*(pg.paid(f"citizen-{i}") for i in range(8)))
    async with pg.uow() as uow:
        numbers = [(await uow.payments.get(p.id)) for p in payments]
    receipts = [p.receipt_number for p in numbers if p is not None]
    assert len(receipts) == 8
    assert len(set(receipts)) == 8
