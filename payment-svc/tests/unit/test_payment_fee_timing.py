"""When fees become payable: the payment requests opened (or kept) per fee timing, on a fake unit of work."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from payment_testkit import APPLICANT, MARRIAGE, FakeUow, submitted

from motcua_shared.contracts.common import FeeItem, FeeKind, FeeTiming
from motcua_shared.contracts.dossier import (
    DossierApproved,
    DossierStatus,
    DossierSubmitted,
    DossierSupplementRequested,
)
from motcua_shared.contracts.payment import PaymentExpired, PaymentRequested, RefundCause
from payment_svc.payments import service

NOW = datetime(2025, 8, 5, 2, 0, tzinfo=UTC)
TTL = timedelta(days=7)


def _later(event: DossierSubmitted, kind: type[DossierApproved] | type[DossierSupplementRequested]) -> Any:
    common = event.model_dump(
        include={"dossier_code", "procedure_code", "agency_code", "applicant_id", "actor"}
    )
    if kind is DossierApproved:
        return DossierApproved(
            **common, status=DossierStatus.RESULT_READY, national_status=9, occurred_at=NOW
        )
    return DossierSupplementRequested(
        **common,
        status=DossierStatus.SUPPLEMENT_REQUESTED,
        national_status=6,
        occurred_at=NOW,
        reason="Thực hiện nghĩa vụ tài chính",
    )


async def test_a_fee_due_at_supplement_is_kept_then_requested_once_with_the_supplement_request() -> None:
    uow = FakeUow()
    event = submitted(timing=FeeTiming.SUPPLEMENT)
    assert await service.request_for_submission(uow.unit, event, now=NOW, ttl=TTL) is None
    assert uow.payments.dues[event.dossier_code].status == "waiting"
    assert uow.outbox.events == []
    # The result of another timing does not release it.
    assert await service.request_at_result(uow.unit, _later(event, DossierApproved), now=NOW, ttl=TTL) is None
    assert uow.payments.dues[event.dossier_code].status == "waiting"

    asked = _later(event, DossierSupplementRequested)
    payment = await service.request_at_supplement(uow.unit, asked, now=NOW, ttl=TTL)
    assert payment is not None
    assert (payment.fee_timing, payment.amount, payment.status) == ("supplement", 38_000, "pending")
    assert payment.expires_at == NOW + TTL
    assert uow.payments.dues[event.dossier_code].status == "requested"
    (requested,) = uow.outbox.events
    assert isinstance(requested, PaymentRequested)
    assert requested.fee_timing is FeeTiming.SUPPLEMENT
    assert requested.amount == 38_000
    assert requested.payer.phone == "+84905123456"

    # Redelivered, or a later supplement request: nothing more.
    assert await service.request_at_supplement(uow.unit, asked, now=NOW, ttl=TTL) is None
    assert await service.request_for_submission(uow.unit, event, now=NOW, ttl=TTL) is None
    assert len(uow.payments.payments) == 1
    assert len(uow.outbox.events) == 1


async def test_a_fee_due_at_result_is_not_released_by_a_supplement_request() -> None:
    uow = FakeUow()
    event = submitted(timing=FeeTiming.RESULT)
    await service.request_for_submission(uow.unit, event, now=NOW, ttl=TTL)
    asked = _later(event, DossierSupplementRequested)
    assert await service.request_at_supplement(uow.unit, asked, now=NOW, ttl=TTL) is None
    assert uow.payments.dues[event.dossier_code].status == "waiting"
    payment = await service.request_at_result(uow.unit, _later(event, DossierApproved), now=NOW, ttl=TTL)
    assert payment is not None
    assert payment.fee_timing == "result"


@pytest.mark.parametrize("timing", [FeeTiming.SUBMISSION, FeeTiming.SUPPLEMENT])
async def test_exempt_applicants_are_never_asked(timing: FeeTiming) -> None:
    uow = FakeUow()
    exempt = FeeItem(name=MARRIAGE.name, kind=FeeKind.LE_PHI, amount=30_000, exempt=True)
    event = submitted(items=(exempt,), timing=timing)
    assert await service.request_for_submission(uow.unit, event, now=NOW, ttl=TTL) is None
    asked = _later(event, DossierSupplementRequested)
    assert await service.request_at_supplement(uow.unit, asked, now=NOW, ttl=TTL) is None
    assert uow.payments.dues == {}
    assert uow.payments.payments == []
    assert uow.outbox.events == []


async def test_a_supplement_request_of_a_dossier_paid_at_submission_opens_nothing() -> None:
    uow = FakeUow()
    event = submitted()
    await service.request_for_submission(uow.unit, event, now=NOW, ttl=TTL)
    assert len(uow.payments.payments) == 1
    asked = _later(event, DossierSupplementRequested)
    assert await service.request_at_supplement(uow.unit, asked, now=NOW, ttl=TTL) is None
    assert len(uow.payments.payments) == 1


async def test_an_ended_dossier_cancels_the_kept_fee_and_expires_the_open_request() -> None:
    uow = FakeUow()
    kept = submitted(timing=FeeTiming.SUPPLEMENT)
    await service.request_for_submission(uow.unit, kept, now=NOW, ttl=TTL)
    assert (
        await service.end_for_dossier(
            uow.unit, kept.dossier_code, now=NOW, cause=RefundCause.WITHDRAWN, ended_by=APPLICANT
        )
        == 0
    )
    assert uow.payments.dues[kept.dossier_code].status == "cancelled"
    assert await uow.payments.ended(kept.dossier_code) == "withdrawn"
    asked = _later(kept, DossierSupplementRequested)
    assert await service.request_at_supplement(uow.unit, asked, now=NOW, ttl=TTL) is None
    assert uow.payments.payments == []

    opened = submitted(timing=FeeTiming.SUPPLEMENT)
    await service.request_for_submission(uow.unit, opened, now=NOW, ttl=TTL)
    payment = await service.request_at_supplement(
        uow.unit, _later(opened, DossierSupplementRequested), now=NOW, ttl=TTL
    )
    assert payment is not None
    assert (
        await service.end_for_dossier(
            uow.unit, opened.dossier_code, now=NOW, cause=RefundCause.REJECTED, ended_by=APPLICANT
        )
        == 1
    )
    assert payment.status == "expired"
    assert isinstance(uow.outbox.events[-1], PaymentExpired)
