"""The JSON API on SQLite and PostgreSQL: roles, versions, idempotency, concurrency."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from sqlalchemy import update

from api.idempotency import fingerprint
from domain.vocabulary import FindingKind as K
from infrastructure.idempotency import ABANDONED_AFTER
from infrastructure.readmodel.tables import idempotency
from tests.e2e.api_support import LABOUR, SOCIAL, Api, seeded_api, settings_for
from tests.support.server import LiveServer


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    with seeded_api(settings_for(database_url, tmp_path)) as api:
        yield api


# -- the authorisation matrix ------------------------------------------------------

WHO = ["anonymous", "viewer", "admin", "labour", "social", "staff"]
# Seed findings of 사회적경제담당관: corrective 1 is 추진중, corrective 2 is a 완료 claim.
IN_PROGRESS, CLAIMED = (K.CORRECTIVE, 1), (K.CORRECTIVE, 2)

Case = tuple[str, str, Callable[[Api], str], Callable[[Api], Any], dict[str, int]]


def _all(status: int) -> dict[str, int]:
    return {w: (401 if w == "anonymous" else status) for w in WHO}


def _only(allowed: dict[str, int]) -> dict[str, int]:
    return {w: allowed.get(w, 401 if w == "anonymous" else 403) for w in WHO}


def fid(kind_seq: tuple[K, int]) -> Callable[[Api], str]:
    return lambda api: str(api.finding(*kind_seq))


CASES: list[Case] = [
    ("GET", "/api/v1/audits", lambda a: "", lambda a: None, _all(200)),
    ("GET", "/api/v1/findings", lambda a: "", lambda a: None, _all(200)),
    ("GET", "/api/v1/findings/{}", fid(IN_PROGRESS), lambda a: None, _all(200)),
    ("GET", "/api/v1/findings/{}/timeline", fid(IN_PROGRESS), lambda a: None, _all(200)),
    ("GET", "/api/v1/summary", lambda a: "", lambda a: None, _all(200)),
    ("GET", "/api/v1/inbox", lambda a: "", lambda a: None, _all(200)),
    ("GET", "/api/v1/reminders", lambda a: "", lambda a: None, _all(200)),
    ("GET", "/api/v1/me", lambda a: "", lambda a: None, _all(200)),
    ("GET", "/metrics", lambda a: "", lambda a: None, _all(200)),
    (
        "POST",
        "/api/v1/audits",
        lambda a: "",
        lambda a: {
            "council": "서울특별시의회",
            "committee": "환경수자원위원회",
            "audited_body": "기후환경본부",
            "year": 2018,
        },
        _only({"staff": 201}),
    ),
    (
        "POST",
        "/api/v1/findings",
        lambda a: "",
        lambda a: {
            "audit_id": str(a.audit_id),
            "kind": "other",
            "seq": 99,
            "request": "자료 제출",
            "department": SOCIAL,
        },
        _only({"staff": 201}),
    ),
    (
        "POST",
        "/api/v1/findings/{}/reports",
        fid(IN_PROGRESS),
        lambda a: {"status": "in_progress", "actions": "○ 점검 계속"},
        _only({"social": 200, "staff": 200}),
    ),
    (
        "POST",
        "/api/v1/findings/{}/comments",
        fid(IN_PROGRESS),
        lambda a: {"text": "자료 보완 부탁드립니다"},
        _only({"social": 200, "staff": 200}),
    ),
    # A due date first: only a finding that has one can ask for more time.
    (
        "POST",
        "/api/v1/findings/{}/due-date",
        fid((K.RECOMMENDATION, 8)),
        lambda a: {"due_date": "2019-06-30", "reason": "기한 지정"},
        _only({"staff": 200}),
    ),
    (
        "POST",
        "/api/v1/findings/{}/extension-requests",
        fid((K.RECOMMENDATION, 8)),
        lambda a: {"due_date": "2030-12-31", "reason": "5개년 계획 연구용역"},
        _only({"social": 200}),
    ),
    (
        "POST",
        "/api/v1/findings/{}/reassignment",
        fid((K.OTHER, 1)),
        lambda a: {"department": LABOUR, "reason": "업무 이관"},
        _only({"staff": 200}),
    ),
    (
        "POST",
        "/api/v1/findings/{}/verification",
        fid(CLAIMED),
        lambda a: {"decision": "verify"},
        _only({"staff": 200}),
    ),
    # After the rows above: CLAIMED is closed, recommendation 8 has a pending request.
    (
        "POST",
        "/api/v1/findings/{}/reopen",
        fid(CLAIMED),
        lambda a: {"reason": "재발 확인"},
        _only({"staff": 200}),
    ),
    (
        "POST",
        "/api/v1/findings/{}/extension-decision",
        fid((K.RECOMMENDATION, 8)),
        lambda a: {"decision": "grant", "reason": "타당"},
        _only({"staff": 200}),
    ),
    ("GET", "/api/v1/departments", lambda a: "", lambda a: None, _all(200)),
    (
        "POST",
        "/api/v1/departments/rename",
        lambda a: "",
        lambda a: {
            "name": LABOUR,
            "new_name": "노동정책과",
            "effective_on": "2019-01-01",
            "reason": "조직개편",
        },
        _only({"admin": 200}),
    ),
    (
        "POST",
        "/api/v1/departments/merge",
        lambda a: "",
        lambda a: {
            "name": "노동정책과",
            "into": SOCIAL,
            "effective_on": "2019-07-01",
            "reason": "통합",
        },
        _only({"admin": 200}),
    ),
]


def test_every_endpoint_by_every_role(api: Api) -> None:
    """Each row tries the refused roles first, then the allowed ones (whose write sticks)."""
    outcomes: dict[tuple[str, str], dict[str, int]] = {}
    for method, template, path_arg, body, expected in CASES:
        path = template.format(path_arg(api)) if "{}" in template else template
        got: dict[str, int] = {}
        for who in sorted(WHO, key=lambda w: expected[w] < 300):
            headers = {} if who == "anonymous" else api.auth(who)
            if method == "POST" and "/findings/" in path:
                finding_id = UUID(path.split("/")[4])
                headers["If-Match"] = f'"{api.version(finding_id)}"'
            response = api.client.request(method, path, json=body(api), headers=headers)
            got[who] = response.status_code
            if response.status_code >= 400:
                assert set(response.json()) == {"code", "message_ko", "message_en", "detail"}
        outcomes[(method, template)] = got
    assert outcomes == {(m, t): e for m, t, _, _, e in CASES}


def test_health_is_the_only_anonymous_endpoint(api: Api) -> None:
    assert api.client.get("/health").status_code == 200
    assert api.client.get("/api/v1/findings").status_code == 401
    assert api.client.get("/api/v1/findings").headers["WWW-Authenticate"] == "Bearer"


def test_an_officer_reads_every_finding_but_reports_only_on_its_own(api: Api) -> None:
    labour_finding = next(
        f
        for f in api.client.get("/api/v1/findings?limit=500", headers=api.auth("staff")).json()[
            "data"
        ]
        if f["department"] == LABOUR
    )
    assert (
        api.client.get(
            f"/api/v1/findings/{labour_finding['finding_id']}", headers=api.auth("social")
        ).status_code
        == 200
    )
    refused = api.client.post(
        f"/api/v1/findings/{labour_finding['finding_id']}/reports",
        json={"status": "completed", "actions": "x", "expected_version": labour_finding["version"]},
        headers=api.auth("social"),
    )
    assert refused.status_code == 403 and refused.json()["code"] == "PERMISSION_DENIED"


# -- versions ------------------------------------------------------------------------


def test_a_write_without_a_version_is_refused_with_428(api: Api) -> None:
    finding = api.finding(*IN_PROGRESS)
    response = api.client.post(
        f"/api/v1/findings/{finding}/comments",
        json={"text": "버전 없음"},
        headers=api.auth("staff"),
    )
    assert response.status_code == 428
    assert response.json()["code"] == "VERSION_REQUIRED"
    assert api.version(finding) == 2


def test_two_writers_with_the_same_version_one_wins_one_gets_409(api: Api) -> None:
    finding = api.finding(*IN_PROGRESS)
    version = api.version(finding)
    first = api.client.post(
        f"/api/v1/findings/{finding}/reports",
        json={"status": "completed", "actions": "완료", "expected_version": version},
        headers=api.auth("social"),
    )
    second = api.client.post(
        f"/api/v1/findings/{finding}/reports",
        json={"status": "in_progress", "expected_version": version},
        headers=api.auth("staff"),
    )
    assert first.status_code == 200 and first.headers["ETag"] == f'"{version + 1}"'
    assert second.status_code == 409
    assert second.json()["code"] == "STALE_VERSION"
    assert second.json()["detail"]["current_version"] == version + 1
    assert (
        api.client.get(f"/api/v1/findings/{finding}", headers=api.auth("viewer")).json()["status"]
        == "completed"
    )


def test_twenty_threads_hammering_one_finding_each_2xx_is_one_event_and_no_500(
    database_url: str, tmp_path: Path
) -> None:
    with seeded_api(settings_for(database_url, tmp_path)) as api, LiveServer(api.app) as server:
        finding = api.finding(*IN_PROGRESS)
        before = len(
            api.client.get(f"/api/v1/findings/{finding}/timeline", headers=api.auth("staff")).json()
        )
        statuses: list[int] = []
        lock = threading.Lock()

        def hammer(n: int) -> None:
            with httpx.Client(base_url=server.url, headers=api.auth("social"), timeout=60) as c:
                for attempt in range(5):
                    version = c.get(f"/api/v1/findings/{finding}").json()["version"]
                    r = c.post(
                        f"/api/v1/findings/{finding}/comments",
                        json={"text": f"스레드 {n}-{attempt}"},
                        headers={"If-Match": f'"{version}"'},
                    )
                    with lock:
                        statuses.append(r.status_code)

        threads = [threading.Thread(target=hammer, args=(n,)) for n in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        counts = Counter(statuses)
        assert set(counts) <= {200, 409, 503}, counts
        after = api.client.get(
            f"/api/v1/findings/{finding}/timeline", headers=api.auth("staff")
        ).json()
        comments = [e for e in after[before:] if e["event"] == "CommentAdded"]
        assert len(comments) == counts[200] > 0
        assert len({c["data"]["text"] for c in comments}) == len(comments)


# -- idempotency -----------------------------------------------------------------------


def test_a_repeated_idempotency_key_returns_the_first_response_and_writes_nothing(
    api: Api,
) -> None:
    finding = api.finding(*IN_PROGRESS)
    version = api.version(finding)
    headers = {**api.auth("social"), "Idempotency-Key": "report-2018-12-01-a"}
    body = {"status": "in_progress", "actions": "○ 2차 점검", "expected_version": version}
    first = api.client.post(f"/api/v1/findings/{finding}/reports", json=body, headers=headers)
    again = api.client.post(f"/api/v1/findings/{finding}/reports", json=body, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert api.version(finding) == version + 1
    other_path = api.client.post(
        f"/api/v1/findings/{finding}/comments",
        json={"text": "x"},
        headers={**headers, "If-Match": str(version + 1)},
    )
    assert other_path.status_code == 422
    assert other_path.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
    # The same key and path with another body is another request: refused, not replayed.
    changed = {**body, "actions": "○ 3차 점검"}
    reused = api.client.post(f"/api/v1/findings/{finding}/reports", json=changed, headers=headers)
    assert reused.status_code == 422 and reused.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert api.version(finding) == version + 1
    # Another user with the same key is another request.
    staff = api.client.post(
        f"/api/v1/findings/{finding}/comments",
        json={"text": "확인"},
        headers={
            **api.auth("staff"),
            "Idempotency-Key": "report-2018-12-01-a",
            "If-Match": str(version + 1),
        },
    )
    assert staff.status_code == 200


def test_a_replay_sent_as_the_first_answer_arrives_gets_that_answer(api: Api) -> None:
    """The stored response is complete before the first one leaves: at the moment its
    first byte is sent, the key already replays (a replay is never "in progress")."""
    finding = api.finding(*IN_PROGRESS)
    body = json.dumps({"text": "의견", "expected_version": api.version(finding)}).encode()
    token = api.tokens["social"]
    headers = [
        (b"authorization", f"Bearer {token}".encode()),
        (b"idempotency-key", b"at-once"),
        (b"content-type", b"application/json"),
    ]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": f"/api/v1/findings/{finding}/comments",
        "raw_path": f"/api/v1/findings/{finding}/comments".encode(),
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
        "root_path": "",
        "app": api.app,
        "state": {},
    }
    seen: dict[str, Any] = {}
    store = api.app.state.idempotency
    owner = hashlib.sha256(f"Bearer {token}".encode()).hexdigest()

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            seen["status"] = message["status"]
            claim, _ = store.claim(
                owner,
                "at-once",
                "POST",
                scope["path"],
                datetime.now(tz=UTC),
                fingerprint(body, None),
            )
            seen["claim"] = claim

    api.client.portal.call(api.app, scope, receive, send)  # type: ignore[union-attr]
    assert seen == {"status": 200, "claim": "replay"}


# -- evidence, lists, errors ------------------------------------------------------------


def test_evidence_is_stored_by_hash_and_downloadable_by_readers(api: Api) -> None:
    import hashlib

    finding = api.finding(*IN_PROGRESS)
    content = "증빙 결과보고서".encode() * 100
    response = api.client.post(
        f"/api/v1/findings/{finding}/evidence",
        files={"file": ("결과보고.pdf", content, "application/pdf")},
        data={"expected_version": str(api.version(finding)), "note": "현장점검 결과"},
        headers=api.auth("social"),
    )
    assert response.status_code == 200, response.text
    digest = hashlib.sha256(content).hexdigest()
    timeline = api.client.get(
        f"/api/v1/findings/{finding}/timeline", headers=api.auth("viewer")
    ).json()
    assert timeline[-1]["data"]["sha256"] == digest
    download = api.client.get(
        f"/api/v1/findings/{finding}/evidence/{digest}", headers=api.auth("viewer")
    )
    assert download.status_code == 200 and download.content == content
    assert (
        api.client.get(
            f"/api/v1/findings/{finding}/evidence/{'0' * 64}", headers=api.auth("viewer")
        ).status_code
        == 404
    )
    refused = api.client.post(
        f"/api/v1/findings/{finding}/evidence",
        files={"file": ("run.exe", b"MZ", "application/x-msdownload")},
        data={"expected_version": str(api.version(finding))},
        headers=api.auth("social"),
    )
    assert refused.status_code == 415


def test_lists_filter_search_and_paginate(api: Api) -> None:
    get = lambda q: api.client.get(f"/api/v1/findings?{q}", headers=api.auth("viewer")).json()  # noqa: E731
    assert get("limit=10")["count"] == 56 and len(get("limit=10")["data"]) == 10
    assert get("limit=10&offset=50")["data"][-1]["kind"] == "other"
    assert get("status=in_progress")["count"] == 2
    assert get(f"department={SOCIAL}")["count"] == 16
    youth = get("q=청년")
    assert youth["count"] > 0
    assert all(
        "청년"
        in api.client.get(f"/api/v1/findings/{f['finding_id']}", headers=api.auth("viewer")).text
        for f in youth["data"]
    )
    assert get("q=존재하지않는단어")["count"] == 0


def test_validation_errors_are_422_in_both_languages(api: Api) -> None:
    finding = api.finding(*IN_PROGRESS)
    bad = api.client.post(
        f"/api/v1/findings/{finding}/reports",
        json={"status": "done"},
        headers={**api.auth("social"), "If-Match": "2"},
    )
    assert bad.status_code == 422 and bad.json()["code"] == "INVALID_REQUEST"
    no_reason = api.client.post(
        f"/api/v1/findings/{finding}/due-date",
        json={"due_date": "2019-01-01", "reason": "  ", "expected_version": 2},
        headers=api.auth("staff"),
    )
    assert no_reason.status_code == 422 and no_reason.json()["message_ko"]
    missing = api.client.get(f"/api/v1/findings/{UUID(int=5)}", headers=api.auth("viewer"))
    assert missing.status_code == 404 and missing.json()["code"] == "FINDING_NOT_FOUND"


def test_a_busy_database_answers_503_with_retry_after(tmp_path: Path) -> None:
    """SQLite's one write lock held elsewhere: the write waits its timeout, then 503.

    (PostgreSQL writers queue on row and table locks instead of failing busy.)
    """
    import sqlite3

    url = f"sqlite:///{tmp_path}/busy.db?timeout=0.3"
    with seeded_api(settings_for(url, tmp_path)) as api:
        finding = api.finding(*IN_PROGRESS)
        version = api.version(finding)
        blocker = sqlite3.connect(f"{tmp_path}/busy.db", isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        try:
            response = api.client.post(
                f"/api/v1/findings/{finding}/comments",
                json={"text": "잠김", "expected_version": version},
                headers=api.auth("staff"),
            )
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        assert response.status_code == 503
        assert response.headers["Retry-After"]
        assert response.json()["code"] == "DATABASE_BUSY"
        assert api.version(finding) == version  # nothing half-written


def test_evidence_upload_by_role(api: Api) -> None:
    finding = api.finding(*IN_PROGRESS)
    got = {}
    for who in ["anonymous", "viewer", "admin", "labour", "social", "staff"]:
        headers = {} if who == "anonymous" else api.auth(who)
        response = api.client.post(
            f"/api/v1/findings/{finding}/evidence",
            files={"file": ("사진.png", b"\x89PNG" + who.encode(), "image/png")},
            data={"expected_version": str(api.version(finding))},
            headers=headers,
        )
        got[who] = response.status_code
    assert got == {
        "anonymous": 401,
        "viewer": 403,
        "admin": 403,
        "labour": 403,
        "social": 200,
        "staff": 200,
    }


def test_odd_input_on_findings_is_a_4xx_naming_what_is_wrong(api: Api) -> None:
    finding = api.finding(*IN_PROGRESS)
    missing = api.client.get(
        f"/api/v1/findings/{finding}/evidence/{'0' * 64}", headers=api.auth("viewer")
    )
    assert (missing.status_code, missing.json()["code"]) == (404, "EVIDENCE_NOT_FOUND")
    far = api.client.get("/api/v1/findings?offset=99999999999999999999", headers=api.auth("viewer"))
    assert far.status_code == 422
    blank = api.client.post(
        f"/api/v1/findings/{finding}/reassignment",
        json={"department": "   ", "reason": "이관", "expected_version": api.version(finding)},
        headers=api.auth("staff"),
    )
    assert (blank.status_code, blank.json()["code"]) == (422, "INVALID_DEPARTMENT")
    stale_blank_return = api.client.post(
        f"/api/v1/findings/{api.finding(*CLAIMED)}/verification",
        json={"decision": "return", "reason": " ", "expected_version": 1},
        headers=api.auth("staff"),
    )
    assert (stale_blank_return.status_code, stale_blank_return.json()["code"]) == (
        422,
        "REASON_REQUIRED",
    )


def test_an_abandoned_claim_expires_and_its_replay_never_applies_the_command_twice(
    api: Api,
) -> None:
    """A process that died between its command's commit and storing the answer leaves a
    claim without a response. Once it is past ABANDONED_AFTER the key may be retried:
    the command runs again and refuses to apply twice, because every POST names the
    version it acts on or a natural key (registration)."""
    store = api.app.state.idempotency

    def abandon(key: str) -> None:
        # As if the answer was never stored and the claim is old.
        with store.datastore.transaction(commit=True) as session:
            session.execute(
                update(idempotency)
                .where(idempotency.c.key == key)
                .values(
                    status=None,
                    body=None,
                    created_at=datetime.now(tz=UTC) - ABANDONED_AFTER - timedelta(seconds=1),
                )
            )

    finding = api.finding(*IN_PROGRESS)
    version = api.version(finding)
    staff = api.auth("staff")
    comment = {"text": "한 번만", "expected_version": version}
    headers = {**staff, "Idempotency-Key": "comment-once"}
    path = f"/api/v1/findings/{finding}/comments"
    assert api.client.post(path, json=comment, headers=headers).status_code == 200
    abandon("comment-once")
    again = api.client.post(path, json=comment, headers=headers)
    assert again.status_code == 409 and again.json()["code"] == "STALE_VERSION"
    timeline = api.client.get(f"/api/v1/findings/{finding}/timeline", headers=staff).json()
    assert [e["data"].get("text") for e in timeline].count("한 번만") == 1
    assert api.version(finding) == version + 1

    register = {
        "audit_id": str(api.audit_id),
        "kind": "other",
        "seq": 77,
        "request": "자료 제출",
        "department": SOCIAL,
    }
    headers = {**staff, "Idempotency-Key": "register-once"}
    assert api.client.post("/api/v1/findings", json=register, headers=headers).status_code == 201
    abandon("register-once")
    twice = api.client.post("/api/v1/findings", json=register, headers=headers)
    assert twice.status_code == 409
    created = api.client.get(
        "/api/v1/findings", params={"kind": "other", "q": "자료 제출"}, headers=staff
    ).json()
    assert [f["seq"] for f in created["data"]].count(77) == 1
    # A claim younger than that is a request still running: the replay waits its turn.
    raw = json.dumps({"text": "아직", "expected_version": version + 1}).encode()
    owner = hashlib.sha256(f"Bearer {api.tokens['staff']}".encode()).hexdigest()
    taken = store.claim(owner, "young", "POST", path, datetime.now(tz=UTC), fingerprint(raw, None))
    assert taken == ("new", None)
    busy = api.client.post(
        path,
        content=raw,
        headers={**staff, "Idempotency-Key": "young", "content-type": "application/json"},
    )
    assert busy.status_code == 409 and busy.json()["code"] == "IDEMPOTENCY_IN_PROGRESS"
    assert busy.headers["Retry-After"] == "1"
    assert api.version(finding) == version + 1


def test_a_replay_answers_the_first_responses_headers_and_names_its_version(api: Api) -> None:
    staff = api.auth("staff")
    register = {
        "audit_id": str(api.audit_id),
        "kind": "other",
        "seq": 78,
        "request": "자료 제출 요구",
        "department": SOCIAL,
    }
    headers = {**staff, "Idempotency-Key": "register-78"}
    first = api.client.post("/api/v1/findings", json=register, headers=headers)
    again = api.client.post("/api/v1/findings", json=register, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["ETag"] == first.headers["ETag"] == '"1"'
    assert "set-cookie" not in again.headers
    # The key names the version it acted on as well: another If-Match is another request.
    finding = first.json()["finding_id"]
    path = f"/api/v1/findings/{finding}/comments"
    keyed = {**staff, "Idempotency-Key": "comment-78"}
    done = api.client.post(path, json={"text": "의견"}, headers={**keyed, "If-Match": '"1"'})
    assert done.status_code == 200 and done.headers["ETag"] == '"2"'
    other = api.client.post(path, json={"text": "의견"}, headers={**keyed, "If-Match": '"2"'})
    assert other.status_code == 422 and other.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
    # A conflict is not kept: with the key still free the caller retries at the new version.
    stale = {**staff, "Idempotency-Key": "comment-78-b", "If-Match": '"1"'}
    assert api.client.post(path, json={"text": "다시"}, headers=stale).status_code == 409
    retried = api.client.post(path, json={"text": "다시"}, headers={**stale, "If-Match": '"2"'})
    assert retried.status_code == 200 and retried.headers["ETag"] == '"3"'
