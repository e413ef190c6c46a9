"""axe-core on every page, for every role, at 1366 and 390 px: no serious or critical
violation (WCAG 2.1 A and AA, and axe's best practices).

axe-core is vendored (tests/browser/vendor/axe-core: the npm package's axe.min.js),
injected into each page after it loads: these browser contexts bypass the pages'
Content-Security-Policy so that it may run (the policy itself is tested in
test_web_security.py). The markup does not depend on the database, so these run on
SQLite only, against one seeded app for the whole module.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from application.access import Principal
from application.writer import Target
from domain.vocabulary import FindingKind
from tests.browser.conftest import LAPTOP, PHONE, Web, login
from tests.e2e.api_support import seeded_api, settings_for
from tests.support.server import LiveServer

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}
FAILING = ("serious", "critical")


@pytest.fixture(scope="module")
def a11y_web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    tmp = tmp_path_factory.mktemp("a11y")
    settings = settings_for(f"sqlite:///{tmp}/followup.db", tmp)
    with seeded_api(settings) as api, LiveServer(api.app) as server:
        web = Web(api=api, url=server.url)
        runtime = api.app.state.runtime
        # Something in every list: reminders in the inboxes, a returned claim.
        runtime.reminder_job().run(runtime.services.clock.today())
        runtime.services.findings.decide_claim(
            Target(Principal.system(), web.finding(FindingKind.CORRECTIVE, 2)),
            verify=False,
            reason="증빙자료를 첨부해 주세요",
        )
        yield web


def pages_for(web: Web, role: str) -> list[str]:
    audit = web.api.audit_id
    finding = web.finding(FindingKind.CORRECTIVE, 2)
    common = [
        "/",
        "/summary",
        "/departments",
        "/findings",
        f"/findings/{finding}",
        f"/audits/{audit}",
        "/policy",
        "/public",
        "/findings/00000000-0000-0000-0000-000000000000",  # the not-found page
    ]
    by_role = {
        "staff": [
            "/inbox",
            "/queue",
            "/import",
            "/export",
            "/audits/carry-over",
            "/audits/new",
            f"/audits/{audit}/findings/new",
            "/queue?department=없는부서",  # a page with an error
        ],
        "social": ["/inbox"],
        "viewer": ["/queue"],  # the forbidden page
        "admin": ["/admin", "/admin/users", "/admin/tokens", "/admin/departments", "/import"],
    }
    return common + by_role[role]


def violations(page: Page) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    return [v for v in result["violations"] if v["impact"] in FAILING]


def describe(url: str, found: list[dict[str, Any]]) -> list[str]:
    return [
        f"{url}: {v['id']} ({v['impact']}) {v['help']}: "
        + ", ".join(str(n["target"]) for n in v["nodes"][:3])
        for v in found
    ]


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1366", "390"])
@pytest.mark.parametrize("role", ["staff", "social", "viewer", "admin"])
def test_every_page_of_every_role_has_no_serious_violation(
    a11y_web: Web, browser: Browser, role: str, viewport: dict[str, int]
) -> None:
    context = browser.new_context(
        locale="ko-KR", timezone_id="Asia/Seoul", viewport=viewport, bypass_csp=True
    )
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        login(page, a11y_web, role)
        problems: list[str] = []
        for path in pages_for(a11y_web, role):
            page.goto(f"{a11y_web.url}{path}")
            problems += describe(path, violations(page))
        assert not problems, "\n".join(problems)
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1366", "390"])
def test_the_pages_before_signing_in_have_no_serious_violation(
    a11y_web: Web, browser: Browser, viewport: dict[str, int]
) -> None:
    context = browser.new_context(
        locale="ko-KR", timezone_id="Asia/Seoul", viewport=viewport, bypass_csp=True
    )
    try:
        page = context.new_page()
        problems: list[str] = []
        for path in ("/login", "/public"):
            page.goto(f"{a11y_web.url}{path}")
            problems += describe(path, violations(page))
        # A refused sign-in shows its error on the same form.
        page.goto(f"{a11y_web.url}/login")
        page.get_by_label("아이디").fill("staff")
        page.get_by_label("비밀번호").fill("wrong password")
        page.get_by_role("button", name="로그인").click()
        problems += describe("/login (refused)", violations(page))
        assert not problems, "\n".join(problems)
    finally:
        context.close()
