"""Odd input on the queue, inbox, list and admin pages: a 4xx with a message, never a
500, never a name echoed with its bidi controls; a POST a role may not make is a 403."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from domain.vocabulary import FindingKind
from tests.e2e.api_support import Api, seeded_api, settings_for
from tests.e2e.test_history_page import _login
from tests.e2e.test_yearly_pages import csrf


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    with seeded_api(settings_for(database_url, tmp_path)) as api:
        api.client.follow_redirects = False
        yield api


@pytest.mark.parametrize("path", ["/queue", "/inbox", "/findings"])
@pytest.mark.parametrize("page", ["²", "١٢", "0", "-1", "abc", "9" * 40])
def test_odd_page_numbers_show_a_page(api: Api, path: str, page: str) -> None:
    _login(api.client, "staff")
    response = api.client.get(path, params={"page": page})
    assert response.status_code == 200, response.text[:300]


def test_a_department_filter_with_bidi_or_control_characters_is_refused_unechoed(
    api: Api,
) -> None:
    _login(api.client, "staff")
    for path in ("/queue", "/findings", "/summary"):
        for odd in ("없는부서\u202e서부", "사회적경제\u0007담당관"):
            response = api.client.get(path, params={"department": odd})
            assert response.status_code == 422, path
            assert "쓸 수 없는 문자" in response.text
            assert odd not in response.text


def test_a_department_officer_posting_to_the_queue_gets_403(api: Api) -> None:
    _login(api.client, "social")
    token = csrf(api.client, "/")
    response = api.client.post(
        "/queue", data={"csrf_token": token, "action": "verify", "pick": "x:1"}
    )
    assert response.status_code == 403


def test_marking_read_redirects_back_and_odd_keys_change_nothing(api: Api) -> None:
    runtime = api.app.state.runtime
    runtime.reminder_job().run(runtime.services.clock.today())
    _login(api.client, "staff")
    token = csrf(api.client, "/inbox")
    odd = ["x", "1:2:3", f"{api.finding(FindingKind.CORRECTIVE, 1)}:²:0:staff", "a:b:c:d:e"]
    response = api.client.post(
        "/inbox/read?page=²&unread=1", data={"csrf_token": token, "entry": odd}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/inbox?unread=1&page=1&done=inbox_read"
    page = api.client.get(response.headers["location"])
    assert "알림을 읽음으로 표시했습니다." in page.text
    assert "(읽지 않음 54건)" in page.text  # nothing was marked


def test_admin_department_forms_refuse_what_the_api_refuses(api: Api) -> None:
    _login(api.client, "admin")
    token = csrf(api.client, "/admin/departments")
    for name in ("새부서\u202e", "새부서\u200f", "새\u0000부서"):
        response = api.client.post(
            "/admin/departments/register", data={"csrf_token": token, "name": name}
        )
        assert response.status_code == 422, name
        assert "쓸 수 없는 문자" in response.text
    renamed = api.client.post(
        "/admin/departments/rename",
        data={
            "csrf_token": token,
            "name": "사회적경제담당관",
            "new_name": "사회적경제과",
            "effective_on": "9999-01-01",
            "reason": "조직 개편",
        },
    )
    assert renamed.status_code == 422
    assert "1900~2100년" in renamed.text
    names = {d.name for d in api.app.state.runtime.services.queries.departments.list()}
    assert not any("새" in n for n in names) and "사회적경제과" not in names
