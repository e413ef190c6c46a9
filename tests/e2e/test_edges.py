"""Edges of the API: who reads which inbox, and searches for wildcards alone."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from domain.vocabulary import FindingKind as K
from tests.e2e.api_support import LABOUR, SOCIAL, Api, seeded_api, settings_for


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    with seeded_api(settings_for(database_url, tmp_path)) as api:
        yield api


def test_a_departments_inbox_is_its_officers_staffs_and_admins(api: Api) -> None:
    directory = api.app.state.runtime.services.queries.departments
    social = directory.id_of(SOCIAL)

    def status(who: str, department: str) -> int:
        return api.client.get(
            "/api/v1/inbox", params={"department": department}, headers=api.auth(who)
        ).status_code

    assert {who: status(who, social) for who in ("social", "staff", "admin")} == dict.fromkeys(
        ("social", "staff", "admin"), 200
    )
    assert status("viewer", social) == 403
    assert status("labour", social) == 403  # another department's officer
    assert status("labour", directory.id_of(LABOUR)) == 200
    assert status("social", "staff") == 403 and status("staff", "staff") == 200
    refused = api.client.get(
        "/api/v1/inbox", params={"department": social}, headers=api.auth("viewer")
    )
    assert refused.json()["code"] == "PERMISSION_DENIED"


def test_a_named_inbox_holds_the_departments_merged_into_it_and_an_unknown_one_is_422(
    api: Api,
) -> None:
    services = api.app.state.runtime.services
    labour = services.queries.departments.id_of(LABOUR)
    staff = api.auth("staff")

    def topics(who: str, department: str) -> list[tuple[str, str]]:
        answer = api.client.get(
            "/api/v1/inbox", params={"department": department}, headers=api.auth(who)
        )
        assert answer.status_code == 200, answer.text
        return [(e["finding_id"], e["rule"]) for e in answer.json()]

    unknown = api.client.get("/api/v1/inbox", params={"department": "dept-0"}, headers=staff)
    assert unknown.status_code == 422 and unknown.json()["code"] == "UNKNOWN_DEPARTMENT"
    odd = api.client.get("/api/v1/inbox", params={"department": "x\u202e"}, headers=staff)
    assert odd.status_code == 422 and odd.json()["code"] == "INVALID_REQUEST"
    # A finding reassigned to a new department notifies it; then it is merged into labour.
    made = api.client.post("/api/v1/departments", json={"name": "통합전과"}, headers=staff)
    assert made.status_code == 201, made.text
    merged_away = made.json()["department_id"]
    finding = api.finding(K.CORRECTIVE, 1)
    moved = api.client.post(
        f"/api/v1/findings/{finding}/reassignment",
        json={"department": "통합전과", "reason": "업무 이관"},
        headers={**staff, "If-Match": str(api.version(finding))},
    )
    assert moved.status_code == 200, moved.text
    entry = (str(finding), "reassigned_in")
    assert entry in topics("staff", merged_away) and entry not in topics("staff", labour)
    merge = api.client.post(
        "/api/v1/departments/merge",
        json={
            "name": "통합전과",
            "into": LABOUR,
            "effective_on": services.clock.today().isoformat(),
            "reason": "조직개편",
        },
        headers=api.auth("admin"),
    )
    assert merge.status_code == 200, merge.text
    assert entry in topics("staff", labour) and entry in topics("admin", labour)
    assert entry in topics("labour", labour)  # its officer reads what was merged in


def test_a_search_for_wildcards_alone_finds_only_what_contains_them(api: Api) -> None:
    def count(q: str) -> int:
        answer = api.client.get("/api/v1/findings", params={"q": q}, headers=api.auth("viewer"))
        assert answer.status_code == 200, answer.text
        return int(answer.json()["count"])

    everything = count("")
    assert everything == 56
    percent = count("%")
    assert 0 < percent < everything  # the seed writes "3.3%" in a few findings
    assert count("_") == 0 and count("%%") == 0


def test_dates_are_strict_iso_text(api: Api) -> None:
    viewer = api.auth("viewer")
    for as_of in ("0", "20181115", "2018-11-15T00:00", "2018-13-01"):
        answer = api.client.get("/api/v1/summary", params={"as_of": as_of}, headers=viewer)
        assert answer.status_code == 422, as_of
        assert answer.json()["code"] == "INVALID_REQUEST"
    assert (
        api.client.get("/api/v1/summary", params={"as_of": "2018-11-15"}, headers=viewer)
    ).status_code == 200
    finding = api.finding(K.CORRECTIVE, 1)
    staff = api.auth("staff")
    version = api.version(finding)
    for due in (0, 1543000000, "0"):
        answer = api.client.post(
            f"/api/v1/findings/{finding}/due-date",
            json={"due_date": due, "reason": "협의", "expected_version": version},
            headers=staff,
        )
        assert answer.status_code == 422, due
    assert api.version(finding) == version  # nothing written


def test_huge_offsets_are_a_422_not_a_500(api: Api) -> None:
    answer = api.client.get(
        "/api/v1/findings", params={"offset": str(2**63)}, headers=api.auth("viewer")
    )
    assert answer.status_code == 422


def test_every_error_has_the_one_shape_and_never_echoes_or_fails(api: Api) -> None:
    viewer = api.auth("viewer")
    missing = api.client.get("/api/v1/nope", headers=viewer)
    assert missing.status_code == 404
    assert set(missing.json()) == {"code", "message_ko", "message_en", "detail"}
    assert missing.json()["code"] == "NOT_FOUND"
    wrong = api.client.delete("/api/v1/audits", headers=viewer)
    assert wrong.status_code == 405 and wrong.json()["code"] == "METHOD_NOT_ALLOWED"
    assert set(wrong.headers["allow"].replace(" ", "").split(",")) == {"GET", "POST"}
    options = api.client.options("/api/v1/audits", headers=viewer)
    assert options.status_code == 405 and options.json()["code"] == "METHOD_NOT_ALLOWED"
    assert set(options.headers["allow"].replace(" ", "").split(",")) == {"GET", "POST"}
    finding = api.finding(K.CORRECTIVE, 1)
    surrogate = api.client.post(
        f"/api/v1/findings/{finding}/comments",
        content=b'{"text": 12, "junk": "\\ud800 surrogate"}',
        headers={**api.auth("staff"), "content-type": "application/json", "If-Match": "1"},
    )
    assert surrogate.status_code == 422 and surrogate.json()["code"] == "INVALID_REQUEST"
    bad_utf8 = api.client.post(
        f"/api/v1/findings/{finding}/comments",
        content=b'{"text": "x"}' + b"\xff\xfe",
        headers={**api.auth("staff"), "content-type": "application/json", "If-Match": "1"},
    )
    assert bad_utf8.status_code == 400 and bad_utf8.json()["code"] == "INVALID_BODY"
    # A big wrong body: the answer says where, never echoes the input.
    big = api.client.post(
        f"/api/v1/findings/{finding}/comments",
        json={"text": ["x" * 100_000]},
        headers={**api.auth("staff"), "If-Match": "1"},
    )
    assert big.status_code == 422 and len(big.content) < 2_000
    assert api.client.get("/api/v1/findings", headers=viewer).status_code == 200  # still serving


def test_control_characters_are_refused_and_names_keep_their_direction(api: Api) -> None:
    finding = api.finding(K.CORRECTIVE, 1)
    staff = api.auth("staff")

    def comment(text: str) -> Any:
        # ASCII JSON: a lone surrogate travels as its escape, as a client would send it.
        body = json.dumps({"text": text, "expected_version": api.version(finding)})
        return api.client.post(
            f"/api/v1/findings/{finding}/comments",
            content=body.encode(),
            headers={**staff, "content-type": "application/json"},
        )

    for odd in ("널\x00문자", "벨\x07", "이스케이프\x1b[31m", "\ud800 surrogate"):
        refused = comment(odd)
        assert refused.status_code == 422, odd
        assert refused.json()["code"] == "INVALID_REQUEST"
    kept = comment("\ufeff줄\r\n바꿈\t탭 e\u0301")  # BOM dropped, CR LF as LF, NFC
    assert kept.status_code == 200
    last = api.client.get(f"/api/v1/findings/{finding}/timeline", headers=staff).json()[-1]
    assert last["data"]["text"] == "줄\n바꿈\t탭 \u00e9"
    named = api.client.post(
        "/api/v1/departments", json={"name": "감사\u202e담당관"}, headers=api.auth("admin")
    )
    assert named.status_code == 422


def test_bodies_past_the_limit_are_refused_before_they_are_read(api: Api) -> None:
    finding = api.finding(K.CORRECTIVE, 1)
    staff = {**api.auth("staff"), "If-Match": str(api.version(finding))}
    huge = b'{"text": "' + b"x" * (3 * 1024 * 1024) + b'"}'
    answer = api.client.post(
        f"/api/v1/findings/{finding}/comments",
        content=huge,
        headers={**staff, "content-type": "application/json"},
    )
    assert answer.status_code == 413 and answer.json()["code"] == "REQUEST_TOO_LARGE"
    assert len(answer.content) < 500  # no echo

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it comes
        yield b'{"text": "'
        for _ in range(3):
            yield b"x" * (1024 * 1024)
        yield b'"}'

    streamed = api.client.post(
        f"/api/v1/findings/{finding}/comments",
        content=chunks(),
        headers={**staff, "content-type": "application/json"},
    )
    assert streamed.status_code == 413
    assert api.version(finding) == int(staff["If-Match"])  # nothing written

    # The limit is the route's: labelling a body as an upload does not buy the upload limit.
    labelled = api.client.post(
        f"/api/v1/findings/{finding}/comments",
        content=huge,
        headers={**staff, "content-type": "multipart/form-data; boundary=x"},
    )
    assert labelled.status_code == 413 and labelled.json()["detail"]["limit_bytes"] < len(huge)
    assert api.version(finding) == int(staff["If-Match"])

    uploaded = api.client.post(  # an upload route still takes a file past the JSON limit
        f"/api/v1/findings/{finding}/evidence",
        files={"file": ("scan.pdf", b"%PDF-1.4\n" + b"0" * (3 * 1024 * 1024), "application/pdf")},
        headers=staff,
    )
    assert uploaded.status_code == 200, uploaded.text


def test_the_openapi_names_every_answer_header_and_the_error_shape(api: Api) -> None:
    document = api.client.get("/openapi.json", headers=api.auth("viewer")).json()
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert set(schemas["ErrorBody"]["required"]) == {"code", "message_ko", "message_en"}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            for status, answer in responses.items():
                if status.startswith(("4", "5")):
                    ref = answer["content"]["application/json"]["schema"]["$ref"]
                    assert ref.endswith("/ErrorBody"), (method, path, status)
            assert "503" in responses, (method, path)
            headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
            if method == "post" and path != "/api/v1/session":
                assert "Idempotency-Key" in headers, path
            if path.startswith("/api/v1/findings/{finding_id}/") and method == "post":
                assert "If-Match" in headers and "428" in responses, path
            if operation.get("security"):
                assert "401" in responses, (method, path)
    comment = document["components"]["schemas"]["CommentRequest"]["properties"]["text"]
    assert "\\u0000" in comment["pattern"]  # what the server refuses, the schema says


def test_every_list_and_search_answers_each_role_only_what_it_may_see(api: Api) -> None:
    """One council's findings and 총괄 are read by all of its accounts alike; an inbox
    is its recipients' (and overseers'); "as recorded" and repeat suggestions are
    council staff's."""
    labours = api.client.get(
        "/api/v1/findings", params={"department": LABOUR}, headers=api.auth("staff")
    ).json()["data"]
    open_one = labours[0]  # its due date passed: an overdue reminder if still open
    set_due = api.client.post(
        f"/api/v1/findings/{open_one['finding_id']}/due-date",
        json={"due_date": "2018-12-03", "reason": "기한", "expected_version": open_one["version"]},
        headers=api.auth("staff"),
    )
    assert set_due.status_code == 200, set_due.text
    api.app.state.runtime.reminder_job().raise_due(date(2019, 1, 2))  # stale plans, overdue
    api.app.state.runtime.projector.run_pending()
    finding = api.finding(K.CORRECTIVE, 1)
    roles = ("staff", "social", "labour", "viewer", "admin")

    def get(who: str, path: str, **params: str) -> Any:
        return api.client.get(path, params=params, headers=api.auth(who))

    same_for_all = {
        "list": ("/api/v1/findings", {}),
        "search": ("/api/v1/findings", {"q": "사회적경제"}),
        "summary": ("/api/v1/summary", {}),
        "reminders": ("/api/v1/reminders", {"rule": "stale_plan"}),
        "audits": ("/api/v1/audits", {}),
        "timeline": (f"/api/v1/findings/{finding}/timeline", {}),
    }
    for name, (path, params) in same_for_all.items():
        answers = {who: get(who, path, **params) for who in roles}
        assert {who: a.status_code for who, a in answers.items()} == dict.fromkeys(roles, 200)
        assert len({json.dumps(a.json(), sort_keys=True) for a in answers.values()}) == 1, name
    for who in roles:
        expected = 200 if who == "staff" else 403
        for path in ("/api/v1/findings", "/api/v1/summary", f"/api/v1/findings/{finding}/timeline"):
            assert get(who, path, recorded_on="2018-11-15").status_code == expected, (who, path)
        repeats = get(who, f"/api/v1/findings/{finding}/repeats")
        assert repeats.status_code == 200 and (
            who == "staff" or repeats.json()["suggestions"] == []
        )
    # Each officer's own inbox holds its departments' entries only; a viewer has none.
    for who, department in (("social", SOCIAL), ("labour", LABOUR)):
        entries = get(who, "/api/v1/inbox").json()
        assert entries and {e["department"] for e in entries} == {department}, who
    assert get("viewer", "/api/v1/inbox").json() == []


