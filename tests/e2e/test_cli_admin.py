"""The administrator's account commands, through the installed entry point, on both
databases: what they print, and what the API then lets in or refuses."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli
from tests.e2e.api_support import settings_for

FOLLOWUP = str(Path(sys.executable).parent / "followup")
PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "새-비밀번호-2019-봄"
JOBS, LABOUR = "일자리정책담당관", "노동정책담당관"
USER_KEYS = {"id", "name", "role", "departments", "department_ids", "active"}
TOKEN_KEYS = {"id", "name", "label", "created_at", "last_used_at", "revoked_at", "user_active"}


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """The command in this process (the entry point's own app: the same parsing and
    output, without a Python start per call); `test_the_entry_point_runs_them` runs
    one through the installed `followup`."""
    result = CliRunner().invoke(cli, list(args), input=stdin, catch_exceptions=False)
    return subprocess.CompletedProcess(
        ["followup", *args], result.exit_code, result.stdout, result.stderr
    )


def run_installed(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FOLLOWUP_", "AUDITTRACKER_"))}
    return subprocess.run(
        [FOLLOWUP, *args], input=stdin, capture_output=True, text=True, env=env, timeout=120
    )


def ok(*args: str, stdin: str = "") -> Any:
    """A `--json` run that succeeds: its one JSON document."""
    result = run(*args, "--json", stdin=stdin)
    assert result.returncode == 0, result.stderr + result.stdout
    assert result.stdout.count("\n") == 1, result.stdout
    return json.loads(result.stdout)


def refused(*args: str, stdin: str = "") -> dict[str, Any]:
    """A `--json` run that is refused (exit 1): its error."""
    result = run(*args, "--json", stdin=stdin)
    assert result.returncode == 1, result.stderr + result.stdout
    error: dict[str, Any] = json.loads(result.stdout)["error"]
    assert {"code", "message_ko", "message_en", "detail"} == set(error)
    return error


@pytest.fixture
def db(database_url: str) -> tuple[str, str]:
    """A database with two departments, an officer 김담당 and an administrator."""
    db = ("--db", database_url)
    for name in (JOBS, LABOUR):
        ok("departments", "add", name, *db)
    ok("users", "add", "김담당", "--role", "department_officer", "--department", JOBS, *db,
       stdin=PASSWORD + "\n")  # fmt: skip
    ok("users", "add", "관리자", "--role", "admin", *db, stdin=PASSWORD + "\n")
    return db


@pytest.fixture
def api(database_url: str, tmp_path: Path, db: tuple[str, str]) -> Iterator[TestClient]:
    """The product's API on the same database, beside the CLI runs."""
    with TestClient(create_app(settings_for(database_url, tmp_path))) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def token_of(*args: str) -> str:
    token: str = ok("tokens", "create", *args)["token"]
    return token


def signs_in(api: TestClient, name: str, password: str) -> bool:
    response = api.post("/api/v1/session", json={"name": name, "password": password})
    assert response.status_code in (200, 401), response.text
    return response.status_code == 200


def test_a_disabled_user_can_neither_sign_in_nor_use_its_sessions_or_tokens(
    db: tuple[str, str], api: TestClient
) -> None:
    token = token_of("김담당", "--label", "ci", *db)
    assert api.get("/api/v1/me", headers=bearer(token)).status_code == 200
    assert signs_in(api, "김담당", PASSWORD)
    assert api.get("/api/v1/me").json()["name"] == "김담당"  # the session cookie

    disabled = ok("users", "disable", "김담당", *db)
    assert set(disabled) == USER_KEYS
    assert (disabled["name"], disabled["active"], disabled["departments"]) == (
        "김담당",
        False,
        [JOBS],
    )
    # At once: the open session, the token and a new sign-in are all refused.
    assert api.get("/api/v1/me").status_code == 401
    refused_token = api.get("/api/v1/me", headers=bearer(token))
    assert refused_token.status_code == 401
    assert refused_token.json()["code"] == "AUTHENTICATION_REQUIRED"
    assert not signs_in(api, "김담당", PASSWORD)
    listed = {u["name"]: u["active"] for u in ok("users", "list", *db)}
    assert listed == {"김담당": False, "관리자": True}

    enabled = ok("users", "enable", "김담당", *db)
    assert enabled["active"] is True
    assert api.get("/api/v1/me", headers=bearer(token)).status_code == 200
    assert signs_in(api, "김담당", PASSWORD)

    # Text mode: a Korean line with the English beside it, on stderr.
    text = run("users", "disable", "김담당", *db)
    assert text.returncode == 0 and "사용 중지했습니다" in text.stderr and "disabled" in text.stderr


