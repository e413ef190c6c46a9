"""Browser tests: the seeded app on a real server, driven by Debian's Chromium (Playwright).

No browser is downloaded: Playwright drives ``/usr/bin/chromium``. Screenshots of
the main pages go to ``test-artifacts/screenshots/`` (git-ignored) for a human look.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from domain.vocabulary import FindingKind
from tests.conftest import ROOT
from tests.e2e.api_support import PASSWORD, Api, seeded_api, settings_for
from tests.support.server import LiveServer

CHROMIUM = Path("/usr/bin/chromium")
# Root has no sandbox; this machine refuses Chromium's background network traffic.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}

PageFactory = Callable[..., Page]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            "Chromium not found: run `make system-deps` (apt-get install chromium)", pytrace=False
        )
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


@dataclass
class Web:
    """The seeded app (users staff/social/labour/viewer/admin) behind a live server."""

    api: Api
    url: str

    def finding(self, kind: FindingKind, seq: int) -> UUID:
        return self.api.finding(kind, seq)

    def finding_url(self, kind: FindingKind, seq: int) -> str:
        return f"{self.url}/findings/{self.finding(kind, seq)}"


@pytest.fixture
def web(database_url: str, tmp_path: Path) -> Iterator[Web]:
    with seeded_api(settings_for(database_url, tmp_path)) as api, LiveServer(api.app) as server:
        yield Web(api=api, url=server.url)


@pytest.fixture
def new_page(browser: Browser) -> Iterator[PageFactory]:
    """A factory of pages, each in its own browser context (its own cookies: one user)."""
    contexts: list[BrowserContext] = []

    def open_page(viewport: dict[str, int] | None = None) -> Page:
        context = browser.new_context(
            locale="ko-KR", timezone_id="Asia/Seoul", viewport=viewport or LAPTOP
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def login(page: Page, web: Web, name: str, password: str = PASSWORD) -> None:
    page.goto(f"{web.url}/login")
    page.get_by_label("아이디").fill(name)
    page.get_by_label("비밀번호").fill(password)
    page.get_by_role("button", name="로그인").click()
    expect(page.get_by_role("heading", name="대시보드", exact=True)).to_be_visible()


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def csrf_token(page: Page) -> str:
    value = page.locator("input[name=csrf_token]").first.get_attribute("value")
    assert value and re.fullmatch(r"[\w-]+", value)
    return value
