"""What the browser tests of every web client share: axe-core on each screen, the screenshots, a downloaded
PDF, officers of any agency (created by the demo admin) to move a dossier through the API, and dossiers
filed through it as at the counter."""

from __future__ import annotations

import io
import json
import os
import re
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
import zxingcpp
from journey_steps import new_phone, pdf_bytes
from playwright.sync_api import Locator, Page, ViewportSize, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "var" / "web-screenshots"
CHROMIUM = os.environ.get("MOTCUA_CHROMIUM", "/usr/bin/chromium")
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1366, "height": 768}
TABLET: ViewportSize = {"width": 1024, "height": 768}
OTP = re.compile(r"\b(\d{6})\b")
T = TypeVar("T")


def until(probe: Callable[[], T | None], what: str, timeout: float = 30) -> T:
    """What ``probe`` answers once it answers something truthy (asynchronous steps of the platform)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"never: {what}")


def otp_for(api: httpx.Client, phone: str, seen: set[str]) -> str:
    """The newest code the SMS sandbox received for ``phone`` (E.164)."""

    def code() -> str | None:
        for message in api.get("/api/v1/sandbox/sms", params={"phone": phone, "limit": 20}).json()["items"]:
            found = OTP.search(message["text"])
            if found and message["id"] not in seen:
                return found.group(1)
        return None

    return until(code, f"an OTP for {phone}")


def citizen(api: httpx.Client) -> dict[str, str]:
    """A new citizen signed in by the code the SMS sandbox received; their Authorization header."""
    typed, e164 = new_phone()
    challenge = api.post("/api/v1/auth/otp", json={"phone": typed}).json()
    code = otp_for(api, e164, set())
    grant = {"grant_type": "otp", "challenge_id": challenge["challenge_id"], "code": code}
    tokens = api.post("/api/v1/auth/token", json=grant).json()
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def accessible(page: Page, screen: str) -> None:
    """axe-core finds no serious or critical violation of WCAG 2.x A/AA on the page as it is now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    found: list[dict[str, Any]] = page.evaluate(
        """async () => (await axe.run(document, {runOnly: {type: 'tag',
             values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})).violations
           .map(v => ({id: v.id, impact: v.impact, help: v.help,
                       nodes: v.nodes.map(n => n.target.join(' '))}))"""
    )
    bad = [v for v in found if v["impact"] in ("serious", "critical")]
    if bad:
        bad.append(
            page.evaluate(
                "(s) => s.map(x => document.querySelector(x)?.outerHTML)",
                [n for v in bad for n in v["nodes"]][:5],
            )
        )
    assert not bad, f"{screen}: {bad}"


def shot(page: Page, name: str) -> None:
    """A screenshot of the page as the citizen sees it, named by screen and viewport."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size or PHONE
    page.screenshot(path=str(SHOTS / f"{name}-{size['width']}x{size['height']}.png"), full_page=False)


def screen(page: Page, name: str) -> None:
    """Check and photograph the screen once its heading shows."""
    expect(page.locator("h1")).to_be_visible()
    accessible(page, name)
    shot(page, name)


def pdf(page: Page, button: Locator) -> bytes:
    """Clicking ``button`` downloads a PDF (a paper or a receipt, fetched with the signed-in token)."""
    # A click right after a PDF frame appeared on the page is sometimes lost (see the desk test's `act`): the
    # button is clicked again when no download began; three tries of 30 s leave a loaded machine its time.
    for attempt in range(3):
        try:
            with page.expect_download(timeout=30_000) as download:
                button.click()
            break
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise
    path = download.value.path()
    assert download.value.suggested_filename.endswith(".pdf")
    content = Path(path).read_bytes()
    assert content.startswith(b"%PDF-")
    return content


def qr_in(paper: bytes) -> str:
    """The text of the QR code printed on a PDF paper (read from the page's images, as a scanner would)."""
    for page in PdfReader(io.BytesIO(paper)).pages:
        for image in page.images:
            for found in zxingcpp.read_barcodes(image.image):
                if found.format == zxingcpp.BarcodeFormat.QRCode:
                    return str(found.text)
    raise AssertionError("the paper has no QR code")


class Officers:
    """The officers of each agency a dossier passes through (the demo admin creates them)."""

    def __init__(self, api: httpx.Client) -> None:
        self.api = api
        self.tokens: dict[str, str] = {}
        admin = api.post("/api/v1/auth/login", json={"username": "admin", "password": "motcua-admin"})
        self.admin = {"Authorization": f"Bearer {admin.json()['access_token']}"}

    def of(self, agency: str) -> dict[str, str]:
        """The Authorization header of an officer of ``agency``."""
        if agency not in self.tokens:
            username = f"canbo.{abs(hash(agency)) % 10**8}"
            password = "mat-khau-thu-nghiem"
            created = self.api.post(
                "/api/v1/auth/staff",
                json={
                    "username": username,
                    "password": password,
                    "role": "officer",
                    "display_name": "Cán bộ thử nghiệm",
                    "agency_code": agency,
                },
                headers=self.admin,
            )
            assert created.status_code in (201, 409), created.text
            login = self.api.post("/api/v1/auth/login", json={"username": username, "password": password})
            self.tokens[agency] = login.json()["access_token"]
        return {"Authorization": f"Bearer {self.tokens[agency]}"}

    def ask_for_more(self, code: str) -> str:
        """The agency holding the dossier asks for its first document again; that document's name."""
        dossier = self.api.get(f"/api/v1/dossiers/{code}", headers=self.admin).json()
        document = dossier["documents"][0]["document_code"]
        asked = self.api.post(
            f"/api/v1/dossiers/{code}/actions/request-supplement",
            json={"reason": "Bản chụp chưa rõ, đề nghị nộp lại.", "documents": [document], "days": 5},
            headers=self.of(dossier["holder_agency_code"]),
        )
        assert asked.status_code == 200, asked.text
        required = {d["code"]: d["name"] for d in dossier["documents_required"]}
        return str(required.get(document, document))

    def move(self, code: str, until: str) -> None:
        """Receive, forward, approve and return the dossier, each by the agency whose turn it is."""
        for _ in range(12):
            dossier = self.api.get(f"/api/v1/dossiers/{code}", headers=self.admin).json()
            if dossier["status"] == until:
                return
            for agency in dict.fromkeys((dossier["agency_code"], dossier["holder_agency_code"])):
                headers = self.of(agency)
                allowed = self.api.get(f"/api/v1/dossiers/{code}", headers=headers).json()["allowed_actions"]
                # allowed_actions leaves guards out: a step not yet last refuses approve (409), so try on.
                moved = False
                for action in [a for a in ("receive", "forward", "approve", "return-result") if a in allowed]:
                    answer = self.api.post(
                        f"/api/v1/dossiers/{code}/actions/{action}", json={}, headers=headers
                    )
                    assert answer.status_code in (200, 409), answer.text
                    if moved := answer.status_code == 200:
                        break
                if moved:
                    break
            else:
                raise AssertionError(f"{code} is {dossier['status']}; no officer may move it")
        raise AssertionError(f"{code} never reached {until}")


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
