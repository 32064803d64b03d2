"""The deadline sweep (deadlines/service.py) on a fake unit of work: each notice once, expiry by policy."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from dossier_fakes import MONDAY, FakeDossierUow, fake_ports
from dossier_testkit import AGENCY, applicant

from dossier_svc.deadlines import service as deadlines
from dossier_svc.dossiers import service
from dossier_svc.dossiers.models import Dossier
from dossier_svc.dossiers.schemas import ActionIn, DraftApplicantIn, DraftIn
from dossier_svc.dossiers.workflow import Action, State
from dossier_svc.ports import Ports
from dossier_svc.settings import DeadlineSettings
from motcua_shared.chassis.auth import Principal, Role
from motcua_shared.chassis.clock import SettableClock
from motcua_shared.contracts import dossier as ev

CITIZEN = Principal(subject="citizen-1", role=Role.CITIZEN)
OFFICER = Principal(subject="officer-1", role=Role.OFFICER, agency_code=AGENCY.code)


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(MONDAY)


@pytest.fixture
def ports(tmp_path: Path, clock: SettableClock) -> Ports:
    return fake_ports(tmp_path, clock)


async def received(uow: FakeDossierUow, ports: Ports) -> Dossier:
    uow.know()
    body = DraftIn(procedure_code="1.001193", applicant=DraftApplicantIn(**applicant()))
    await service.create_draft(uow.unit, ports, CITIZEN, body)
    (dossier,) = uow.dossiers.rows.values()
    uow.documents.upload(dossier, "to-khai", "giay-chung-sinh", at=MONDAY)
    await service.act(uow.unit, ports, CITIZEN, dossier.code, Action.SUBMIT, ActionIn())
    await service.act(uow.unit, ports, OFFICER, dossier.code, Action.RECEIVE, ActionIn())
    return dossier


async def sweep(uow: FakeDossierUow, ports: Ports, **settings: object) -> deadlines.SweepResult:
    return await deadlines.sweep(
        lambda: uow.unit, ports.calendar, DeadlineSettings(**settings), now=ports.clock.now()
    )


async def test_due_soon_then_overdue_each_announced_once(ports: Ports, clock: SettableClock) -> None:
    uow = FakeDossierUow()
    dossier = await received(uow, ports)
    assert dossier.due_soon_at is not None
    assert dossier.due_at is not None
    assert await sweep(uow, ports) == deadlines.SweepResult()

    clock.set(dossier.due_soon_at + timedelta(minutes=1))
    assert await sweep(uow, ports) == deadlines.SweepResult(due_soon=1)
    assert await sweep(uow, ports) == deadlines.SweepResult(), "announced once"

    clock.set(dossier.due_at + timedelta(minutes=1))
    assert await sweep(uow, ports) == deadlines.SweepResult(overdue=1)
    assert await sweep(uow, ports) == deadlines.SweepResult()
    assert [type(e) for e in uow.outbox.committed[-2:]] == [ev.DossierDueSoon, ev.DossierOverdue]


@pytest.mark.parametrize(("policy", "state"), [("reject", State.REJECTED), ("resume", State.IN_PROGRESS)])
async def test_a_supplement_not_given_in_time_ends_or_resumes_the_dossier(
    ports: Ports, clock: SettableClock, policy: str, state: State
) -> None:
    uow = FakeDossierUow()
    dossier = await received(uow, ports)
    asked = ActionIn(reason="Giấy chứng sinh chụp mờ", documents=["giay-chung-sinh"], days=1)
    await service.act(uow.unit, ports, OFFICER, dossier.code, Action.REQUEST_SUPPLEMENT, asked)
    assert dossier.respond_by is not None
    assert await sweep(uow, ports, supplement_expiry=policy) == deadlines.SweepResult()

    clock.set(dossier.respond_by + timedelta(minutes=1))
    assert await sweep(uow, ports, supplement_expiry=policy) == deadlines.SweepResult(expired=1)
    assert dossier.state is state
    assert await sweep(uow, ports, supplement_expiry=policy) == deadlines.SweepResult()
