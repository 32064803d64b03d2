"""The papers (papers/service.py) on a fake unit of work: each form of Thông tư 03/2025/TT-VPCP read
back from its PDF (page size, header, number, fields, signature blocks), and printed again from history."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from dossier_fakes import MONDAY, FakeDossierUow, fake_ports
from dossier_testkit import AGENCY, POLICE, applicant
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from dossier_svc.dossiers import service as dossiers
from dossier_svc.dossiers.models import Dossier
from dossier_svc.dossiers.schemas import ActionIn, DraftApplicantIn, DraftIn
from dossier_svc.dossiers.workflow import Action
from dossier_svc.papers import service
from dossier_svc.papers.errors import PaperNotIssued, RegisterForbidden, RegisterRangeInvalid
from dossier_svc.papers.models import FORM_NUMBERS, Paper
from dossier_svc.ports import Ports
from motcua_shared.chassis.auth import Principal, Role
from motcua_shared.chassis.clock import SettableClock

CITIZEN = Principal(subject="citizen-1", role=Role.CITIZEN)
OFFICER = Principal(subject="officer-1", role=Role.OFFICER, agency_code=AGENCY.code)
POLICE_OFFICER = Principal(subject="officer-police", role=Role.OFFICER, agency_code=POLICE.code)
ADMIN = Principal(subject="admin-1", role=Role.ADMIN)
MM = 72 / 25.4
A5 = (148 * MM, 210 * MM)
A4 = (210 * MM, 297 * MM)


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(MONDAY)


@pytest.fixture
def uow() -> FakeDossierUow:
    unit = FakeDossierUow()
    unit.know()
    return unit


@pytest.fixture
def ports(tmp_path: Path, clock: SettableClock) -> Ports:
    return fake_ports(tmp_path, clock)


async def received(uow: FakeDossierUow, ports: Ports) -> Dossier:
    """A birth registration filed by citizen-1 and received at the ward on Monday 4/8/2025, 08:00."""
    body = DraftIn(procedure_code="1.001193", applicant=DraftApplicantIn(**applicant()))
    await dossiers.create_draft(uow.unit, ports, CITIZEN, body)
    (dossier,) = uow.dossiers.rows.values()
    uow.documents.upload(dossier, "to-khai", "giay-chung-sinh", at=MONDAY)
    await dossiers.act(uow.unit, ports, CITIZEN, dossier.code, Action.SUBMIT, ActionIn())
    await dossiers.act(uow.unit, ports, OFFICER, dossier.code, Action.RECEIVE, ActionIn())
    return dossier


async def pdf(
    uow: FakeDossierUow, ports: Ports, code: str, paper: Paper, n: int | None = None, who: Principal = CITIZEN
) -> bytes:
    return await service.paper_for(
        uow.unit,
        who,
        code,
        paper,
        ordinal=n,
        calendar=ports.calendar,
        settings=ports.settings,
        signer=ports.signer,
    )


def as_rendered(content: bytes) -> bytes:
    """The paper as drawn, before the signature's incremental update (each print is signed anew)."""
    end = content.index(b"%%EOF") + len(b"%%EOF")
    assert b"/ByteRange" in content[end:], "then signed"
    return content[:end]


def text_of(content: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(content)).pages)


def size_of(content: bytes) -> tuple[float, float]:
    box = PdfReader(io.BytesIO(content)).pages[0].mediabox
    return float(box.width), float(box.height)


def assert_size(content: bytes, expected: tuple[float, float]) -> None:
    assert len(PdfReader(io.BytesIO(content)).pages) == 1, "the form fits on one sheet"
    width, height = size_of(content)
    assert width == pytest.approx(expected[0], abs=0.5)
    assert height == pytest.approx(expected[1], abs=0.5)


def assert_header(text: str, number: str, day: str) -> None:
    assert "ỦY BAN NHÂN DÂN THÀNH PHỐ HUẾ" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert f"Số: {number}" in text
    assert f"Huế, ngày {day}" in text
    assert "Thông tư số 03/2025/TT-VPCP" in text


async def an_a5(uow: FakeDossierUow, ports: Ports, code: str, paper: Paper, number: str) -> str:
    """The text of ``paper``, checked to be A5 with its header, numbered ``number``, dated 4/8/2025."""
    content = await pdf(uow, ports, code, paper)
    assert_size(content, A5)
    text = text_of(content)
    assert_header(text, number, "04 tháng 8 năm 2025")
    return text


