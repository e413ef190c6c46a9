"""Authentication over HTTP (tokens, session cookie + CSRF, throttling) and the account CLI."""

from __future__ import annotations

import contextlib
import json
import subprocess
from collections.abc import Iterator
from typing import Annotated, Any

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI, Form, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from api.auth import (
    CSRF_HEADER,
    SESSION_COOKIE,
    PrincipalDep,
    auth_router,
    install_auth_error_handlers,
)
from application.access import Principal
from domain.errors import DomainError
from domain.values import DepartmentRef
from domain.vocabulary import Role
from infrastructure.accounts import SqlAccountStore
from infrastructure.bootstrap import Runtime, open_runtime
from infrastructure.settings import Settings
from tests.conftest import FixedClock
from tests.support.cli import run_in_process

PASSWORD = "correct-horse-battery"
JOBS_ID = DepartmentRef.from_name("일자리정책담당관").id
ERROR_KEYS = {"code", "message_ko", "message_en", "detail"}


@pytest.fixture
def accounts(runtime: Runtime, clock: FixedClock) -> SqlAccountStore:
    datastore = runtime.datastore
    hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)  # fast for tests
    store = SqlAccountStore(datastore, clock=clock, hasher=hasher)
    runtime.services.departments.register(Principal.system(), "일자리정책담당관")
    store.add_user("officer", PASSWORD, Role.DEPARTMENT_OFFICER, [JOBS_ID])
    return store


@pytest.fixture
def client(accounts: SqlAccountStore) -> Iterator[TestClient]:
    app = FastAPI()
    app.state.accounts = accounts

    # The product's handler maps the remaining DomainErrors (409 by default).
    @app.exception_handler(DomainError)
    async def domain_error(_: Request, exc: DomainError) -> JSONResponse:
        body = {"code": exc.code, "message_ko": exc.message_ko, "message_en": exc.message_en}
        return JSONResponse({**body, "detail": exc.detail}, 409)

    install_auth_error_handlers(app)
    app.include_router(auth_router, prefix="/api/v1")

    @app.get("/api/v1/sample")
    def read_sample(principal: PrincipalDep) -> dict[str, Any]:
        return {"actor": principal.actor.id, "departments": sorted(principal.departments)}

    @app.post("/api/v1/sample")
    def write_sample(principal: PrincipalDep) -> dict[str, str]:
        return {"actor": principal.actor.id}

    @app.post("/api/v1/form")
    def form_sample(principal: PrincipalDep, note: Annotated[str, Form()]) -> dict[str, str]:
        return {"actor": principal.actor.id, "note": note}

    with TestClient(app) as client:
        yield client


def login(client: TestClient, name: str = "officer", password: str = PASSWORD) -> str:
    response = client.post("/api/v1/session", json={"name": name, "password": password})
    assert response.status_code == 200, response.text
    csrf: str = response.json()["csrf_token"]
    return csrf


def test_no_credentials_is_401_with_the_error_shape(client: TestClient) -> None:
    response = client.get("/api/v1/sample")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["code"] == "AUTHENTICATION_REQUIRED"
    assert body["message_ko"] == "로그인이 필요합니다."


