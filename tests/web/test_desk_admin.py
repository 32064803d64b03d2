"""The admin's screens of the desk (``/desk/quan-tri/…``) in a real browser, on the embedded platform.

An admin edits a procedure's working copy and publishes it, and the citizen app shows the edit; checks an
import file by a dry run; locks an officer and resets a password; changes an integrator client; replays a dead
letter; previews a notification template. An officer is refused the admin's screens and their APIs. Each
screen is scanned by axe-core (serious or critical violations fail) and photographed at a desktop viewport
(1366×768) into ``var/web-screenshots`` (the README shows copies kept in ``web/screenshots``).
"""

from __future__ import annotations

import json
import re
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from web_kit import DESKTOP, PHONE, ROOT, screen

from motcua.infra.embedded import embedded_platform
from motcua_shared.contracts.base import CloudEvent

pytestmark = pytest.mark.system

DESK = "/desk/"
#: A seeded procedure (its national code) the admin edits and publishes.
PROCEDURE = "3.000334"


class Running:
    """The platform's base URL and the folder its databases live in."""

    def __init__(self, base: str, var: Path) -> None:
        self.base = base
        self.var = var


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """``motcua run`` serving every built client (as conftest's ``platform``), and its ``var`` folder."""
    web = ROOT / "web"
    for client in json.loads((web / "clients.json").read_text(encoding="utf-8"))["clients"]:
        assert (web / client["name"] / "dist" / "index.html").is_file(), "build the clients first: make web"
    work = tmp_path_factory.mktemp("web-admin")
    # As conftest's: a shared machine under load may take minutes to start the five services.
    with embedded_platform(work, env={"MOTCUA_PUBLIC_URL": ""}, timeout=300) as base:
        yield Running(base, work / "var")


@pytest.fixture
def desk(browser: Browser, running: Running) -> Iterator[BrowserContext]:
    """A desktop browser, Vietnamese, on the platform."""
    context = browser.new_context(
        base_url=running.base, viewport=DESKTOP, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh"
    )
    context.set_default_timeout(20_000)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture(scope="module")
def api(running: Running) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=running.base, timeout=30) as client:
        yield client


def bearer(api: httpx.Client, username: str, password: str) -> dict[str, str]:
    signed_in = api.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert signed_in.status_code == 200, signed_in.text
    return {"Authorization": f"Bearer {signed_in.json()['access_token']}"}


def sign_in(page: Page, username: str, password: str) -> None:
    """Sign in at the desk with staff credentials."""
    page.goto(DESK)
    expect(page).to_have_url(re.compile(r"/desk/dang-nhap"))
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", level=1, name="Hồ sơ cần xử lý")).to_be_visible()


def as_admin(page: Page) -> None:
    sign_in(page, "admin", "motcua-admin")


def go(page: Page, link: str, heading: str) -> None:
    """Follow the admin's navigation entry ``link`` to the screen titled ``heading``."""
    page.get_by_role("navigation").get_by_role("link", name=link).click()
    expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()


def test_an_admin_publishes_an_edit_that_the_citizen_app_then_shows(
    desk: BrowserContext, browser: Browser, running: Running
) -> None:
    page = desk.new_page()
    as_admin(page)
    go(page, "Danh mục thủ tục", "Danh mục thủ tục")
    page.get_by_label("Mã hoặc tên thủ tục").fill(PROCEDURE.lower())
    page.get_by_role("button", name="Tìm").click()
    expect(page.get_by_role("status").filter(has_text="1 kết quả")).to_be_visible()
    screen(page, "admin-catalogue")
    page.get_by_role("link", name=PROCEDURE, exact=True).click()
    expect(page.get_by_role("heading", level=1, name=f"Thủ tục {PROCEDURE}")).to_be_visible()
    name = page.get_by_label("Tên thủ tục", exact=True)
    edited = f"{name.input_value()} (đã cập nhật)"
    name.fill(edited)
    screen(page, "admin-procedure")
    page.get_by_role("button", name="Công bố").click()
    expect(page.get_by_text(re.compile(r"Đã công bố phiên bản \d+"))).to_be_visible()
    expect(page.get_by_text("Bản làm việc trùng với bản đã công bố")).to_be_visible()

    citizen = browser.new_context(base_url=running.base, viewport=PHONE, locale="vi-VN")
    try:
        public = citizen.new_page()
        public.goto(f"/thu-tuc/{PROCEDURE}")
        expect(public.get_by_role("heading", level=1)).to_have_text(edited)
    finally:
        citizen.close()