async def test_the_receipt_is_form_01_on_a5_with_both_signatures(uow: FakeDossierUow, ports: Ports) -> None:
    dossier = await received(uow, ports)
    content = await pdf(uow, ports, dossier.code, Paper.RECEIPT)
    assert_size(content, A5)
    text = text_of(content)
    assert_header(text, "01/TNHS", "04 tháng 8 năm 2025")
    assert "Mẫu số 01" in text
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    assert f"Mã hồ sơ: {dossier.code}" in text
    assert "ỦY BAN NHÂN DÂN PHƯỜNG THUẬN HÓA" in text
    assert "1. Tờ khai đăng ký khai sinh: 1 bản chính, 0 bản sao" in text
    assert "3. Thời gian giải quyết hồ sơ theo quy định: 3 ngày làm việc" in text
    assert "4. Thời gian nhận hồ sơ: 08 giờ 00 phút, ngày 04/08/2025" in text
    assert "5. Thời gian trả kết quả giải quyết hồ sơ: 08 giờ 00 phút, ngày 07/08/2025" in text
    assert "6. Phí, lệ phí: 0 đồng" in text
    assert "NGƯỜI NỘP HỒ SƠ" in text
    assert "NGƯỜI TIẾP NHẬN HỒ SƠ" in text
    assert text.count("(Ký và ghi rõ họ tên)") == 2
    assert f"Mã tra cứu: {dossier.lookup_secret}" in text
    assert "Phí. lệ phí" not in text


async def test_a_supplement_request_keeps_its_deadline_once_supplied(
    uow: FakeDossierUow, ports: Ports, clock: SettableClock
) -> None:
    dossier = await received(uow, ports)
    clock.advance(timedelta(hours=2))
    body = ActionIn(reason="Tờ khai thiếu chữ ký", documents=["to-khai"], days=5)
    await dossiers.act(uow.unit, ports, OFFICER, dossier.code, Action.REQUEST_SUPPLEMENT, body)
    before = await pdf(uow, ports, dossier.code, Paper.SUPPLEMENT_REQUEST)

    clock.advance(timedelta(hours=1))
    uow.documents.upload(dossier, "to-khai", at=clock.now())
    await dossiers.act(uow.unit, ports, CITIZEN, dossier.code, Action.SUPPLEMENT, ActionIn())
    assert dossier.respond_by is None
    after = await pdf(uow, ports, dossier.code, Paper.SUPPLEMENT_REQUEST)

    assert as_rendered(after) == as_rendered(before), "printed again from history, the paper is the same"
    assert_size(after, A5)
    text = text_of(after)
    assert_header(text, "01/YCBS", "04 tháng 8 năm 2025")
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text
    assert "1. Tờ khai đăng ký khai sinh" in text
    assert "Lý do: Tờ khai thiếu chữ ký" in text
    assert "Thời điểm yêu cầu: 10 giờ 00 phút, ngày 04/08/2025" in text
    assert "Hạn bổ sung: 10 giờ 00 phút, ngày 11/08/2025" in text
    assert "Ngày 10 giờ" not in text
    assert "NGƯỜI HƯỚNG DẪN" in text


async def test_each_extension_is_its_own_form_04_with_the_old_and_the_new_date(
    uow: FakeDossierUow, ports: Ports
) -> None:
    ports.settings.deadlines.max_extensions = 2
    dossier = await received(uow, ports)
    for reason in ("Chờ xác minh cư trú", "Chờ kết quả xác minh lần hai"):
        body = ActionIn(reason=reason, days=2)
        await dossiers.act(uow.unit, ports, OFFICER, dossier.code, Action.EXTEND_DEADLINE, body)

    first = text_of(await pdf(uow, ports, dossier.code, Paper.APOLOGY, n=1))
    assert "Số: 01/XLGH" in first
    assert "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT" in first
    assert "Thời gian hẹn trả kết quả giải quyết hồ sơ: 08 giờ 00 phút, ngày 07/08/2025" in first
    assert "hẹn trả kết quả vào: 08 giờ 00 phút, ngày 11/08/2025" in first
    assert "Chờ xác minh cư trú" in first
    assert "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ" in first

    latest = await pdf(uow, ports, dossier.code, Paper.APOLOGY)
    assert as_rendered(latest) == as_rendered(await pdf(uow, ports, dossier.code, Paper.APOLOGY, n=2))
    second = text_of(latest)
    assert "Số: 02/XLGH" in second
    assert "Thời gian hẹn trả kết quả giải quyết hồ sơ: 08 giờ 00 phút, ngày 11/08/2025" in second
    assert "hẹn trả kết quả vào: 08 giờ 00 phút, ngày 13/08/2025" in second
    with pytest.raises(PaperNotIssued):
        await pdf(uow, ports, dossier.code, Paper.APOLOGY, n=3)