def test_unknown_users_and_odd_names_are_refused_in_korean_and_english(
    db: tuple[str, str],
) -> None:
    # Each run starts a process: a few odd names, not every kind of them.
    for command, name in (("disable", "없는사람"), ("disable", "x" * 300),
                          ("enable", "탭\t이름"), ("enable", "\u202e관리자")):  # fmt: skip
        assert refused("users", command, name, *db)["code"] == "UNKNOWN_USER", (command, name)
    text = run("users", "disable", "없는사람", *db)
    assert text.returncode == 1
    assert "사용자를 찾을 수 없습니다" in text.stderr and "No such user" in text.stderr
    assert refused("users", "reset-password", "없는사람", *db, stdin=NEW_PASSWORD)["code"] == (
        "UNKNOWN_USER"
    )
    assert refused("users", "set-role", "없는사람", "--role", "viewer", *db)["code"] == (
        "UNKNOWN_USER"
    )
    assert run("users", "disable", *db).returncode == 2  # no name: a usage error


def test_the_last_active_administrator_is_neither_disabled_nor_demoted(
    db: tuple[str, str],
) -> None:
    error = refused("users", "disable", "관리자", *db)
    assert error["code"] == "LAST_ACTIVE_ADMIN"
    assert "관리자" in error["message_ko"] and "administrator" in error["message_en"]
    assert refused("users", "set-role", "관리자", "--role", "viewer", *db)["code"] == (
        "LAST_ACTIVE_ADMIN"
    )
    # With a second administrator the first may go; then the second is the last.
    ok("users", "add", "부관리자", "--role", "admin", *db, stdin=PASSWORD)
    assert ok("users", "set-role", "관리자", "--role", "council_staff", *db)["role"] == (
        "council_staff"
    )
    assert refused("users", "disable", "부관리자", *db)["code"] == "LAST_ACTIVE_ADMIN"
    assert ok("users", "set-role", "관리자", "--role", "admin", *db)["role"] == "admin"
    assert ok("users", "disable", "부관리자", *db)["active"] is False


def test_reset_password_takes_the_new_one_and_ends_the_sessions(
    db: tuple[str, str], api: TestClient
) -> None:
    assert signs_in(api, "김담당", PASSWORD)
    assert api.get("/api/v1/me").status_code == 200

    short = run("users", "reset-password", "김담당", *db, stdin="short\n")
    assert short.returncode == 1
    assert "비밀번호는 8자 이상" in short.stderr and "at least 8" in short.stderr
    assert refused("users", "reset-password", "김담당", *db, stdin="\n")["code"] == (
        "PASSWORD_TOO_SHORT"
    )
    assert api.get("/api/v1/me").status_code == 200  # a refusal changes nothing

    reset = ok("users", "reset-password", "김담당", *db, stdin=NEW_PASSWORD + "\n")
    assert set(reset) == USER_KEYS and reset["name"] == "김담당"
    assert NEW_PASSWORD not in json.dumps(reset, ensure_ascii=False)
    assert api.get("/api/v1/me").status_code == 401  # the old session ended
    assert not signs_in(api, "김담당", PASSWORD)
    assert signs_in(api, "김담당", NEW_PASSWORD)


