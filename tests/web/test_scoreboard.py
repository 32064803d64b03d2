"""The public scoreboard in a real browser (``/scoreboard/``, no sign-in), on the embedded platform.

Dossiers are filed and worked through the API (a citizen online, an officer at the counter, at two agencies);
then the scoreboard's figures (the summary, the table by agency, the months of the city and of one agency)
and its CSV file must equal what ``/api/v1/stats`` answers for the same period, the charts are drawn, and
axe-core finds no serious or critical violation. Photographed at a desktop (1366×768) and a phone (390×844)
into ``var/web-screenshots`` (the README shows copies kept in ``web/screenshots``).
"""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from calendar import monthrange
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from journey_steps import pdf_bytes
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect
from web_kit import DESKTOP, PHONE, Officers, accessible, citizen, screen, shot

pytestmark = pytest.mark.system

SCOREBOARD = "/scoreboard/"
#: Each column of the tables and the CSV, and where its figure is in a cut of /api/v1/stats.
COLUMNS: dict[str, tuple[str, ...]] = {
    "received": ("received",),
    "finished": ("finished",),
    "early": ("timeliness", "early"),
    "earlyRate": ("timeliness", "early_rate"),
    "onTime": ("timeliness", "on_time"),
    "onTimeRate": ("timeliness", "on_time_rate"),
    "late": ("timeliness", "late"),
    "lateRate": ("timeliness", "late_rate"),
    "timelyRate": ("timely_rate",),
    "overdue": ("overdue_in_progress",),
    "online": ("channels", "online"),
    "onlineShare": ("channels", "online_share"),
    "fullOnlineShare": ("channels", "full_online_share"),
    "withFees": ("payments", "with_fees"),
    "paidOnline": ("payments", "paid_online"),
    "paidOnlineShare": ("payments", "online_share"),
    "ratings": ("satisfaction", "total"),
    "satisfiedShare": ("satisfaction", "satisfied_share"),
    "satisfactionRate": ("satisfaction_rate",),
}


def figure(cut: dict[str, Any], column: str) -> float | None:
    """The figure of ``column`` in ``cut`` (None where a rate has nothing to divide by)."""
    value: Any = cut
    for key in COLUMNS[column]:
        value = value[key]
    return None if value is None else float(value)


@pytest.fixture
def desktop(browser: Browser, platform: str) -> Iterator[BrowserContext]:
    """A desktop browser, Vietnamese, on the platform, signed in as nobody."""
    context = browser.new_context(
        base_url=platform,
        viewport=DESKTOP,
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
        accept_downloads=True,
    )
    context.set_default_timeout(20_000)
    try:
        yield context
    finally:
        context.close()


def free_procedures(api: httpx.Client, channel: str) -> list[dict[str, Any]]:
    """Procedures filed at their implementing agency, free, taking dossiers by ``channel``: one per agency."""
    found: dict[str, dict[str, Any]] = {}
    for item in api.get("/api/v1/procedures", params={"size": 100}).json()["items"]:
        detail = api.get(f"/api/v1/procedures/{item['code']}").json()
        if detail.get("receiving_agencies") or (channel == "online" and detail["online_level"] < 3):
            continue
        offered = [
            c
            for c in detail["cases"]
            for t in c["channels"]
            if t["channel"] == channel and not t.get("fee_items")
        ]
        if offered:
            found.setdefault(detail["implementing_agency"]["code"], detail | {"case": offered[0]["code"]})
    return list(found.values())


