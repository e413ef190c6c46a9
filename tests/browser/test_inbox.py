"""The inbox at work: grouped by finding, a page at a time, each entry saying what to do;
read marks per person; an entry leaves the open list once what it asks for is done."""

from __future__ import annotations

import re
from uuid import UUID

import pytest
from playwright.sync_api import expect

from application.access import Principal
from application.writer import Target
from domain.vocabulary import FindingKind
from tests.browser.conftest import LAPTOP, PHONE, PageFactory, Web, login, screenshot


def raise_reminders(web: Web) -> None:
    """Today's reminders: the seed's 54 claims have waited for years."""
    runtime = web.api.app.state.runtime
    runtime.reminder_job().run(runtime.services.clock.today())


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1366", "390"])
def test_staff_work_through_the_inbox(
    web: Web, new_page: PageFactory, viewport: dict[str, int]
) -> None:
    raise_reminders(web)
    page = new_page(viewport)
    login(page, web, "staff")
    expect(page.locator(".stats")).to_contain_text("54 처리할 알림 (새 알림 54)")
    page.goto(f"{web.url}/inbox")
    expect(page.locator("p.count")).to_have_text(
        "처리할 알림 54건 (읽지 않음 54건) · 처리된 알림 0건"
    )
    groups = page.locator("li.inbox-group")
    expect(groups).to_have_count(20)
    expect(page.locator("nav.pagination")).to_contain_text("1 / 3 쪽")
    first = groups.first
    # What to do and by when, naming the audit.
    expect(first.locator(".meta").first).to_contain_text("2017년 서울특별시의회")
    expect(first.locator(".what")).to_contain_text("째 이행확인 대기 — 확인하거나 보완요구하세요")
    expect(first).to_contain_text("읽지 않음 1")
    screenshot(page, f"inbox-staff-{viewport['width']}")
    if viewport is PHONE:
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # Read: the group's mark goes, the count follows; another page keeps its filters.
    title = first.locator("h2 a").inner_text()
    first.get_by_role("button", name="이 지적사항의 알림 읽음으로 표시").click()
    expect(page.locator(".flash")).to_have_text("알림을 읽음으로 표시했습니다.")
    expect(page.locator("p.count")).to_contain_text("(읽지 않음 53건)")
    page.get_by_label("읽지 않은 알림만").check()
    page.get_by_role("button", name="거르기").click()
    exact = re.compile(f"^{re.escape(title)}$")
    expect(page.locator("li.inbox-group h2 a", has_text=exact)).to_have_count(0)
    page.get_by_role("link", name="다음 쪽").click()
    assert "unread=1" in page.url and "page=2" in page.url

    # The claim verified (by another member of staff): its reminder leaves the open
    # list for the resolved one.
    page.goto(f"{web.url}/inbox")
    finding_url = page.locator("li.inbox-group h2 a").first.get_attribute("href") or ""
    finding_id = UUID(finding_url.rsplit("/", 1)[-1])
    services = web.api.app.state.runtime.services
    services.findings.decide_claim(Target(Principal.system(), finding_id), verify=True)
    page.reload()
    expect(page.locator("p.count")).to_contain_text("처리할 알림 53건")
    expect(page.locator(f"li.inbox-group a[href='{finding_url}']")).to_have_count(0)
    page.get_by_label("처리 여부").select_option(label="처리된 알림")
    page.get_by_role("button", name="거르기").click()
    done = page.locator("li.inbox-group").filter(has=page.locator(f"a[href='{finding_url}']"))
    expect(done).to_contain_text("이행 확인으로 종결")
    screenshot(page, f"inbox-resolved-{viewport['width']}")


def test_the_officer_sees_a_return_then_its_report_resolves_it(
    web: Web, new_page: PageFactory
) -> None:
    finding = web.finding(FindingKind.CORRECTIVE, 2)  # 완료 claimed in the seed
    staff, officer = new_page(), new_page()
    login(staff, web, "staff")
    staff.goto(f"{web.url}/queue?department=사회적경제담당관")
    claim = staff.locator("li.claim").filter(has=staff.locator(f"a[href='/findings/{finding}']"))
    claim.get_by_role("checkbox").check()
    staff.get_by_label("보완요구 사유").fill("증빙자료를 첨부해 주세요")
    staff.get_by_role("button", name="고른 보고 보완요구").click()
    expect(staff.locator("table.results")).to_contain_text("성공")

    login(officer, web, "social")
    officer.goto(f"{web.url}/inbox")
    group = officer.locator("li.inbox-group").filter(
        has=officer.locator(f"a[href='/findings/{finding}']")
    )
    expect(group.locator(".what")).to_contain_text(
        "완료 보고가 반려됨 — 사유를 보완해 다시 보고하세요"
    )
    expect(group).to_contain_text("증빙자료를 첨부해 주세요")
    # The report the return asked for: the notice is done.
    officer.goto(f"{web.url}/findings/{finding}")
    form = officer.locator("#form-report")
    form.get_by_label("추진상황").select_option(label="완료")
    form.get_by_label("추진내용").fill("○ 증빙자료 첨부 완료")
    form.get_by_role("button", name="보고", exact=True).click()
    expect(officer.locator(".flash")).to_be_visible()
    officer.goto(f"{web.url}/inbox")
    expect(officer.locator(f"li.inbox-group a[href='/findings/{finding}']")).to_have_count(0)
    officer.goto(f"{web.url}/inbox?state=resolved")
    done = officer.locator("li.inbox-group").filter(
        has=officer.locator(f"a[href='/findings/{finding}']")
    )
    expect(done).to_contain_text("추진상황 보고됨")
    screenshot(officer, "inbox-officer-resolved")
