"""The pages at work: 총괄 as of a date, the list's filters, dashboards, import, the queue."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

import pytest
from playwright.sync_api import Page, expect

from application.access import Principal
from application.writer import Target
from domain.vocabulary import FindingKind, Status, Verification
from tests.browser.conftest import LAPTOP, PHONE, PageFactory, Web, login, screenshot

GOOD_CSV = """# 의회: 서울특별시의회
# 위원회: 보건복지위원회
# 피감기관: 복지정책실
# 감사연도: 2018
# 보고일: 2019-03-01
구분,연번,요구사항,담당부서,추진상황,추진내용
시정요구,1,어르신 돌봄 인력 확충 방안 마련,돌봄정책과,추진중,○ 인력 충원 계획 수립
건의사항,1,청년 주거 지원 확대,청년정책과,완료,○ 지원 완료
"""
BAD_CSV = GOOD_CSV + "건의사항,2,무료 와이파이 확대,스마트도시과,나중에,\n"


def staff_principal(web: Web) -> Principal:
    user = next(u for u in web.api.app.state.accounts.list_users() if u.name == "staff")
    principal: Principal = user.principal()
    return principal


def cell(page: Page, row: str, column: str) -> str:
    return page.locator(f"table.summary td[data-row='{row}'][data-col='{column}']").inner_text()


def test_summary_as_of_a_date_and_per_audit(web: Web, new_page: PageFactory) -> None:
    page = new_page()
    login(page, web, "viewer")
    screenshot(page, "dashboard-viewer")
    page.get_by_role("link", name="처리결과 총괄").click()
    page.get_by_label("행정사무감사").select_option(str(web.api.audit_id))
    page.get_by_label("기준일").fill("2018-11-15")
    page.get_by_role("button", name="보기").click()
    expect(page.locator("table.summary caption")).to_have_text("처리결과 총괄 (2018-11-15 기준)")
    # The seed's table: 56 = 54 완료 + 2 추진중; 25 = 24 + 1; 8 = 7 + 1; 23 = 23.
    assert [cell(page, "total", c) for c in ("total", "completed", "in_progress")] == [
        "56",
        "54",
        "2",
    ]
    assert [cell(page, "corrective", c) for c in ("total", "completed", "in_progress")] == [
        "25",
        "24",
        "1",
    ]
    assert [cell(page, "recommendation", c) for c in ("total", "completed", "in_progress")] == [
        "8",
        "7",
        "1",
    ]
    assert [cell(page, "other", c) for c in ("total", "completed", "in_progress")] == [
        "23",
        "23",
        "-",
    ]
    assert cell(page, "total", "under_review") == cell(page, "total", "not_adopted") == "-"
    assert cell(page, "total", "pending") == "54"
    screenshot(page, "summary")
    # Before the audit was registered there was nothing to count.
    page.get_by_label("기준일").fill("2018-11-14")
    page.get_by_role("button", name="보기").click()
    assert cell(page, "total", "total") == "-"
    # Now (no date), a count links to the findings it counts.
    page.goto(f"{web.url}/summary")
    page.locator("td[data-row='recommendation'][data-col='in_progress'] a").click()
    expect(page.locator("p.count")).to_have_text("총 1건 중 1–1")
    # A department filter narrows the table.
    page.goto(f"{web.url}/summary")
    page.get_by_label("담당부서").fill("사회적경제담당관")
    page.get_by_role("button", name="보기").click()
    assert cell(page, "total", "total") != "56"


def test_findings_list_filters_search_and_pages(web: Web, new_page: PageFactory) -> None:
    page = new_page()
    login(page, web, "staff")
    page.goto(f"{web.url}/findings")
    expect(page.locator("p.count")).to_have_text("총 56건 중 1–50")
    screenshot(page, "findings")
    page.get_by_role("link", name="다음 쪽", exact=True).click()
    expect(page.locator("p.count")).to_have_text("총 56건 중 51–56")
    # Korean search finds two-syllable words.
    page.goto(f"{web.url}/findings")
    page.get_by_label("검색어").fill("청년")
    page.get_by_role("button", name="검색").click()
    expect(page.locator("p.count")).to_contain_text("총 5건")
    for request in page.locator("td.request a").all_inner_texts():
        assert "청년" in request
    page.goto(f"{web.url}/findings")
    page.get_by_text("상세 조건").click()
    page.get_by_label("추진상황").select_option(label="추진중")
    page.get_by_label("구분").select_option(label="건의사항")
    page.get_by_role("button", name="검색").click()
    expect(page.locator("p.count")).to_have_text("총 1건 중 1–1")
    expect(page.get_by_label("추진상황")).to_have_value("in_progress")
    page.goto(f"{web.url}/findings?department=노동정책담당관&verification=pending")
    rows = page.locator("table.findings tbody tr")
    assert rows.count() > 0
    for department in page.locator("td[data-label='담당부서']").all_inner_texts():
        assert department == "노동정책담당관"


def test_dashboards_show_overdue_and_due_soon_findings(web: Web, new_page: PageFactory) -> None:
    runtime = web.api.app.state.runtime
    services, job = runtime.services, runtime.reminder_job()
    today = services.clock.today()
    overdue = web.finding(FindingKind.CORRECTIVE, 1)
    services.findings.change_due_date(
        Target(staff_principal(web), overdue),
        due_date=today - timedelta(days=3),
        reason="점검 일정",
    )
    # A claim stops the department's clock: withdraw it (추진중), then bring its due date near.
    soon = next(
        r.finding_id
        for r in services.queries.list_findings()
        if r.department == "사회적경제담당관" and r.finding_id != overdue
    )
    services.findings.report_progress(Target(staff_principal(web), soon), status=Status.IN_PROGRESS)
    services.findings.change_due_date(
        Target(staff_principal(web), soon),
        due_date=job.rules.calendar.add_business_days(today, 2),
        reason="보고 일정",
    )
    officer = new_page()
    login(officer, web, "social")
    overdue_section = officer.locator("section").filter(
        has=officer.get_by_role("heading", name="처리기한 경과", exact=True)
    )
    expect(overdue_section.locator(f"a[href='/findings/{overdue}']")).to_be_visible()
    expect(overdue_section).to_contain_text("기한 경과")
    soon_section = officer.locator("section").filter(
        has=officer.get_by_role("heading", name="처리기한 임박", exact=True)
    )
    expect(soon_section.locator(f"a[href='/findings/{soon}']")).to_be_visible()
    screenshot(officer, "dashboard-officer-overdue")
    staff = new_page()
    login(staff, web, "staff")
    expect(staff.locator(".stats")).to_contain_text("1 처리기한 경과")
    staff.get_by_role("link", name="1 처리기한 경과").click()
    expect(staff.locator("p.count")).to_have_text("총 1건 중 1–1")
    expect(staff.locator(f"a[href='/findings/{overdue}']")).to_be_visible()


def test_import_preview_lists_problems_then_confirm_saves(web: Web, new_page: PageFactory) -> None:
    page = new_page()
    login(page, web, "staff")
    page.get_by_role("link", name="가져오기").click()
    page.get_by_label("보고서 파일").set_input_files(
        {"name": "보건복지위.csv", "mimeType": "text/csv", "buffer": BAD_CSV.encode()}
    )
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="미리보기").click()
    assert answer.value.status == 422
    problems = page.locator("table.problems tbody tr")
    expect(problems).to_have_count(1)
    expect(problems).to_contain_text("9")
    expect(problems).to_contain_text("알 수 없는 추진상황 '나중에'")
    # Korean only on the page: neither the problem's code nor its English message.
    expect(problems).not_to_contain_text("UNKNOWN_STATUS")
    expect(problems).not_to_contain_text("Unknown status")
    expect(page.get_by_role("button", name="가져오기 확정")).to_have_count(0)

    page.goto(f"{web.url}/import")
    page.get_by_label("보고서 파일").set_input_files(
        {"name": "보건복지위.csv", "mimeType": "text/csv", "buffer": GOOD_CSV.encode()}
    )
    page.get_by_role("button", name="미리보기").click()
    expect(page.get_by_role("heading", name="가져오기 미리보기")).to_be_visible()
    expect(page.locator(".stats")).to_contain_text("2 신규 등록")
    expect(page.locator("table.rows tbody tr")).to_have_count(2)
    expect(page.locator("table.rows")).to_contain_text("돌봄정책과")
    screenshot(page, "import-preview")
    assert (
        web.api.app.state.runtime.services.queries.count_findings() == 56
    )  # a dry run wrote nothing
    page.get_by_role("button", name="가져오기 확정").click()
    expect(page.get_by_role("heading", name="가져오기 결과")).to_be_visible()
    expect(page.locator(".flash")).to_contain_text("신규 2건")
    page.get_by_role("link", name="이 감사의 지적사항 보기").click()
    expect(page.locator("p.count")).to_have_text("총 2건 중 1–2")

    # The same document again: nothing to save.
    page.goto(f"{web.url}/import")
    page.get_by_label("보고서 파일").set_input_files(
        {"name": "again.csv", "mimeType": "text/csv", "buffer": GOOD_CSV.encode()}
    )
    page.get_by_role("button", name="미리보기").click()
    expect(page.locator(".stats")).to_contain_text("2 변경 없음")
    expect(page.locator(".note")).to_contain_text("이미 모두 가져온 문서")


def test_staff_verify_many_at_once_and_see_what_was_refused(
    web: Web, new_page: PageFactory
) -> None:
    page = new_page()
    login(page, web, "staff")
    page.goto(f"{web.url}/queue")
    expect(page.locator("p.count")).to_contain_text("54건")
    boxes = page.locator("li.claim input[name=pick]")
    picked = [boxes.nth(i).get_attribute("value") or "" for i in range(3)]
    for i in range(3):
        boxes.nth(i).check()
    # Returning needs a reason: refused as a whole, the ticks stay.
    page.get_by_role("button", name="고른 보고 보완요구").click()
    expect(page.get_by_role("alert")).to_have_text("보완요구 사유를 입력하세요.")
    for i in range(3):
        expect(page.locator("li.claim input[name=pick]").nth(i)).to_be_checked()
    # One of them changes meanwhile: its version on the page is stale.
    stale = picked[1].partition(":")[0]
    services = web.api.app.state.runtime.services
    services.findings.add_comment(Target(staff_principal(web), UUID(stale)), text="확인 중")
    page.get_by_role("button", name="고른 보고 이행 확인").click()
    results = page.locator("table.results tbody tr")
    expect(results).to_have_count(3)
    expect(page.get_by_role("heading", name="처리 결과: 성공 2건, 거부 1건")).to_be_visible()
    refused = results.filter(has_text="거부")
    expect(refused).to_contain_text("다른 사용자가 먼저 변경했습니다")
    expect(refused.locator(f"a[href='/findings/{stale}']")).to_have_count(1)
    expect(page.locator("p.count")).to_contain_text("52건")
    expect(page.locator(f"#pick-{stale}")).to_be_checked()
    screenshot(page, "queue")
    rows = services.queries.list_findings()
    assert sum(r.verification is Verification.VERIFIED for r in rows) == 2


def test_extension_evidence_and_comments_between_department_and_council(
    web: Web, new_page: PageFactory
) -> None:
    finding = web.finding(FindingKind.CORRECTIVE, 1)
    officer = new_page()
    login(officer, web, "social")
    officer.goto(f"{web.url}/findings/{finding}")
    # No due date, nothing to extend: the form is not offered until one is set.
    expect(officer.locator("#form-extension_request")).to_have_count(0)
    web.api.app.state.runtime.services.findings.change_due_date(
        Target(Principal.system(), finding), due_date=date(2019, 1, 31), reason="기한 지정"
    )
    officer.reload()
    form = officer.locator("#form-extension_request")
    form.get_by_label("요청하는 처리기한").fill("2030-06-30")
    form.get_by_label("요청 사유").fill("예산 편성 일정")
    form.get_by_role("button", name="기한연장 요청").click()
    expect(officer.locator(".flash")).to_have_text("기한연장을 요청했습니다.")
    expect(officer.locator("#form-extension_request")).to_have_count(0)
    evidence = officer.locator("#form-evidence")
    evidence.get_by_label("파일 (PDF").set_input_files(
        {"name": "심사결과표.txt", "mimeType": "text/plain", "buffer": "심사 결과".encode()}
    )
    evidence.get_by_label("설명").fill("2018 심사 결과")
    evidence.get_by_role("button", name="첨부").click()
    expect(officer.locator(".flash")).to_have_text("증빙자료를 첨부했습니다.")
    attached = officer.locator("ol.timeline > li").last
    expect(attached).to_contain_text("증빙자료 첨부")
    link = attached.get_by_role("link", name="심사결과표.txt")
    download = officer.request.get(f"{web.url}{link.get_attribute('href')}")
    assert download.status == 200 and download.body() == "심사 결과".encode()

    staff = new_page()
    login(staff, web, "staff")
    staff.goto(f"{web.url}/findings/{finding}")
    expect(staff.locator(".notice")).to_contain_text("2030-06-30")
    decision = staff.locator("#form-extension_decision")
    decision.get_by_label("결정 사유").fill("예산 일정 인정")
    decision.get_by_role("button", name="승인").click()
    expect(staff.locator(".flash")).to_have_text("기한연장 요청을 처리했습니다.")
    expect(staff.locator("dl.state")).to_contain_text("2030-06-30")
    staff.locator("#form-comment").get_by_label("의견 내용").fill("증빙 확인했습니다.")
    staff.locator("#form-comment").get_by_role("button", name="의견 등록").click()
    timeline = staff.locator("ol.timeline")
    expect(timeline).to_contain_text("기한연장 승인")
    expect(timeline).to_contain_text("2019-01-31 → 2030-06-30")
    expect(timeline.locator("li").last).to_contain_text("증빙 확인했습니다.")
    screenshot(staff, "finding-staff")
    officer.goto(f"{web.url}/inbox")
    expect(officer.locator("ol.inbox")).to_contain_text("기한연장 승인")


def test_a_claim_sent_with_files_shows_them_on_its_page_and_in_the_queue(
    web: Web, new_page: PageFactory
) -> None:
    finding = web.finding(FindingKind.CORRECTIVE, 1)  # 추진중 in the seed
    officer = new_page()
    login(officer, web, "social")
    officer.goto(f"{web.url}/findings/{finding}")
    form = officer.locator("#form-report")
    form.get_by_label("추진상황").select_option("completed")
    form.get_by_label("추진내용").fill("○ 심사 기준 개정 완료")
    form.get_by_label("증빙자료").set_input_files(
        [
            {"name": "개정 기준.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 a"},
            {"name": "회의록.txt", "mimeType": "text/plain", "buffer": "회의록".encode()},
        ]
    )
    form.get_by_role("button", name="보고", exact=True).click()
    expect(officer.locator(".flash")).to_be_visible()
    report = officer.locator("dl.report")
    expect(report.get_by_role("link", name="개정 기준.pdf")).to_have_count(1)
    expect(report.get_by_role("link", name="회의록.txt")).to_have_count(1)

    staff = new_page()
    login(staff, web, "staff")
    staff.goto(f"{web.url}/queue?department=사회적경제담당관")
    claim = staff.locator("li.claim").filter(has=staff.locator(f"a[href='/findings/{finding}']"))
    expect(claim).to_contain_text("○ 심사 기준 개정 완료")
    link = claim.locator("ul.evidence").get_by_role("link", name="개정 기준.pdf")
    expect(link).to_have_count(1)
    download = staff.request.get(f"{web.url}{link.get_attribute('href')}")
    assert download.status == 200 and download.body() == b"%PDF-1.4 a"
    screenshot(staff, "queue-evidence")


# How many lines an element's text takes (a word broken at a narrow width: 2).
_TEXT_LINES = """e => {
  const range = document.createRange();
  range.selectNodeContents(e);
  return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
}"""


def test_on_a_phone_the_summary_says_it_scrolls_and_no_word_breaks(
    web: Web, new_page: PageFactory
) -> None:
    for viewport, hinted in ((PHONE, True), (None, False)):
        page = new_page(viewport)
        login(page, web, "staff")
        page.goto(f"{web.url}/summary")
        table = page.locator(".table-scroll").first
        hint = page.locator(".scroll-hint").first
        if hinted:
            expect(hint).to_be_visible()
            # The table is wider than the screen, and its region scrolls to show the rest.
            assert table.evaluate("e => e.scrollWidth > e.clientWidth")
            table.evaluate("e => { e.scrollLeft = e.scrollWidth; }")
            last = page.locator("table.summary thead th").last
            expect(last).to_be_in_viewport()
            screenshot(page, "summary-phone-scroll-hint")
        else:
            expect(hint).to_be_hidden()
        logout = page.get_by_role("button", name="로그아웃")
        assert logout.evaluate(_TEXT_LINES) == 1


def test_staff_report_on_an_empty_form_with_the_departments_report_beside_it(
    web: Web, new_page: PageFactory
) -> None:
    finding = web.finding(FindingKind.CORRECTIVE, 1)  # 추진중 in the seed, social's
    for who, viewport in (("social", None), ("staff", None), ("staff", PHONE)):
        page = new_page(viewport)
        login(page, web, who)
        page.goto(f"{web.url}/findings/{finding}")
        form = page.locator("#form-report")
        actions = form.get_by_label("추진내용")
        if who == "social":  # the department restates its last report
            expect(form.get_by_label("추진상황")).to_have_value("in_progress")
            assert actions.input_value() != ""
            expect(form.locator("details.department-report")).to_have_count(0)
            continue
        expect(form.get_by_label("추진상황")).to_have_value("")
        expect(actions).to_have_value("")
        beside = form.locator("details.department-report")
        expect(beside).to_be_visible()
        expect(beside).to_contain_text("추진중")
        # Sent without choosing a status: the browser asks for it, nothing is saved.
        form.get_by_role("button", name="보고", exact=True).click()
        assert form.get_by_label("추진상황").evaluate("e => !e.validity.valid")
        screenshot(page, f"report-form-staff-{viewport['width'] if viewport else 1366}")


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1366", "390"])
def test_the_queue_filters_by_audit_department_and_kind_and_shows_each_claim(
    web: Web, new_page: PageFactory, viewport: dict[str, int]
) -> None:
    page = new_page(viewport)
    login(page, web, "staff")
    page.goto(f"{web.url}/queue")
    expect(page.locator("p.count")).to_contain_text("54건")
    expect(page.locator("li.claim")).to_have_count(20)  # a page of claims
    expect(page.locator("nav.pagination")).to_contain_text("1 / 3 쪽")
    # Each claim: its audit, what was done, and whether files support it.
    first = page.locator("li.claim").first
    expect(first.locator(".meta")).to_contain_text("2017")
    expect(first.locator(".meta")).to_contain_text("일째 대기")
    expect(first.locator("dd.text").first).not_to_have_text("-")
    # By kind and department, from the form; the filters stay in the URL and pages.
    page.get_by_label("구분").select_option(label="시정·처리요구사항")
    page.get_by_label("담당부서").fill("노동정책담당관")
    page.get_by_role("button", name="거르기").click()
    claims = page.locator("li.claim")
    expect(claims.first).to_be_visible()
    for i in range(claims.count()):
        expect(claims.nth(i).locator(".claim-head")).to_contain_text("노동정책담당관")
        expect(claims.nth(i).locator(".claim-head")).to_contain_text("시정·처리요구사항")
    assert "kind=corrective" in page.url and "department=" in page.url
    screenshot(page, f"queue-filtered-{viewport['width']}")
    # By audit: the one imported audit keeps them all.
    page.goto(f"{web.url}/queue")
    page.get_by_label("행정사무감사").select_option(index=1)
    page.get_by_role("button", name="거르기").click()
    expect(page.locator("p.count")).to_contain_text("54건")
    # A department that does not exist is said so, and nothing is listed.
    response = page.goto(f"{web.url}/queue?department=없는부서")
    assert response is not None and response.status == 422
    expect(page.get_by_role("alert")).to_contain_text("없는부서")
    expect(page.locator("li.claim")).to_have_count(0)
    if viewport is PHONE:  # nothing wider than the screen
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"]
