"""Renewing a payment request that expired or failed unpaid, on a fake unit of work."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import cast

import pytest
from payment_testkit import AGENCY, APPLICANT, FakeUow, submitted

from motcua_shared.chassis.auth import Principal, Role
from motcua_shared.chassis.idempotency import IdempotencyKeyReused
from motcua_shared.contracts.payment import PaymentExpired, PaymentRequested, RefundCause
from payment_svc.payments import service
from payment_svc.payments.errors import (
    NotRenewable,
    PaymentNotFound,
    RenewalRefusal,
)
from payment_svc.payments.models import Payment, PaymentStatus
from payment_svc.ports import Ports

NOW = datetime(2025, 8, 5, 2, 0, tzinfo=UTC)
TTL = timedelta(days=7)
AN = Principal(subject="citizen-an", role=Role.CITIZEN)


@dataclass
class FakeSettings:
    payment_ttl: timedelta = TTL


@dataclass
class FakePorts:
    settings: FakeSettings = field(default_factory=FakeSettings)
    at: datetime = NOW

    def now(self) -> datetime:
        return self.at


def ports(at: datetime) -> Ports:
    return cast(Ports, FakePorts(at=at))


async def requested(uow: FakeUow) -> Payment:
    payment = await service.request_for_submission(uow.unit, submitted(), now=NOW, ttl=TTL)
    assert payment is not None
    uow.outbox.clear()
    return payment


async def refused(uow: FakeUow, payment_id: str, *, at: datetime, key: str = "k") -> NotRenewable:
    commits = uow.commits
    with pytest.raises(NotRenewable) as caught:
        await service.renew(uow.unit, ports(at), AN, payment_id, key=key)
    assert uow.commits == commits
    return caught.value


async def test_an_expired_request_is_renewed_with_a_new_reference_and_expiry() -> None:
    uow = FakeUow()
    first = await requested(uow)
    first.expire(NOW + TTL)
    later = NOW + timedelta(days=9)

    done = await service.renew(uow.unit, ports(later), AN, first.id, key="k-1")

    renewed = done.payment
    assert not done.replayed
    assert renewed.id != first.id
    assert renewed.reference != first.reference
    assert (renewed.status, renewed.expires_at, renewed.created_at) == ("pending", later + TTL, later)
    assert (renewed.dossier_code, renewed.fee_timing) == (first.dossier_code, first.fee_timing)
    assert (renewed.items, renewed.amount, renewed.applicant_id) == (first.items, 38_000, "citizen-an")
    assert (renewed.request_no, renewed.renews) == (2, first.id)
    assert first.status == "expired"
    (event,) = uow.outbox.events
    assert isinstance(event, PaymentRequested)
    assert (event.payment_id, event.renews, event.reference) == (renewed.id, first.id, renewed.reference)
    assert event.expires_at == later + TTL
    assert uow.commits == 1


@pytest.mark.parametrize("state", ["failed", "pending past its expiry"])
async def test_a_request_still_open_is_closed_as_expired_when_renewed(state: str) -> None:
    uow = FakeUow()
    first = await requested(uow)
    at = NOW + timedelta(hours=1)
    if state == "failed":
        first.fail(provider="sandbox", provider_txn_id="t-1", reason="24: huỷ", at=NOW)
    else:
        at = first.expires_at + timedelta(seconds=1)

    renewed = (await service.renew(uow.unit, ports(at), AN, first.id, key="k")).payment

    assert first.status == "expired"
    assert uow.payments.lapsed == [first.id]
    expired, announced = uow.outbox.events
    assert isinstance(expired, PaymentExpired)
    assert expired.payment_id == first.id
    assert isinstance(announced, PaymentRequested)
    assert announced.renews == first.id == renewed.renews


async def test_a_pending_request_before_its_expiry_is_not_renewed() -> None:
    uow = FakeUow()
    first = await requested(uow)
    error = await refused(uow, first.id, at=first.expires_at - timedelta(seconds=1))
    assert error.reason is RenewalRefusal.STILL_PAYABLE
    assert error.status == 409
    assert first.status == "pending"
    assert len(uow.payments.payments) == 1
    assert uow.outbox.events == []


@pytest.mark.parametrize("status", [PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED])
async def test_a_paid_fee_is_not_renewed(status: PaymentStatus) -> None:
    uow = FakeUow()
    first = await requested(uow)
    first.status = status.value
    error = await refused(uow, first.id, at=NOW + timedelta(days=30))
    assert (error.reason, error.current) == (RenewalRefusal.PAID, first.id)


async def test_only_the_latest_request_of_a_fee_is_renewed_and_the_chain_goes_on() -> None:
    uow = FakeUow()
    first = await requested(uow)
    first.expire(NOW + TTL)
    at = NOW + timedelta(days=8)
    second = (await service.renew(uow.unit, ports(at), AN, first.id, key="k-1")).payment

    error = await refused(uow, first.id, at=at, key="k-2")
    assert (error.reason, error.current) == (RenewalRefusal.SUPERSEDED, second.id)

    second.expire(second.expires_at)
    third = (await service.renew(uow.unit, ports(at + 2 * TTL), AN, second.id, key="k-3")).payment
    assert (third.request_no, third.renews) == (3, second.id)
    assert len({first.reference, second.reference, third.reference}) == 3


async def test_a_request_whose_fee_was_paid_by_a_later_one_is_not_renewed() -> None:
    uow = FakeUow()
    first = await requested(uow)
    first.expire(NOW + TTL)
    second = (await service.renew(uow.unit, ports(NOW + TTL), AN, first.id, key="k-1")).payment
    second.status = PaymentStatus.SUCCEEDED.value
    error = await refused(uow, first.id, at=NOW + TTL, key="k-2")
    assert (error.reason, error.current) == (RenewalRefusal.PAID, second.id)


async def test_an_ended_dossier_owes_nothing_and_its_request_is_not_renewed() -> None:
    uow = FakeUow()
    first = await requested(uow)
    assert (
        await service.end_for_dossier(
            uow.unit, first.dossier_code, now=NOW, cause=RefundCause.WITHDRAWN, ended_by=APPLICANT
        )
        == 1
    )
    assert first.status == "expired"
    uow.outbox.clear()
    error = await refused(uow, first.id, at=NOW + timedelta(days=1))
    assert error.reason is RenewalRefusal.DOSSIER_ENDED
    assert len(uow.payments.payments) == 1
    assert uow.outbox.events == []


@pytest.mark.parametrize(
    "who",
    [
        Principal(subject="citizen-binh", role=Role.CITIZEN),
        Principal(subject="officer-1", role=Role.OFFICER, agency_code=AGENCY),
        Principal(subject="admin-1", role=Role.ADMIN),
    ],
    ids=["another citizen", "the agency's officer", "an admin"],
)
async def test_only_the_payer_may_renew(who: Principal) -> None:
    uow = FakeUow()
    first = await requested(uow)
    first.expire(NOW + TTL)
    with pytest.raises(PaymentNotFound):
        await service.renew(uow.unit, ports(NOW + TTL), who, first.id, key="k")
    assert len(uow.payments.payments) == 1
    assert uow.outbox.events == []


async def test_an_unknown_payment_is_not_found() -> None:
    uow = FakeUow()
    with pytest.raises(PaymentNotFound):
        await service.renew(uow.unit, ports(NOW), AN, "pay-nope", key="k")


async def test_the_same_key_gives_the_same_renewal_and_another_payment_with_it_409() -> None:
    uow = FakeUow()
    first = await requested(uow)
    first.expire(NOW + TTL)
    other = await requested(uow)
    other.expire(NOW + TTL)
    at = NOW + timedelta(days=8)
    done = await service.renew(uow.unit, ports(at), AN, first.id, key="k-1")

    again = await service.renew(uow.unit, ports(at + timedelta(minutes=5)), AN, first.id, key="k-1")
    assert again.replayed
    assert again.payment is done.payment
    assert len(uow.payments.payments) == 3
    assert len(uow.outbox.events) == 1

    with pytest.raises(IdempotencyKeyReused):
        await service.renew(uow.unit, ports(at), AN, other.id, key="k-1")
    assert other.status == "expired"
    assert len(uow.payments.payments) == 3
