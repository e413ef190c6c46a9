"""Departments by id over HTTP and on the command line: listing, registration,
unknown names refused with the closest known ones, renames and merges (a contract)."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from domain.values import DepartmentRef
from domain.vocabulary import FindingKind as K
from tests.conftest import SEED
from tests.e2e.api_support import LABOUR, PASSWORD, SOCIAL, Api, seeded_api, settings_for
from tests.support.cli import run_in_process

JOBS = "일자리정책담당관"
KEYS = {"department_id", "id", "name", "former_names", "merged_into", "merged_on"}


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    with seeded_api(settings_for(database_url, tmp_path)) as api:
        yield api


def _report(api: Api, who: str, kind: K, seq: int) -> int:
    finding = api.finding(kind, seq)
    response = api.client.post(
        f"/api/v1/findings/{finding}/reports",
        json={
            "status": "in_progress",
            "actions": "○ 추진 중",
            "expected_version": api.version(finding),
        },
        headers=api.auth(who),
    )
    return response.status_code


def _of(api: Api, department: str) -> tuple[K, int]:
    rows = api.client.get("/api/v1/findings?limit=500", headers=api.auth("staff")).json()["data"]
    row = next(r for r in rows if r["department"] == department and r["verification"] != "verified")
    return K(row["kind"]), int(row["seq"])


def test_the_api_lists_departments_right_after_an_import(api: Api) -> None:
    listed = api.client.get("/api/v1/departments", headers=api.auth("viewer"))
    assert listed.status_code == 200
    rows = {d["name"]: d for d in listed.json()}
    assert {JOBS, LABOUR, SOCIAL} <= set(rows)
    assert set(rows[JOBS]) == KEYS
    assert rows[JOBS]["department_id"] == rows[JOBS]["id"] == DepartmentRef.from_name(JOBS).id
    assert (rows[JOBS]["former_names"], rows[JOBS]["merged_into"]) == ([], None)


def test_the_api_registers_departments_for_staff_and_admins_only(api: Api) -> None:
    for who in ("viewer", "social"):
        refused = api.client.post(
            "/api/v1/departments", json={"name": "감사담당관"}, headers=api.auth(who)
        )
        assert refused.status_code == 403, who
    added = api.client.post(
        "/api/v1/departments", json={"name": "감사담당관"}, headers=api.auth("staff")
    )
    assert added.status_code == 201 and added.json()["name"] == "감사담당관"
    assert set(added.json()) == KEYS
    again = api.client.post(
        "/api/v1/departments", json={"name": "감사 담당관"}, headers=api.auth("admin")
    )
    assert again.status_code == 422 and again.json()["code"] == "INVALID_DEPARTMENT"
    other = api.client.post(
        "/api/v1/departments", json={"name": "홍보담당관"}, headers=api.auth("admin")
    )
    assert other.status_code == 201
    names = {
        d["name"] for d in api.client.get("/api/v1/departments", headers=api.auth("viewer")).json()
    }
    assert {"감사담당관", "홍보담당관"} <= names


def test_the_api_refuses_an_unknown_department_with_the_closest_names(api: Api) -> None:
    finding = api.finding(K.OTHER, 1)
    refused = api.client.post(
        f"/api/v1/findings/{finding}/reassignment",
        json={
            "department": "노동정책담담관",
            "reason": "이관",
            "expected_version": api.version(finding),
        },
        headers=api.auth("staff"),
    )
    assert refused.status_code == 422
    body = refused.json()
    assert set(body) == {"code", "message_ko", "message_en", "detail"}
    assert body["code"] == "UNKNOWN_DEPARTMENT"
    assert LABOUR in body["message_ko"] and LABOUR in body["message_en"]
    names = {
        d["name"] for d in api.client.get("/api/v1/departments", headers=api.auth("viewer")).json()
    }
    assert "노동정책담담관" not in names


def test_over_http_a_rename_keeps_and_a_merge_moves_who_reports(api: Api) -> None:
    social = _of(api, SOCIAL)
    renamed = api.client.post(
        "/api/v1/departments/rename",
        json={
            "name": SOCIAL,
            "new_name": "사회적경제과",
            "effective_on": "2018-11-01",
            "reason": "개편",
        },
        headers=api.auth("admin"),
    )
    assert renamed.status_code == 200
    assert renamed.json()["former_names"] == [SOCIAL]
    assert _report(api, "social", *social) == 200  # the same officer, the same findings

    labour = _of(api, LABOUR)
    merged = api.client.post(
        "/api/v1/departments/merge",
        json={
            "name": LABOUR,
            "into": "사회적경제과",
            "effective_on": "2018-11-15",
            "reason": "통합",
        },
        headers=api.auth("admin"),
    )
    assert merged.status_code == 200
    assert _report(api, "social", *labour) == 200  # the target's officer, from the merge on
    assert _report(api, "labour", *labour) == 403  # the source's officer no longer reports …
    finding = api.finding(*labour)
    read = api.client.get(f"/api/v1/findings/{finding}", headers=api.auth("labour"))
    assert read.status_code == 200  # … but still reads
    rows = {
        d["name"]: d
        for d in api.client.get("/api/v1/departments", headers=api.auth("viewer")).json()
    }
    assert rows[LABOUR]["merged_into"] == rows["사회적경제과"]["id"]
    assert rows[LABOUR]["merged_on"] == "2018-11-15"


# -- the command line ----------------------------------------------------------------


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return run_in_process(*args)  # in process: tests/support/cli.py


def as_json(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.stdout.count("\n") == 1, (result.stdout, result.stderr)
    return json.loads(result.stdout)


def test_cli_lists_adds_renames_and_refuses_unknown_names(database_url: str) -> None:
    db = ("--db", database_url)
    assert as_json(run("departments", "list", "--json", *db)) == []
    imported = run("import", str(SEED), "--council", "서울특별시의회", "--json", *db)
    assert imported.returncode == 0, imported.stderr
    assert sorted(as_json(imported)["new_departments"]) == sorted([JOBS, LABOUR, SOCIAL])
    listed = as_json(run("departments", "list", "--json", *db))
    assert {d["name"] for d in listed} == {JOBS, LABOUR, SOCIAL}
    assert all(set(d) == KEYS for d in listed)

    added = run("departments", "add", "감사담당관", "--json", *db)
    assert added.returncode == 0, added.stderr
    assert as_json(added)["name"] == "감사담당관"
    twice = run("departments", "add", "감사담당관", "--json", *db)
    assert twice.returncode == 1 and as_json(twice)["error"]["code"] == "INVALID_DEPARTMENT"

    renamed = run("departments", "rename", JOBS, "--to", "일자리정책과",
                  "--effective", "2019-01-01", "--reason", "조직개편", "--json", *db)  # fmt: skip
    assert renamed.returncode == 0, renamed.stderr
    assert as_json(renamed)["department_id"] == DepartmentRef.from_name(JOBS).id
    rows = {d["name"]: d for d in as_json(run("departments", "list", "--json", *db))}
    assert rows["일자리정책과"]["former_names"] == [JOBS]

    unknown = run("inbox", "--department", "일자리정책관", "--json", *db)
    assert unknown.returncode == 1
    error = as_json(unknown)["error"]
    assert error["code"] == "UNKNOWN_DEPARTMENT" and "일자리정책과" in error["message_ko"]
    by_old_name = run("inbox", "--department", JOBS, "--json", *db)
    assert by_old_name.returncode == 0 and as_json(by_old_name) == []
    table = run("departments", "list", *db)
    assert table.returncode == 0 and "일자리정책과" in table.stdout


# -- the web pages ---------------------------------------------------------------------


def _login(client: TestClient, name: str) -> str:
    """Signs in; returns the session's CSRF token (for forms)."""
    form = client.get("/login")
    token = re.search(r'name="login_csrf" value="([^"]+)"', form.text)
    assert token is not None
    response = client.post(
        "/login",
        data={"name": name, "password": PASSWORD, "next": "/", "login_csrf": token.group(1)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    me = client.get("/api/v1/me")
    assert me.status_code == 200, me.text
    return str(me.json()["csrf_token"])


def test_web_forms_refuse_unknown_departments_in_korean(api: Api) -> None:
    csrf = _login(api.client, "staff")
    listed = api.client.get("/findings", params={"department": "노동정책담담관"})
    assert listed.status_code == 422
    assert "등록되지 않은 부서입니다" in listed.text and LABOUR in listed.text
    summary = api.client.get("/summary", params={"department": "노동정책담담관"})
    assert summary.status_code == 422 and "등록되지 않은 부서입니다" in summary.text

    finding = api.finding(K.OTHER, 1)
    refused = api.client.post(
        f"/findings/{finding}/reassign",
        data={
            "department": "노동정책담담관",
            "reason": "업무 이관",
            "expected_version": str(api.version(finding)),
            "csrf_token": csrf,
        },
        follow_redirects=False,
    )
    assert refused.status_code == 422
    assert "등록되지 않은 부서입니다" in refused.text and LABOUR in refused.text
