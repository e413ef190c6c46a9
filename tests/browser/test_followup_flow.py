"""The acceptance scenario, in a browser: report 완료, the council returns it, the officer sees it.

On SQLite and PostgreSQL (the ``database_url`` fixture), through the real server.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from domain.vocabulary import FindingKind
from tests.browser.conftest import PageFactory, Web, login, screenshot

RETURN_REASON = "증빙자료(심사 결과표)가 없어 완료로 볼 수 없음. 보완 후 다시 보고 바랍니다."
ACTIONS = "○ 재정지원 심사기준 강화 완료\n- 지속가능성 세부 심사항목 적용 ('18.9월)"


def summary_cell(page: Page, row: str, column: str) -> str:
    return page.locator(f"table.summary td[data-row='{row}'][data-col='{column}']").inner_text()


def open_summary(page: Page, web: Web) -> None:
    page.goto(f"{web.url}/summary")
    expect(page.get_by_role("heading", name="처리결과 총괄", exact=True)).to_be_visible()


def test_report_completed_then_returned_by_the_council(web: Web, new_page: PageFactory) -> None:
    officer, staff = new_page(), new_page()
    finding_url = web.finding_url(FindingKind.CORRECTIVE, 1)

    # The 총괄 before: as the seed (시정 25 = 24 완료 + 1 추진중, nothing verified yet).
    login(officer, web, "social")
    screenshot(officer, "dashboard-officer")
    open_summary(officer, web)
    assert summary_cell(officer, "corrective", "completed") == "24"
    assert summary_cell(officer, "corrective", "in_progress") == "1"
    assert summary_cell(officer, "total", "total") == "56"
    assert summary_cell(officer, "corrective", "pending") == "24"
    assert summary_cell(officer, "corrective", "returned") == "-"

    # The officer finds 시정 1 among the department's open findings and reports 완료.
    officer.goto(f"{web.url}/")
    officer.locator(f"a[href='/findings/{web.finding(FindingKind.CORRECTIVE, 1)}']").first.click()
    expect(officer.get_by_role("heading", level=1)).to_contain_text("시정·처리요구사항 1")
    expect(officer.locator("dl.state")).to_contain_text("추진중")
    expect(officer.locator("dl.state")).to_contain_text("사회적경제담당관")
    form = officer.locator("#form-report")
    form.get_by_label("추진상황").select_option(label="완료")
    form.get_by_label("추진내용").fill(ACTIONS)
    form.get_by_role("button", name="보고").click()
    expect(officer.locator(".flash")).to_have_text("추진상황을 보고했습니다.")
    expect(officer.locator("dl.state")).to_contain_text("완료")
    expect(officer.locator("dl.state")).to_contain_text("이행확인 대기")
    last = officer.locator("ol.timeline > li").last
    expect(last).to_contain_text("추진상황 보고")
    expect(last).to_contain_text("지속가능성 세부 심사항목")
    expect(last).to_contain_text("사용자 · 부서 담당자 social")

    open_summary(officer, web)
    assert summary_cell(officer, "corrective", "completed") == "25"
    assert summary_cell(officer, "corrective", "in_progress") == "-"
    assert summary_cell(officer, "corrective", "pending") == "25"

    # Council staff see it waiting in the verification queue and return it with a reason.
    login(staff, web, "staff")
    screenshot(staff, "dashboard-staff")
    staff.goto(f"{web.url}/queue")
    expect(staff.locator("p.count")).to_contain_text("55건")
    # Filtered to the department (the filters stay in the URL): its claims on one page.
    staff.get_by_label("담당부서").fill("사회적경제담당관")
    staff.get_by_role("button", name="거르기").click()
    expect(staff).to_have_url(re.compile(r"/queue\?.*department=%EC%82%AC"))
    expect(staff.locator("li.claim")).to_have_count(15)
    claim = staff.locator("li.claim").filter(
        has=staff.locator(f"a[href='/findings/{web.finding(FindingKind.CORRECTIVE, 1)}']")
    )
    # The claim itself is in view: what was done, the audit, how long it waited.
    expect(claim).to_contain_text("사회적경제담당관")
    expect(claim).to_contain_text("완료 보고")
    expect(claim.locator("dd.text").first).to_contain_text("지속가능성 세부 심사항목")
    expect(claim).to_contain_text("0일째 대기")
    expect(claim).to_contain_text("증빙자료 없이 보고됨")
    claim.get_by_role("checkbox").check()
    staff.get_by_label("보완요구 사유").fill(RETURN_REASON)
    staff.get_by_role("button", name="고른 보고 보완요구").click()
    results = staff.locator("table.results")
    expect(results).to_contain_text("성공")
    expect(results).to_contain_text("시정·처리요구사항 1")
    # Back on the same filter: one claim fewer.
    expect(staff.locator("li.claim")).to_have_count(14)
    staff.goto(f"{web.url}/queue")
    expect(staff.locator("p.count")).to_contain_text("54건")

    # The officer sees the return: status 추진중, 보완요구, the reason on the page and inbox.
    officer.goto(finding_url)
    state = officer.locator("dl.state")
    expect(state).to_contain_text("추진중")
    expect(state).to_contain_text("보완요구")
    expect(officer.locator(".notice")).to_contain_text(RETURN_REASON)
    last = officer.locator("ol.timeline > li").last
    expect(last).to_contain_text("보완요구(반려)")
    expect(last).to_contain_text(RETURN_REASON)
    expect(last).to_contain_text("의회 직원 staff")
    screenshot(officer, "finding-returned")
    officer.goto(f"{web.url}/inbox")
    entry = officer.locator("ol.inbox > li").filter(has_text="보완요구")
    expect(entry.first).to_contain_text(RETURN_REASON)
    expect(entry.first).to_contain_text("시정·처리요구사항 1")
    screenshot(officer, "inbox-officer")

    # The 총괄 follows: back to 24 완료 + 1 추진중, the return shown beside it.
    open_summary(officer, web)
    assert summary_cell(officer, "corrective", "completed") == "24"
    assert summary_cell(officer, "corrective", "in_progress") == "1"
    assert summary_cell(officer, "corrective", "pending") == "24"
    assert summary_cell(officer, "corrective", "returned") == "1"
    assert summary_cell(officer, "total", "total") == "56"
