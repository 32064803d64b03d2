"""The citizen's journeys end to end, through the gateway's public HTTP API only, on both deployments.

A citizen signs in by OTP (the code read from notify's SMS sandbox), finds the judicial record certificate by
an accent-less search, files it online with its documents once dossier-svc's replica knows the procedure, pays
the fee due at submission through the sandbox provider, and the city police's officer (the police issue it
since 2025) receives the dossier (refused while unpaid). The citizen follows it by its code and by the public
lookup, and was told by SMS and in-app; another citizen and an officer of another agency see nothing of it.

A fee due at supplement: an admin imports a (synthetic) procedure whose fee is paid when the agency asks for
the financial obligation during processing; the dossier is received unpaid, cannot be approved, the officer
asks for the obligation (national status 6), payment-svc requests the fee, the citizen pays at the sandbox,
and the dossier resumes by itself.

A commune-level procedure (birth registration, whose implementing agency is the communes' umbrella) filed at
the ward the citizen chooses (embedded only): that ward's officer receives it; another ward's officer and a
department's officer see nothing of it.

(a) the embedded platform (one process, SQLite, in-process bus) served over ASGI in the test's loop;
(b) the stack: the gateway, each service and the sandbox provider as processes, on PostgreSQL and Kafka.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from journey_steps import (
    API,
    Journey,
    Person,
    documents_for,
    expect,
    expect_problem,
    free_port_block,
    new_phone,
    online_case,
    pdf_bytes,
    platform_over_asgi,
)

from gateway.settings import DEMO_ACCOUNTS
from motcua.infra.postgres import PgServer

pytestmark = pytest.mark.system

# The judicial record certificate: a province-level procedure whose fee is due when the dossier is filed.
SEARCH = "ly lich tu phap"
NAME_PART = "Phiếu lý lịch tư pháp cho công dân"
OFFICER = ("canbo.congan", "motcua-canbo")  # the city police (Công an thành phố), which issue the certificate
WARD_OFFICER = ("canbo.phuxuan", "motcua-canbo")  # Ủy ban nhân dân phường Phú Xuân
WARD = "hue.xa.phu-xuan"
OTHER_WARD = "hue.xa.kim-long"
BIRTH = "1.001193"  # Đăng ký khai sinh, done by the commune where the child's parents live
OTHER_OFFICER = ("canbo.xaydung", "motcua-canbo")  # the Department of Construction
ADMIN = ("admin", "motcua-admin")

SUBMITTED = "vn.motcua.dossier.dossier.submitted.v1"
RECEIVED = "vn.motcua.dossier.dossier.received.v1"
PAYMENT_REQUESTED = "vn.motcua.payment.payment.requested.v1"
PAYMENT_SUCCEEDED = "vn.motcua.payment.payment.succeeded.v1"
SUPPLEMENT_REQUESTED = "vn.motcua.dossier.dossier.supplement_requested.v1"
SUPPLEMENTED = "vn.motcua.dossier.dossier.supplemented.v1"


async def citizen_journey(journey: Journey) -> Person:
    """The whole journey and its denials; every step through the gateway. The citizen, signed in."""
    client = journey.client

    # 1. Sign in by phone; the code comes by SMS.
    typed, phone = new_phone()
    citizen = await journey.sign_in_citizen(typed, phone)
    await journey.no_quiet_hours(citizen)

    # 2. Find the procedure without typing accents; its fee is due at submission.
    procedure = await journey.find_procedure(SEARCH, NAME_PART)
    assert procedure["fee_timing"] == "submission"
    agency = procedure["implementing_agency"]["code"]
    case, fee = online_case(procedure)

    # 3. dossier-svc knows the procedure only from catalog's event.
    await journey.wait_until_dossier_knows(citizen, procedure["code"])

    # 4. File it with the documents, once (the same key replays the same answer).
    submission = {
        "procedure_code": procedure["code"],
        "case_code": case["code"],
        "applicant": {
            "name": "Trần Thị Mai",
            "cccd": "046190001234",
            "phone": typed,
            "address": "12 Lê Lợi, phường Thuận Hóa, thành phố Huế",
        },
        "form_data": {"muc_dich": "Bổ sung hồ sơ xin việc"},
    }
    files = documents_for(procedure, case["code"])
    key = f"journey-{uuid.uuid4()}"
    no_key = await client.post(
        f"{API}/dossiers",
        data={"dossier": "{}"},
        files={"x": ("x.pdf", pdf_bytes("x"), "application/pdf")},
        headers=citizen.headers,
    )
    assert no_key.status_code in (400, 422), no_key.text
    filed = expect(await journey.submit(citizen, submission, files, key), 201)
    code = filed["code"]
    assert filed["status"] == "submitted"
    assert filed["national_status"] == 6, "waiting for the fee due at submission"
    assert filed["agency_code"] == agency
    assert filed["fees"] == {**filed["fees"], "total": fee, "timing": "submission", "outstanding": True}
    assert sorted(d["document_code"] for d in filed["documents"]) == sorted(files)
    replay = await journey.submit(citizen, submission, files, key)
    assert expect(replay, 201)["code"] == code
    assert replay.headers["idempotent-replayed"] == "true"

    # 5. The receiving agency's officer: the dossier is in their queue, but cannot be received unpaid.
    officer = await journey.sign_in_staff(*OFFICER)
    assert officer.me["role"] == "officer"
    assert officer.me["agency_code"] == agency, "the demo officer belongs to the agency that receives it"
    assert expect(await journey.dossier(officer, code), 200)["status"] == "submitted"
    unpaid = expect_problem(await journey.act(officer, code, "receive"), 409)
    assert unpaid["type"].endswith("precondition-unmet"), unpaid

    # 6. payment-svc asked for the fee; the citizen pays through the sandbox provider.
    payment = await journey.payment_requested(citizen, code)
    assert (payment["amount"], payment["status"], payment["agency_code"]) == (fee, "pending", agency)
    await journey.pay_through_sandbox(citizen, code, key=f"pay-{uuid.uuid4()}")
    paid = await journey.payment_succeeded(citizen, payment["id"])
    # The e-receipt's series and seven-digit number in it (payment-svc: ReceiptNo), e.g. AA-26E-0000001.
    assert re.fullmatch(r"[A-Z]{2}-[0-9]{2}E-[0-9]{7}", paid["receipt_number"]), paid
    settled = await journey.fee_settled(citizen, code)
    assert settled["fees"]["paid_at"] is not None
    assert "receive" not in settled["allowed_actions"], "only the officer receives"

    # 7. Now the officer receives it.
    received = expect(await journey.act(officer, code, "receive", {"note": "Hồ sơ đầy đủ, hợp lệ."}), 200)
    assert (received["status"], received["national_status"]) == ("received", 2)

    # 8. The citizen follows it: their dossier, and the public lookup with proof.
    mine = expect(await journey.dossier(citizen, code), 200)
    assert mine["status"] == "received"
    assert mine["received_at"] is not None
    assert mine["due_at"] is not None
    listed = expect(await client.get(f"{API}/dossiers", headers=citizen.headers), 200)
    assert code in [d["code"] for d in listed["items"]]
    by_phone = expect(await client.get(f"{API}/lookup/{code}", params={"proof": typed[-4:]}), 200)
    assert (by_phone["status"], by_phone["fee_outstanding"]) == ("received", False)
    assert "applicant" not in by_phone, "the lookup shows no personal data"
    by_secret = expect(
        await client.get(f"{API}/lookup/{code}", headers={"X-Lookup-Proof": filed["lookup_secret"]}), 200
    )
    assert by_secret["code"] == code
    wrong = "0000" if typed[-4:] != "0000" else "1111"
    expect_problem(await client.get(f"{API}/lookup/{code}", params={"proof": wrong}), 404)
    # And by SMS from the sandbox phone: the right proof is answered with the status, the appointment and the
    # next step; wrong proofs from a stranger's phone exactly as an unknown code, naming nothing.
    await journey.look_up_by_sms(typed, f"Tra cứu {code} {typed[-4:]}")
    (answer,) = await journey.sms_about(phone, code, f"{code}: Được tiếp nhận. Hẹn trả kết quả")
    assert re.search(r"hen tra ket qua \d{2}:\d{2} ngay \d{2}/\d{2}/\d{4}\. \w", answer), answer
    guesser_typed, guesser = new_phone()
    await journey.look_up_by_sms(guesser_typed, f"TRACUU {code} {wrong}")
    await journey.look_up_by_sms(guesser_typed, f"TRACUU {code[:-4]}9999 {typed[-4:]}")
    refused = await journey.texts(guesser, 2)
    assert refused[0] == refused[1], "a wrong proof reads as an unknown code"
    assert refused[0].startswith("Khong tim thay ho so")
    assert code not in refused[0]

    # 9. They were told: SMS for the payment request and the receipt, in-app for every step.
    await journey.sms_about(phone, code, "cần thanh toán", "đã được tiếp nhận")
    await journey.inbox_has(citizen, code, SUBMITTED, PAYMENT_REQUESTED, PAYMENT_SUCCEEDED, RECEIVED)
    queue = await journey.inbox_has(officer, code, SUBMITTED)
    assert {n["audience"] for n in queue} == {"agency"}, "the new dossier went to the agency's queue"

    # 10. Nobody else sees it.
    other_typed, other_phone = new_phone()
    stranger = await journey.sign_in_citizen(other_typed, other_phone)
    await _sees_nothing(journey, stranger, code, payment["id"])
    outsider = await journey.sign_in_staff(*OTHER_OFFICER)
    assert outsider.me["agency_code"] != agency
    await _sees_nothing(journey, outsider, code, payment["id"])
    expect_problem(await journey.act(outsider, code, "approve"), 404)
    expect_problem(await client.get(f"{API}/dossiers/{code}"), 401)
    assert expect(await journey.dossier(citizen, code), 200)["status"] == "received", "nothing changed it"

    # 11. No consumer gave up on any event of this journey.
    admin = await journey.sign_in_staff(*ADMIN)
    assert await journey.dead_letters_about(admin, code) == []
    return citizen


def _procedure_with_fee_at_supplement(agency: str) -> dict[str, Any]:
    """A SYNTHETIC procedure (test data, never seeded) whose fee is payable at a supplement request."""
    return {
        "code": f"SYN-FS{uuid.uuid4().hex[:8].upper()}",
        "code_kind": "synthetic",
        "version": 1,
        "name": "Thủ tục có nghĩa vụ tài chính trong khi giải quyết (dữ liệu tổng hợp)",
        "field_code": "datdai",
        "levels": ["province"],
        "implementing_agency_code": agency,
        "online_level": 4,
        "online_mode": "full",
        "applicant_kinds": ["citizen"],
        "cases": [
            {
                "code": "chung",
                "name": "Trường hợp chung",
                "channels": [
                    {
                        "channel": "online",
                        "processing_days": 10,
                        "fee_items": [{"name": "Lệ phí (tổng hợp)", "kind": "lệ_phí", "amount": 100_000}],
                    }
                ],
            }
        ],
        "documents": [{"code": "don", "name": "Đơn đề nghị (tổng hợp)", "originals": 1, "copies": 0}],
        "steps": [
            {"order": 1, "name": "Tiếp nhận", "role": "one_stop", "share_percent": 20},
            {"order": 2, "name": "Giải quyết", "role": "specialist", "share_percent": 80},
        ],
        "fee_timing": "supplement",
        "result": "Kết quả (tổng hợp)",
        "sources": [
            {
                "url": "synthetic://motcua/catalog-generator",
                "note": "Dữ liệu tổng hợp cho kiểm thử; không phải thủ tục thật.",
            }
        ],
    }


async def fee_at_supplement_journey(journey: Journey) -> None:
    """A fee payable when the agency asks for the financial obligation; every step through the gateway."""
    admin = await journey.sign_in_staff(*ADMIN)
    officer = await journey.sign_in_staff(*OFFICER)
    agency = officer.me["agency_code"]
    procedure = _procedure_with_fee_at_supplement(agency)
    imported = await journey.import_procedures(admin, [procedure])
    assert imported["published"] == [{"code": procedure["code"], "version": 1}], imported

    typed, phone = new_phone()
    citizen = await journey.sign_in_citizen(typed, phone)
    await journey.no_quiet_hours(citizen)
    await journey.wait_until_dossier_knows(citizen, procedure["code"])
    submission = {
        "procedure_code": procedure["code"],
        "applicant": {
            "name": "Lê Văn Phúc",
            "cccd": "046190004321",
            "phone": typed,
            "address": "5 Nguyễn Huệ, phường Thuận Hóa, thành phố Huế",
        },
    }
    files = {"don": ("don.pdf", pdf_bytes("Don de nghi"), "application/pdf")}
    filed = expect(await journey.submit(citizen, submission, files, f"journey-{uuid.uuid4()}"), 201)
    code = filed["code"]
    assert (filed["national_status"], filed["fees"]["outstanding"]) == (1, False), "nothing is owed yet"
    assert filed["fees"]["timing"] == "supplement"

    # Received without paying; processed to its last step, where the approval waits for the obligation.
    received = expect(await journey.act(officer, code, "receive"), 200)
    assert received["national_status"] == 2
    expect(await journey.act(officer, code, "forward"), 200)
    unpaid = expect_problem(await journey.act(officer, code, "approve"), 409)
    assert unpaid["type"].endswith("precondition-unmet"), unpaid

    # The officer asks for the financial obligation alone: the clock stops, the nation sees status 6.
    asked = expect(
        await journey.act(
            officer, code, "request-supplement", {"reason": "Đề nghị thực hiện nghĩa vụ tài chính."}
        ),
        200,
    )
    assert (asked["status"], asked["national_status"]) == ("supplement_requested", 6)
    assert asked["fees"]["outstanding"]
    assert asked["supplement"]["fee_total"] == 100_000
    lookup = expect(await journey.client.get(f"{API}/lookup/{code}", params={"proof": typed[-4:]}), 200)
    assert (lookup["national_status"], lookup["fee_outstanding"]) == (6, True)
    early = expect_problem(await journey.act(citizen, code, "supplement"), 409)
    assert early["type"].endswith("precondition-unmet"), early

    # payment-svc requests the fee on `supplement_requested`; the citizen pays; the dossier goes on by itself.
    payment = await journey.payment_requested(citizen, code)
    assert (payment["amount"], payment["status"], payment["fee_timing"]) == (100_000, "pending", "supplement")
    await journey.pay_through_sandbox(citizen, code, key=f"pay-{uuid.uuid4()}")
    await journey.payment_succeeded(citizen, payment["id"])
    resumed = await journey.dossier_reaches(citizen, code, "in_progress")
    assert resumed["national_status"] == 4
    assert resumed["fees"]["paid_at"] is not None
    timeline = expect(
        await journey.client.get(f"{API}/dossiers/{code}/timeline", headers=citizen.headers), 200
    )
    assert [i["action"] for i in timeline["items"]][-2:] == ["payment-confirmed", "resume"]
    approved = expect(await journey.act(officer, code, "approve"), 200)
    assert approved["national_status"] == 9

    await journey.sms_about(phone, code, "cần bổ sung", "cần thanh toán")
    await journey.inbox_has(citizen, code, SUPPLEMENT_REQUESTED, PAYMENT_REQUESTED, SUPPLEMENTED)
    assert await journey.dead_letters_about(admin, code) == []


async def commune_journey(journey: Journey) -> None:
    """A commune-level dossier filed at the ward the citizen chose, received by that ward's officer only."""
    client = journey.client
    typed, phone = new_phone()
    citizen = await journey.sign_in_citizen(typed, phone)

    # 1. The catalogue names the communes' umbrella and the wards that receive for it.
    found = expect(await client.get(f"{API}/procedures", params={"q": "dang ky khai sinh", "size": 5}), 200)
    assert found["items"][0]["code"] == BIRTH
    procedure = expect(await client.get(f"{API}/procedures/{BIRTH}"), 200)
    assert procedure["implementing_agency"]["code"] == "hue.ubnd-xa"
    receivers = {a["code"]: a["name"] for a in procedure["receiving_agencies"]}
    assert len(receivers) == 40
    assert receivers[WARD] == "Ủy ban nhân dân phường Phú Xuân"
    await journey.wait_until_dossier_knows(citizen, BIRTH)

    # 2. Filed without choosing a ward: refused, naming the field. Filed at Phú Xuân: numbered there.
    submission = {
        "procedure_code": BIRTH,
        "case_code": "dung-han",
        "applicant": {
            "name": "Hoàng Văn Nam",
            "cccd": "046190005678",
            "phone": typed,
            "address": "5 Đinh Tiên Hoàng, phường Phú Xuân, thành phố Huế",
        },
        "form_data": {"ten_tre": "Hoàng Minh Khang"},
    }
    files = documents_for(procedure, "dung-han")
    unchosen = expect_problem(await journey.submit(citizen, submission, files, f"birth-{uuid.uuid4()}"), 422)
    assert [e["field"] for e in unchosen["errors"]] == ["agency_code"], unchosen
    filed = expect(
        await journey.submit(citizen, {**submission, "agency_code": WARD}, files, f"birth-{uuid.uuid4()}"),
        201,
    )
    code = filed["code"]
    assert code.startswith(f"{WARD}-"), code
    assert (filed["agency_code"], filed["status"], filed["fees"]["total"]) == (WARD, "submitted", 0)

    # 3. The ward's officer has it in the queue, is told of it, and receives it.
    officer = await journey.sign_in_staff(*WARD_OFFICER)
    assert officer.me["agency_code"] == WARD
    queue = expect(await client.get(f"{API}/dossiers", headers=officer.headers), 200)
    assert code in [d["code"] for d in queue["items"]]
    await journey.inbox_has(officer, code, SUBMITTED)
    received = expect(await journey.act(officer, code, "receive", {"note": "Hồ sơ hợp lệ."}), 200)
    assert (received["status"], received["holder_agency_code"]) == ("received", WARD)
    await journey.inbox_has(citizen, code, SUBMITTED, RECEIVED)

    # 4. Another ward's officer (made by the admin) and a department's officer see nothing of it.
    admin = await journey.sign_in_staff(*ADMIN)
    username = f"canbo.kimlong.{uuid.uuid4().hex[:6]}"
    expect(
        await client.post(
            f"{API}/auth/staff",
            json={
                "username": username,
                "password": "mat-khau-phuong-kim-long",
                "role": "officer",
                "display_name": "Cán bộ phường Kim Long",
                "agency_code": OTHER_WARD,
            },
            headers=admin.headers,
        ),
        201,
    )
    for outsider in (
        await journey.sign_in_staff(username, "mat-khau-phuong-kim-long"),
        await journey.sign_in_staff(*OFFICER),
    ):
        expect_problem(await journey.dossier(outsider, code), 404)
        expect_problem(await journey.act(outsider, code, "forward"), 404)
        for scope in ("holding", "involved"):
            listed = expect(
                await client.get(f"{API}/dossiers", params={"scope": scope}, headers=outsider.headers), 200
            )
            assert code not in [d["code"] for d in listed["items"]]
        inbox = expect(await client.get(f"{API}/notifications", headers=outsider.headers), 200)
        assert code not in [n["dossier_code"] for n in inbox["items"]]
    assert expect(await journey.dossier(citizen, code), 200)["status"] == "received", "nothing changed it"
    assert await journey.dead_letters_about(admin, code) == []


