"""The test kit every service's tests use: tokens a service trusts, eventually(), the fake unit of work."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from motcua_shared.chassis.auth import JwksVerifier, Role
from motcua_shared.contracts import examples
from motcua_shared.testing import (
    AUDIENCE,
    ISSUER,
    FakeUnitOfWork,
    NotInTime,
    Tokens,
    authorization,
    eventually,
)


async def test_tokens_verify_against_their_jwks_with_role_and_agency() -> None:
    tokens = Tokens()
    verifier = JwksVerifier(issuer=ISSUER, audience=AUDIENCE, key_source=tokens.jwks)
    who = await verifier.verify(tokens.token("officer-1", Role.OFFICER, "000.00.14.H56"))
    assert (who.subject, who.role, who.agency_code) == ("officer-1", Role.OFFICER, "000.00.14.H56")
    header = tokens.bearer("citizen-1")
    assert header == authorization(header["Authorization"].removeprefix("Bearer "))
    assert (await verifier.verify(header["Authorization"].removeprefix("Bearer "))).role is Role.CITIZEN
    await verifier.aclose()


async def test_eventually_returns_the_first_truthy_answer_of_a_plain_or_async_probe() -> None:
    answers: Iterator[object] = iter([None, 0, [], "found"])
    assert await eventually(lambda: next(answers), what="an answer", interval=0) == "found"

    calls = 0

    async def probe() -> int | None:
        nonlocal calls
        calls += 1
        assert calls > 2, "not yet"
        return calls

    assert await eventually(probe, what="the third call", interval=0) == 3


async def test_eventually_fails_in_time_naming_what_and_the_last_assertion() -> None:
    def never() -> bool:
        raise AssertionError("still empty")

    with pytest.raises(NotInTime, match=r"the inbox .* still empty"):
        await eventually(never, what="the inbox", timeout=0.05, interval=0.01)


async def test_the_fake_unit_of_work_keeps_events_only_when_committed() -> None:
    uow: FakeUnitOfWork[object] = FakeUnitOfWork()
    kept, dropped = list(examples.examples().values())[:2]
    async with uow:
        uow.outbox.add(kept)
        await uow.commit()

    async def failing_use_case() -> None:
        async with uow:
            uow.outbox.add(dropped)
            raise RuntimeError("the use case failed")

    with pytest.raises(RuntimeError):
        await failing_use_case()
    assert uow.outbox.events == [kept]
    assert uow.outbox.committed == [kept]
    assert uow.commits == 1


async def test_the_fake_inbox_applies_an_event_once_per_consumer() -> None:
    uow: FakeUnitOfWork[object] = FakeUnitOfWork()
    assert await uow.inbox.claim("notify", "e-1", "t")
    assert not await uow.inbox.claim("notify", "e-1", "t")
    assert await uow.inbox.claim("payment", "e-1", "t")
    assert await uow.inbox.claim_many("notify", [("e-1", "t"), ("e-2", "t")]) == {"e-2"}