def test_far_dates_odd_query_texts_and_tokens_on_pages_are_refused_or_served(api: Api) -> None:
    staff = api.auth("staff")
    finding = api.finding(K.CORRECTIVE, 1)
    for path in ("/api/v1/findings", "/api/v1/summary", f"/api/v1/findings/{finding}/timeline"):
        far = api.client.get(path, params={"recorded_on": "9999-12-31"}, headers=staff)
        assert far.status_code == 422, path
    due = api.client.post(
        f"/api/v1/findings/{finding}/due-date",
        json={"due_date": "9999-12-31", "reason": "기한", "expected_version": api.version(finding)},
        headers=staff,
    )
    assert due.status_code == 422
    audit = api.client.post(
        "/api/v1/audits",
        json={
            "committee": "위원회",
            "audited_body": "기관",
            "year": 2018,
            "adoption_date": "2099-01-02",
        },
        headers=staff,
    )
    assert audit.status_code == 422 and audit.json()["code"] == "IMPLAUSIBLE_DATE"
    for rule in ("overdue", "due_soon", "claim_waiting", "stale_plan"):
        listed = api.client.get("/api/v1/reminders", params={"rule": rule}, headers=staff)
        assert listed.status_code == 200
    for params in ({"q": "\x00"}, {"raised_by": "\x07"}, {"department": "감사\u202e과"}):
        odd = api.client.get("/api/v1/findings", params=params, headers=staff)
        assert odd.status_code == 422 and odd.json()["code"] == "INVALID_REQUEST", params
    # A web page opened with an API token renders (its forms need no CSRF token then).
    page = api.client.get(f"/findings/{finding}", headers=staff)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    for method, path in (("GET", "/api"), ("POST", "/health"), ("POST", "/metrics")):
        answer = api.client.request(method, path, headers=staff)
        assert set(answer.json()) == {"code", "message_ko", "message_en", "detail"}, path
    upload = f"/api/v1/findings/{finding}/evidence"
    version = str(api.version(finding))
    noted = api.client.post(
        upload,
        files={"file": ("결과.pdf", b"%PDF-1.4", "application/pdf")},
        data={"expected_version": version, "note": "벨\x07"},
        headers=staff,
    )
    assert noted.status_code == 422
    named = api.client.post(
        upload,
        files={"file": ("결과\u202efdp.exe", b"%PDF-1.4", "application/pdf")},
        data={"expected_version": version},
        headers=staff,
    )
    assert named.status_code == 422 and named.json()["code"] == "EVIDENCE_FILE_NAME"
    assert api.version(finding) == int(version)
    two = api.client.post(  # two files under one name: refused, neither kept
        upload,
        files=[
            ("file", ("가.pdf", b"%PDF-1.4 a", "application/pdf")),
            ("file", ("나.pdf", b"%PDF-1.4 b", "application/pdf")),
        ],
        data={"expected_version": version},
        headers=staff,
    )
    assert two.status_code == 422 and two.json()["code"] == "EVIDENCE_ONE_FILE"
    anonymous = api.client.post(  # who is asking comes first
        upload,
        files=[
            ("file", ("가.pdf", b"%PDF-1.4 a", "application/pdf")),
            ("file", ("나.pdf", b"%PDF-1.4 b", "application/pdf")),
        ],
    )
    assert anonymous.status_code == 401
    assert api.version(finding) == int(version)