async def _sees_nothing(journey: Journey, person: Person, code: str, payment_id: str) -> None:
    """``person`` gets 404 for the dossier, its documents, timeline and payment, and it is in no list."""
    client = journey.client
    expect_problem(await journey.dossier(person, code), 404)
    expect_problem(await client.get(f"{API}/dossiers/{code}/documents", headers=person.headers), 404)
    expect_problem(await client.get(f"{API}/dossiers/{code}/timeline", headers=person.headers), 404)
    expect_problem(await client.get(f"{API}/payments/{payment_id}", headers=person.headers), 404)
    expect_problem(await journey.act(person, code, "withdraw"), 404)
    listed = expect(await client.get(f"{API}/dossiers", headers=person.headers), 200)
    assert code not in [d["code"] for d in listed["items"]]
    payments = expect(await client.get(f"{API}/payments", headers=person.headers), 200)
    assert payment_id not in [p["id"] for p in payments["items"]]
    inbox = expect(await client.get(f"{API}/notifications", headers=person.headers), 200)
    assert code not in [n["dossier_code"] for n in inbox["items"]]


# -- (a) the embedded platform -----------------------------------------------------------------------


@pytest.fixture
async def embedded(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The embedded platform, seeded as `motcua run` seeds it, served over ASGI in this loop."""
    async with _embedded(tmp_path) as client:
        yield client


@contextlib.asynccontextmanager
async def _embedded(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    # Served elsewhere than the default :8000, as `motcua run --port 8100` would: every link must follow.
    async with platform_over_asgi(tmp_path / "var", "http://127.0.0.1:8100") as (_, client):
        yield client


async def test_citizen_journey_on_the_embedded_platform(embedded: httpx.AsyncClient) -> None:
    await citizen_journey(Journey(embedded, timeout=30))


async def test_fee_at_supplement_on_the_embedded_platform(embedded: httpx.AsyncClient) -> None:
    await fee_at_supplement_journey(Journey(embedded, timeout=30))


async def test_a_commune_dossier_is_received_by_the_chosen_ward_on_the_embedded_platform(
    embedded: httpx.AsyncClient,
) -> None:
    await commune_journey(Journey(embedded, timeout=30))


# -- (b) the stack across processes -----------------------------------------------------------------


@dataclass
class RunningStack:
    """A `motcua stack` started for one test."""

    root: Path
    gateway: str
    env: dict[str, str]
    catalog_db_url: str

    def motcua(self, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "motcua.cli", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def _logs(root: Path) -> str:
    return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted((root / "logs").glob("*.log")))


@pytest.fixture
def stack(tmp_path: Path, kafka_bootstrap: str, pg_server: PgServer) -> Iterator[RunningStack]:
    """`motcua stack up` on the session's Kafka and PostgreSQL, its catalogue seeded by `motcua seed`."""
    env = {
        **os.environ,
        "MOTCUA_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "MOTCUA_PG_URL": pg_server.url("postgres"),
    }
    root = tmp_path / "stack"
    for _ in range(3):
        base_port = free_port_block(6)
        running = RunningStack(root, f"http://127.0.0.1:{base_port}", env, pg_server.url("motcua_catalog"))
        started = running.motcua("stack", "up", "--base-port", str(base_port), "--root", str(root))
        # `up` checks its ports before it starts anything: one taken meanwhile is retried on another block.
        if "is taken" not in started.stderr:
            break
    try:
        assert started.returncode == 0, started.stdout + started.stderr + _logs(root)
        # The stack's catalogue is its own PostgreSQL database; `motcua seed` loads it there, and the running
        # catalog-svc's outbox relay publishes the procedures to Kafka like any other publish.
        seeded = subprocess.run(
            [sys.executable, "-m", "motcua.cli", "seed", "--var-dir", str(tmp_path / "seed")],
            env={**env, "CATALOG_DB__URL": running.catalog_db_url},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert seeded.returncode == 0, seeded.stdout + seeded.stderr
        assert "59 procedures" in seeded.stdout, seeded.stdout
        yield running
    finally:
        stopped = running.motcua("stack", "down", "--root", str(root))
        assert stopped.returncode == 0, stopped.stdout + stopped.stderr


@pytest.mark.integration
async def test_citizen_journeys_on_the_stack(stack: RunningStack) -> None:
    # One stack (its start is the slow part) for both journeys: they share no dossier, payment or citizen.
    async with httpx.AsyncClient(base_url=stack.gateway, timeout=30) as client:
        try:
            journey = Journey(client, timeout=90)
            citizen = await citizen_journey(journey)
            # A browser's live stream: notify is its own process behind the gateway, tickets still work.
            await journey.follow_live_by_ticket(citizen)
            await fee_at_supplement_journey(journey)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{_logs(stack.root)}") from exc


# -- (c) the demo accounts complete every seeded procedure (embedded) --------------------------------

FORWARD_MOVES = ("receive", "forward", "approve", "return-result")
"""The actions that take a dossier to its result, in the order a dossier meets them."""


async def _all_procedures(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    """Every published procedure of the catalogue, in full, through its public API."""
    codes: list[str] = []
    page = 1
    while True:
        found = expect(await client.get(f"{API}/procedures", params={"page": page, "size": 100}), 200)
        codes += [p["code"] for p in found["items"]]
        if len(codes) >= found["total"] or not found["items"]:
            break
        page += 1
    return [expect(await client.get(f"{API}/procedures/{code}"), 200) for code in codes]


def _filing(procedure: dict[str, Any]) -> tuple[str, str | None, dict[str, tuple[str, bytes, str]]]:
    """The channel a dossier of ``procedure`` is filed on (online if it can be), its case and the documents
    that case requires."""
    online = [
        case["code"] for case in procedure["cases"] if any(c["channel"] == "online" for c in case["channels"])
    ]
    channel = "online" if online else "counter"
    case_code = (online or [case["code"] for case in procedure["cases"]] or [None])[0]
    files = {
        d["code"]: (f"{d['code']}.pdf", pdf_bytes(d["code"]), "application/pdf")
        for d in procedure["documents"]
        if d["required"] and (not d["case_codes"] or case_code in d["case_codes"])
    }
    return channel, case_code, files


def _workflow_agencies(procedure: dict[str, Any]) -> set[str]:
    """The agencies a dossier of ``procedure`` passes through when filed at the demo ward (if it must be
    filed at a commune): where it is received, and every agency a step names."""
    receiving = procedure["receiving_agencies"]
    home = WARD if receiving else procedure["implementing_agency"]["code"]
    return {home} | {s["agency"]["code"] for s in procedure["steps"] if s.get("agency")}


async def _walk_to_result(
    journey: Journey,
    procedure: dict[str, Any],
    citizen: Person,
    officers: dict[str, Person],
) -> None:
    """File a dossier of ``procedure`` and take it to its result with the demo accounts only: at each turn
    the officer of an agency holding or receiving it does the next move its ``allowed_actions`` offer, and
    the citizen pays when a fee is what it waits for."""
    channel, case_code, files = _filing(procedure)
    submission: dict[str, Any] = {
        "procedure_code": procedure["code"],
        "case_code": case_code,
        "applicant": {
            "name": "Trần Thị Mai",
            "cccd": "046190001234",
            "phone": citizen.me["phone"],
            "address": "12 Lê Lợi, phường Thuận Hóa, thành phố Huế",
        },
    }
    if procedure["receiving_agencies"]:
        submission["agency_code"] = WARD
    filer = citizen
    if channel == "counter":
        # No online channel (level 2): the receiving agency's officer files it at the counter, for the
        # citizen's account.
        filer = officers[
            WARD if procedure["receiving_agencies"] else procedure["implementing_agency"]["code"]
        ]
        submission |= {"channel": "counter", "applicant_account_id": citizen.me["subject"]}
    filed = expect(await journey.submit(filer, submission, files, key=f"walk-{uuid.uuid4()}"), 201)
    code = filed["code"]
    paid = False
    for _ in range(2 * len(procedure["steps"]) + 8):
        dossier = expect(await journey.dossier(citizen, code), 200)
        if dossier["status"] == "returned":
            return
        assert dossier["status"] not in ("rejected", "withdrawn"), dossier["status"]
        moved = False
        for agency in dict.fromkeys((dossier["holder_agency_code"], dossier["agency_code"])):
            officer = officers.get(agency)
            if agency is None or officer is None:
                continue
            offered = expect(await journey.dossier(officer, code), 200)["allowed_actions"]
            move = next((m for m in FORWARD_MOVES if m in offered), None)
            if move is not None:
                expect(await journey.act(officer, code, move, {"note": "Hồ sơ hợp lệ."}), 200)
                moved = True
                break
        if moved:
            continue
        if dossier["fees"]["outstanding"] and not paid:
            await journey.payment_requested(citizen, code)
            await journey.pay_through_sandbox(citizen, code, key=f"pay-{uuid.uuid4()}")
            await journey.fee_settled(citizen, code)
            paid = True
            continue
        raise AssertionError(
            f"{procedure['code']} ({procedure['name']}): {code} stuck at {dossier['status']}, step "
            f"{dossier['current_step']}, held by {dossier['holder_agency_code']}: no demo officer can move it"
        )
    raise AssertionError(f"{procedure['code']}: {code} did not reach its result")


async def test_the_demo_accounts_take_every_seeded_procedure_to_its_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One citizen files a dossier of each of the seeded procedures: more than the gateway lets one caller
    # write in a minute.
    monkeypatch.setenv("GATEWAY_LIMITS__ENABLED", "false")
    async with _embedded(tmp_path) as client:
        await _walk_every_procedure(Journey(client, timeout=30))


async def _walk_every_procedure(journey: Journey) -> None:
    procedures = await _all_procedures(journey.client)
    assert len(procedures) >= 50, "the seeded catalogue (the procedures with a sourced national code)"
    officers: dict[str, Person] = {}
    for account in DEMO_ACCOUNTS:
        if account.role == "officer":
            person = await journey.sign_in_staff(account.username, account.password.get_secret_value())
            officers[person.me["agency_code"]] = person
    named = set().union(*(_workflow_agencies(p) for p in procedures))
    assert named <= set(officers), (
        f"agencies of seeded workflows without a demo officer: {named - set(officers)}"
    )

    typed, phone = new_phone()
    citizen = await journey.sign_in_citizen(typed, phone)
    await journey.no_quiet_hours(citizen)
    for procedure in procedures:
        await journey.wait_until_dossier_knows(citizen, procedure["code"])
    stuck: list[str] = []
    for procedure in procedures:
        try:
            await _walk_to_result(journey, procedure, citizen, officers)
        except AssertionError as exc:
            stuck.append(str(exc)[:400])
    assert not stuck, "\n".join(stuck)
