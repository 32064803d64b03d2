"""The citizen app in a real browser: the whole journey a citizen makes on a phone, on the embedded platform.

Chromium (the system's, Debian ``chromium``) drives the app the gateway serves at ``/``, built by
``make web``. Officer actions go through the API, as the officer desk would. Each screen is scanned by
axe-core (from the npm package) and fails on a serious or critical violation; each is photographed at a
phone viewport (390×844), some at a desktop one (1366×768), into ``var/web-screenshots`` (the README
shows copies kept in ``web/screenshots``).
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

import httpx
import pytest
from journey_steps import new_phone, pdf_bytes, png_bytes
from playwright.sync_api import Browser, BrowserContext, FilePayload, expect
from web_kit import DESKTOP, Officers, accessible, otp_for, pdf, screen, shot

pytestmark = pytest.mark.system


def test_a_citizen_finds_files_pays_follows_rates_and_looks_up(
    phone: BrowserContext, platform: str, browser: Browser
) -> None:
    api = httpx.Client(base_url=platform, timeout=30)
    page = phone.new_page()

    # Find: the search takes words without accents, as typed on any keyboard.
    page.goto("/")
    screen(page, "home")
    page.get_by_label("Bạn cần làm thủ tục gì?").fill("ly lich tu phap")
    results = page.get_by_test_id("results").get_by_role("link")
    hit = results.filter(has_text="Phiếu lý lịch tư pháp").filter(has_text=re.compile(r"Từ [\d.]+")).first
    expect(hit).to_be_visible()
    screen(page, "search")
    hit.click()
    expect(page.locator("h1")).to_contain_text("lý lịch tư pháp")
    screen(page, "procedure")

    # Sign in: filing asks for it, by a code sent to the phone; then the app goes back to filing.
    page.get_by_role("link", name="Nộp hồ sơ trực tuyến").click()
    expect(page).to_have_url(re.compile(r"/dang-nhap\?next="))
    typed, e164 = new_phone()
    seen = {m["id"] for m in api.get("/api/v1/sandbox/sms", params={"phone": e164}).json()["items"]}
    screen(page, "sign-in")
    page.get_by_label("Số điện thoại di động").fill(typed)
    page.get_by_role("button", name="Gửi mã").click()
    page.get_by_label("Mã xác thực").fill(otp_for(api, e164, seen))
    screen(page, "sign-in-code")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(re.compile(r"/nop/"))

    # File: the applicant, a declaration as PDF and every other document as a photo from the camera.
    expect(page.get_by_label("Họ và tên")).to_be_visible()
    page.get_by_label("Họ và tên").fill("Trần Thị Mai")
    page.get_by_label("Số CCCD").fill("046190001234")
    page.get_by_label("Địa chỉ").fill("12 Lê Lợi, phường Thuận Hóa, thành phố Huế")
    expect(page.get_by_label("Số điện thoại di động")).to_have_value(typed)
    documents = page.locator(".doc")
    for index in range(documents.count()):
        doc = documents.nth(index)
        if index == 0:
            declaration: FilePayload = {
                "name": "to-khai.pdf",
                "mimeType": "application/pdf",
                "buffer": pdf_bytes("To khai"),
            }
            doc.locator("input[type=file]").first.set_input_files(files=[declaration])
        else:
            photo: FilePayload = {"name": f"anh-{index}.png", "mimeType": "image/png", "buffer": png_bytes()}
            doc.locator("input[capture]").set_input_files(files=[photo])
    page.get_by_role("button", name="Lưu nháp").click()
    expect(page.get_by_role("status").filter(has_text="Đã lưu nháp")).to_be_visible()
    screen(page, "file")
    page.get_by_role("button", name="Nộp hồ sơ").click()
    expect(page).to_have_url(re.compile(r"/ho-so/[^?]+\?filed=1"))
    code = page.url.split("/ho-so/")[1].split("?")[0]
    expect(page.get_by_role("status").filter(has_text=code)).to_be_visible()
    screen(page, "dossier-filed")

    # Pay: the fee is due at filing; a VietQR code to scan, then the card gateway (the sandbox provider).
    page.get_by_role("link", name="Thanh toán").click()
    page.get_by_role("button", name="Quét mã VietQR").click()
    expect(page.locator("img.qr")).to_be_visible()
    # The bank apps that fill the transfer in (vietqr.io's deep links), back to this screen once paid.
    vietinbank = page.get_by_test_id("bank-apps").get_by_role("link", name="VietinBank iPay")
    expect(vietinbank).to_have_attribute(
        "href", re.compile(r"^https://dl\.vietqr\.io/pay\?app=icb&am=\d+&tn=.+&ba=\w+@icb&")
    )
    screen(page, "pay-vietqr")
    page.get_by_role("button", name="Thẻ, ví qua cổng thanh toán").click()
    expect(page.get_by_text("Cổng thanh toán thử nghiệm")).to_be_visible()
    page.get_by_role("button", name="Thanh toán").click()
    expect(page.get_by_text("Thanh toán thành công")).to_be_visible()
    page.get_by_role("link", name=f"Về hồ sơ {code}").click()  # the return page leads back to the app
    expect(page).to_have_url(f"{platform}/ho-so/{code}")
    expect(page.get_by_text(code).first).to_be_visible()
    page.goto(f"/thanh-toan/{code}")
    # The e-receipt's series and seven-digit number (payment-svc: ReceiptNo), e.g. AA-26E-0000001.
    paid = re.compile(r"Đã thanh toán\. Biên lai số [A-Z]{2}-[0-9]{2}E-[0-9]{7}")
    expect(page.get_by_text(paid)).to_be_visible()
    screen(page, "paid")
    pdf(page, page.get_by_role("button", name="Tải biên lai (PDF)"))

    # Follow: the officer receives the dossier; the citizen's list shows it live, without a reload.
    page.goto("/ho-so")
    status = page.get_by_test_id(f"status-{code}")
    expect(status).to_be_visible()
    before = status.inner_text()
    officers = Officers(api)
    officers.move(code, "received")
    expect(status).not_to_have_text(before)
    screen(page, "dossiers")

    # Notifications: the unread badge counts them; the inbox lists what happened to the dossier.
    expect(page.get_by_test_id("unread")).to_be_visible()
    page.get_by_role("link", name=re.compile("thông báo chưa đọc")).click()
    inbox = page.get_by_test_id("inbox")
    expect(inbox.get_by_role("link", name=code).first).to_be_visible()
    screen(page, "notifications")

    # Supplement: the agency asks for a document again; the dossier's page shows it live; it is sent.
    page.goto(f"/ho-so/{code}")
    expect(page.get_by_test_id("timeline").locator("li").first).to_be_visible()
    pdf(page, page.get_by_role("button", name=re.compile("Giấy tiếp nhận hồ sơ")))
    document = officers.ask_for_more(code)
    expect(
        page.get_by_role("status").filter(has_text="Cơ quan yêu cầu bổ sung: Bản chụp chưa rõ")
    ).to_be_visible()
    again: FilePayload = {"name": "chup-lai.png", "mimeType": "image/png", "buffer": png_bytes()}
    page.get_by_label(document).set_input_files(files=[again])
    screen(page, "supplement")
    page.get_by_role("button", name="Nộp hồ sơ").click()
    expect(page.get_by_test_id("timeline")).to_contain_text("Đã bổ sung hồ sơ")

    # Rate: once the result is returned, the citizen rates it on the dossier's page.
    officers.move(code, "returned")
    page.goto(f"/ho-so/{code}")
    expect(page.get_by_test_id("timeline").locator("li").first).to_be_visible()
    page.get_by_label("Hài lòng", exact=True).check()
    screen(page, "dossier")
    page.get_by_role("button", name="Gửi đánh giá").click()
    expect(page.get_by_text("Cảm ơn bạn đã đánh giá.")).to_be_visible()

    # Offline: the shell, the dossiers last seen and an unsent draft still show after a reload.
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    page.goto("/ho-so")
    expect(page.get_by_test_id(f"status-{code}")).to_be_visible()
    procedure_code = api.get(f"/api/v1/lookup/{code}", params={"proof": typed[-4:]}).json()["procedure_code"]
    page.goto(f"/nop/{procedure_code}")
    page.get_by_label("Họ và tên").fill("Nguyễn Văn Bình")
    draft: FilePayload = {"name": "ban-nhap.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes("Nhap")}
    page.locator(".doc input[type=file]").first.set_input_files(files=[draft])
    expect(page.get_by_text("Đã chọn: ban-nhap.pdf")).to_be_visible()
    phone.set_offline(True)
    page.reload()
    expect(page.get_by_label("Họ và tên")).to_have_value("Nguyễn Văn Bình")
    expect(page.get_by_text("Đã chọn: ban-nhap.pdf")).to_be_visible()
    page.goto("/ho-so")
    expect(page.get_by_test_id(f"status-{code}")).to_be_visible()
    page.goto(f"/thu-tuc/{procedure_code}")
    expect(page.locator("h1")).to_contain_text("lý lịch tư pháp")
    phone.set_offline(False)

    # Preferences: quiet hours kept by the platform (seen again after a reload).
    page.goto("/tai-khoan")
    quiet = page.get_by_label("Không gửi SMS trong giờ nghỉ")
    quiet.check()
    page.get_by_label("Từ", exact=True).fill("21:30")
    page.get_by_role("button", name="Lưu cài đặt").click()
    expect(page.get_by_text("Đã lưu cài đặt thông báo.")).to_be_visible()
    screen(page, "account")
    page.reload()
    expect(page.get_by_label("Từ", exact=True)).to_have_value("21:30")

    # Sign out, then look the dossier up as anyone could: its code and the phone's last four digits.
    page.get_by_role("button", name="Đăng xuất").click()
    page.goto("/tra-cuu")
    page.get_by_label("Mã hồ sơ").fill(code)
    page.get_by_label(re.compile("4 số cuối")).fill(typed[-4:])
    page.get_by_role("button", name="Tra cứu", exact=True).click()
    expect(page.get_by_test_id("lookup-result")).to_contain_text(code)
    screen(page, "lookup")
    # The papers' QR link opens the same screen with the code and proof filled in, and looks it up at once.
    page.goto(f"/tra-cuu?{urlencode({'code': code, 'proof': typed[-4:]})}")
    expect(page.get_by_test_id("lookup-result")).to_contain_text(code)
    expect(page.get_by_test_id("lookup-result")).to_contain_text("Đã trả kết quả")

    # English on request, and the desktop layout of the same screens.
    page.get_by_role("button", name="Switch to English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Look up a dossier")
    # The status comes from the API in Vietnamese; the app words it from its national status code.
    expect(page.get_by_test_id("lookup-result")).to_contain_text("Result returned")
    accessible(page, "lookup-en")
    page.get_by_role("button", name="Chuyển sang tiếng Việt").click()
    desktop = browser.new_context(base_url=platform, viewport=DESKTOP, locale="vi-VN")
    try:
        wide = desktop.new_page()
        for path, name in (
            ("/?q=khai+sinh", "home"),
            (f"/thu-tuc/{procedure_code}", "procedure"),
            ("/tra-cuu", "lookup"),
        ):
            wide.goto(path)
            expect(wide.locator("h1")).to_be_visible()
            if name == "home":
                expect(wide.get_by_test_id("results").get_by_role("link").first).to_be_visible()
            accessible(wide, f"{name}-desktop")
            shot(wide, name)
    finally:
        desktop.close()