def test_bearer_token(client: TestClient, accounts: SqlAccountStore) -> None:
    token = accounts.create_token("officer", "test")
    officer = accounts.authenticate("officer", PASSWORD)
    ok = client.get("/api/v1/sample", headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200
    assert ok.json()["actor"] == officer.id
    assert ok.json()["departments"] == sorted(officer.principal().departments)
    # Tokens are not ambient: no CSRF token needed for unsafe methods.
    posted = client.post("/api/v1/sample", headers={"Authorization": f"Bearer {token}"})
    assert posted.status_code == 200

    for bad in (f"Bearer {token}x", "Bearer", f"Basic {token}"):
        refused = client.get("/api/v1/sample", headers={"Authorization": bad})
        assert refused.status_code == 401, bad
        assert refused.json()["code"] == "AUTHENTICATION_REQUIRED"


def test_session_cookie_with_csrf(client: TestClient) -> None:
    csrf = login(client)
    cookie = client.cookies.get(SESSION_COOKIE)
    assert cookie
    assert client.get("/api/v1/sample").status_code == 200

    me = client.get("/api/v1/me").json()
    assert (me["name"], me["role"], me["role_label"]) == (
        "officer",
        "department_officer",
        "부서 담당자",
    )
    assert me["departments"] == ["일자리정책담당관"]
    assert me["csrf_token"] == csrf

    missing = client.post("/api/v1/sample")
    assert missing.status_code == 403
    assert set(missing.json()) == ERROR_KEYS
    assert missing.json()["code"] == "CSRF_FAILED"
    wrong = client.post("/api/v1/sample", headers={CSRF_HEADER: csrf[:-1] + "x"})
    assert wrong.status_code == 403
    assert client.post("/api/v1/sample", headers={CSRF_HEADER: csrf}).status_code == 200

    # An HTML form carries the token as a field.
    form = client.post("/api/v1/form", data={"note": "메모", "csrf_token": csrf})
    assert form.status_code == 200, form.text
    assert form.json()["note"] == "메모"
    assert client.post("/api/v1/form", data={"note": "메모"}).status_code == 403
    # Also where the route itself reads no form.
    assert client.post("/api/v1/sample", data={"csrf_token": csrf}).status_code == 200


def test_the_cookie_is_httponly_and_samesite_lax(client: TestClient) -> None:
    response = client.post("/api/v1/session", json={"name": "officer", "password": PASSWORD})
    set_cookie = response.headers["set-cookie"].lower()
    assert set_cookie.startswith(f"{SESSION_COOKIE}=")
    assert "httponly" in set_cookie
    assert "samesite=lax" in set_cookie
    assert response.json() == {
        "name": "officer",
        "role": "department_officer",
        "departments": ["일자리정책담당관"],
        "csrf_token": response.json()["csrf_token"],
    }


def test_wrong_password_is_401_and_throttled_login_is_429(client: TestClient) -> None:
    for _ in range(5):
        wrong = client.post("/api/v1/session", json={"name": "officer", "password": "nope-nope"})
        assert wrong.status_code == 401
        assert wrong.json()["code"] == "INVALID_CREDENTIALS"
    throttled = client.post("/api/v1/session", json={"name": "officer", "password": PASSWORD})
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "60"
    assert set(throttled.json()) == ERROR_KEYS
    assert throttled.json()["code"] == "LOGIN_THROTTLED"
    assert SESSION_COOKIE not in client.cookies


def test_logout_ends_the_session(client: TestClient) -> None:
    csrf = login(client)
    cookie = client.cookies[SESSION_COOKIE]
    assert client.delete("/api/v1/session").status_code == 403  # CSRF-checked too
    response = client.delete("/api/v1/session", headers={CSRF_HEADER: csrf})
    assert response.status_code == 204
    assert SESSION_COOKIE not in client.cookies
    # The old cookie value is dead on the server, not only forgotten by the browser.
    client.cookies.set(SESSION_COOKIE, cookie)
    assert client.get("/api/v1/sample").status_code == 401


def test_an_expired_session_is_401(client: TestClient, clock: FixedClock) -> None:
    login(client)
    clock.advance(hours=12)
    assert client.get("/api/v1/sample").status_code == 401


# -- the CLI (in process: tests/support/cli.py) ------------------------------------


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return run_in_process(*args, stdin=stdin)


def test_cli_users_add_list_and_tokens_create(database_url: str) -> None:
    db = ("--db", database_url)
    registered = run("departments", "add", "일자리정책담당관", "--json", *db)
    assert registered.returncode == 0, registered.stderr
    assert json.loads(registered.stdout)["department_id"] == JOBS_ID
    unknown_department = run("users", "add", "박담당", "--role", "department_officer",
                             "--department", "일자리정책담당", "--json", *db,
                             stdin=PASSWORD)  # fmt: skip
    assert unknown_department.returncode == 1
    refused = json.loads(unknown_department.stdout)["error"]
    assert refused["code"] == "UNKNOWN_DEPARTMENT" and "일자리정책담당관" in refused["message_ko"]
    added = run("users", "add", "김담당", "--role", "department_officer", "--department",
                "일자리정책담당관", "--json", *db, stdin=PASSWORD + "\n")  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert added.stdout.count("\n") == 1
    user = json.loads(added.stdout)
    assert (user["name"], user["role"], user["departments"], user["active"]) == (
        "김담당",
        "department_officer",
        ["일자리정책담당관"],
        True,
    )
    assert user["department_ids"] == [JOBS_ID]

    again = run("users", "add", "김담당", "--role", "viewer", "--json", *db, stdin=PASSWORD)
    assert again.returncode == 1
    assert json.loads(again.stdout)["error"]["code"] == "USER_EXISTS"
    short = run("--db", database_url, "users", "add", "이담당", "--role", "viewer", stdin="short\n")
    assert short.returncode == 1
    assert "비밀번호는 8자 이상" in short.stderr and "at least 8" in short.stderr
    assert run("users", "add", "x", "--role", "chief", *db, stdin=PASSWORD).returncode == 2
    # An administrator lifts a name's login locks (from every client).
    from infrastructure.accounts import SqlAccountStore

    runtime = open_runtime(Settings(database_url=database_url, scheduler_enabled=False))
    try:
        accounts: SqlAccountStore = runtime.accounts  # type: ignore[assignment]
        for _ in range(5):
            with contextlib.suppress(DomainError):
                accounts.authenticate("김담당", "wrong-password", "203.0.113.9")
    finally:
        runtime.close()
    unlocked = run("users", "unlock", "김담당", "--json", *db)
    assert unlocked.returncode == 0 and json.loads(unlocked.stdout)["unlocked"] >= 1

    listed = run("users", "list", "--json", *db)
    assert listed.returncode == 0, listed.stderr
    assert [u["name"] for u in json.loads(listed.stdout)] == ["김담당"]  # 박담당 was refused

    created = run("tokens", "create", "김담당", "--label", "ci", "--json", *db)
    assert created.returncode == 0, created.stderr
    token = json.loads(created.stdout)["token"]
    assert token.startswith("fu_")
    bare = run("tokens", "create", "김담당", *db)
    assert bare.returncode == 0 and bare.stdout.strip().startswith("fu_")
    unknown = run("tokens", "create", "nobody", "--json", *db)
    assert unknown.returncode == 1
    assert json.loads(unknown.stdout)["error"]["code"] == "UNKNOWN_USER"

    demo = run("users", "demo", "--json", *db)
    assert demo.returncode == 0, demo.stderr
    assert [a["role"] for a in json.loads(demo.stdout)] == ["council_staff", "department_officer"]
    assert run("users", "demo", "--json", *db).stdout == demo.stdout  # idempotent

    # The password piped in and the token printed both work against the database.
    runtime = open_runtime(Settings(database_url=database_url))
    try:
        store = SqlAccountStore(runtime.datastore, clock=runtime.services.clock)
        assert store.authenticate("김담당", PASSWORD).name == "김담당"
        holder = store.user_for_token(token)
        assert holder is not None and holder.name == "김담당"
    finally:
        runtime.close()
