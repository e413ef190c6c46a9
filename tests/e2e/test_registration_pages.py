"""Registering audits and findings by form, and the import template from the import
page: success, every kind of odd input (422 beside its field, the form refilled, nothing
written), others than council staff (403), on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from urllib.parse import quote
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from application.dto import FindingFilter
from application.templates import TemplateFormat
from domain.audit import Audit
from domain.finding import Finding
from domain.vocabulary import KIND_LABELS, FindingKind
from infrastructure.exports.template import template_bytes
from tests.e2e.api_support import LABOUR, SOCIAL, Api, seeded_api, settings_for
from tests.e2e.test_history_page import _login
from tests.e2e.test_yearly_pages import csrf

COUNCIL, COMMITTEE, BODY = "한빛시의회", "행정자치위원회", "한빛시 기획조정실"
AUDIT_FORM = {
    "council": COUNCIL,
    "committee": COMMITTEE,
    "audited_body": BODY,
    "year": "2019",
    "session": "제300회 정례회",
    "audit_date": "2019-11-08",
    "adoption_date": "2019-12-20",
    "default_deadline": "2020-03-31",
}
FINDING_FORM = {
    "kind": "recommendation",
    "seq": "9",
    "request": "청년 창업 공간의 이용 실적을 분기마다 공개할 것\n○ 이용률 포함",
    "department": SOCIAL,
    "raised_by": "홍길동 의원",
    "due_date": "2020-06-30",
}


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    with seeded_api(settings_for(database_url, tmp_path)) as api:
        api.client.follow_redirects = False  # a form's answer is its 303 (or its refusal)
        yield api


def _staff(api: Api, path: str = "/audits/new") -> str:
    _login(api.client, "staff")
    return csrf(api.client, path)


def _field_error(page: str, field_id: str) -> str:
    """The message shown beside one field (its id, e.g. audit-year)."""
    found = re.search(rf'<p class="error" id="{field_id}-error">([^<]*)</p>', page)
    assert found is not None, f"no message beside {field_id}"
    return html.unescape(found.group(1))


def _value_of(page: str, field_id: str) -> str:
    found = re.search(rf'id="{field_id}" name="[a-z_]+" value="([^"]*)"', page)
    assert found is not None, field_id
    return html.unescape(found.group(1))


def _audit_count(api: Api) -> int:
    return len(api.app.state.services.queries.list_audits())


def _finding_count(api: Api, audit_id: UUID) -> int:
    return api.app.state.services.queries.count_findings(FindingFilter(audit_id=audit_id))


# -- success ---------------------------------------------------------------------------


def test_staff_register_an_audit_then_a_finding_and_see_it_listed(api: Api) -> None:
    client = api.client
    token = _staff(api)
    form = client.get("/audits/new").text
    for label in ("의회", "위원회", "피감기관", "감사연도", "회기", "감사일", "결과보고서 채택일"):
        assert f">{label}" in form
    assert 'href="/audits/new" aria-current="page">감사 등록</a>' in form

    posted = client.post("/audits/new", data={"csrf_token": token, **AUDIT_FORM})
    assert posted.status_code == 303
    audit_id = Audit.create_id(COUNCIL, COMMITTEE, BODY, 2019)
    assert posted.headers["location"] == f"/audits/{audit_id}?done=audit_registered"
    page = client.get(posted.headers["location"])
    assert page.status_code == 200
    assert "행정사무감사를 등록했습니다." in page.text
    assert f"2019년 {COUNCIL} {COMMITTEE} · {BODY}" in page.text
    assert "2020-03-31" in page.text  # the default deadline
    audit = api.app.state.services.queries.audit(audit_id)
    assert audit is not None and audit.default_deadline == date(2020, 3, 31)
    assert api.app.state.services.writer.events.audit(audit_id).session == "제300회 정례회"

    # The same audit again: the same audit, said so, nothing recorded twice.
    head = api.app.state.runtime.tracker.recorder.max_notification_id()
    again = client.post("/audits/new", data={"csrf_token": token, **AUDIT_FORM})
    assert again.headers["location"] == f"/audits/{audit_id}?done=audit_exists"
    assert api.app.state.runtime.tracker.recorder.max_notification_id() == head

    new_finding = f"/audits/{audit_id}/findings/new"
    assert f'href="{new_finding}"' in page.text
    form = client.get(new_finding).text
    for kind in FindingKind:  # the one label table
        assert f'<option value="{kind.value}">{KIND_LABELS[kind]}</option>' in form
    assert f'<option value="{SOCIAL}">{SOCIAL}</option>' in form
    assert "다음 번호: 시정·처리요구사항 1 · 건의사항 1 · 기타(자료제출 등) 1" in form

    created = client.post(new_finding, data={"csrf_token": token, **FINDING_FORM})
    assert created.status_code == 303, created.text
    finding_id = Finding.create_id(audit_id, FindingKind.RECOMMENDATION, 9)
    assert created.headers["location"] == f"/findings/{finding_id}?done=finding_registered"
    shown = client.get(created.headers["location"]).text
    assert "지적사항을 등록했습니다." in shown
    assert "청년 창업 공간의 이용 실적을 분기마다 공개할 것" in shown
    # The API reads the same finding.
    body = client.get(f"/api/v1/findings/{finding_id}", headers=api.auth("staff")).json()
    assert (body["department"], body["raised_by"], body["due_date"]) == (
        SOCIAL,
        "홍길동 의원",
        "2020-06-30",
    )
    assert body["request"] == FINDING_FORM["request"]
    assert (body["kind_label"], body["status"]) == ("건의사항", "under_review")

    # No due date typed: the audit's default deadline.
    second = {**FINDING_FORM, "kind": "corrective", "seq": "1", "due_date": "", "raised_by": ""}
    assert client.post(new_finding, data={"csrf_token": token, **second}).status_code == 303
    first = Finding.create_id(audit_id, FindingKind.CORRECTIVE, 1)
    body = client.get(f"/api/v1/findings/{first}", headers=api.auth("staff")).json()
    assert (body["due_date"], body["raised_by"]) == ("2020-03-31", None)

    listed = client.get("/findings", params={"audit": str(audit_id)}).text
    assert f'href="/findings/{finding_id}"' in listed and f'href="/findings/{first}"' in listed
    audit_page = client.get(f"/audits/{audit_id}").text
    assert f'href="/findings/{finding_id}"' in audit_page
    assert "다음 번호: 시정·처리요구사항 2 · 건의사항 10 · 기타(자료제출 등) 1" in audit_page


def test_the_audit_page_is_read_by_everyone_and_bad_ids_are_404(api: Api) -> None:
    _login(api.client, "viewer")
    page = api.client.get(f"/audits/{api.audit_id}")
    assert page.status_code == 200 and "지적사항 등록" not in page.text
    assert "전체 56건 보기" not in page.text and "<strong>56</strong> 지적사항" in page.text
    for path in ("/audits/not-a-uuid", f"/audits/{UUID(int=7)}"):
        missing = api.client.get(path)
        assert missing.status_code == 404 and "행정사무감사를 찾을 수 없습니다." in missing.text
    # The carry-over page keeps its own path.
    assert api.client.get("/audits/carry-over").status_code == 403


# -- odd input -------------------------------------------------------------------------

LONG = "가" * 201
AUDIT_CASES = [
    pytest.param(
        {f: "" for f in AUDIT_FORM}, {"audit-committee": "위원회을(를) 입력하세요."}, id="empty"
    ),
    pytest.param({"committee": "   "}, {"audit-committee": "입력하세요"}, id="blank"),
    pytest.param({"year": "9999"}, {"audit-year": "1991년부터 내년까지"}, id="year-9999"),
    pytest.param({"year": "이천십구"}, {"audit-year": "연도로"}, id="year-text"),
    pytest.param({"year": "2019.5"}, {"audit-year": "연도로"}, id="year-fraction"),
    pytest.param({"audit_date": "2017-02-30"}, {"audit-audit-date": "있는 날짜"}, id="feb-30"),
    pytest.param({"adoption_date": "9999-01-01"}, {"audit-adoption-date": "2100"}, id="y9999"),
    pytest.param({"default_deadline": "2020.3.31"}, {"audit-default-deadline": "YYYY"}, id="dots"),
    pytest.param({"committee": LONG}, {"audit-committee": "200자까지"}, id="long-name"),
    pytest.param({"session": LONG}, {"audit-session": "200자까지"}, id="long-session"),
    pytest.param({"council": "한빛\x07시의회"}, {"audit-council": "제어 문자"}, id="bell"),
    pytest.param({"committee": "위원회\u202e"}, {"audit-committee": "방향"}, id="rlo"),
    pytest.param({"session": "제1회\x00"}, {"audit-session": "제어 문자"}, id="nul"),
]


@pytest.mark.parametrize(("changes", "expected"), AUDIT_CASES)
def test_odd_audit_input_is_refused_beside_its_field(
    api: Api, changes: dict[str, str], expected: dict[str, str]
) -> None:
    token = _staff(api)
    before = _audit_count(api)
    sent = {**AUDIT_FORM, **changes}
    refused = api.client.post("/audits/new", data={"csrf_token": token, **sent})
    assert refused.status_code == 422, refused.text
    for field_id, words in expected.items():
        assert words in _field_error(refused.text, field_id)
    assert '<p class="error" role="alert">입력한 내용을 확인하세요' in refused.text
    # The form comes back as typed (controls included, escaped), and nothing was written.
    for name in ("council", "committee", "year", "audit_date"):
        assert _value_of(refused.text, f"audit-{name.replace('_', '-')}") == sent[name]
    # The API refuses the same input (its schema is the form's).
    body = {k: v for k, v in sent.items() if v.strip()}
    assert (
        api.client.post("/api/v1/audits", json=body, headers=api.auth("staff")).status_code == 422
    )
    assert _audit_count(api) == before


def test_a_year_the_domain_refuses_is_said_over_the_form(api: Api) -> None:
    token = _staff(api)
    refused = api.client.post(
        "/audits/new", data={"csrf_token": token, **AUDIT_FORM, "year": "2100"}
    )
    assert refused.status_code == 422
    assert "행정사무감사 정보가 올바르지 않습니다." in refused.text
    implausible = {**AUDIT_FORM, "audit_date": "1950-01-01"}
    refused = api.client.post("/audits/new", data={"csrf_token": token, **implausible})
    assert refused.status_code == 422 and "1990년부터" in refused.text
    assert _audit_count(api) == 1


FINDING_CASES = [
    pytest.param(
        {f: "" for f in FINDING_FORM},
        {
            "finding-kind": "구분을(를) 고르세요.",
            "finding-seq": "연번을(를) 입력하세요.",
            "finding-request": "요구사항을(를) 입력하세요.",
            "finding-department": "담당부서을(를) 고르세요.",
        },
        id="empty",
    ),
    pytest.param({"kind": "bogus"}, {"finding-kind": "목록에 있는"}, id="kind"),
    pytest.param({"seq": "0"}, {"finding-seq": "1부터 99999까지"}, id="seq-0"),
    pytest.param({"seq": "100000"}, {"finding-seq": "99999"}, id="seq-big"),
    pytest.param({"seq": "셋"}, {"finding-seq": "정수로"}, id="seq-text"),
    pytest.param({"seq": "1"}, {"finding-seq": "이미 등록되어"}, id="duplicate-seq"),
    pytest.param(
        {"department": "없는담당관"}, {"finding-department": "등록된 담당부서"}, id="dept"
    ),
    pytest.param({"due_date": "2017-02-30"}, {"finding-due-date": "있는 날짜"}, id="feb-30"),
    pytest.param({"due_date": "9999-12-31"}, {"finding-due-date": "2100"}, id="y9999"),
    pytest.param({"request": "가" * 20001}, {"finding-request": "20000자까지"}, id="long"),
    pytest.param({"request": "요구\x1b사항"}, {"finding-request": "제어 문자"}, id="escape"),
    pytest.param({"raised_by": LONG}, {"finding-raised-by": "200자까지"}, id="long-member"),
    pytest.param({"department": SOCIAL + "\u202e"}, {"finding-department": "방향"}, id="rlo"),
]


@pytest.mark.parametrize(("changes", "expected"), FINDING_CASES)
def test_odd_finding_input_is_refused_beside_its_field(
    api: Api, changes: dict[str, str], expected: dict[str, str]
) -> None:
    path = f"/audits/{api.audit_id}/findings/new"
    token = _staff(api, path)
    departments = len(api.app.state.services.queries.departments_list())
    sent = {**FINDING_FORM, "kind": "corrective", "seq": "90", **changes}
    refused = api.client.post(path, data={"csrf_token": token, **sent})
    assert refused.status_code == 422, refused.text
    for field_id, words in expected.items():
        assert words in _field_error(refused.text, field_id)
    page = refused.text
    assert _value_of(page, "finding-seq") == sent["seq"]
    request = re.search(r'id="finding-request"[^>]*>([^<]*)</textarea>', page)
    assert request is not None and html.unescape(request.group(1)) == sent["request"]
    assert _finding_count(api, api.audit_id) == 56
    assert len(api.app.state.services.queries.departments_list()) == departments
    # The API refuses the same input, but for a new department: it registers that one.
    if changes.get("department") != "없는담당관":
        body = {"audit_id": str(api.audit_id), **{k: v for k, v in sent.items() if v.strip()}}
        answer = api.client.post("/api/v1/findings", json=body, headers=api.auth("staff"))
        assert answer.status_code == (409 if changes.get("seq") == "1" else 422), answer.text


def test_free_text_may_hold_a_bidi_control_as_the_api_takes_it(api: Api) -> None:
    """Names refuse U+202E; a request text keeps it (shown isolated), as the API does."""
    path = f"/audits/{api.audit_id}/findings/new"
    token = _staff(api, path)
    sent = {**FINDING_FORM, "seq": "30", "request": "\u202e거꾸로 보이는 요구사항"}
    created = api.client.post(path, data={"csrf_token": token, **sent})
    assert created.status_code == 303
    page = api.client.get(created.headers["location"])
    assert page.status_code == 200 and "\u202e거꾸로 보이는 요구사항" in page.text


def test_a_finding_of_an_unknown_audit_is_404(api: Api) -> None:
    token = _staff(api)
    for audit in (str(UUID(int=9)), "garbage"):
        path = f"/audits/{audit}/findings/new"
        assert api.client.get(path).status_code == 404
        posted = api.client.post(path, data={"csrf_token": token, **FINDING_FORM})
        assert posted.status_code == 404 and "행정사무감사를 찾을 수 없습니다." in posted.text


# -- who may register -------------------------------------------------------------------


@pytest.mark.parametrize("who", ["viewer", "social", "admin"])
def test_only_council_staff_register(api: Api, who: str) -> None:
    client = api.client
    _login(client, who)
    token = csrf(client, f"/audits/{api.audit_id}")  # any page carries the user's token
    new_finding = f"/audits/{api.audit_id}/findings/new"
    for path in ("/audits/new", new_finding):
        shown = client.get(path)
        assert shown.status_code == 403 and "권한이 없습니다" in shown.text
    refused = client.post("/audits/new", data={"csrf_token": token, **AUDIT_FORM})
    assert refused.status_code == 403 and "권한이 없습니다" in refused.text
    odd = client.post("/audits/new", data={"csrf_token": token, "year": "9999"})
    assert odd.status_code == 403  # no feedback on the input of a form one may not use
    refused = client.post(new_finding, data={"csrf_token": token, **FINDING_FORM, "seq": "77"})
    assert refused.status_code == 403
    assert _audit_count(api) == 1 and _finding_count(api, api.audit_id) == 56
    assert "감사 등록" not in client.get("/").text  # not in the menu


def test_a_form_without_its_csrf_token_is_refused(api: Api) -> None:
    _staff(api)
    refused = api.client.post("/audits/new", data=AUDIT_FORM)
    assert refused.status_code == 403 and "요청이 거부되었습니다" in refused.text
    assert _audit_count(api) == 1


# -- the import template -----------------------------------------------------------------

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_NAME = "행정사무감사_지적사항_가져오기_양식"


def _download(client: TestClient, fmt: str) -> bytes:
    response = client.get("/import/template", params={"format": fmt})
    assert response.status_code == 200, response.text
    disposition = response.headers["content-disposition"]
    assert disposition == (
        f'attachment; filename="followup-import-template.{fmt}"; '
        f"filename*=UTF-8''{quote(f'{TEMPLATE_NAME}.{fmt}', safe='')}"
    )
    assert response.headers["x-content-type-options"] == "nosniff"
    return response.content


def _import(client: TestClient, token: str, name: str, data: bytes) -> str:
    """Preview, then confirm, as staff do on the import page; the result page."""
    preview = client.post(
        "/import",
        data={"csrf_token": token},
        files={"file": (name, data, "application/octet-stream")},
    )
    assert preview.status_code == 200, preview.text
    assert "<strong>1</strong> 신규 등록" in preview.text
    digest = re.search(r'name="document" value="([0-9a-f]{64})"', preview.text)
    assert digest is not None
    done = client.post(
        "/import/confirm",
        data={"csrf_token": token, "document": digest.group(1), "source_name": name},
    )
    assert done.status_code == 200, done.text
    return done.text


def test_the_import_page_hands_out_the_empty_template_which_imports_back(api: Api) -> None:
    client = api.client
    token = _staff(api, "/import")
    page = client.get("/import").text
    assert 'href="/import/template?format=xlsx" download>빈 양식 내려받기 (XLSX)</a>' in page
    assert 'href="/import/template?format=csv" download>빈 양식 내려받기 (CSV)</a>' in page

    xlsx = client.get("/import/template", params={"format": "xlsx"})
    assert xlsx.headers["content-type"] == XLSX_TYPE
    data = _download(client, "xlsx")
    assert data[:2] == b"PK"
    # One row filled in, as a council's staff would, then imported through the page.
    book = load_workbook(io.BytesIO(data))
    for row in book["감사정보"].iter_rows(min_row=2):
        key = str(row[0].value)
        for identifier, value in (
            ("council", COUNCIL),
            ("committee", COMMITTEE),
            ("audited_body", BODY),
            ("year", 2019),
            ("report_date", date(2020, 2, 14)),
        ):
            if f"({identifier})" in key:
                row[1].value = value
    book["지적사항"].append(
        ["건의사항", 1, "민원 처리 기간 단축", SOCIAL, "추진중", "○ 절차 개선", None, None, None]
    )
    filled = io.BytesIO()
    book.save(filled)
    result = _import(client, token, "양식.xlsx", filled.getvalue())
    assert "가져오기 서식 (XLSX)" in result
    audit_id = Audit.create_id(COUNCIL, COMMITTEE, BODY, 2019)
    assert _finding_count(api, audit_id) == 1

    csv_response = client.get("/import/template", params={"format": "csv"})
    assert csv_response.headers["content-type"] == "text/csv; charset=utf-8"
    data = _download(client, "csv")
    assert data == template_bytes(TemplateFormat.CSV)  # what `followup template` writes
    assert data.startswith("\ufeff# ".encode())
    text = data.decode("utf-8-sig").replace(
        "# 위원회 (committee): ", "# 위원회 (committee): 교육위원회"
    )
    text = text.replace("# 피감기관 (audited_body): ", "# 피감기관 (audited_body): 교육청")
    text = text.replace("# 감사연도 (year): ", "# 감사연도 (year): 2019")
    text = text.replace("# 보고일 (report_date): ", "# 보고일 (report_date): 2020-02-14")
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(
        ["시정요구", "1", "학교 급식 점검 결과 공개", LABOUR, "완료", "○ 공개 완료"]
    )
    result = _import(client, token, "양식.csv", (text + buffer.getvalue()).encode("utf-8-sig"))
    assert "가져오기 서식 (CSV)" in result
    assert _finding_count(api, Audit.create_id("", "교육위원회", "교육청", 2019)) == 1


def test_the_template_for_any_signed_in_user_and_an_unknown_format(api: Api) -> None:
    client = api.client
    assert client.get("/import/template?format=csv", follow_redirects=False).status_code == 303
    _login(client, "viewer")
    assert _download(client, "csv") == template_bytes(TemplateFormat.CSV)
    for odd in ("pdf", "xlsx\u202e"):
        refused = client.get("/import/template", params={"format": odd})
        assert refused.status_code == 422 and "xlsx 또는 csv" in refused.text
    # No format named: the XLSX.
    plain = client.get("/import/template")
    assert plain.status_code == 200 and plain.content.startswith(b"PK")
