"""The verify screen of the citizen app, in a real browser: a signed result's QR code opens a page for people
that says, in Vietnamese, what was issued under it (issuer, number, date), and checks a copy in hand — the
signed file valid, a changed one tampered — while an unknown reference and an old API link say the paper is
not verified. axe-core on each state (no serious or critical violation); screenshots as the other screens."""

from __future__ import annotations

import httpx
import pytest
from journey_steps import pdf_bytes
from playwright.sync_api import BrowserContext, FilePayload, expect
from web_kit import Officers, accessible, file_at_counter, screen

pytestmark = pytest.mark.system

#: Sở Tư pháp receives and decides it, with one document and no fee (as the desk's tests use it).
SIMPLE = "1.002368"


def test_a_results_qr_code_opens_its_verification_and_checks_a_copy(
    phone: BrowserContext, platform: str
) -> None:
    api = httpx.Client(base_url=platform, timeout=30)
    officers = Officers(api)
    code = file_at_counter(api, officers.of("hue.so-tu-phap"), SIMPLE, "Phan Văn Khải")
    officers.move(code, "result_ready")
    holder = api.get(f"/api/v1/dossiers/{code}", headers=officers.admin).json()["holder_agency_code"]
    issued = api.post(
        f"/api/v1/dossiers/{code}/documents/result",
        files={"file": ("giay-phep.pdf", pdf_bytes("Giay phep so 01"), "application/pdf")},
        headers=officers.of(holder),
    )
    assert issued.status_code == 201, issued.text
    result = issued.json()
    signed = api.get(result["href"], headers=officers.of(holder)).content

    page = phone.new_page()
    page.goto(f"/xac-thuc/ket-qua/{result['id']}")
    record = page.get_by_test_id("verify-record")
    expect(record).to_contain_text("Giấy tờ có thật.")
    for fact in (
        result["signed_by"],
        code,
        result["id"],
        "Kết quả giải quyết thủ tục hành chính",
        "Ngày ban hành",
    ):
        expect(record).to_contain_text(fact)
    screen(page, "verify")

    copy: FilePayload = {"name": "giay-phep.pdf", "mimeType": "application/pdf", "buffer": signed}
    page.get_by_label("Tệp PDF cần kiểm tra").set_input_files(files=[copy])
    verdict = page.get_by_test_id("verify-verdict")
    expect(verdict).to_contain_text("Hợp lệ")
    expect(verdict).to_contain_text("Giấy tờ nguyên vẹn")
    expect(verdict).to_contain_text(result["signed_by"])
    accessible(page, "verify-valid")

    forged = signed.replace(b"Giay phep so 01", b"Giay phep so 99")
    assert forged != signed
    changed: FilePayload = {"name": "giay-phep-sua.pdf", "mimeType": "application/pdf", "buffer": forged}
    page.get_by_label("Tệp PDF cần kiểm tra").set_input_files(files=[changed])
    expect(verdict).to_contain_text("Đã bị sửa đổi")
    expect(verdict).to_contain_text("không còn giá trị")
    verdict.scroll_into_view_if_needed()
    screen(page, "verify-tampered")

    page.goto("/xac-thuc/ket-qua/khong-co-ma-nay")
    expect(page.get_by_test_id("verify-record")).to_contain_text("Không xác thực được.")
    screen(page, "verify-unknown")
    # A receipt printed when its QR code held the API's address: the browser lands on the same screen.
    page.goto("/api/v1/verify/pay-khong-co")
    expect(page).to_have_url(f"{platform}/xac-thuc/bien-lai/pay-khong-co")
    expect(page.get_by_test_id("verify-record")).to_contain_text("có thể là giả mạo")
