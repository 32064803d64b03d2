"""Dossiers follow payment confirmations (dossiers/handlers.py), on a fake unit of work."""

from __future__ import annotations

from pathlib import Path

import pytest
from dossier_fakes import MONDAY, FakeDossierUow, fake_ports
from dossier_testkit import AGENCY, applicant, snapshot

from dossier_svc.dossiers import handlers, service
from dossier_svc.dossiers.errors import GuardRefused
from dossier_svc.dossiers.models import Dossier
from dossier_svc.dossiers.schemas import ActionIn, DraftApplicantIn, DraftIn
from dossier_svc.dossiers.workflow import Action, State
from dossier_svc.ports import Ports
from dossier_svc.uow import DossierUow
from motcua_shared.chassis.auth import Principal, Role
from motcua_shared.chassis.errors import PermanentError
from motcua_shared.chassis.messaging.consumer import Handlers
from motcua_shared.contracts import examples
from motcua_shared.contracts.payment import PaymentSucceeded
from motcua_shared.testing import handle

CITIZEN = Principal(subject="citizen-1", role=Role.CITIZEN)
OFFICER = Principal(subject="officer-1", role=Role.OFFICER, agency_code=AGENCY.code)
FEE = 50_000


@pytest.fixture
def ports(tmp_path: Path) -> Ports:
    return fake_ports(tmp_path)


@pytest.fixture
def subscribed(ports: Ports) -> Handlers[DossierUow]:
    registry: Handlers[DossierUow] = Handlers()
    handlers.register(registry, calendar=ports.calendar, clock=ports.clock)
    return registry


async def owing(uow: FakeDossierUow, ports: Ports) -> Dossier:
    """A dossier submitted with a fee due at submission."""
    uow.know(snapshot(fee=FEE))
    await service.create_draft(
        uow.unit,
        ports,
        CITIZEN,
        DraftIn(procedure_code="1.001193", applicant=DraftApplicantIn(**applicant())),
    )
    (dossier,) = uow.dossiers.rows.values()
    uow.documents.upload(dossier, "to-khai", "giay-chung-sinh", at=MONDAY)
    await service.act(uow.unit, ports, CITIZEN, dossier.code, Action.SUBMIT, ActionIn())
    return dossier


def paid(dossier: Dossier, amount: int = FEE) -> PaymentSucceeded:
    example = examples.examples()[PaymentSucceeded.TYPE]
    assert isinstance(example, PaymentSucceeded)
    return example.model_copy(update={"dossier_code": dossier.code, "amount": amount, "payment_id": "pay-1"})


async def test_an_unpaid_fee_holds_receipt_until_the_payment_is_confirmed(
    ports: Ports, subscribed: Handlers[DossierUow]
) -> None:
    uow = FakeDossierUow()
    dossier = await owing(uow, ports)
    with pytest.raises(GuardRefused):
        await service.act(uow.unit, ports, OFFICER, dossier.code, Action.RECEIVE, ActionIn())

    await handle(subscribed, uow, paid(dossier))

    assert dossier.paid_at is not None
    assert dossier.payment_id == "pay-1"
    assert dossier.paid_method == paid(dossier).method.value  # how it was paid, for the online-payment share
    assert dossier.online_level == 4  # the procedure's level when filed, for the full-process share
    assert uow.dossiers.entries[-1].dossier_id == dossier.id
    await service.act(uow.unit, ports, OFFICER, dossier.code, Action.RECEIVE, ActionIn())
    assert dossier.state is State.RECEIVED


async def test_a_second_confirmation_changes_nothing(ports: Ports, subscribed: Handlers[DossierUow]) -> None:
    uow = FakeDossierUow()
    dossier = await owing(uow, ports)
    await handle(subscribed, uow, paid(dossier))
    entries = len(uow.dossiers.entries)
    await handle(subscribed, uow, paid(dossier))
    assert len(uow.dossiers.entries) == entries


async def test_a_payment_for_an_unknown_dossier_is_a_permanent_failure(
    subscribed: Handlers[DossierUow],
) -> None:
    uow = FakeDossierUow()
    ghost = Dossier(code="hue.xa.thuan-hoa-250804-9999")
    with pytest.raises(PermanentError):
        await handle(subscribed, uow, paid(ghost))
