"""The per-department 총괄 and the 총괄 charts in Chromium, on a laptop and a phone:
nothing wider than the screen; screenshots for a human look."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from application.access import Principal
from application.writer import Target
from domain.vocabulary import FindingKind, Status
from tests.browser.conftest import PageFactory, Web, login, screenshot
from tests.e2e.api_support import seeded_api, settings_for
from tests.support.server import LiveServer

WIDE = {"width": 1366, "height": 900}
NARROW = {"width": 390, "height": 844}
LONG_NAME = "서울특별시 일자리노동정책관 사회적경제담당관 마을공동체지원팀 청년협력과"


@pytest.fixture
def charted(tmp_path: Path) -> Iterator[Web]:
    """The seed (SQLite only: the queries are tested on both databases elsewhere),
    some claims verified, and findings long overdue under a very long name."""
    settings = settings_for(f"sqlite:///{tmp_path}/followup.db", tmp_path)
    with seeded_api(settings) as api, LiveServer(api.app) as server:
        services = api.app.state.runtime.services
        system = Principal.system()
        for seq in range(1, 6):
            finding = api.finding(FindingKind.OTHER, seq)
            services.findings.decide_claim(Target(system, finding), verify=True)
        recent = services.clock.today() - timedelta(days=10)
        for seq, due in ((24, date(2018, 12, 31)), (25, recent)):
            services.audits.register_finding(
                system,
                audit_id=api.audit_id,
                kind=FindingKind.OTHER,
                seq=seq,
                request=f"자료 제출 {seq}",
                department=LONG_NAME,
                due_date=due,
            )
        later = api.finding(FindingKind.OTHER, 24)
        services.findings.report_progress(Target(system, later), status=Status.IN_PROGRESS)
        api.app.state.runtime.projector.run_pending()
        yield Web(api=api, url=server.url)


def fits(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_department_page_and_summary_charts_on_a_laptop_and_a_phone(
    charted: Web, new_page: PageFactory
) -> None:
    for viewport in (WIDE, NARROW):
        width = viewport["width"]
        page = new_page(viewport)
        login(page, charted, "viewer")
        page.goto(f"{charted.url}/departments")
        expect(page.get_by_role("heading", name="부서별 처리결과 총괄")).to_be_visible()
        expect(page.locator("td[data-row='total'][data-col='total']")).to_have_text("58")
        expect(page.get_by_role("img", name="부서별 완료율")).to_be_visible()
        expect(page.locator("table.chart-table").get_by_text(LONG_NAME)).to_be_visible()
        assert fits(page), f"/departments is wider than {width}px"
        screenshot(page, f"departments-{width}")

        page.goto(f"{charted.url}/summary")
        expect(page.get_by_role("img", name="미종결 지적사항 추이")).to_be_visible()
        aging = page.locator("#chart-aging table.chart-table")
        expect(aging.locator("tr", has_text="181일 이상").locator("td")).to_have_text("1건")
        expect(aging.locator("tr", has_text="1–30일").locator("td")).to_have_text("1건")
        assert fits(page), f"/summary is wider than {width}px"
        page.locator("section.charts").scroll_into_view_if_needed()
        screenshot(page, f"summary-charts-{width}")
