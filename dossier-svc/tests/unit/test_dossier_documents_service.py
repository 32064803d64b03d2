"""Attaching and reading documents (documents/service.py) on a fake unit of work and a file store in a
temporary folder: who may attach what, when, and who may read it back."""

from __future__ import annotations

from pathlib import Path

import pytest
from dossier_fakes import MONDAY, FakeDossierUow, fake_ports
from dossier_testkit import AGENCY, OTHER_AGENCY, PDF, PNG, applicant

from dossier_svc.documents import service
from dossier_svc.documents.errors import FileTooLarge, UnsupportedFileType
from dossier_svc.documents.schemas import DocumentList
from dossier_svc.documents.service import IncomingFile
from dossier_svc.dossiers import service as dossiers
from dossier_svc.dossiers.errors import ActionForbidden, DossierNotFound, IllegalAction, InvalidDossier
from dossier_svc.dossiers.models import Dossier
from dossier_svc.dossiers.schemas import ActionIn, DraftApplicantIn, DraftIn
from dossier_svc.dossiers.workflow import Action
from dossier_svc.ports import Ports
from motcua_shared.chassis.auth import Principal, Role

CITIZEN = Principal(subject="citizen-1", role=Role.CITIZEN)
OTHER_CITIZEN = Principal(subject="citizen-2", role=Role.CITIZEN)
OFFICER = Principal(subject="officer-1", role=Role.OFFICER, agency_code=AGENCY.code)
OTHER_OFFICER = Principal(subject="officer-9", role=Role.OFFICER, agency_code=OTHER_AGENCY)
FORM = IncomingFile(document_code="to-khai", filename="../../tờ khai.pdf", data=PDF)


@pytest.fixture
def ports(tmp_path: Path) -> Ports:
    return fake_ports(tmp_path)


async def draft(uow: FakeDossierUow, ports: Ports) -> Dossier:
    uow.know()
    body = DraftIn(procedure_code="1.001193", applicant=DraftApplicantIn(**applicant()))
    await dossiers.create_draft(uow.unit, ports, CITIZEN, body)
    (dossier,) = uow.dossiers.rows.values()
    return dossier


async def test_the_owner_attaches_to_a_draft_and_reads_it_back(ports: Ports) -> None:
    uow = FakeDossierUow()
    dossier = await draft(uow, ports)
    out = await service.upload(uow.unit, ports, CITIZEN, dossier.code, FORM)
    assert (out.document_code, out.content_type) == ("to-khai", "application/pdf")
    assert "/" not in out.filename, "a path in the name is not kept"
    listed = DocumentList.of(await service.listing(uow.unit, CITIZEN, dossier.code))
    assert [d.id for d in listed.items] == [out.id]
    row, data = await service.download(uow.unit, ports, CITIZEN, dossier.code, out.id)
    assert (row.id, data) == (out.id, PDF)


async def test_nobody_else_attaches_to_or_reads_a_dossier(ports: Ports) -> None:
    uow = FakeDossierUow()
    dossier = await draft(uow, ports)
    out = await service.upload(uow.unit, ports, CITIZEN, dossier.code, FORM)
    for stranger in (OTHER_CITIZEN, OFFICER):
        with pytest.raises(DossierNotFound):
            await service.upload(uow.unit, ports, stranger, dossier.code, FORM)
        with pytest.raises(DossierNotFound):
            await service.download(uow.unit, ports, stranger, dossier.code, out.id)
    with pytest.raises(DossierNotFound):
        await service.download(uow.unit, ports, CITIZEN, dossier.code, "khong-co")
    assert len(uow.documents.rows) == 1


async def test_only_what_the_procedure_asks_in_a_known_format_within_the_size(ports: Ports) -> None:
    uow = FakeDossierUow()
    dossier = await draft(uow, ports)
    with pytest.raises(InvalidDossier):
        await service.upload(uow.unit, ports, CITIZEN, dossier.code, IncomingFile("so-ho-khau", "a.pdf", PDF))
    with pytest.raises(UnsupportedFileType):
        await service.upload(
            uow.unit, ports, CITIZEN, dossier.code, IncomingFile("to-khai", "a.pdf", b"MZ\x90")
        )
    big = IncomingFile("to-khai", "a.pdf", PDF + b"\x00" * ports.settings.documents.max_bytes)
    with pytest.raises(FileTooLarge):
        await service.upload(uow.unit, ports, CITIZEN, dossier.code, big)
    assert uow.documents.rows == []


async def test_once_filed_only_the_counter_attaches_and_once_received_nobody(ports: Ports) -> None:
    uow = FakeDossierUow()
    dossier = await draft(uow, ports)
    await service.upload(uow.unit, ports, CITIZEN, dossier.code, FORM)
    await service.upload(
        uow.unit, ports, CITIZEN, dossier.code, IncomingFile("giay-chung-sinh", "b.png", PNG)
    )
    await dossiers.act(uow.unit, ports, CITIZEN, dossier.code, Action.SUBMIT, ActionIn())
    assert dossier.submitted_at is not None
    with pytest.raises(ActionForbidden):
        await service.upload(uow.unit, ports, CITIZEN, dossier.code, FORM)
    with pytest.raises(DossierNotFound):
        await service.upload(uow.unit, ports, OTHER_OFFICER, dossier.code, FORM)
    await service.upload(uow.unit, ports, OFFICER, dossier.code, FORM)
    assert DocumentList.of(await service.listing(uow.unit, OFFICER, dossier.code)).total == 3

    await dossiers.act(uow.unit, ports, OFFICER, dossier.code, Action.RECEIVE, ActionIn())
    with pytest.raises(IllegalAction):
        await service.upload(uow.unit, ports, OFFICER, dossier.code, FORM)
    assert [d.uploaded_by for d in uow.documents.rows] == ["citizen-1", "citizen-1", "officer-1"]
    assert all(d.uploaded_at == MONDAY for d in uow.documents.rows)