def test_an_import_file_is_checked_by_a_dry_run_first(desk: BrowserContext, api: httpx.Client) -> None:
    admin = bearer(api, "admin", "motcua-admin")
    copy = api.get(f"/api/v1/procedures/{PROCEDURE}/admin", headers=admin).json()
    rows = [
        copy["draft"] | {"version": copy["version"] + 1, "name": f"{copy['draft']['name']} — nhập từ tệp"},
        {"code": "HUE-KHONG-DU", "version": 1},
    ]
    page = desk.new_page()
    as_admin(page)
    go(page, "Danh mục thủ tục", "Danh mục thủ tục")
    page.get_by_role("link", name="Nhập từ tệp").click()
    expect(page.get_by_role("heading", level=1, name="Nhập thủ tục từ tệp")).to_be_visible()
    page.get_by_label("Tệp danh mục (JSON)").set_input_files(
        {"name": "danh-muc.json", "mimeType": "application/json", "buffer": json.dumps(rows).encode()}
    )
    page.get_by_role("button", name="Kiểm tra thử").click()
    expect(page.get_by_role("heading", name="Kết quả kiểm tra thử")).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text="Sẽ công bố: 1")).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text="Bị từ chối: 1")).to_be_visible()
    expect(page.get_by_role("cell", name="HUE-KHONG-DU").first).to_be_visible()
    expect(page.get_by_role("cell", name="procedures[1].cases")).to_be_visible()
    # A rejected row stops the whole file: there is nothing to import.
    expect(page.get_by_role("button", name="Nhập và công bố")).to_have_count(0)
    screen(page, "admin-import")
    after = api.get(f"/api/v1/procedures/{PROCEDURE}/admin", headers=admin).json()
    assert after["version"] == copy["version"], "a dry run publishes nothing"


def test_an_admin_locks_an_officer_and_resets_a_password(desk: BrowserContext, api: httpx.Client) -> None:
    page = desk.new_page()
    as_admin(page)
    go(page, "Tài khoản cán bộ", "Tài khoản cán bộ")
    page.get_by_label("Họ tên", exact=True).fill("Trần Thị Mai")
    page.get_by_label("Tên đăng nhập", exact=True).fill("canbo.mai")
    page.get_by_label("Mật khẩu ban đầu").fill("mat-khau-ban-dau-12")
    page.get_by_label("Vai trò").last.select_option("officer")
    page.get_by_label("Cơ quan").last.select_option("hue.so-tu-phap")
    page.get_by_role("button", name="Tạo tài khoản").click()
    expect(page.get_by_text("Đã tạo tài khoản canbo.mai.")).to_be_visible()
    assert api.post(
        "/api/v1/auth/login", json={"username": "canbo.mai", "password": "mat-khau-ban-dau-12"}
    ).is_success

    page.get_by_label("Tên đăng nhập hoặc họ tên").fill("mai")
    page.get_by_role("button", name="Tìm").click()
    row = page.locator("tr[data-username='canbo.mai']")
    row.get_by_role("button", name="Khóa tài khoản canbo.mai").click()
    expect(page.get_by_text("Đã khóa canbo.mai")).to_be_visible()
    expect(row.get_by_text("Đã khóa")).to_be_visible()
    refused = api.post(
        "/api/v1/auth/login", json={"username": "canbo.mai", "password": "mat-khau-ban-dau-12"}
    )
    assert refused.status_code == 401
    row.get_by_role("button", name="Mở khóa tài khoản canbo.mai").click()
    expect(row.get_by_text("Đang hoạt động")).to_be_visible()
    row.get_by_role("button", name="Đặt lại mật khẩu của canbo.mai").click()
    shown = page.get_by_text(re.compile(r"Mật khẩu mới của canbo\.mai .*: \S+$"))
    expect(shown).to_be_visible()
    password = (shown.text_content() or "").rsplit(": ", 1)[1].strip()
    assert api.post("/api/v1/auth/login", json={"username": "canbo.mai", "password": password}).is_success
    screen(page, "admin-staff")


def test_an_admin_narrows_a_clients_scopes(desk: BrowserContext, api: httpx.Client) -> None:
    page = desk.new_page()
    as_admin(page)
    go(page, "Ứng dụng tích hợp", "Ứng dụng tích hợp")
    card = page.locator("article[data-client='demo-integrator']")
    scopes = card.get_by_role("group", name=re.compile("Phạm vi của"))
    scopes.get_by_label(re.compile("^webhooks:write")).uncheck()
    card.get_by_role("button", name="Lưu phạm vi").click()
    expect(page.get_by_text("Đã lưu.")).to_be_visible()
    grant = {
        "grant_type": "client_credentials",
        "client_id": "demo-integrator",
        "client_secret": "motcua-integrator-secret",
        "scope": "webhooks:write",
    }
    assert api.post("/api/v1/auth/token", json=grant).status_code == 403
    screen(page, "admin-clients")


