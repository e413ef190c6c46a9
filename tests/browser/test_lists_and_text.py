"""The finding list tells audits apart and sorts by its columns (kept in the URL); an
imported 추진내용 keeps its lines on the page; pages show no versions or ids to the
people who need none — at 1366 and 390 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from domain.vocabulary import FindingKind
from tests.browser.conftest import LAPTOP, PHONE, PageFactory, Web, login, screenshot

VIEWPORTS = pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1366", "390"])
UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@VIEWPORTS
def test_the_list_names_each_audit_and_sorts_by_a_column_kept_in_the_url(
    web: Web, new_page: PageFactory, viewport: dict[str, int]
) -> None:
    page = new_page(viewport)
    login(page, web, "staff")
    page.goto(f"{web.url}/findings?kind=corrective")
    first = page.locator("table.findings tbody tr").first
    expect(first.locator("td.audit")).to_contain_text("2017년 서울특별시의회")
    if viewport is LAPTOP:
        # By department from its header: ascending, then reversed by a second click;
        # the kind filter stays.
        page.locator("th a.sort", has_text="담당부서").click()
        expect(page.locator("th[aria-sort]")).to_have_attribute("aria-sort", "ascending")
        assert "kind=corrective" in page.url and "sort=department" in page.url
        departments = page.locator("table.findings tbody td.department").all_inner_texts()
        assert departments == sorted(departments)
        page.locator("th a.sort", has_text="담당부서").click()
        expect(page.locator("th[aria-sort]")).to_have_attribute("aria-sort", "descending")
    else:
        # A phone's stacked rows have no headers: the same choice in the form.
        page.get_by_label("정렬").select_option(label="담당부서")
        page.get_by_label("역순").check()
        page.get_by_role("button", name="검색").click()
    assert "desc=1" in page.url and "sort=department" in page.url
    assert "kind=corrective" in page.url
    departments = page.locator("table.findings tbody td.department").all_inner_texts()
    assert departments == sorted(departments, reverse=True)
    expect(page.get_by_label("정렬")).to_have_value("department")
    screenshot(page, f"findings-sorted-{viewport['width']}")
    if viewport is PHONE:
        # Stacked rows: each cell says what it is; nothing wider than the screen.
        expect(first.locator("td.audit")).to_have_attribute("data-label", "행정사무감사")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


_LINE_BOXES = """e => {
  const range = document.createRange();
  range.selectNodeContents(e);
  return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
}"""


@VIEWPORTS
def test_an_imported_report_keeps_its_lines_and_no_internals_are_shown(
    web: Web, new_page: PageFactory, viewport: dict[str, int]
) -> None:
    page = new_page(viewport)
    login(page, web, "social")
    page.goto(web.finding_url(FindingKind.CORRECTIVE, 1))
    actions = page.locator("dl.state dd.text, dl.report dd.text").first
    text = actions.inner_text()
    lines = [line for line in text.split("\n") if line.strip()]
    assert len(lines) >= 2 and lines[0].startswith("○")
    # Shown as lines: at least one line box per stored line.
    assert actions.evaluate(_LINE_BOXES) >= len(lines)
    body = page.locator("main").inner_text()
    assert not UUID_TEXT.search(body), "an id on an officer's page"
    assert "버전" not in body and "in_progress" not in body
    screenshot(page, f"finding-lines-{viewport['width']}")
