"""The dossier use cases (dossiers/service.py) on a fake unit of work: outcomes, events, who may do what."""

from __future__ import annotations

from pathlib import Path

import pytest
from dossier_fakes import MONDAY, FakeDossierUow, fake_ports
from dossier_testkit import AGENCY, OTHER_AGENCY, POLICE, applicant, snapshot

from dossier_svc.dossiers import service
from dossier_svc.dossiers.errors import (
    ActionForbidden,
    AlreadyRated,
    DossierNotFound,
    IllegalAction,
    InvalidDossier,
)
from dossier_svc.dossiers.models import Dossier
from dossier_svc.dossiers.schemas import (
    ActionIn,
    DossierPage,
    DraftApplicantIn,
    DraftIn,
    DraftPatch,
    RatingIn,
    TimelineOut,
)
from dossier_svc.dossiers.workflow import Action, State
from dossier_svc.ports import Ports
from motcua_shared.chassis.auth import Principal, Role
from motcua_shared.chassis.errors import Forbidden
from motcua_shared.contracts import dossier as ev
from motcua_shared.contracts.base import Event
from motcua_shared.contracts.catalog import AgencyRef

CITIZEN = Principal(subject="citizen-1", role=Role.CITIZEN)
OTHER_CITIZEN = Principal(subject="citizen-2", role=Role.CITIZEN)
OFFICER = Principal(subject="officer-1", role=Role.OFFICER, agency_code=AGENCY.code)
POLICE_OFFICER = Principal(subject="officer-police", role=Role.OFFICER, agency_code=POLICE.code)
OTHER_OFFICER = Principal(subject="officer-9", role=Role.OFFICER, agency_code=OTHER_AGENCY)
ADMIN = Principal(subject="admin-1", role=Role.ADMIN)
NOTHING = ActionIn()


@pytest.fixture
def uow() -> FakeDossierUow:
    unit = FakeDossierUow()
    unit.know()
    return unit


@pytest.fixture
def ports(tmp_path: Path) -> Ports:
    return fake_ports(tmp_path)


def the_dossier(uow: FakeDossierUow) -> Dossier:
    (dossier,) = uow.dossiers.rows.values()
    return dossier


def types(events: list[Event]) -> list[str]:
    return [e.TYPE.split(".")[-2] for e in events]


async def drafted(uow: FakeDossierUow, ports: Ports) -> Dossier:
    body = DraftIn(procedure_code="1.001193", applicant=DraftApplicantIn(**applicant()))
    await service.create_draft(uow.unit, ports, CITIZEN, body)
    return the_dossier(uow)


async def submitted(uow: FakeDossierUow, ports: Ports) -> Dossier:
    """A birth registration filed by citizen-1 at the ward, its two documents uploaded."""
    dossier = await drafted(uow, ports)
    uow.documents.upload(dossier, "to-khai", "giay-chung-sinh", at=MONDAY)
    await service.act(uow.unit, ports, CITIZEN, dossier.code, Action.SUBMIT, NOTHING)
    return dossier


async def test_a_draft_is_kept_for_its_owner_and_seen_by_nobody_else(
    uow: FakeDossierUow, ports: Ports
) -> None:
    dossier = await drafted(uow, ports)
    assert dossier.state is State.DRAFT
    assert dossier.applicant_id == "citizen-1"
    assert uow.outbox.events == [], "a draft announces nothing"
    assert uow.commits == 1
    for stranger in (OTHER_CITIZEN, OFFICER):
        with pytest.raises(DossierNotFound):
            await service.get(uow.unit, ports, stranger, dossier.code)
    with pytest.raises(Forbidden):
        await service.create_draft(uow.unit, ports, OFFICER, DraftIn(procedure_code="1.001193"))


async def test_only_the_owner_changes_or_discards_a_draft(uow: FakeDossierUow, ports: Ports) -> None:
    dossier = await drafted(uow, ports)
    patch = DraftPatch(form_data={"ten_tre": "Lê Minh An"})
    with pytest.raises(DossierNotFound):
        await service.update_draft(uow.unit, ports, OTHER_CITIZEN, dossier.code, patch)
    with pytest.raises(DossierNotFound):
        await service.delete_draft(uow.unit, OTHER_CITIZEN, dossier.code)
    assert dossier.form_data == {}

    await service.update_draft(uow.unit, ports, CITIZEN, dossier.code, patch)
    assert dossier.form_data == {"ten_tre": "Lê Minh An"}
    await service.delete_draft(uow.unit, CITIZEN, dossier.code)
    assert uow.dossiers.rows == {}