def test_set_role_applies_the_rules_of_users_add(db: tuple[str, str], api: TestClient) -> None:
    token = token_of("김담당", *db)
    assert api.get("/api/v1/me", headers=bearer(token)).json()["role"] == "department_officer"

    viewer = ok("users", "set-role", "김담당", "--role", "viewer", *db)
    assert (viewer["role"], viewer["departments"], viewer["department_ids"]) == ("viewer", [], [])
    # The token acts with the new role at once.
    assert api.get("/api/v1/me", headers=bearer(token)).json()["role"] == "viewer"

    needs = refused("users", "set-role", "김담당", "--role", "department_officer", *db)
    assert needs["code"] == "DEPARTMENT_REQUIRED" and "담당부서" in needs["message_ko"]
    unknown = refused("users", "set-role", "김담당", "--role", "department_officer",
                      "--department", "일자리정책담당", *db)  # fmt: skip
    assert unknown["code"] == "UNKNOWN_DEPARTMENT" and JOBS in unknown["message_ko"]
    not_allowed = refused("users", "set-role", "김담당", "--role", "council_staff",
                          "--department", JOBS, *db)  # fmt: skip
    assert not_allowed["code"] == "DEPARTMENT_NOT_ALLOWED"
    assert run("users", "set-role", "김담당", "--role", "chief", *db).returncode == 2
    assert run("users", "set-role", "김담당", *db).returncode == 2  # --role is required
    assert ok("users", "list", *db)[1]["role"] == "viewer"  # the refusals changed nothing

    officer = ok("users", "set-role", "김담당", "--role", "department_officer",
                 "--department", JOBS, "--department", LABOUR, *db)  # fmt: skip
    assert (officer["role"], officer["departments"]) == ("department_officer", [JOBS, LABOUR])
    assert all(i.startswith("dept-") for i in officer["department_ids"])
    me = api.get("/api/v1/me", headers=bearer(token)).json()
    assert sorted(me["departments"]) == sorted([JOBS, LABOUR])

    text = run("users", "set-role", "김담당", "--role", "viewer", *db)
    assert text.returncode == 0 and "역할을 바꿨습니다" in text.stderr and "열람자" in text.stderr


def test_tokens_list_shows_no_secret_and_a_revoked_token_stops_at_once(
    db: tuple[str, str], api: TestClient
) -> None:
    first = token_of("김담당", "--label", "보고 자동화", *db)
    second = token_of("관리자", *db)
    assert api.get("/api/v1/me", headers=bearer(first)).status_code == 200  # marks it used

    listed = ok("tokens", "list", *db)
    assert [set(t) for t in listed] == [TOKEN_KEYS, TOKEN_KEYS]
    assert [(t["name"], t["label"]) for t in listed] == [
        ("김담당", "보고 자동화"),
        ("관리자", None),
    ]
    assert all(re.fullmatch(r"[0-9a-f]{8}", t["id"]) for t in listed)
    assert listed[0]["last_used_at"] is not None and listed[1]["last_used_at"] is None
    assert all(t["revoked_at"] is None and t["user_active"] for t in listed)
    # Neither secret, nor any part of its hash, is printed.
    table = run("tokens", "list", *db)
    assert table.returncode == 0 and "보고 자동화" in table.stdout
    for secret in (first, second):
        for shown in (json.dumps(listed), table.stdout):
            assert secret not in shown and secret.removeprefix("fu_")[:8] not in shown
    from infrastructure.accounts import digest

    for t in listed:
        assert t["id"] not in digest(first) + digest(second)

    revoked = ok("tokens", "revoke", listed[0]["id"], *db)
    assert set(revoked) == TOKEN_KEYS
    assert (revoked["id"], revoked["name"]) == (listed[0]["id"], "김담당")
    assert revoked["revoked_at"] is not None
    answer = api.get("/api/v1/me", headers=bearer(first))
    assert answer.status_code == 401 and answer.json()["code"] == "AUTHENTICATION_REQUIRED"
    assert api.get("/api/v1/me", headers=bearer(second)).status_code == 200
    # Revoking again changes nothing; the list keeps the revoked token, marked.
    assert ok("tokens", "revoke", listed[0]["id"].upper(), *db) == revoked
    assert ok("tokens", "list", *db)[0]["revoked_at"] == revoked["revoked_at"]
    assert "폐기됨" in run("tokens", "list", *db).stdout

    for bad in ("deadbeef", "한글", "x" * 100):
        assert refused("tokens", "revoke", bad, *db)["code"] == "UNKNOWN_TOKEN", bad
    text = run("tokens", "revoke", "deadbeef", *db)
    assert text.returncode == 1
    assert "API 토큰을 찾을 수 없습니다" in text.stderr and "No such API token" in text.stderr
    assert "토큰을 폐기했습니다" in run("tokens", "revoke", listed[1]["id"], *db).stderr
    assert api.get("/api/v1/me", headers=bearer(second)).status_code == 401


def test_the_entry_point_runs_them(db: tuple[str, str]) -> None:
    """The installed command, as an operator types it: the same answer."""
    shown = run_installed("users", "disable", "김담당", "--json", *db)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["active"] is False
    listed = run_installed("tokens", "list", "--json", *db)
    assert listed.returncode == 0 and json.loads(listed.stdout) == []
    unknown = run_installed("users", "enable", "없는사람", "--json", *db)
    assert unknown.returncode == 1 and json.loads(unknown.stdout)["error"]["code"] == "UNKNOWN_USER"
