"""The audit trail of payments on a fake unit of work: an officer's or admin's read is committed before the
answer, a change's record commits with the change (and a refused change leaves none), a citizen's own
reads and uploads are not recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import cast

import pytest
from payment_testkit import AGENCY, OTHER_AGENCY, FakeUow, submitted

from motcua_shared.chassis.auth import Principal, Role
from payment_svc.payments import service
from payment_svc.payments.errors import NothingToReview, PaymentNotFound
from payment_svc.payments.models import Payment
from payment_svc.ports import Ports

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
AN = Principal(subject="citizen-an", role=Role.CITIZEN)
OFFICER = Principal(subject="canbo-1", role=Role.OFFICER, agency_code=AGENCY)
STRANGER = Principal(subject="canbo-2", role=Role.OFFICER, agency_code=OTHER_AGENCY)
ADMIN = Principal(subject="admin-1", role=Role.ADMIN)
PORTS = cast(Ports, SimpleNamespace(now=lambda: NOW, settings=SimpleNamespace(slip_max_bytes=1024)))


async def requested(uow: FakeUow, *, dossier_code: str | None = None) -> Payment:
    payment = await service.request_for_submission(
        uow.unit, submitted(dossier_code), now=NOW, ttl=timedelta(days=7)
    )
    assert payment is not None
    return payment


def recorded(uow: FakeUow) -> list[tuple[str, str, str, str | None]]:
    return [(r.subject, r.action, r.resource_id, r.detail) for r in uow.audit.records]


async def test_an_officers_read_is_committed_and_the_payers_own_is_not_recorded() -> None:
    uow = FakeUow()
    payment = await requested(uow)
    await service.get(uow.unit, AN, payment.id)
    assert uow.audit.records == []
    commits = uow.commits
    await service.get(uow.unit, OFFICER, payment.id)
    assert uow.commits == commits + 1, "the record is committed before the answer"
    assert recorded(uow) == [("canbo-1", "payment.read", payment.id, None)]
    record = uow.audit.records[0]
    assert (record.role, record.agency_code, record.resource) == ("officer", AGENCY, "payment")


async def test_another_agencys_officer_is_refused_and_leaves_no_record() -> None:
    uow = FakeUow()
    payment = await requested(uow)
    with pytest.raises(PaymentNotFound):
        await service.get(uow.unit, STRANGER, payment.id)
    assert uow.audit.records == []


async def test_the_vietqr_code_holds_nothing_of_the_payer_and_is_not_recorded() -> None:
    uow = FakeUow()
    payment = await requested(uow)
    assert (await service.payable(uow.unit, OFFICER, payment.id)).id == payment.id
    assert uow.audit.records == []


async def test_a_listing_records_the_payments_shown_not_the_one_read_ahead() -> None:
    uow = FakeUow()
    payments = [await requested(uow) for _ in range(3)]
    newest_first = sorted(payments, key=lambda p: (p.created_at, p.id), reverse=True)
    first = await service.list_payments(uow.unit, ADMIN, limit=2)
    assert [v.payment.id for v in first.items] == [p.id for p in newest_first[:2]]
    assert first.total == 3
    assert first.next_cursor is not None
    assert [r[2] for r in recorded(uow)] == [p.id for p in newest_first[:2]]
    await service.list_payments(uow.unit, ADMIN, limit=2, cursor=first.next_cursor)
    assert [r[2] for r in recorded(uow)] == [p.id for p in newest_first]
    assert {r[1] for r in recorded(uow)} == {"payment.list"}
    await service.list_payments(uow.unit, AN)
    assert len(uow.audit.records) == 3, "a citizen's own list is not recorded"


async def test_a_slip_decision_commits_its_record_and_a_refused_one_leaves_none() -> None:
    uow = FakeUow()
    payment = await requested(uow)
    with pytest.raises(NothingToReview):
        await service.decide_slip(uow.unit, PORTS, OFFICER, payment.id, approve=False, note="Ảnh mờ")
    assert uow.audit.records == []
    slip = await service.upload_slip(uow.unit, PORTS, AN, payment.id, filename="ck.png", data=PNG)
    assert uow.audit.records == [], "the payer's upload is not recorded"
    await service.slip_file(uow.unit, OFFICER, payment.id, slip.id)
    await service.decide_slip(uow.unit, PORTS, OFFICER, payment.id, approve=False, note="Ảnh mờ")
    assert recorded(uow) == [
        ("canbo-1", "slip.download", payment.id, slip.id),
        ("canbo-1", "slip.reject", payment.id, slip.id),
    ]
    assert uow.audit.staged == []
