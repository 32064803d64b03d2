"""The officer desk in a real browser (``/desk/``, desktop first), on the embedded platform.

An officer signs in with staff credentials and works the agency's queue: due soonest first, each row with
the working time left by the platform's clock, filters, keyboard navigation, live updates when a dossier
arrives; an officer of another agency does not see it. Each screen is scanned by axe-core (serious or
critical violations fail) and photographed at a desktop viewport (1366×768), some at a tablet's (1024×768),
into ``var/web-screenshots`` (the README shows copies kept in ``web/screenshots``).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from journey_steps import pdf_bytes
from playwright.sync_api import Browser, BrowserContext, Page, expect
from web_kit import DESKTOP, TABLET, Officers, accessible, screen, shot

pytestmark = pytest.mark.system

DESK = "/desk/"
PASSWORD = "motcua-canbo"
#: One agency's procedure with a single document and no fee: Sở Tư pháp receives and decides it (re-issuing a
#: foreign law firm branch's registration, national code 1.002368).
SIMPLE = "1.002368"


@pytest.fixture
def desk(browser: Browser, platform: str) -> Iterator[BrowserContext]:
    """A desktop browser, Vietnamese, on the platform."""
    context = browser.new_context(
        base_url=platform, viewport=DESKTOP, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh"
    )
    context.set_default_timeout(20_000)
    try:
        yield context
    finally:
        context.close()


def sign_in(page: Page, username: str, photo: str | None = None) -> None:
    """Sign in at the desk as a demo officer (their password is the demo one)."""
    page.goto(DESK)
    expect(page).to_have_url(re.compile(r"/desk/dang-nhap"))
    if photo:
        screen(page, photo)
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", name="Hồ sơ cần xử lý")).to_be_visible()


def file_through_api(
    api: httpx.Client, who: dict[str, str], body: dict[str, Any], files: dict[str, tuple[str, bytes, str]]
) -> str:
    """File a dossier in one multipart request with its documents, as ``who``; its code."""
    filed = api.post(
        "/api/v1/dossiers",
        data={"dossier": json.dumps(body, ensure_ascii=False)},
        files=files,
        headers={**who, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert filed.status_code == 201, filed.text
    code: str = filed.json()["code"]
    return code


def file_at_counter(api: httpx.Client, officer: dict[str, str], procedure: str, name: str) -> str:
    """File a dossier through the API as an officer at the counter (channel counter); its code."""
    detail = api.get(f"/api/v1/procedures/{procedure}").json()
    applicant = {"name": name, "cccd": "046190001234", "phone": "0905123456", "address": "12 Lê Lợi, Huế"}
    files = {
        d["code"]: (f"{d['code']}.pdf", pdf_bytes(d["code"]), "application/pdf")
        for d in detail["documents"]
        if d.get("required")
    }
    body = {"procedure_code": procedure, "channel": "counter", "applicant": applicant}
    return file_through_api(api, officer, body, files)


def test_the_queue_shows_the_agencys_dossiers_live_with_the_working_time_left(
    desk: BrowserContext, browser: Browser, platform: str
) -> None:
    api = httpx.Client(base_url=platform, timeout=30)
    officers = Officers(api)
    justice = officers.of("hue.so-tu-phap")
    page = desk.new_page()
    sign_in(page, "canbo.tuphap", photo="desk-sign-in")

    # A dossier filed while the queue is open arrives by the live stream, and the officer's receipt starts its
    # clock: "còn X ngày Y giờ làm việc", computed by the platform.
    code = file_at_counter(api, justice, SIMPLE, "Phan Văn Khải")
    row = page.locator(f"tr[data-code='{code}']")
    expect(row).to_be_visible()
    assert api.post(f"/api/v1/dossiers/{code}/actions/receive", json={}, headers=justice).status_code == 200
    left = api.get(f"/api/v1/dossiers/{code}", headers=justice).json()["time_left"]
    page.reload()
    expect(page.get_by_test_id(f"left-{code}")).to_have_text(f"{left['label']} làm việc")
    expect(row).to_contain_text("Phan Văn Khải")
    expect(row).to_contain_text("Trực tiếp")
    screen(page, "desk-queue")

    # Filters narrow the queue through the API and stay in the address.
    page.get_by_label("Kênh nộp").select_option("online")
    expect(page).to_have_url(re.compile(r"channel=online"))
    expect(row).to_have_count(0)
    page.get_by_label("Kênh nộp").select_option("counter")
    expect(row).to_be_visible()
    page.get_by_label("Thời hạn").select_option("overdue")
    expect(row).to_have_count(0)
    page.get_by_label("Thời hạn").select_option("")
    page.get_by_label("Kênh nộp").select_option("")
    expect(page).not_to_have_url(re.compile(r"channel=|due="))
    expect(row).to_be_visible()

    # Keyboard: j moves to the first row's link.
    page.locator("h1").focus()
    page.keyboard.press("j")
    expect(page.locator("a[data-row]").first).to_be_focused()

    # The desk fits a tablet.
    page.set_viewport_size(TABLET)
    expect(row).to_be_visible()
    accessible(page, "desk-queue-tablet")
    shot(page, "desk-queue")

    # An officer of another agency does not see it, in the queue or by its code.
    other = browser.new_context(base_url=platform, viewport=DESKTOP, locale="vi-VN")
    try:
        stranger = other.new_page()
        sign_in(stranger, "canbo.xaydung")
        expect(stranger.get_by_test_id("queue-count")).to_be_visible()
        expect(stranger.locator(f"tr[data-code='{code}']")).to_have_count(0)
    finally:
        other.close()
    assert api.get(f"/api/v1/dossiers/{code}", headers=officers.of("hue.so-xay-dung")).status_code == 404