async def test_a_refusal_is_form_03_and_a_withdrawal_after_receipt_is_form_05(
    uow: FakeDossierUow, ports: Ports, tmp_path: Path
) -> None:
    dossier = await received(uow, ports)
    with pytest.raises(PaperNotIssued):
        await pdf(uow, ports, dossier.code, Paper.STOP)
    await dossiers.act(
        uow.unit, ports, CITIZEN, dossier.code, Action.WITHDRAW, ActionIn(note="Đã làm ở nơi khác")
    )
    text = await an_a5(uow, ports, dossier.code, Paper.STOP, "01/DGQ")
    assert "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ" in text
    assert "theo đề nghị rút hồ sơ của ông/bà" in text
    assert "Ý kiến của người nộp: Đã làm ở nơi khác" in text
    with pytest.raises(PaperNotIssued):
        await pdf(uow, ports, dossier.code, Paper.REFUSAL)

    other = FakeDossierUow()
    other.know()
    second = await received(other, ports)
    await dossiers.act(
        other.unit, ports, OFFICER, second.code, Action.REJECT, ActionIn(reason="Không thuộc thẩm quyền")
    )
    refused = await an_a5(other, ports, second.code, Paper.REFUSAL, "01/TCHS")
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in refused
    assert "Không thuộc thẩm quyền" in refused


async def test_the_control_sheet_follows_the_dossier_across_agencies(
    uow: FakeDossierUow, ports: Ports, clock: SettableClock
) -> None:
    dossier = await received(uow, ports)
    clock.advance(timedelta(hours=1))
    await dossiers.act(
        uow.unit, ports, OFFICER, dossier.code, Action.FORWARD, ActionIn(note="Chuyển Công an")
    )
    clock.advance(timedelta(hours=1))
    await dossiers.act(uow.unit, ports, POLICE_OFFICER, dossier.code, Action.FORWARD, ActionIn())
    content = await pdf(uow, ports, dossier.code, Paper.CONTROL, who=OFFICER)
    assert_size(content, A4)
    text = text_of(content)
    assert "Mẫu số 06" in text
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text
    assert "Cơ quan phối hợp giải quyết: Công an phường Thuận Hóa" in text
    for row in ("1. Tiếp nhận hồ sơ", "2. Chuyển hồ sơ", "3. Chuyển hồ sơ"):
        assert row in text
    assert "Nhận: Công an phường Thuận Hóa" in text
    assert "Đúng hạn" in text
    assert "NGƯỜI GIAO" in text
    assert "NGƯỜI NHẬN" in text


async def test_the_register_lists_what_a_unit_received_in_a_period(uow: FakeDossierUow, ports: Ports) -> None:
    dossier = await received(uow, ports)
    day = date(2025, 8, 4)

    async def register(who: Principal, start: date, end: date) -> bytes:
        return await service.register_for(
            uow.unit,
            who,
            AGENCY.code,
            start,
            end,
            now=MONDAY,
            calendar=ports.calendar,
            settings=ports.settings,
            signer=ports.signer,
        )

    content = await register(OFFICER, day, day)
    assert_size(content, (A4[1], A4[0]))
    text = text_of(content)
    assert "Mẫu số 07" in text
    assert "SỔ THEO DÕI HỒ SƠ" in text
    assert "Từ ngày 04/08/2025 đến ngày 04/08/2025" in text
    assert dossier.code in text
    assert "Tổng số hồ sơ: 1" in text
    assert "Tổng số hồ sơ: 0" in text_of(
        await register(ADMIN, day + timedelta(days=1), day + timedelta(days=2))
    )
    with pytest.raises(RegisterForbidden):
        await register(POLICE_OFFICER, day, day)
    with pytest.raises(RegisterForbidden):
        await register(CITIZEN, day, day)
    with pytest.raises(RegisterRangeInvalid):
        await register(OFFICER, day, day - timedelta(days=1))


async def test_each_paper_is_signed_by_the_unit_that_issues_it(
    uow: FakeDossierUow, ports: Ports, clock: SettableClock
) -> None:
    dossier = await received(uow, ports)
    clock.advance(timedelta(hours=1))
    await dossiers.act(uow.unit, ports, OFFICER, dossier.code, Action.FORWARD, ActionIn())
    clock.advance(timedelta(hours=1))
    await dossiers.act(
        uow.unit,
        ports,
        POLICE_OFFICER,
        dossier.code,
        Action.EXTEND_DEADLINE,
        ActionIn(reason="Chờ xác minh", days=2),
    )
    authority = ports.signer.authority
    assert authority is not None
    context = ValidationContext(
        trust_roots=[load_cert_from_pemder(str(authority.ensure_ca()))],
        allow_fetching=False,
        revocation_mode="soft-fail",
    )
    for paper, agency in ((Paper.RECEIPT, AGENCY), (Paper.APOLOGY, POLICE)):
        content = await pdf(uow, ports, dossier.code, paper)
        [signature] = PdfFileReader(io.BytesIO(content)).embedded_signatures
        status = await async_validate_pdf_signature(signature, signer_validation_context=context)
        assert status.bottom_line, paper
        assert signature.signer_cert.subject.native["organizational_unit_name"] == agency.code
        assert signature.signer_cert.subject.native["organization_name"] == agency.name
        verdict = await ports.signer.verify(content)
        assert verdict.dossier_code == dossier.code
        assert verdict.kind == f"mau-{FORM_NUMBERS[paper]}"
