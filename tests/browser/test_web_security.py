"""What the web UI refuses: CSRF-less posts, forged forms, stale versions, scripts in texts."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import expect

from application.access import Principal
from application.writer import Target
from domain.vocabulary import FindingKind
from tests.browser.conftest import PHONE, PageFactory, Web, csrf_token, login, screenshot

XSS = "<script>window.__xss=1</script>"


def principal_of(web: Web, name: str) -> Principal:
    user = next(u for u in web.api.app.state.accounts.list_users() if u.name == name)
    principal: Principal = user.principal()
    return principal


def version_of(web: Web, kind: FindingKind, seq: int) -> int:
    return int(
        web.api.app.state.runtime.services.queries.get_finding(web.finding(kind, seq)).version
    )


def test_a_form_post_without_the_csrf_token_is_refused(web: Web, new_page: PageFactory) -> None:
    page = new_page()
    login(page, web, "social")
    finding = web.finding(FindingKind.CORRECTIVE, 1)
    before = version_of(web, FindingKind.CORRECTIVE, 1)
    # The session cookie goes along (same browser context); the token does not.
    response = page.request.post(
        f"{web.url}/findings/{finding}/comment",
        form={"text": "토큰 없는 의견", "expected_version": str(before)},
        max_redirects=0,
    )
    assert response.status == 403
    assert "CSRF" in response.text()
    wrong = page.request.post(
        f"{web.url}/findings/{finding}/comment",
        form={"text": "틀린 토큰", "expected_version": str(before), "csrf_token": "x" * 43},
        max_redirects=0,
    )
    assert wrong.status == 403
    assert page.request.post(f"{web.url}/logout", max_redirects=0).status == 403
    assert version_of(web, FindingKind.CORRECTIVE, 1) == before
    # With the page's own token the same post goes through (and the session still works).
    page.goto(f"{web.url}/findings/{finding}")
    ok = page.request.post(
        f"{web.url}/findings/{finding}/comment",
        form={
            "text": "토큰 있는 의견",
            "expected_version": str(before),
            "csrf_token": csrf_token(page),
        },
        max_redirects=0,
    )
    assert ok.status == 303
    assert version_of(web, FindingKind.CORRECTIVE, 1) == before + 1


def test_anonymous_visitors_are_sent_to_login_and_come_back(
    web: Web, new_page: PageFactory
) -> None:
    page = new_page()
    page.goto(f"{web.url}/summary?as_of=2018-11-15")
    expect(page).to_have_url(f"{web.url}/login?next=%2Fsummary%3Fas_of%3D2018-11-15")
    page.get_by_label("아이디").fill("viewer")
    page.get_by_label("비밀번호").fill("wrong-password")
    page.get_by_role("button", name="로그인").click()
    expect(page.get_by_role("alert")).to_have_text("아이디 또는 비밀번호가 올바르지 않습니다.")
    expect(page.get_by_label("아이디")).to_have_value("viewer")
    page.get_by_label("비밀번호").fill("correct-horse-battery")
    page.get_by_role("button", name="로그인").click()
    expect(page).to_have_url(f"{web.url}/summary?as_of=2018-11-15")
    expect(page.locator("table.summary caption")).to_contain_text("2018-11-15 기준")
    # Logging out ends the session: the pages ask for a login again.
    page.get_by_role("button", name="로그아웃").click()
    expect(page.locator(".flash")).to_have_text("로그아웃했습니다.")
    page.goto(f"{web.url}/findings")
    expect(page.get_by_role("heading", name="로그인")).to_be_visible()


def test_login_is_throttled_after_repeated_failures(web: Web, new_page: PageFactory) -> None:
    page = new_page()
    page.goto(f"{web.url}/login")
    for _ in range(5):
        page.get_by_label("아이디").fill("labour")
        page.get_by_label("비밀번호").fill("not-the-password")
        page.get_by_role("button", name="로그인").click()
        expect(page.get_by_role("alert")).to_contain_text("올바르지 않습니다")
    page.get_by_label("비밀번호").fill("correct-horse-battery")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="로그인").click()
    assert answer.value.status == 429
    expect(page.get_by_role("alert")).to_contain_text("로그인 실패가 많아 잠시 잠겼습니다")
    expect(page.get_by_role("alert")).to_contain_text("분 후")


def test_a_refused_form_keeps_the_users_text(web: Web, new_page: PageFactory) -> None:
    page = new_page()
    login(page, web, "social")
    page.goto(web.finding_url(FindingKind.CORRECTIVE, 1))
    form = page.locator("#form-report")
    form.get_by_label("추진상황").select_option(label="완료")
    form.get_by_label("추진내용").fill("○ 심사기준 강화 완료 (사용자가 쓴 글)")
    form.get_by_label("향후계획").fill("○ 하반기 점검")
    # Meanwhile council staff comment: the version the page shows is stale now.
    web.api.app.state.runtime.services.findings.add_comment(
        Target(principal_of(web, "staff"), web.finding(FindingKind.CORRECTIVE, 1)), text="동시 의견"
    )
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        form.get_by_role("button", name="보고").click()
    assert answer.value.status == 409
    form = page.locator("#form-report")
    expect(form.get_by_role("alert")).to_contain_text("다른 사용자가 먼저 변경했습니다")
    expect(form.get_by_label("추진내용")).to_have_value("○ 심사기준 강화 완료 (사용자가 쓴 글)")
    expect(form.get_by_label("향후계획")).to_have_value("○ 하반기 점검")
    expect(form.get_by_label("추진상황")).to_have_value("completed")
    expect(page.locator("ol.timeline > li").last).to_contain_text("동시 의견")
    screenshot(page, "finding-refused-form")
    # The page now carries the current version: sending again goes through.
    form.get_by_role("button", name="보고").click()
    expect(page.locator(".flash")).to_have_text("추진상황을 보고했습니다.")
    expect(page.locator("dl.state")).to_contain_text("이행확인 대기")

    # A return without a reason is refused by the application; the choice is kept.
    staff = new_page()
    login(staff, web, "staff")
    staff.goto(web.finding_url(FindingKind.CORRECTIVE, 1))
    verification = staff.locator("#form-verification")
    verification.get_by_label("의견 또는 보완요구 사유").fill("   ")
    with staff.expect_response(lambda r: r.request.method == "POST") as answer:
        verification.get_by_role("button", name="보완요구(반려)").click()
    assert answer.value.status == 422
    expect(staff.locator("#form-verification").get_by_role("alert")).to_have_text(
        "사유를 입력해야 합니다."
    )


def test_forms_follow_the_role_and_the_application_refuses_a_forged_one(
    web: Web, new_page: PageFactory
) -> None:
    viewer = new_page()
    login(viewer, web, "viewer")
    finding = web.finding(FindingKind.CORRECTIVE, 1)
    viewer.goto(f"{web.url}/findings/{finding}")
    expect(viewer.get_by_role("heading", name="처리", exact=True)).to_have_count(0)
    # A viewer only reads: no form posts anything (the 기준일 picker is a GET).
    expect(viewer.locator("main form[method=post]")).to_have_count(0)
    expect(viewer.get_by_role("link", name="이행확인 대기")).to_have_count(0)
    before = version_of(web, FindingKind.CORRECTIVE, 1)
    forged = viewer.request.post(
        f"{web.url}/findings/{finding}/report",
        form={
            "status": "completed",
            "actions": "열람자가 보낸 보고",
            "expected_version": str(before),
            "csrf_token": csrf_token(viewer),
        },
        max_redirects=0,
    )
    assert forged.status == 403
    assert "이 작업을 할 권한이 없습니다." in forged.text()
    assert version_of(web, FindingKind.CORRECTIVE, 1) == before
    assert viewer.request.get(f"{web.url}/queue").status == 403

    # Another department's officer may read, but neither report nor verify.
    labour = new_page()
    login(labour, web, "labour")
    labour.goto(f"{web.url}/findings/{finding}")
    expect(labour.locator("#form-report")).to_have_count(0)
    expect(labour.locator("#form-verification")).to_have_count(0)
    # Its own department's finding offers the department's forms, not the council's.
    mine = web.api.app.state.runtime.services.queries.list_findings()
    own = next(r for r in mine if r.department == "노동정책담당관")
    labour.goto(f"{web.url}/findings/{own.finding_id}")
    expect(labour.locator("#form-report")).to_have_count(1)
    # More time is asked for a due date: none is set yet, so not offered yet.
    expect(labour.locator("#form-extension_request")).to_have_count(0)
    web.api.app.state.runtime.services.findings.change_due_date(
        Target(Principal.system(), own.finding_id), due_date=date(2019, 1, 31), reason="기한"
    )
    labour.reload()
    expect(labour.locator("#form-extension_request")).to_have_count(1)
    expect(labour.locator("#form-due_date")).to_have_count(0)
    expect(labour.locator("#form-reassign")).to_have_count(0)


def test_request_texts_are_shown_as_text_and_never_run(web: Web, new_page: PageFactory) -> None:
    services = web.api.app.state.runtime.services
    finding = services.audits.register_finding(
        principal_of(web, "staff"),
        audit_id=web.api.audit_id,
        kind=FindingKind.OTHER,
        seq=99,
        request=XSS,
        department="사회적경제담당관",
        raised_by="<b>의원</b>",
    )
    page = new_page()
    login(page, web, "social")
    page.goto(f"{web.url}/findings?kind=other")
    expect(page.get_by_role("link", name=XSS, exact=True)).to_be_visible()
    assert page.evaluate("() => window.__xss") is None
    page.get_by_role("link", name=XSS, exact=True).click()
    expect(page.locator(".request-text")).to_have_text(XSS)
    expect(page.locator("dl.state")).to_contain_text("<b>의원</b>")
    expect(page.locator("ol.timeline")).to_contain_text(XSS)
    assert page.evaluate("() => window.__xss") is None
    assert page.locator("main script").count() == 0
    # Texts typed into forms are data too.
    comment = '<img src=x onerror="window.__xss=2">'
    page.locator("#form-comment").get_by_label("의견 내용").fill(comment)
    page.locator("#form-comment").get_by_role("button", name="의견 등록").click()
    expect(page.locator("ol.timeline > li").last).to_contain_text(comment)
    assert page.locator("main img").count() == 0
    assert page.evaluate("() => window.__xss") is None
    # The dashboard and the inbox list request texts as well.
    page.goto(f"{web.url}/")
    expect(page.get_by_role("link", name=XSS, exact=True)).to_be_visible()
    assert page.evaluate("() => window.__xss") is None
    assert str(finding) in page.content()


def test_pages_fit_a_phone_screen(web: Web, new_page: PageFactory) -> None:
    page = new_page(PHONE)
    login(page, web, "social")
    for name, url in {
        "finding": web.finding_url(FindingKind.CORRECTIVE, 1),
        "findings": f"{web.url}/findings",
        "summary": f"{web.url}/summary",
        "inbox": f"{web.url}/inbox",
        "dashboard": f"{web.url}/",
    }.items():
        page.goto(url)
        # No horizontal scrolling of the page itself (wide tables scroll in their own box).
        widths = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.body.scrollWidth,"
            " window.innerWidth]"
        )
        assert widths[0] <= widths[2] and widths[1] <= widths[2], (name, widths)
    page.goto(web.finding_url(FindingKind.CORRECTIVE, 1))
    expect(page.locator("#form-report").get_by_label("추진내용")).to_be_visible()
    screenshot(page, "finding-phone")


def test_a_right_to_left_override_in_a_text_reorders_nothing_around_it(
    web: Web, new_page: PageFactory
) -> None:
    page = new_page()
    login(page, web, "social")
    page.goto(web.finding_url(FindingKind.CORRECTIVE, 2))
    override = "역방향\u202eBOM"
    page.locator("#form-comment").get_by_label("의견 내용").fill(override + " 다음")
    page.locator("#form-comment").get_by_role("button", name="의견 등록").click()
    entry = page.locator("ol.timeline > li").last
    expect(entry).to_contain_text("BOM")
    # The innermost element holding the text is its own bidi island: the override
    # ends with it, so whatever follows reads left to right as written.
    isolation = page.evaluate(
        """() => {
            const walker = document.createTreeWalker(document.querySelector('main'),
                NodeFilter.SHOW_TEXT);
            const found = [];
            for (let n = walker.nextNode(); n; n = walker.nextNode()) {
                if (!n.data.includes('\\u202e')) continue;
                const e = n.parentElement;
                const bidi = getComputedStyle(e).unicodeBidi;
                found.push(`${e.tagName}.${e.className}:${bidi}`);
            }
            return found;
        }"""
    )
    assert isolation and all(i.endswith((":isolate", ":plaintext")) for i in isolation), isolation
    screenshot(page, "bidi-override-isolated")
