"""The test kit every service's tests use: tokens a service trusts, eventually(), the fake unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from motcua_shared.chassis.auth import JwksVerifier, Role
from motcua_shared.chassis.messaging.consumer import Handlers
from motcua_shared.contracts import examples
from motcua_shared.contracts.base import CloudEvent, Event
from motcua_shared.testing import (
    AUDIENCE,
    ISSUER,
    PERSONAL_VALUES,
    FakeUnitOfWork,
    NotInTime,
    Tokens,
    authorization,
    eventually,
    flushed,
    handle,
)


async def test_tokens_verify_against_their_jwks_with_role_and_agency() -> None:
    tokens = Tokens()
    verifier = JwksVerifier(issuer=ISSUER, audience=AUDIENCE, key_source=tokens.jwks)
    who = await verifier.verify(tokens.token("officer-1", Role.OFFICER, "hue.xa.thuan-hoa"))
    assert (who.subject, who.role, who.agency_code) == ("officer-1", Role.OFFICER, "hue.xa.thuan-hoa")
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


async def test_handle_applies_an_event_with_the_handler_registered_for_its_type() -> None:
    seen: list[tuple[object, str, str]] = []
    handlers: Handlers[Any] = Handlers()
    event = next(iter(examples.examples().values()))

    async def record(uow: object, got: Event, envelope: CloudEvent) -> None:
        seen.append((uow, got.TYPE, envelope.type))

    handlers.on(type(event))(record)
    uow = object()
    envelope = await handle(handlers, uow, event)
    assert seen == [(uow, event.TYPE, event.TYPE)]
    assert envelope.data == CloudEvent.wrap(event, source="/x").data
    other = list(examples.examples().values())[1]
    with pytest.raises(AssertionError, match="no handler"):
        await handle(handlers, uow, other)


class _Base(DeclarativeBase):
    pass


class _Row(_Base):
    __tablename__ = "rows"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(default="new")
    token: Mapped[str] = mapped_column(default=lambda: "minted")
    note: Mapped[str | None]


def test_flushed_fills_the_column_defaults_a_flush_would() -> None:
    row = flushed(_Row(id=1))
    assert (row.status, row.token, row.note) == ("new", "minted", None)
    kept = flushed(_Row(id=2, status="old", token="mine"))
    assert (kept.status, kept.token) == ("old", "mine")


def test_personal_values_are_found_standing_alone_not_inside_an_id() -> None:
    for value in ("046190001234", "0912345678", "+84905123456", "an@example.vn", "Lê Lợi"):
        assert PERSONAL_VALUES.search(f"CCCD {value}, ") is not None, value
    for harmless in (
        "9e2564c4-ed93-4bd8-8811-038092772739",
        "9e2564c4-ed93-4bd8-8811-849051234567",
        "HS-000012-046190001234X",
    ):
        assert PERSONAL_VALUES.search(harmless) is None, harmless
