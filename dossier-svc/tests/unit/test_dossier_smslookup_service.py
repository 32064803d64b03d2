"""Look-up by SMS (smslookup/service.py) on fakes: the provider's signature and window, the same proofs
and refusals as the web look-up, the per-phone limit, one answer per message."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from dossier_fakes import MONDAY, FakeDossierUow, fake_ports
from dossier_testkit import AGENCY, applicant

from dossier_svc.dossiers import service as dossiers
from dossier_svc.dossiers.models import Dossier
from dossier_svc.dossiers.schemas import ActionIn, DraftApplicantIn, DraftIn
from dossier_svc.dossiers.workflow import Action
from dossier_svc.ports import Ports
from dossier_svc.settings import SmsLookupSettings
from dossier_svc.smslookup import service
from dossier_svc.smslookup.errors import BadSmsSignature, StaleSmsMessage
from dossier_svc.smslookup.models import PhoneGate, sign
from dossier_svc.smslookup.schemas import InboundStatus
from motcua_shared.chassis.auth import Principal, Role
from motcua_shared.chassis.clock import SettableClock
from motcua_shared.chassis.errors import Unprocessable
from motcua_shared.contracts.dossier import DossierLookupAnswered, LookupOutcome

CITIZEN = Principal(subject="citizen-1", role=Role.CITIZEN)
OFFICER = Principal(subject="officer-1", role=Role.OFFICER, agency_code=AGENCY.code)
ASKER = "+84905123456"
KEY = SmsLookupSettings().secret.get_secret_value().encode()


@pytest.fixture
def ports(tmp_path: Path) -> Ports:
    return fake_ports(tmp_path)


async def filed(uow: FakeDossierUow, ports: Ports) -> Dossier:
    uow.know()
    body = DraftIn(procedure_code="1.001193", applicant=DraftApplicantIn(**applicant("0912345678")))
    await dossiers.create_draft(uow.unit, ports, CITIZEN, body)
    (dossier,) = uow.dossiers.rows.values()
    uow.documents.upload(dossier, "to-khai", "giay-chung-sinh", at=MONDAY)
    await dossiers.act(uow.unit, ports, CITIZEN, dossier.code, Action.SUBMIT, ActionIn())
    uow.outbox.commit()
    uow.outbox.events.clear()
    uow.outbox.committed.clear()
    return dossier


def message(text: str, *, message_id: str = "mo-1", phone: str = "0905 123 456") -> bytes:
    return json.dumps({"message_id": message_id, "phone": phone, "text": text}).encode()


async def send(
    uow: FakeDossierUow, ports: Ports, body: bytes, *, at: float | None = None, key: bytes = KEY
) -> tuple[str, InboundStatus]:
    timestamp = str(int(at if at is not None else ports.clock.now().timestamp()))
    return await service.receive(
        uow.unit, ports, body=body, timestamp=timestamp, signature=sign(key, timestamp, body)
    )


def gated(ports: Ports, **limits: int) -> Ports:
    """``ports`` with a phone gate of other limits."""
    return Ports(**{**vars(ports), "phone_gate": PhoneGate(SmsLookupSettings(**limits))})


def answers(uow: FakeDossierUow) -> list[DossierLookupAnswered]:
    return uow.outbox.of_type(DossierLookupAnswered)


async def test_the_right_proof_is_answered_with_status_due_date_and_next_step(ports: Ports) -> None:
    uow = FakeDossierUow()
    dossier = await filed(uow, ports)
    await dossiers.act(uow.unit, ports, OFFICER, dossier.code, Action.RECEIVE, ActionIn())
    assert dossier.appointment_at is not None
    assert await send(uow, ports, message(f"Tra cứu {dossier.code} 5678")) == (
        "mo-1",
        InboundStatus.ANSWERED,
    )
    (reply,) = answers(uow)
    assert (reply.phone, reply.outcome, reply.dossier_code) == (ASKER, LookupOutcome.FOUND, dossier.code)
    assert reply.status_label == "Được tiếp nhận"
    assert reply.next_step is not None
    assert reply.next_step.startswith("Đang giải quyết ở bước ")
    assert reply.due_at == dossier.appointment_at
    assert reply.subject() == "mo-1"
    by_secret = message(f"TRACUU {dossier.code} {dossier.lookup_secret.lower()}", message_id="mo-2")
    await send(uow, ports, by_secret)
    assert answers(uow)[1].model_dump(exclude={"message_id"}) == reply.model_dump(exclude={"message_id"})


async def test_a_wrong_proof_is_answered_exactly_as_an_unknown_code(ports: Ports) -> None:
    uow = FakeDossierUow()
    dossier = await filed(uow, ports)
    await send(uow, ports, message(f"TRACUU {dossier.code} 0000", message_id="mo-1"))
    await send(uow, ports, message("TRACUU hue.xa.thuan-hoa-250804-9999 5678", message_id="mo-2"))
    wrong, unknown = answers(uow)
    assert wrong.outcome is LookupOutcome.NOT_FOUND
    assert wrong.model_dump(exclude={"message_id"}) == unknown.model_dump(exclude={"message_id"})
    assert (wrong.dossier_code, wrong.status_label, wrong.due_at, wrong.next_step) == (None,) * 4


async def test_a_message_that_is_no_look_up_gets_the_help(ports: Ports) -> None:
    uow = FakeDossierUow()
    await send(uow, ports, message("Xin chào, cho hỏi hồ sơ của tôi"))
    (reply,) = answers(uow)
    assert (reply.outcome, reply.dossier_code) == (LookupOutcome.HELP, None)


async def test_the_look_up_guard_is_the_web_look_ups(ports: Ports) -> None:
    ports = gated(ports, per_phone_burst=10)
    uow = FakeDossierUow()
    dossier = await filed(uow, ports)
    for n in range(5):
        await send(uow, ports, message(f"TRACUU {dossier.code} 000{n}", message_id=f"mo-{n}"))
    await send(uow, ports, message(f"TRACUU {dossier.code} 5678", message_id="mo-9"))
    assert [a.outcome for a in answers(uow)] == [LookupOutcome.NOT_FOUND] * 5 + [LookupOutcome.LIMITED]


async def test_each_phone_is_limited_and_answered_nothing_past_its_limit(ports: Ports) -> None:
    limited = gated(ports, per_phone_burst=2)
    uow = FakeDossierUow()
    statuses = [(await send(uow, limited, message("TRACUU", message_id=f"mo-{n}")))[1] for n in range(3)]
    assert statuses == [InboundStatus.ANSWERED, InboundStatus.ANSWERED, InboundStatus.THROTTLED]
    other = message("TRACUU", message_id="mo-x", phone="0912345678")
    assert (await send(uow, limited, other))[1] is InboundStatus.ANSWERED
    assert len(answers(uow)) == 3


async def test_a_message_the_provider_sends_twice_is_answered_once(ports: Ports) -> None:
    uow = FakeDossierUow()
    body = message("TRACUU")
    assert (await send(uow, ports, body))[1] is InboundStatus.ANSWERED
    assert (await send(uow, ports, body))[1] is InboundStatus.DUPLICATE
    assert len(answers(uow)) == 1


async def test_a_bad_signature_changes_nothing(ports: Ports) -> None:
    uow = FakeDossierUow()
    dossier = await filed(uow, ports)
    body = message(f"TRACUU {dossier.code} 5678")
    with pytest.raises(BadSmsSignature):
        await send(uow, ports, body, key=b"not the provider")
    now = str(int(ports.clock.now().timestamp()))
    for timestamp, signature in ((now, None), (None, sign(KEY, now, body)), (now, "sha256=00")):
        with pytest.raises(BadSmsSignature):
            await service.receive(uow.unit, ports, body=body, timestamp=timestamp, signature=signature)
    assert answers(uow) == []
    # Nothing was spent: neither the message id nor the phone's look-ups.
    assert (await send(uow, ports, body))[1] is InboundStatus.ANSWERED


async def test_a_replayed_or_far_future_timestamp_is_refused(ports: Ports) -> None:
    clock = ports.clock
    assert isinstance(clock, SettableClock)
    uow = FakeDossierUow()
    body = message("TRACUU")
    signed_at = clock.now().timestamp()
    clock.advance(timedelta(seconds=301))
    with pytest.raises(StaleSmsMessage):
        await send(uow, ports, body, at=signed_at)
    with pytest.raises(StaleSmsMessage):
        await send(uow, ports, body, at=clock.now().timestamp() + 301)
    assert (await send(uow, ports, body, at=clock.now().timestamp() - 299))[1] is InboundStatus.ANSWERED
    assert len(answers(uow)) == 1


async def test_a_malformed_body_or_phone_is_refused(ports: Ports) -> None:
    uow = FakeDossierUow()
    with pytest.raises(Unprocessable):
        await send(uow, ports, b'{"text": "TRACUU"}')
    with pytest.raises(Unprocessable):
        await send(uow, ports, message("TRACUU", phone="0234 3822 222"))
    assert answers(uow) == []


async def test_the_sandbox_phone_signs_as_the_provider(ports: Ports) -> None:
    uow = FakeDossierUow()
    body, timestamp, signature = service.signed_by_the_provider(
        ports, phone="0905123456", text="TRACUU", at=ports.clock.now()
    )
    message_id, status = await service.receive(
        uow.unit, ports, body=body, timestamp=timestamp, signature=signature
    )
    assert status is InboundStatus.ANSWERED
    assert message_id.startswith("sbx-mo-")
    assert answers(uow)[0].phone == ASKER
