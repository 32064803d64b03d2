"""The browser tests' platform and browser: ``motcua run`` on a free port serving every built web client,
and the system's Chromium, one of each per test module."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, expect, sync_playwright
from web_kit import CHROMIUM, PHONE, ROOT

from motcua.infra.embedded import embedded_platform

# A machine shared with other work renders and answers slower than Playwright's 5 s default for assertions.
expect.set_options(timeout=20_000)


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``motcua run`` on a free port, every client's build served at its mount; its base URL."""
    web = ROOT / "web"
    for client in json.loads((web / "clients.json").read_text(encoding="utf-8"))["clients"]:
        assert (web / client["name"] / "dist" / "index.html").is_file(), "build the clients first: make web"
    # Payment links lead back to where this run listens, whatever the machine's MOTCUA_PUBLIC_URL says. A
    # shared machine under load may take minutes to start the five services.
    work = tmp_path_factory.mktemp("web-platform")
    with embedded_platform(work, env={"MOTCUA_PUBLIC_URL": ""}, timeout=300) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """The system's Chromium, headless."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def phone(browser: Browser, platform: str) -> Iterator[BrowserContext]:
    """A phone-sized browser, Vietnamese, on the platform."""
    context = browser.new_context(
        base_url=platform, viewport=PHONE, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", has_touch=True
    )
    context.set_default_timeout(20_000)
    try:
        yield context
    finally:
        context.close()
