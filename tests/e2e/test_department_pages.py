"""The per-department 총괄 page, the 총괄 page's charts, and the opt-in public page."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from application.access import Principal
from domain.vocabulary import FindingKind
from tests.e2e.api_support import ROLES, SOCIAL, seeded_api, settings_for
from tests.e2e.test_history_page import _login

UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def cell(page: str, row: str, column: str) -> str:
    found = re.search(rf'data-row="{row}" data-col="{column}"[^>]*>(?:<a [^>]*>)?([^<]*)', page)
    assert found is not None, (row, column)
    return found.group(1)


def test_the_department_page_and_the_summary_charts(tmp_path: Path) -> None:
    with seeded_api(settings_for(f"sqlite:///{tmp_path}/followup.db", tmp_path)) as api:
        client = api.client
        assert client.get("/departments", follow_redirects=False).status_code == 303  # login
        _login(client, "viewer")
        page = client.get("/departments").text
        assert '<a href="/departments" aria-current="page">부서별 총괄</a>' in page
        # The seed: 56 = 54 완료 + 2 추진중; 사회적경제담당관 16 = 14 + 2.
        assert [cell(page, "total", c) for c in ("total", "completed", "in_progress")] == [
            "56",
            "54",
            "2",
        ]
        assert cell(page, "total", "completion_rate") == "96.4%"
        assert cell(page, "total", "overdue") == "-"
        assert '<th scope="row">사회적경제담당관</th>' in page
        assert ">87.5% (14/16)</text>" in page  # the completion chart's bar …
        assert '<td class="number">87.5% (14/16)</td>' in page  # … and its table
        # Before the seed's report date nothing was registered.
        before = client.get("/departments", params={"as_of": "2018-11-14"}).text
        assert "해당하는 지적사항이 없습니다." in before
        refused = client.get("/departments", params={"as_of": "어제"})
        assert refused.status_code == 422 and "기준일" in refused.text

        summary = client.get("/summary", params={"audit": str(api.audit_id)}).text
        assert "미종결 지적사항 추이" in summary and 'role="img"' in summary
        assert 'data-day="2018-11-15" data-value="56"' in summary  # claims wait: all open
        as_of = client.get("/summary", params={"as_of": "2018-11-15"}).text
        assert "처리기한 경과 기간 (2018-11-15 기준)" in as_of


def test_the_public_page_is_not_there_unless_opted_in(tmp_path: Path) -> None:
    settings = settings_for(f"sqlite:///{tmp_path}/followup.db", tmp_path)
    with TestClient(create_app(settings)) as client:
        response = client.get("/public")
        assert response.status_code == 404
        assert "로그인" not in response.text


def test_the_public_page_shows_counts_and_nothing_about_people(tmp_path: Path) -> None:
    settings = settings_for(f"sqlite:///{tmp_path}/followup.db", tmp_path)
    settings.public_summary = True
    with seeded_api(settings) as api:
        services = api.app.state.runtime.services
        services.audits.register_finding(
            Principal.system(),
            audit_id=api.audit_id,
            kind=FindingKind.OTHER,
            seq=24,
            request="공개되면 안 되는 요구사항 본문",
            department=SOCIAL,
            raised_by="김의원",
            business_date=date(2018, 11, 15),
        )
        requests = [r.request for r in services.queries.list_findings()]
        api.client.cookies.clear()  # anonymous
        response = api.client.get("/public")
        assert response.status_code == 200
        page = response.text
        assert "처리결과 총괄 (2017년 서울특별시의회 기획경제위원회 · 일자리노동정책관)" in page
        assert re.search(r'data-row="total" data-col="total">57<', page)
        assert '<td class="number">82.4% (14/17)</td>' in page
        for request in requests:
            assert request[:20] not in page
        assert "김의원" not in page
        assert not UUID_TEXT.search(page)  # no audit, finding, department or account id
        for name in ROLES:
            assert f">{name}<" not in page and f"({name})" not in page
        assert "로그아웃" not in page and "/findings" not in page