def file(api: httpx.Client, headers: dict[str, str], procedure: dict[str, Any], channel: str) -> str:
    """File a dossier under ``procedure`` through the API, with every required document; its code."""
    body = {
        "procedure_code": procedure["code"],
        "case_code": procedure["case"],
        "channel": channel,
        "applicant": {
            "name": "Hoàng Thị Lan",
            "cccd": "046190001234",
            "phone": "0905123456",
            "address": "5 Hùng Vương, phường Thuận Hóa, thành phố Huế",
        },
    }
    files = {
        d["code"]: (f"{d['code']}.pdf", pdf_bytes(d["code"]), "application/pdf")
        for d in procedure["documents"]
        if d.get("required") and (not d.get("case_codes") or procedure["case"] in d["case_codes"])
    }
    filed = api.post(
        "/api/v1/dossiers",
        data={"dossier": json.dumps(body, ensure_ascii=False)},
        files=files,
        headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert filed.status_code == 201, filed.text
    code: str = filed.json()["code"]
    return code


def this_year() -> tuple[str, str, str, str]:
    """The scoreboard's default period, January to this month in Huế: its months and the API's dates."""
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    last = f"{today.year}-{today.month:02d}"
    days = monthrange(today.year, today.month)[1]
    return f"{today.year}-01", last, f"{today.year}-01-01", f"{last}-{days:02d}"


def same_figures(row: Locator, cut: dict[str, Any], what: str) -> None:
    """Every cell of a table row holds the API's figure: its exact value, and its text as read."""
    for column in COLUMNS:
        cell = row.locator(f"td[data-col='{column}']")
        raw = cell.get_attribute("data-value")
        expected = figure(cut, column)
        assert (None if raw in (None, "") else float(raw)) == expected, (what, column, raw, expected)
        text = cell.inner_text()
        if expected is None:
            assert text == "—", (what, column, text)
        elif "Rate" in column or "Share" in column:
            assert text == f"{round(expected * 100, 1):g}".replace(".", ",") + "%", (what, column, text)
        else:
            assert text == f"{int(expected):,}".replace(",", "."), (what, column, text)


def table_is_the_api(page: Page, table: str, cuts: dict[tuple[str, str], dict[str, Any]]) -> None:
    """The table ``table`` has a row per cut, keyed by (agency code, month), holding the cut's figures."""
    rows = page.locator(f"#{table} tbody tr")
    expect(rows).to_have_count(len(cuts))
    for (agency, month), cut in cuts.items():
        same_figures(
            page.locator(f"#{table} tbody tr[data-agency='{agency}'][data-month='{month}']"), cut, table
        )


def test_the_scoreboard_shows_the_figures_of_the_stats_api(
    desktop: BrowserContext, browser: Browser, platform: str
) -> None:
    api = httpx.Client(base_url=platform, timeout=30)
    officers = Officers(api)
    online = free_procedures(api, "online")
    counter = [
        p
        for p in free_procedures(api, "counter")
        if p["implementing_agency"]["code"] != online[0]["implementing_agency"]["code"]
    ]
    assert online, "the demo catalogue has a free procedure filed online"
    assert counter, "and one of another agency filed at the counter"

    # A citizen files online; the dossier is settled, returned and rated. An officer of another agency files
    # at the counter; the dossier is received and runs. A dossier filed but never received counts nowhere.
    person = citizen(api)
    settled = file(api, person, online[0], "online")
    officers.move(settled, "returned")
    rated = api.post(f"/api/v1/dossiers/{settled}/rating", json={"rating": "satisfied"}, headers=person)
    assert rated.status_code == 201, rated.text
    agency = counter[0]["implementing_agency"]["code"]
    running = file(api, officers.of(agency), counter[0], "counter")
    officers.move(running, "received")
    file(api, person, online[0], "online")

    first, last, start, end = this_year()
    stats: dict[str, Any] = api.get("/api/v1/stats", params={"from": start, "to": end}).json()
    assert (stats["received"], stats["finished"], stats["satisfaction"]["total"]) == (2, 1, 1)
    assert len(stats["by_agency"]) == 2

    page = desktop.new_page()
    page.goto(SCOREBOARD)
    expect(page.locator("h1")).to_have_text("Chỉ số phục vụ người dân, doanh nghiệp")
    expect(page.locator("#by-agency tbody tr")).to_have_count(3)
    expect(page.locator(".chart canvas")).to_have_count(2)  # uPlot, fetched once there were figures to draw
    screen(page, "scoreboard")

    # The summary, the table by agency and the city's months are the API's figures.
    for key, column in (("received", "received"), ("finished", "finished")):
        assert page.locator(f".tile[data-col='{column}'] dd").inner_text() == str(stats[key])
    table_is_the_api(
        page, "by-agency", {("", ""): stats} | {(a["agency_code"], ""): a for a in stats["by_agency"]}
    )
    table_is_the_api(page, "by-month", {("", m["month"]): m for m in stats["by_month"]})
    page.evaluate("() => window.scrollTo(0, document.getElementById('charts-title').offsetTop - 8)")
    shot(page, "scoreboard-charts")

    # The CSV: the city and each agency, the whole period then each month, every figure the API's.
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải số liệu (CSV)").click()
    assert download.value.suggested_filename == f"chi-so-hue-{start}-{end}.csv"
    text = download.value.path().read_bytes().decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    header, body = lines[0], lines[1:]
    assert header[:3] == ["Mã cơ quan", "Cơ quan", "Tháng"]
    expected = [("", "Cả kỳ", stats)] + [("", m["month"], m) for m in stats["by_month"]]
    for a in stats["by_agency"]:
        expected += [(a["agency_code"], "Cả kỳ", a)] + [
            (a["agency_code"], m["month"], m) for m in a["by_month"]
        ]
    assert [(r[0], r[2]) for r in body] == [(code, month) for code, month, _ in expected]
    for row, (_, _, cut) in zip(body, expected, strict=True):
        assert [None if v == "" else float(v) for v in row[3:]] == [figure(cut, c) for c in COLUMNS], row

    # One agency: its summary and its months, chosen in the form and kept in the address.
    chosen = next(a for a in stats["by_agency"] if a["agency_code"] == agency)
    page.get_by_label("Cơ quan tiếp nhận").select_option(agency)
    page.get_by_role("button", name="Xem số liệu").click()
    expect(page).to_have_url(re.compile(rf"co-quan={re.escape(agency)}"))
    expect(page.get_by_role("heading", name=f"Theo tháng: {chosen['agency_name']}")).to_be_visible()
    table_is_the_api(page, "by-month", {(agency, m["month"]): m for m in chosen["by_month"]})
    assert page.locator(".tile[data-col='overdue'] dd").inner_text() == str(chosen["overdue_in_progress"])
    accessible(page, "scoreboard-agency")

    # A period with no dossier says so.
    page.get_by_label("Từ tháng").fill(f"{int(first[:4]) - 1}-01")
    page.get_by_label("Đến tháng").fill(f"{int(first[:4]) - 1}-12")
    page.get_by_label("Cơ quan tiếp nhận").select_option("")
    page.get_by_role("button", name="Xem số liệu").click()
    expect(page.get_by_text("Chưa có hồ sơ trong kỳ này.")).to_be_visible()

    # English on request; the phone's layout of the same page.
    page.get_by_role("button", name="Switch to English").click()
    expect(page.locator("h1")).to_have_text("How the city serves citizens and businesses")
    accessible(page, "scoreboard-en")
    phone = browser.new_context(
        base_url=platform, viewport=PHONE, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh"
    )
    try:
        small = phone.new_page()
        small.goto(SCOREBOARD)
        expect(small.locator("#by-agency tbody tr")).to_have_count(3)
        accessible(small, "scoreboard-phone")
        shot(small, "scoreboard")
    finally:
        phone.close()
    assert last == stats["by_month"][-1]["month"]