async def test_submitting_a_draft_numbers_it_at_its_agency_and_announces_it(
    uow: FakeDossierUow, ports: Ports
) -> None:
    dossier = await submitted(uow, ports)
    assert dossier.state is State.SUBMITTED
    assert dossier.code == f"{AGENCY.code}-250804-0001"
    (event,) = uow.outbox.events
    assert isinstance(event, ev.DossierSubmitted)
    assert (event.dossier_code, event.agency_code, event.applicant_id) == (
        dossier.code,
        AGENCY.code,
        "citizen-1",
    )
    assert [e.action for e in uow.dossiers.entries] == ["submit"]


async def test_a_submitted_draft_is_numbered_under_its_agency_electronic_identifier(
    uow: FakeDossierUow, ports: Ports
) -> None:
    city = AgencyRef(code="hue", name="Ủy ban nhân dân thành phố Huế", electronic_id="000.00.00.H57")
    uow.know(snapshot().model_copy(update={"implementing_agency": city}))
    dossier = await submitted(uow, ports)
    assert (dossier.code, dossier.agency_code) == ("000.00.00.H57-250804-0001", "hue")


async def test_a_draft_missing_a_document_is_not_submitted(uow: FakeDossierUow, ports: Ports) -> None:
    dossier = await drafted(uow, ports)
    uow.documents.upload(dossier, "to-khai", at=MONDAY)
    with pytest.raises(InvalidDossier) as refused:
        await service.act(uow.unit, ports, CITIZEN, dossier.code, Action.SUBMIT, NOTHING)
    assert [e["field"] for e in refused.value.errors or []] == ["documents.giay-chung-sinh"]
    assert dossier.state is State.DRAFT
    assert uow.outbox.events == []


async def test_the_dossier_goes_through_its_agencies_to_the_result_and_is_rated(
    uow: FakeDossierUow, ports: Ports
) -> None:
    dossier = await submitted(uow, ports)
    code = dossier.code
    await service.act(uow.unit, ports, OFFICER, code, Action.RECEIVE, NOTHING)
    await service.act(uow.unit, ports, OFFICER, code, Action.FORWARD, NOTHING)
    assert dossier.holder_agency_code == POLICE.code, "the residence check is the police's step"
    await service.act(uow.unit, ports, POLICE_OFFICER, code, Action.FORWARD, NOTHING)
    await service.act(uow.unit, ports, OFFICER, code, Action.APPROVE, ActionIn(result="Giấy khai sinh"))
    await service.act(uow.unit, ports, OFFICER, code, Action.RETURN_RESULT, NOTHING)
    assert dossier.state is State.RETURNED

    await service.rate(uow.unit, ports, CITIZEN, code, RatingIn(rating=ev.Rating.SATISFIED, comment="Nhanh"))

    assert types(uow.outbox.committed) == [
        "submitted",
        "received",
        "forwarded",
        "forwarded",
        "approved",
        "result_returned",
        "rated",
    ]
    rated = uow.outbox.of_type(ev.DossierRated)[0]
    assert (rated.dossier_code, rated.rating, rated.comment) == (code, ev.Rating.SATISFIED, "Nhanh")
    assert uow.dossiers.ratings[dossier.id].rating == "satisfied"
    timeline = TimelineOut.of(await service.timeline(uow.unit, CITIZEN, code))
    assert timeline.total == 6


async def test_a_citizen_cannot_see_or_act_on_anothers_dossier(uow: FakeDossierUow, ports: Ports) -> None:
    dossier = await submitted(uow, ports)
    events = list(uow.outbox.events)
    with pytest.raises(DossierNotFound):
        await service.get(uow.unit, ports, OTHER_CITIZEN, dossier.code)
    with pytest.raises(DossierNotFound):
        await service.timeline(uow.unit, OTHER_CITIZEN, dossier.code)
    with pytest.raises(DossierNotFound):
        await service.act(uow.unit, ports, OTHER_CITIZEN, dossier.code, Action.WITHDRAW, NOTHING)
    assert dossier.state is State.SUBMITTED
    assert uow.outbox.events == events


