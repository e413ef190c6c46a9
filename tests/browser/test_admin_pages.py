"""The administrator's pages in Chromium: users, API tokens and departments.

An administrator does each action through the page; other roles get the 403 page;
odd input gets a 422 with a Korean message beside its form, never a 500.
"""

from __future__ import annotations

import contextlib

import pytest
from playwright.sync_api import Locator, Page, expect

from domain.errors import DomainError
from tests.browser.conftest import LAPTOP, PHONE, PageFactory, Web, csrf_token, login, screenshot
from tests.e2e.api_support import PASSWORD

VIEWPORTS = pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1366", "390"])
NEW_PASSWORD = "관리자가-정한-새-비밀번호"


def card(page: Page, name: str) -> Locator:
    return page.locator("section.card", has=page.get_by_role("heading", name=name, level=2))


def fits(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def me_with_token(web: Web, who: str) -> int:
    return web.api.client.get("/api/v1/me", headers=web.api.auth(who)).status_code


@VIEWPORTS
def test_an_administrator_manages_the_users(
    web: Web, new_page: PageFactory, viewport: dict[str, int]
) -> None:
    width = viewport["width"]
    # Five failed sign-ins lock the name 'staff' (from one client).
    accounts = web.api.app.state.accounts
    for _ in range(5):
        with contextlib.suppress(DomainError):
            accounts.authenticate("staff", "wrong-password", "203.0.113.9")

    page = new_page(viewport)
    login(page, web, "admin")
    page.get_by_role("navigation", name="주 메뉴").get_by_role("link", name="관리").click()
    expect(page.get_by_role("heading", name="사용자 관리", level=1)).to_be_visible()
    table = page.locator("table.users")
    expect(table.locator("tbody tr")).to_have_count(5)
    viewer_row = table.locator("tr", has_text="viewer")
    expect(viewer_row).to_contain_text("열람자")
    expect(viewer_row).to_contain_text("사용 중")
    expect(table.locator("tr", has_text="social")).to_contain_text("사회적경제담당관")
    expect(table.locator("tr", has_text="staff")).to_contain_text("까지 제한")
    # Korean labels only: no role codes, account ids or password hashes on the page.
    body = page.locator("main").inner_text()
    for internal in ("department_officer", "council_staff", "argon2", "dept-"):
        assert internal not in body
    screenshot(page, f"admin-users-{width}")
    assert fits(page)

    # Disable: the token stops at once; enable: it works again.
    assert me_with_token(web, "viewer") == 200
    card(page, "viewer").get_by_role("button", name="사용 중지").click()
    expect(page.locator(".flash")).to_contain_text("사용자를 사용 중지했습니다.")
    expect(table.locator("tr", has_text="viewer")).to_contain_text("사용 중지")
    assert me_with_token(web, "viewer") == 401
    card(page, "viewer").get_by_role("button", name="다시 사용").click()
    expect(page.locator(".flash")).to_contain_text("다시 사용할 수 있게 했습니다.")
    assert me_with_token(web, "viewer") == 200

    # Reset a password: typed twice; the old one stops, the new one signs in.
    labour = card(page, "labour")
    labour.get_by_label("새 비밀번호 (8자 이상)").fill(NEW_PASSWORD)
    labour.get_by_label("새 비밀번호 확인").fill(NEW_PASSWORD + "x")
    with page.expect_response(lambda r: r.url.endswith("/admin/users/password")) as sent:
        labour.get_by_role("button", name="비밀번호 바꾸기").click()
    assert sent.value.status == 422
    expect(card(page, "labour").get_by_role("alert")).to_have_text(
        "두 번 입력한 새 비밀번호가 서로 다릅니다."
    )
    screenshot(page, f"admin-users-refused-{width}")
    labour = card(page, "labour")
    labour.get_by_label("새 비밀번호 (8자 이상)").fill(NEW_PASSWORD)
    labour.get_by_label("새 비밀번호 확인").fill(NEW_PASSWORD)
    labour.get_by_role("button", name="비밀번호 바꾸기").click()
    expect(page.locator(".flash")).to_contain_text("비밀번호를 바꿨습니다.")
    assert page.locator("main").inner_text().count(NEW_PASSWORD) == 0
    other = new_page(viewport)
    login(other, web, "labour", NEW_PASSWORD)
    with pytest.raises(DomainError):
        accounts.authenticate("labour", PASSWORD, "198.51.100.7")

    # Change role and department: the viewer becomes an officer of 노동정책담당관.
    viewer = card(page, "viewer")
    viewer.get_by_label("역할", exact=True).select_option(label="부서 담당자")
    with page.expect_response(lambda r: r.url.endswith("/admin/users/role")) as sent:
        viewer.get_by_role("button", name="역할 바꾸기").click()
    assert sent.value.status == 422  # an officer needs a department
    expect(card(page, "viewer").get_by_role("alert")).to_have_text(
        "부서 담당자에게는 등록된 담당부서가 하나 이상 있어야 합니다."
    )
    viewer = card(page, "viewer")
    viewer.get_by_label("역할", exact=True).select_option(label="부서 담당자")
    viewer.get_by_label("담당부서 (부서 담당자만, 하나 이상)").select_option(label="노동정책담당관")
    viewer.get_by_role("button", name="역할 바꾸기").click()
    expect(page.locator(".flash")).to_contain_text("역할과 담당부서를 바꿨습니다.")
    row = table.locator("tr", has_text="viewer")
    expect(row).to_contain_text("부서 담당자")
    expect(row).to_contain_text("노동정책담당관")

    # Unlock the name locked above.
    card(page, "staff").get_by_role("button", name="제한 풀기").click()
    expect(page.locator(".flash")).to_have_text("로그인 제한을 풀었습니다.")
    expect(table.locator("tr", has_text="staff")).to_contain_text("없음")
    assert accounts.authenticate("staff", PASSWORD, "203.0.113.9").name == "staff"

    # The only administrator can neither disable nor demote itself.
    card(page, "admin").get_by_role("button", name="사용 중지").click()
    expect(card(page, "admin").get_by_role("alert")).to_contain_text(
        "사용 중인 관리자가 이 계정 하나뿐입니다"
    )
    admin = card(page, "admin")
    admin.get_by_label("역할", exact=True).select_option(label="열람자")
    admin.get_by_role("button", name="역할 바꾸기").click()
    expect(card(page, "admin").get_by_role("alert")).to_contain_text("관리자가 이 계정 하나뿐")
    expect(table.locator("tr", has_text="admin")).to_contain_text("관리자")
    assert fits(page)


def test_odd_input_is_refused_with_422_and_a_message(web: Web, new_page: PageFactory) -> None:
    page = new_page(PHONE)
    login(page, web, "admin")
    page.goto(f"{web.url}/admin/users")
    token = csrf_token(page)
    posts = [
        ("/admin/users/disable", {"name": ""}, "사용자를 찾을 수 없습니다."),
        ("/admin/users/disable", {"name": "x" * 5000}, "사용자를 찾을 수 없습니다."),
        ("/admin/users/enable", {"name": "a\x00b\x1b"}, "사용자를 찾을 수 없습니다."),
        ("/admin/users/unlock", {"name": "없는사람"}, "사용자를 찾을 수 없습니다."),
        (
            "/admin/users/role",
            {"name": "staff", "role": "chief"},
            "입력값이 올바르지 않습니다: 역할",
        ),
        (
            "/admin/users/role",
            {"name": "staff", "role": "department_officer", "department": "없는부서\x07"},
            "등록되지 않은 부서입니다: 없는부서",
        ),
        (
            "/admin/users/role",
            {"name": "staff", "role": "viewer", "department": "노동정책담당관"},
            "담당부서는 부서 담당자에게만 지정할 수 있습니다.",
        ),
        (
            "/admin/users/password",
            {"name": "staff", "password": "short", "password_repeat": "short"},
            "비밀번호는 8자 이상이어야 합니다.",
        ),
        ("/admin/tokens/revoke", {"token_id": ""}, "API 토큰을 찾을 수 없습니다."),
        ("/admin/tokens/revoke", {"token_id": "토큰\x00" * 500}, "API 토큰을 찾을 수 없습니다."),
        ("/admin/departments/register", {"name": " \t "}, "부서명을 입력하세요."),
        ("/admin/departments/register", {"name": "가" * 300}, "200자까지"),
        ("/admin/departments/register", {"name": "노동정책담당관"}, "이미 어느 부서가"),
        (
            "/admin/departments/rename",
            {
                "name": "노동정책담당관",
                "new_name": "노동정책관",
                "effective_on": "2018-13-40",
                "reason": "개편",
            },
            "입력값이 올바르지 않습니다: 시행일",
        ),
        (
            "/admin/departments/merge",
            {
                "name": "없는부서",
                "into": "노동정책담당관",
                "effective_on": "2018-11-01",
                "reason": "개편",
            },
            "등록되지 않은 부서입니다: 없는부서",
        ),
        (
            "/admin/departments/merge",
            {
                "name": "노동정책담당관",
                "into": "사회적경제담당관",
                "effective_on": "2018-11-01",
                "reason": "\x00 ",
            },
            "사유를 입력해야 합니다.",
        ),
    ]
    for path, form, message in posts:
        answer = page.request.post(
            f"{web.url}{path}", form={**form, "csrf_token": token}, max_redirects=0
        )
        assert answer.status == 422, (path, form, answer.status)
        assert message in answer.text(), (path, form)
    # Nothing was changed by any of them.
    users = {u.name: u for u in web.api.app.state.accounts.list_users()}
    assert users["staff"].role.value == "council_staff" and users["staff"].active
    # One refusal as the browser shows it: the message beside the form.
    page.goto(f"{web.url}/admin/departments")
    page.get_by_label("부서명").fill("사회적경제담당관")
    page.get_by_role("button", name="등록").click()
    expect(page.locator("#register-error")).to_contain_text("이미 어느 부서가")
    expect(page.get_by_label("부서명")).to_have_value("사회적경제담당관")
    screenshot(page, "admin-departments-refused-390")


@VIEWPORTS
def test_an_administrator_revokes_tokens_and_reorganises_departments(
    web: Web, new_page: PageFactory, viewport: dict[str, int]
) -> None:
    width = viewport["width"]
    page = new_page(viewport)
    login(page, web, "admin")
    page.goto(f"{web.url}/admin/users")
    page.get_by_role("navigation", name="관리 메뉴").get_by_role("link", name="API 토큰").click()
    expect(page.get_by_role("heading", name="API 토큰 관리", level=1)).to_be_visible()
    rows = page.locator("table.tokens tbody tr")
    expect(rows).to_have_count(5)  # one per seeded user
    body = page.locator("main").inner_text()
    for secret in web.api.tokens.values():
        assert secret not in body and secret not in page.content()
    screenshot(page, f"admin-tokens-{width}")
    assert fits(page)

    assert me_with_token(web, "social") == 200
    rows.filter(has_text="social").get_by_role("button", name="폐기").click()
    expect(page.locator(".flash")).to_contain_text("API 토큰을 폐기했습니다.")
    expect(rows.filter(has_text="social")).to_contain_text("폐기됨")
    expect(rows.filter(has_text="social").get_by_role("button", name="폐기")).to_have_count(0)
    assert me_with_token(web, "social") == 401
    assert me_with_token(web, "labour") == 200

    # Departments: register, rename, merge, each confirmed and shown in the list.
    page.get_by_role("navigation", name="관리 메뉴").get_by_role("link", name="부서").click()
    expect(page.get_by_role("heading", name="부서 관리", level=1)).to_be_visible()
    page.get_by_label("부서명").fill("감사담당관")
    page.get_by_role("button", name="등록").click()
    expect(page.locator(".flash")).to_have_text("부서를 등록했습니다.")
    listed = page.locator("table.departments-admin tbody")
    expect(listed).to_contain_text("감사담당관")

    rename = page.get_by_role("form", name="부서 명칭 변경")
    rename.get_by_label("부서", exact=True).select_option(label="감사담당관")
    rename.get_by_label("새 명칭").fill("감사관")
    rename.get_by_label("시행일").fill("2018-11-01")
    rename.get_by_label("사유").fill("조직 개편")
    rename.get_by_role("button", name="명칭 바꾸기").click()
    expect(page.locator(".flash")).to_have_text("부서 명칭을 바꿨습니다.")
    renamed = listed.locator("tr", has_text="감사관")
    expect(renamed).to_contain_text("감사담당관")  # its former name

    merge = page.get_by_role("form", name="부서 통합")
    merge.get_by_label("통합되는 부서").select_option(label="노동정책담당관")
    merge.get_by_label("통합하는 부서").select_option(label="사회적경제담당관")
    merge.get_by_label("시행일").fill("2018-11-01")
    merge.get_by_label("사유").fill("조직 개편")
    merge.get_by_role("button", name="통합하기").click()
    expect(page.locator(".flash")).to_have_text("부서를 통합했습니다.")
    expect(listed.locator("tr", has_text="노동정책담당관")).to_contain_text(
        "사회적경제담당관(으)로 통합 (2018-11-01)"
    )
    assert "dept-" not in page.locator("main").inner_text()
    screenshot(page, f"admin-departments-{width}")
    assert fits(page)


def test_other_roles_get_the_403_page_and_no_admin_link(web: Web, new_page: PageFactory) -> None:
    for who in ("staff", "viewer"):
        page = new_page(PHONE)
        login(page, web, who)
        expect(page.get_by_role("navigation", name="주 메뉴")).not_to_contain_text("관리")
        for path in ("/admin/users", "/admin/tokens", "/admin/departments"):
            answer = page.goto(f"{web.url}{path}")
            assert answer is not None and answer.status == 403, (who, path)
            expect(page.get_by_role("alert")).to_have_text("이 화면은 관리자만 사용할 수 있습니다.")
        token = csrf_token(page)
        for path, form in (
            ("/admin/users/disable", {"name": "admin"}),
            ("/admin/tokens/revoke", {"token_id": "deadbeef"}),
            ("/admin/departments/register", {"name": "몰래 만든 부서"}),
        ):
            answer = page.request.post(
                f"{web.url}{path}", form={**form, "csrf_token": token}, max_redirects=0
            )
            assert answer.status == 403, (who, path)
        screenshot(page, f"admin-forbidden-{who}-390")
    assert all(u.active for u in web.api.app.state.accounts.list_users())
    # And without the CSRF token even an administrator's post is refused.
    page = new_page()
    login(page, web, "admin")
    answer = page.request.post(
        f"{web.url}/admin/users/disable", form={"name": "viewer"}, max_redirects=0
    )
    assert answer.status == 403
    assert all(u.active for u in web.api.app.state.accounts.list_users())