def test_a_sign_in_name_is_held_to_the_rules_of_names(api: Api) -> None:
    for name in ("\u0000", "staff\u202e", "담\u0007당"):
        answer = api.client.post("/api/v1/session", json={"name": name, "password": "x"})
        assert answer.status_code == 422, (name, answer.text)
        assert answer.json()["code"] == "INVALID_REQUEST"
    wrong = api.client.post("/api/v1/session", json={"name": "nobody", "password": "\u0000"})
    assert wrong.status_code == 401  # a password is never judged as text


def test_a_version_is_at_most_fifteen_digits_exact_as_a_json_number(api: Api) -> None:
    finding = api.finding(K.CORRECTIVE, 1)
    comments = f"/api/v1/findings/{finding}/comments"
    staff = api.auth("staff")
    # 10**18 and 10**18 - 1 are the same double: a schema bound there would round.
    for version in (10**15, 10**18):
        body = api.client.post(
            comments, json={"text": "의견", "expected_version": version}, headers=staff
        )
        assert body.status_code == 422 and body.json()["code"] == "INVALID_REQUEST"
        header = api.client.post(
            comments, json={"text": "의견"}, headers={**staff, "If-Match": f'"{version}"'}
        )
        assert header.status_code == 400 and header.json()["code"] == "INVALID_IF_MATCH"
    stale = api.client.post(
        comments, json={"text": "의견", "expected_version": 10**15 - 1}, headers=staff
    )
    assert stale.status_code == 409  # the largest version there is: only stale
    document = api.client.get("/openapi.json", headers=staff).json()
    version = document["components"]["schemas"]["CommentRequest"]["properties"]["expected_version"]
    assert version["anyOf"][0]["maximum"] == 10**15 - 1 < 2**53