async def test_an_officer_acts_only_on_their_agencys_dossiers(uow: FakeDossierUow, ports: Ports) -> None:
    dossier = await submitted(uow, ports)
    with pytest.raises(DossierNotFound):
        await service.get(uow.unit, ports, OTHER_OFFICER, dossier.code)
    with pytest.raises(DossierNotFound):
        await service.act(uow.unit, ports, OTHER_OFFICER, dossier.code, Action.RECEIVE, NOTHING)
    # The police see it only once it reaches their step.
    with pytest.raises(DossierNotFound):
        await service.act(uow.unit, ports, POLICE_OFFICER, dossier.code, Action.RECEIVE, NOTHING)
    assert dossier.state is State.SUBMITTED
    assert types(uow.outbox.events) == ["submitted"]


async def test_the_applicant_cannot_do_the_officers_work(uow: FakeDossierUow, ports: Ports) -> None:
    dossier = await submitted(uow, ports)
    commits = uow.commits
    with pytest.raises(ActionForbidden):
        await service.act(uow.unit, ports, CITIZEN, dossier.code, Action.RECEIVE, NOTHING)
    with pytest.raises(ActionForbidden):
        await service.act(uow.unit, ports, CITIZEN, dossier.code, Action.RESUME, NOTHING)
    assert uow.commits == commits
    assert dossier.state is State.SUBMITTED


async def test_an_action_the_state_does_not_allow_is_illegal(uow: FakeDossierUow, ports: Ports) -> None:
    dossier = await submitted(uow, ports)
    with pytest.raises(IllegalAction):
        await service.act(uow.unit, ports, OFFICER, dossier.code, Action.RETURN_RESULT, NOTHING)
    with pytest.raises(IllegalAction):
        await service.rate(uow.unit, ports, CITIZEN, dossier.code, RatingIn(rating=ev.Rating.SATISFIED))
    assert types(uow.outbox.events) == ["submitted"]


async def test_the_owner_withdraws_and_the_withdrawal_is_announced(uow: FakeDossierUow, ports: Ports) -> None:
    dossier = await submitted(uow, ports)
    await service.act(uow.unit, ports, CITIZEN, dossier.code, Action.WITHDRAW, ActionIn(reason="Nộp nhầm"))
    assert dossier.state is State.WITHDRAWN
    withdrawn = uow.outbox.of_type(ev.DossierWithdrawn)
    assert [w.dossier_code for w in withdrawn] == [dossier.code]


async def test_only_the_owner_rates_and_only_once(uow: FakeDossierUow, ports: Ports) -> None:
    dossier = await submitted(uow, ports)
    for who, action in (
        (OFFICER, Action.RECEIVE),
        (OFFICER, Action.FORWARD),
        (POLICE_OFFICER, Action.FORWARD),
        (OFFICER, Action.APPROVE),
        (OFFICER, Action.RETURN_RESULT),
    ):
        await service.act(uow.unit, ports, who, dossier.code, action, ActionIn(result="Giấy khai sinh"))
    rating = RatingIn(rating=ev.Rating.ACCEPTABLE)
    with pytest.raises(ActionForbidden):
        await service.rate(uow.unit, ports, OFFICER, dossier.code, rating)
    await service.rate(uow.unit, ports, CITIZEN, dossier.code, rating)
    with pytest.raises(AlreadyRated):
        await service.rate(uow.unit, ports, CITIZEN, dossier.code, rating)
    assert len(uow.outbox.of_type(ev.DossierRated)) == 1


async def test_the_list_is_the_citizens_own_or_the_agencys_queue(uow: FakeDossierUow, ports: Ports) -> None:
    mine = await submitted(uow, ports)
    theirs = await service.create_draft(
        uow.unit, ports, OTHER_CITIZEN, DraftIn(procedure_code="1.001193", applicant=None)
    )

    def listed(who: Principal) -> list[str]:
        return [item.code for item in DossierPage.of(pages[who.subject], ports.calendar).items]

    pages = {
        who.subject: await service.listing(
            uow.unit, ports, who, status=None, scope="holding", procedure_code=None, limit=10, cursor=None
        )
        for who in (CITIZEN, OTHER_CITIZEN, OFFICER, OTHER_OFFICER, ADMIN)
    }
    assert listed(CITIZEN) == [mine.code]
    assert listed(OTHER_CITIZEN) == [theirs.dossier.code]
    assert listed(OFFICER) == [mine.code], "an agency's queue holds no drafts"
    assert listed(OTHER_OFFICER) == []
    assert sorted(listed(ADMIN)) == sorted([mine.code, theirs.dossier.code])
    integrator = Principal(subject="portal", role=Role.INTEGRATOR)
    with pytest.raises(Forbidden):
        await service.listing(
            uow.unit,
            ports,
            integrator,
            status=None,
            scope="holding",
            procedure_code=None,
            limit=10,
            cursor=None,
        )
