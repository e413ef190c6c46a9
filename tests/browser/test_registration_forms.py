"""Council staff register an audit and a finding through the forms, on a laptop and on a
phone: a refusal shown beside its field, then the audit's page, the finding's page, and
the finding in the list (screenshots of both forms)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from domain.audit import Audit
from tests.browser.conftest import LAPTOP, PHONE, PageFactory, Web, login, screenshot
from tests.e2e.api_support import SOCIAL

REQUEST = "공공자전거 대여소의 야간 안전 점검 결과를 분기마다 위원회에 보고할 것"


def fits(page: Page) -> bool:
    """Nothing wider than the screen: no sideways scrolling of the page itself."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1366", "390"])
def test_staff_register_an_audit_and_a_finding_by_form(
    web: Web, new_page: PageFactory, viewport: dict[str, int]
) -> None:
    width = viewport["width"]
    page = new_page(viewport)
    login(page, web, "staff")
    page.get_by_role("link", name="감사 등록").click()
    expect(page.get_by_role("heading", name="감사 등록", exact=True)).to_be_visible()

    page.get_by_label("의회", exact=True).fill("한빛시의회")
    page.get_by_label("위원회").fill("교통위원회")
    page.get_by_label("피감기관").fill("한빛시 교통실")
    page.get_by_label("감사연도").fill("9999")
    page.get_by_label("회기").fill("제301회 정례회")
    page.get_by_label("감사일").fill("2019-11-12")
    page.get_by_label("처리기한 (기본값)").fill("2020-04-30")
    page.get_by_role("button", name="감사 등록").click()
    # Refused beside its field, everything typed still there.
    year = page.get_by_label("감사연도")
    expect(year).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#audit-year-error")).to_contain_text("1991년부터 내년까지")
    expect(page.get_by_role("alert")).to_contain_text("입력한 내용을 확인하세요: 감사연도")
    expect(page.get_by_label("피감기관")).to_have_value("한빛시 교통실")
    assert fits(page)
    screenshot(page, f"register-audit-refused-{width}")

    year.fill("2019")
    screenshot(page, f"register-audit-{width}")
    page.get_by_role("button", name="감사 등록").click()
    expect(page.locator(".flash")).to_have_text("행정사무감사를 등록했습니다.")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "2019년 한빛시의회 교통위원회 · 한빛시 교통실"
    )
    expect(page.locator("dl.state")).to_contain_text("2020-04-30")

    page.get_by_role("link", name="지적사항 등록").click()
    expect(page.get_by_role("heading", name="지적사항 등록", exact=True)).to_be_visible()
    page.get_by_label("구분").select_option(label="건의사항")
    page.get_by_label("연번").fill("1")
    page.get_by_label("담당부서").select_option(SOCIAL)
    page.get_by_label("요구의원").fill("김한빛 의원")
    page.get_by_label("요구사항").fill(REQUEST)
    assert fits(page)
    screenshot(page, f"register-finding-{width}")
    page.get_by_role("button", name="지적사항 등록").click()

    expect(page.locator(".flash")).to_have_text("지적사항을 등록했습니다.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("건의사항 1")
    expect(page.locator(".request-text")).to_have_text(REQUEST)
    expect(page.locator("dl.state")).to_contain_text(SOCIAL)
    expect(page.locator("dl.state")).to_contain_text("2020-04-30")  # the audit's default

    # The finding in the list, from the audit's page.
    page.goto(
        f"{web.url}/audits/{Audit.create_id('한빛시의회', '교통위원회', '한빛시 교통실', 2019)}"
    )
    page.locator("ul.stats a").filter(has_text="지적사항").click()
    row = page.locator("table.findings tbody tr").filter(has_text=REQUEST[:20])
    expect(row).to_have_count(1)
    expect(row).to_contain_text("건의사항 1")
    expect(row).to_contain_text(SOCIAL)
