"""The yearly cycle in the web UI: carry-over and policy pages for staff, a finding's
page as of a date, repeat decisions, the import of a later report around closed
findings (SQLite: the same application calls run on PostgreSQL in the other tests)."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from application.access import Principal
from application.dto import FindingFilter
from application.importing import ImportOptions
from application.writer import Target
from domain.finding import Finding
from domain.vocabulary import FindingKind as K
from domain.vocabulary import Verification
from infrastructure.parsers import parse_document
from tests.conftest import SEED
from tests.e2e.api_support import seeded_api, settings_for
from tests.e2e.test_history_page import _login

AUDIT_2018 = Path(__file__).parents[1] / "fixtures" / "two_year" / "audit_2018.txt"


def csrf(client: TestClient, path: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found is not None, path
    return found.group(1)


def test_staff_carry_over_set_the_policy_and_link_repeats_on_pages(tmp_path: Path) -> None:
    with seeded_api(settings_for(f"sqlite:///{tmp_path}/followup.db", tmp_path)) as api:
        runtime = api.app.state.runtime
        second = runtime.services.importer.run(
            Principal.system(),
            parse_document(AUDIT_2018.read_bytes()),
            ImportOptions(council="서울특별시의회"),
        ).audit_id
        client = api.client
        _login(client, "viewer")
        assert client.get("/audits/carry-over").status_code == 403
        policy = client.get("/policy", params={"council": "서울특별시의회"}).text
        assert 'method="post" action="/policy"' not in policy and "기본 기한 없음" in policy
        client.cookies.clear()

        _login(client, "staff")
        token = csrf(client, "/audits/carry-over")
        form = {"csrf_token": token, "from_audit": str(api.audit_id), "to_audit": str(second)}
        preview = client.post("/audits/carry-over", data={**form, "confirm": "0"})
        assert preview.status_code == 200
        assert "이월할 지적사항 56건 (미리보기, 기록하지 않음)" in preview.text
        assert runtime.services.queries.summary(audit_id=second).carried is None
        done = client.post("/audits/carry-over", data={**form, "confirm": "1"})
        assert "56건을 이월했습니다" in done.text
        again = client.post("/audits/carry-over", data={**form, "confirm": "1"})
        assert "0건을 이월했습니다" in again.text
        backwards = {**form, "from_audit": str(second), "to_audit": str(api.audit_id)}
        refused = client.post("/audits/carry-over", data={**backwards, "confirm": "1"})
        assert refused.status_code == 422 and "더 나중 연도" in refused.text
        summary = client.get("/summary", params={"audit": str(second)}).text
        assert "전년도 미완료 (이월)" in summary
        listed = client.get("/findings", params={"audit": str(second)}).text
        assert "전년도 미완료 (이월) <small>56건</small>" in listed

        token = csrf(client, "/policy")
        bad = client.post(
            "/policy", data={"csrf_token": token, "council": "서울특별시의회", "corrective": "0"}
        )
        assert bad.status_code == 422 and "1~750 영업일" in bad.text
        good = client.post(
            "/policy", data={"csrf_token": token, "council": "서울특별시의회", "corrective": "20"}
        )
        assert good.status_code == 200 and "처리기한이 바뀐 지적사항 0건" in good.text
        assert runtime.services.policies.days("서울특별시의회") == {"corrective": 20}

        # A 2018 finding re-raising a 2017 one: suggested on its page, confirmed there.
        repeated = Finding.create_id(second, K.CORRECTIVE, 1)
        page = client.get(f"/findings/{repeated}").text
        assert "반복 지적 후보" in page
        earlier = Finding.create_id(api.audit_id, K.CORRECTIVE, 18)
        version = re.search(r'name="expected_version" value="(\d+)"', page)
        assert version is not None
        confirmed = client.post(
            f"/findings/{repeated}/repeat",
            data={
                "csrf_token": token,
                "expected_version": version.group(1),
                "earlier_finding_id": str(earlier),
                "decision": "confirm",
            },
            follow_redirects=True,
        )
        assert confirmed.status_code == 200 and "2년 연속" in confirmed.text
        assert "반복 지적 후보" not in confirmed.text
        assert "2년 연속</span> 1건" in client.get("/summary", params={"audit": str(second)}).text

        # The finding's page as of a day before its registration, and a bad date.
        then = client.get(f"/findings/{earlier}", params={"as_of": "2018-11-14"}).text
        assert "아직 등록되지 않았습니다" in then and "처리 이력 <small>(전체 0건" in then
        assert 'method="post"' not in then.split("<main", 1)[-1].split("</main>")[0]
        odd = client.get(f"/findings/{earlier}", params={"as_of": "2018-02-30"})
        assert "기준일" in odd.text and odd.status_code == 200


def test_the_next_report_lists_what_needs_a_decision(tmp_path: Path) -> None:
    with seeded_api(settings_for(f"sqlite:///{tmp_path}/followup.db", tmp_path)) as api:
        runtime = api.app.state.runtime
        queries = runtime.services.queries
        closed = next(
            f
            for f in queries.list_findings(FindingFilter(audit_id=api.audit_id, kind=K.CORRECTIVE))
            if f.verification is Verification.PENDING
        )
        runtime.services.findings.verify_claim(Target(Principal.system(), closed.finding_id))
        # The seed re-issued later, reporting that closed finding 추진중 again.
        lines = SEED.read_text(encoding="utf-8").splitlines(keepends=True)
        row = next(
            r
            for r in parse_document(SEED.read_bytes()).rows
            if r.kind is K.CORRECTIVE and r.seq == closed.seq
        )
        lines[row.line - 1] = lines[row.line - 1].replace(
            "추진상황 : 추진완료", "추진상황 : 추진중"
        )
        document = "".join(lines).replace("2018. 11. 15", "2019. 2. 15").encode()
        client = api.client
        _login(client, "staff")
        preview = client.post(
            "/import",
            data={
                "csrf_token": csrf(client, "/import"),
                "council": "서울특별시의회",
                "report_date": "2019-02-15",
            },
            files={"file": ("next.txt", document, "text/plain")},
        )
        assert preview.status_code == 200, preview.text
        assert "결정 필요 (종결된 지적사항)" in preview.text
        # Korean only on the page: the format named, no identifiers or English messages.
        assert "업무보고서 본문 (텍스트)" in preview.text and "seed_text" not in preview.text
        assert "FINDING_CLOSED" not in preview.text and 'lang="en"' not in preview.text
        assert "결정이 필요한 지적사항 (1건)" in preview.text
        assert f'href="/findings/{closed.finding_id}"' in preview.text
        assert runtime.tracker.finding(closed.finding_id).is_closed


def test_two_files_sent_where_one_is_asked_are_refused_on_pages(tmp_path: Path) -> None:
    with seeded_api(settings_for(f"sqlite:///{tmp_path}/followup.db", tmp_path)) as api:
        client = api.client
        _login(client, "staff")
        finding = api.finding(K.CORRECTIVE, 1)
        before = api.version(finding)
        document = SEED.read_bytes()
        preview = client.post(
            "/import",
            data={"csrf_token": csrf(client, "/import"), "council": "서울특별시의회"},
            files=[
                ("file", ("a.txt", document, "text/plain")),
                ("file", ("b.txt", document, "text/plain")),
            ],
        )
        assert preview.status_code == 422 and "파일은 하나만" in preview.text
        assert preview.headers["content-type"].startswith("text/html")  # the form again
        page = f"/findings/{finding}"
        attached = client.post(
            f"{page}/evidence",
            data={"csrf_token": csrf(client, page), "expected_version": str(before)},
            files=[
                ("file", ("a.pdf", b"%PDF-1.4 a", "application/pdf")),
                ("file", ("b.pdf", b"%PDF-1.4 b", "application/pdf")),
            ],
        )
        assert attached.status_code == 422 and "파일은 하나만" in attached.text
        assert api.version(finding) == before  # nothing attached


def test_the_list_page_takes_any_page_number_and_names_an_unknown_department(
    tmp_path: Path,
) -> None:
    with seeded_api(settings_for(f"sqlite:///{tmp_path}/followup.db", tmp_path)) as api:
        client = api.client
        _login(client, "staff")
        far = client.get("/findings", params={"page": "9" * 30})
        assert far.status_code == 200 and "시정·처리요구사항" in far.text  # the last page
        unknown = client.get("/findings", params={"department": "없는부서", "page": "2"})
        assert unknown.status_code == 422
        assert unknown.headers["content-type"].startswith("text/html")
        assert "등록되지 않은 부서입니다" in unknown.text
        client.post("/logout", data={"csrf_token": csrf(client, "/findings")})
        for name in ("staff\u202e", "st\u0007aff"):
            page = client.get("/login")
            token = re.search(r'name="login_csrf" value="([^"]+)"', page.text)
            assert token is not None
            refused = client.post(
                "/login",
                data={"name": name, "password": "x", "login_csrf": token.group(1)},
            )
            assert refused.status_code == 422 and "쓸 수 없는 문자" in refused.text


def test_a_findings_page_shows_people_no_internals_and_an_admin_its_details(
    tmp_path: Path,
) -> None:
    with seeded_api(settings_for(f"sqlite:///{tmp_path}/followup.db", tmp_path)) as api:
        finding = api.finding(K.CORRECTIVE, 3)
        for who in ("staff", "social", "viewer", "admin"):
            client = TestClient(api.app)
            _login(client, who)
            page = client.get(f"/findings/{finding}")
            assert page.status_code == 200, page.text
            internals = (
                'class="actor-id"',
                'class="version"',
                "기록 번호",
                ", in_progress)",
                "(원문:",
            )
            shown = [mark for mark in internals if mark in page.text]
            if who == "admin":
                assert shown == ['class="actor-id"', 'class="version"', "기록 번호"]
            else:
                assert shown == [], who
            assert "처리 이력" in page.text


def test_every_import_format_has_a_korean_label() -> None:
    from api.web.rendering import FORMAT_LABELS
    from infrastructure.parsers import FORMATS

    assert set(FORMAT_LABELS) == set(FORMATS)