def test_a_dead_letter_is_replayed_from_the_admin_screen(
    desk: BrowserContext, api: httpx.Client, running: Running
) -> None:
    """A procedure.published event dossier-svc gave up on (put in its dead letters as its consumer would) is
    applied again from the screen, and leaves the list."""
    admin = bearer(api, "admin", "motcua-admin")
    catalog = sqlite3.connect(running.var / "catalog.db")
    try:
        payload = catalog.execute(
            "SELECT payload FROM outbox WHERE type = 'vn.motcua.catalog.procedure.published.v1' AND key = ?"
            " ORDER BY id DESC LIMIT 1",
            (PROCEDURE,),
        ).fetchone()[0]
    finally:
        catalog.close()
    event = CloudEvent.model_validate_json(payload).model_copy(update={"id": str(uuid.uuid4())})
    dossier = sqlite3.connect(running.var / "dossier.db", timeout=30)
    try:
        with dossier:
            dossier.execute(
                'INSERT INTO dead_letters (consumer, topic, "partition", "offset", key, event_id, type,'
                " payload, error, attempts, failed_at)"
                " VALUES ('dossier', 'motcua.catalog.v1', 0, 999999, ?, ?, ?, ?, ?, 5, ?)",
                (
                    event.subject,
                    event.id,
                    event.type,
                    event.model_dump_json(),
                    "OperationalError: database is locked",
                    datetime.now(UTC).isoformat(),
                ),
            )
    finally:
        dossier.close()
    assert api.get("/ops/dossier/dlq", headers=admin).json()["total"] == 1

    page = desk.new_page()
    as_admin(page)
    go(page, "Thư chết", "Thư chết theo dịch vụ")
    page.get_by_label("Dịch vụ", exact=True).select_option("dossier")
    row = page.locator("tr[data-letter]")
    expect(row).to_have_count(1)
    expect(row.get_by_text("vn.motcua.catalog.procedure.published.v1", exact=True)).to_be_visible()
    screen(page, "admin-dead-letters")
    row.get_by_role("button", name=re.compile("^Chạy lại thư chết số")).click()
    expect(page.get_by_text(re.compile(r"Đã chạy lại thư chết số \d+; thư đã được xóa"))).to_be_visible()
    expect(page.locator("tr[data-letter]")).to_have_count(0)
    assert api.get("/ops/dossier/dlq", headers=admin).json()["total"] == 0


def test_a_template_is_previewed_with_its_example_event(desk: BrowserContext) -> None:
    page = desk.new_page()
    as_admin(page)
    go(page, "Mẫu thông báo", "Mẫu thông báo")
    body = page.get_by_label("Nội dung (Jinja2)")
    expect(body).not_to_have_value("")
    body.fill(f"{body.input_value()} Xin cảm ơn.")
    page.get_by_role("button", name="Xem trước").click()
    expect(page.get_by_role("heading", name="Bản xem trước với sự kiện mẫu")).to_be_visible()
    expect(page.get_by_test_id("preview-body")).to_contain_text("Xin cảm ơn.")
    screen(page, "admin-templates")


def test_an_officer_is_refused_the_admin_screens_and_their_apis(
    desk: BrowserContext, api: httpx.Client
) -> None:
    page = desk.new_page()
    sign_in(page, "canbo.tuphap", "motcua-canbo")
    navigation = page.get_by_role("navigation")
    for link in ("Danh mục thủ tục", "Tài khoản cán bộ", "Ứng dụng tích hợp", "Thư chết", "Mẫu thông báo"):
        expect(navigation.get_by_role("link", name=link)).to_have_count(0)
    for path in ("quan-tri/thu-tuc", f"quan-tri/thu-tuc/{PROCEDURE}", "quan-tri/can-bo", "quan-tri/thu-chet"):
        page.goto(f"{DESK}{path}")
        expect(page.get_by_text("Tài khoản của bạn không dùng được màn hình này.")).to_be_visible()
    officer = bearer(api, "canbo.tuphap", "motcua-canbo")
    for method, path in (
        ("GET", "/api/v1/procedures/working-copies"),
        ("GET", f"/api/v1/procedures/{PROCEDURE}/admin"),
        ("POST", f"/api/v1/procedures/{PROCEDURE}/publish"),
        ("GET", "/api/v1/auth/staff"),
        ("GET", "/api/v1/auth/clients"),
        ("GET", "/ops/dossier/dlq"),
        ("POST", "/ops/dossier/dlq/1/replay"),
        ("GET", "/api/v1/notifications/templates"),
    ):
        assert api.request(method, path, headers=officer).status_code == 403, path