def test_the_list_page_names_each_findings_audit_and_sorts_by_its_columns(api: Api) -> None:
    import re

    from tests.e2e.test_history_page import _login

    staff = api.auth("staff")
    made = api.client.post(
        "/api/v1/audits",
        json={
            "council": "서울특별시의회",
            "committee": "기획경제위원회",
            "audited_body": "경제정책실",
            "year": 2018,
        },
        headers=staff,
    )
    assert made.status_code == 201, made.text
    newer = made.json()["audit_id"]
    due = date.today().replace(day=1).isoformat()
    added = api.client.post(
        "/api/v1/findings",
        json={
            "audit_id": newer,
            "kind": "corrective",
            "seq": 9,
            "request": "새 감사 요구",
            "department": SOCIAL,
            "due_date": due,
        },
        headers=staff,
    )
    assert added.status_code == 201, added.text
    _login(api.client, "staff")

    def audits_listed(query: str) -> list[str]:
        page = api.client.get(f"/findings?{query}")
        assert page.status_code == 200, page.text
        return re.findall(r'<td data-label="행정사무감사" class="audit">([^<]+)</td>', page.text)

    newest_first = audits_listed("")
    assert newest_first[0].startswith("2018년") and newest_first[-1].startswith("2017년")
    assert audits_listed("sort=audit&desc=1")[0].startswith("2017년")
    # Two "시정·처리요구사항 9" rows, one per audit, told apart by their audit.
    page = api.client.get("/findings?q=" + "새 감사 요구").text
    assert "2018년 서울특별시의회 기획경제위원회" in page
    by_due = api.client.get("/findings?sort=due_date").text
    first = re.search(r'<td data-label="요구사항" class="request"><a [^>]+>([^<]+)</a>', by_due)
    assert first is not None and first.group(1) == "새 감사 요구"  # the only due date
    assert 'aria-sort="ascending"' in by_due and "sort=due_date&amp;desc=1" in by_due
    reversed_ = api.client.get("/findings?sort=due_date&desc=1").text
    first = re.search(r'<td data-label="요구사항" class="request"><a [^>]+>([^<]+)</a>', reversed_)
    assert first is not None and first.group(1) == "새 감사 요구"  # none-dated last either way
    assert audits_listed("sort=nonsense")[0].startswith("2018년")  # unknown: the default
