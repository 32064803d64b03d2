"""The public status lookup (lookup/service.py) on a fake unit of work: proof of holding, alike refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from dossier_fakes import MONDAY, FakeDossierUow, fake_ports
from dossier_testkit import AGENCY, applicant

from dossier_svc.dossiers import service as dossiers
from dossier_svc.dossiers.models import Dossier
from dossier_svc.dossiers.schemas import ActionIn, DraftApplicantIn, DraftIn
from dossier_svc.dossiers.workflow import Action
from dossier_svc.lookup import service
from dossier_svc.lookup.errors import LookupNotFound
from dossier_svc.lookup.models import LookupGuard
from dossier_svc.lookup.schemas import LookupOut
from dossier_svc.ports import Ports
from motcua_shared.chassis.auth import Principal, Role
from motcua_shared.chassis.errors import RateLimited

CITIZEN = Principal(subject="citizen-1", role=Role.CITIZEN)

NEVER_ISSUED = f"{AGENCY.code}-250804-9999"
"""A code of the testkit's agency in the form it numbers dossiers, that no dossier has."""


@pytest.fixture
def ports(tmp_path: Path) -> Ports:
    return fake_ports(tmp_path)


async def filed(uow: FakeDossierUow, ports: Ports, *, submit: bool = True) -> Dossier:
    uow.know()
    body = DraftIn(procedure_code="1.001193", applicant=DraftApplicantIn(**applicant("0912345678")))
    await dossiers.create_draft(uow.unit, ports, CITIZEN, body)
    (dossier,) = uow.dossiers.rows.values()
    if submit:
        uow.documents.upload(dossier, "to-khai", "giay-chung-sinh", at=MONDAY)
        await dossiers.act(uow.unit, ports, CITIZEN, dossier.code, Action.SUBMIT, ActionIn())
    return dossier


async def test_the_phones_last_digits_or_the_receipts_secret_show_where_it_stands(ports: Ports) -> None:
    uow = FakeDossierUow()
    dossier = await filed(uow, ports)
    guard = ports.lookup_guard
    by_phone = LookupOut.of(
        await service.lookup(uow.unit, guard, client="1.2.3.4", code=dossier.code, proof="5678")
    )
    assert (by_phone.code, by_phone.status, by_phone.national_status) == (dossier.code, "submitted", 1)
    secret = dossier.lookup_secret.lower()
    by_secret = LookupOut.of(
        await service.lookup(uow.unit, guard, client="1.2.3.4", code=dossier.code, proof=secret)
    )
    assert by_secret == by_phone


async def test_a_wrong_proof_an_unknown_code_and_a_draft_are_refused_alike(ports: Ports) -> None:
    uow = FakeDossierUow()
    dossier = await filed(uow, ports)
    draft = FakeDossierUow()
    unsent = await filed(draft, ports, submit=False)
    guard = ports.lookup_guard
    for unit, code, proof in (
        (uow, dossier.code, "0000"),
        (uow, NEVER_ISSUED, "5678"),
        (draft, unsent.code, "5678"),
    ):
        with pytest.raises(LookupNotFound):
            await service.lookup(unit.unit, guard, client="1.2.3.4", code=code, proof=proof)


async def test_wrong_proofs_on_one_code_are_limited(ports: Ports) -> None:
    uow = FakeDossierUow()
    dossier = await filed(uow, ports)
    guard = LookupGuard(per_client_per_minute=100, failures_per_code_per_hour=2)
    for _ in range(2):
        with pytest.raises(LookupNotFound):
            await service.lookup(uow.unit, guard, client="a", code=dossier.code, proof="0000")
    with pytest.raises(RateLimited):
        await service.lookup(uow.unit, guard, client="b", code=dossier.code, proof="5678")


async def test_a_strangers_wrong_proofs_never_keep_the_receipts_holder_out(ports: Ports) -> None:
    uow = FakeDossierUow()
    dossier = await filed(uow, ports)
    guard = LookupGuard(
        per_client_per_minute=100, failures_per_code_per_hour=2, failures_per_client_code_per_hour=3
    )
    for proof in ("0000", "0001", "ABCDEFGH"):
        with pytest.raises(LookupNotFound):
            await service.lookup(uow.unit, guard, client="stranger", code=dossier.code, proof=proof)
    # The stranger is held on this code whatever the proof; the guessable 4 digits are held for everyone.
    for client, proof in (("stranger", dossier.lookup_secret), ("stranger", "5678"), ("owner", "5678")):
        with pytest.raises(RateLimited):
            await service.lookup(uow.unit, guard, client=client, code=dossier.code, proof=proof)
    found = LookupOut.of(
        await service.lookup(uow.unit, guard, client="owner", code=dossier.code, proof=dossier.lookup_secret)
    )
    assert found.code == dossier.code
    # An unknown code is held the same way: the answers do not tell whether a code exists.
    for proof in ("0000", "0001"):
        with pytest.raises(LookupNotFound):
            await service.lookup(uow.unit, guard, client="stranger", code=NEVER_ISSUED, proof=proof)
    with pytest.raises(RateLimited):
        await service.lookup(uow.unit, guard, client="owner", code=NEVER_ISSUED, proof="5678")
