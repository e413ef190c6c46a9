"""Two councils on one installation: nothing of one reaches the other's accounts.

One app per database (SQLite, PostgreSQL), built once for the module: two councils
registered through the registry (alpha 알파시의회, beta 베타구의회), an audit imported
into each (alpha: the seed, 56 findings; beta: the 2018 fixture, 6), each with its own
committee, audited body and department names, and one department name both have
(기획예산과: two departments). Each council has an account of every role (an officer of
its own department, one of its 기획예산과) and there is a system administrator bound to
no council. Both councils work a little (verify, return, report, comment, attach a file,
change a due date, ask for more time), then the daily reminder job mails both over SMTP.

Then every route, as ``app.routes`` enumerates them (a route added later is walked too;
one whose path or query parameter the walk cannot fill, or a command without a recipe
here, fails by its path), is walked as each account: every GET of the API and every
page with the caller's own ids and filters and, one at a time, the other council's;
every command with the other council's ids, refused without writing a single event; the
exports in every format. No answer may hold a marker of the other council (its name,
audit id, finding ids, department ids and own department names, committee, audited
body, account names, evidence file, and the marker text in its requests, reports and
comments) beyond what the request itself sent; and what a council's accounts count
(총괄, lists, inboxes, departments, dashboards) is that council's numbers, computed here
from its document and the actions taken, never both councils' together.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import io
import json
import os
import re
import subprocess
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import unquote_plus
from uuid import UUID

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import SESSION_COOKIE
from api.web.admin_pages import USER_ACTIONS
from api.web.finding_page import FORM_PATHS
from application.access import Principal
from application.accounts import CsrfFailedError
from application.exports import ExportFormat
from application.importing import ImportOptions
from application.reads import forget_writes
from domain.finding import Finding
from domain.vocabulary import FindingKind, Role, Status, Verification
from infrastructure.parsers import parse_document
from infrastructure.settings import Settings
from tests.conftest import ROOT, SEED, PostgresServer
from tests.support.smtp import SmtpReceiver

PASSWORD = "correct-horse-battery"
SHARED = "기획예산과"  # a department name both councils have: two departments
AUDIT_2018 = ROOT / "tests" / "fixtures" / "two_year" / "audit_2018.txt"
ROLES: dict[str, Role] = {
    "staff": Role.COUNCIL_STAFF,
    "officer": Role.DEPARTMENT_OFFICER,  # of a department of the council's own
    "shared": Role.DEPARTMENT_OFFICER,  # of the council's 기획예산과
    "viewer": Role.VIEWER,
    "admin": Role.ADMIN,  # bound to the council
}
SYSTEM_ADMIN = "root-admin"
# Who walks every route: each of alpha's accounts, and beta's staff and officer.
WALKERS = [("alpha", role) for role in ROLES] + [("beta", "staff"), ("beta", "officer")]
AS_OF = "2020-12-31"  # after both imports' dates, before today's work
NO_FINDING = UUID(int=0)
TEXT = "text/plain"


# -- the two councils ------------------------------------------------------------------


@dataclass(frozen=True)
class CouncilSpec:
    code: str
    name: str
    source: Path
    departments: dict[str, str]  # the document's department name → this council's
    marker: str  # written into its request texts, reports, comments and file names
    officer_of: str  # the department of its account "officer"
    committee: str  # stated at import (the pages' form hints name the seed's own)
    audited_body: str
    deadline: date
    verified: bool  # the document's 완료 claims imported as verified


ALPHA = CouncilSpec(
    code="alpha",
    name="알파시의회",
    source=SEED,
    departments={
        "사회적경제담당관": SHARED,
        "일자리정책담당관": "알파일자리정책과",
        "노동정책담당관": "알파노동정책과",
    },
    marker="ZQXALPHA",
    officer_of="알파일자리정책과",
    committee="알파경제위원회",
    audited_body="알파일자리국",
    deadline=date(2019, 1, 31),
    verified=False,
)
BETA = CouncilSpec(
    code="beta",
    name="베타구의회",
    source=AUDIT_2018,
    departments={
        "일자리정책담당관": "베타청년정책과",
        "노동정책담당관": SHARED,
        "사회적경제담당관": "베타복지정책과",
    },
    marker="ZQXBETA",
    officer_of="베타청년정책과",
    committee="베타행정위원회",
    audited_body="베타구청",
    deadline=date(2020, 1, 31),
    verified=True,
)


def document_of(spec: CouncilSpec) -> bytes:
    """The council's copy of its document: its own department names, and its marker at
    the end of every request (before the department in brackets)."""
    text = spec.source.read_text(encoding="utf-8")
    for written, own in spec.departments.items():
        text = text.replace(f"({written})", f"{spec.marker} ({own})").replace(written, own)
    return text.encode("utf-8")


_KIND_ORDER = {k: i for i, k in enumerate(FindingKind)}


@dataclass
class Model:
    """A council's findings as its document and the actions taken here make them: the
    numbers its accounts must see, computed without the application's reads."""

    kind: dict[UUID, FindingKind] = field(default_factory=dict)
    seq: dict[UUID, int] = field(default_factory=dict)
    department: dict[UUID, str] = field(default_factory=dict)
    status: dict[UUID, Status] = field(default_factory=dict)
    verification: dict[UUID, Verification | None] = field(default_factory=dict)
    due: dict[UUID, date] = field(default_factory=dict)

    def ids(self, **where: Any) -> list[UUID]:
        """Finding ids in the report's order whose attributes equal ``where``'s."""
        found = [i for i in self.kind if all(getattr(self, k)[i] == v for k, v in where.items())]
        return sorted(found, key=lambda i: (_KIND_ORDER[self.kind[i]], self.seq[i]))

    def summary(self, department: str | None = None) -> dict[str, Any]:
        """The 총괄 as GET /api/v1/summary answers it ("rows" and "verification")."""
        kinds = ["total", *(k.value for k in FindingKind)]
        rows = {k: {"total": 0, **{s.value: 0 for s in Status}} for k in kinds}
        checks = {k: {v.value: 0 for v in Verification} for k in kinds}
        for i in self.kind:
            if department is not None and self.department[i] != department:
                continue
            for k in ("total", self.kind[i].value):
                rows[k]["total"] += 1
                rows[k][self.status[i].value] += 1
                if (v := self.verification[i]) is not None:
                    checks[k][v.value] += 1
        return {"rows": rows, "verification": checks}

    def overdue(self, today: date) -> set[UUID]:
        """Due date passed, not closed, no claim waiting (GET /api/v1/findings?overdue)."""
        waiting = (Verification.VERIFIED, Verification.PENDING)
        return {i for i in self.kind if self.due[i] < today and self.verification[i] not in waiting}


@dataclass
class Tenant:
    spec: CouncilSpec
    audit_id: UUID
    model: Model
    imported: dict[str, Any]  # its 총괄 as imported, before the work
    departments: dict[str, str] = field(default_factory=dict)  # name → id
    accounts: dict[str, str] = field(default_factory=dict)  # role key → account name
    open_finding: UUID = NO_FINDING  # in progress and overdue: commands apply to it
    pending_finding: UUID = NO_FINDING  # a claim waiting for verification
    verified_finding: UUID = NO_FINDING
    evidence_finding: UUID = NO_FINDING  # the finding its file is attached to
    evidence_sha: str = ""
    token_ids: list[str] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.spec.code

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def own_departments(self) -> list[str]:
        """Its department names no other council has."""
        return sorted(n for n in self.departments if n != SHARED)

    @property
    def markers(self) -> list[str]:
        """What no answer to another council's account may hold."""
        return [
            self.name,
            self.spec.marker,
            self.spec.committee,
            self.spec.audited_body,
            str(self.audit_id),
            *(str(i) for i in self.model.kind),
            *self.departments.values(),  # ids: its 기획예산과's too
            *self.own_departments,
            *self.accounts.values(),
            self.evidence_sha,
        ]


@dataclass
class World:
    app: FastAPI
    clients: dict[str, TestClient]  # account name → its client, signed in on the web
    tokens: dict[str, str]  # account name → its API token
    csrf: dict[str, str]  # account name → its session's CSRF token
    tenants: dict[str, Tenant]
    today: date
    mail: list[EmailMessage] = field(default_factory=list)

    @property
    def runtime(self) -> Any:
        return self.app.state.runtime

    def other(self, code: str) -> Tenant:
        return next(t for c, t in self.tenants.items() if c != code)

    def api(self, account: str, method: str, url: str, **kw: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[account]}"}
        return self.clients[account].request(method, url, headers=headers, **kw)

    def head(self) -> int:
        """The event log's head: any write anywhere moves it."""
        return int(self.runtime.projector.head())

    def version(self, finding_id: UUID) -> int:
        return int(self.runtime.services.queries.get_finding(finding_id).version)


# -- building the world once per module and database --------------------------------


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """The conftest's ``database_url`` is one test's: this is the module's, on the
    same backends (the session's PostgreSQL server)."""
    tmp = tmp_path_factory.mktemp(f"tenancy-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{tmp}/followup.db"
    else:
        server: PostgresServer = request.getfixturevalue("postgres_server")
        url = server.create_database()
    forget_writes()
    receiver = SmtpReceiver()
    receiver.start()
    with pytest.MonkeyPatch.context() as env:
        for key in [k for k in os.environ if k.startswith("FOLLOWUP_")]:
            env.delenv(key)  # nothing from the environment overrides what is set here
        settings = Settings(
            database_url=url,
            scheduler_enabled=False,
            projection_interval=0.2,
            evidence_dir=str(tmp / "evidence"),
            public_summary=True,
            smtp_host="127.0.0.1",
            smtp_port=receiver.port,
            council_staff_emails={"alpha": "staff@alpha.example", "beta": "staff@beta.example"},
            department_emails={
                f"alpha/{SHARED}": "plan@alpha.example",
                f"beta/{SHARED}": "plan@beta.example",
            },
        )
    app = create_app(settings)
    try:
        with TestClient(app):  # the lifespan: the runtime, its projector
            yield _build(app, receiver)
    finally:
        receiver.stop()


def _import(app: FastAPI, spec: CouncilSpec) -> Tenant:
    data = document_of(spec)
    options = ImportOptions(
        council=spec.name,
        committee=spec.committee,
        audited_body=spec.audited_body,
        deadline=spec.deadline,
        verified=spec.verified,
    )
    importer = app.state.runtime.services.for_council(spec.name).importer
    _, outcome = importer.run_document(Principal.system().within(spec.name), data, options)
    assert outcome.committed and outcome.audit_id is not None, outcome.as_dict()
    model = Model()
    claimed = Verification.VERIFIED if spec.verified else Verification.PENDING
    for row in parse_document(data).rows:
        i = Finding.create_id(outcome.audit_id, row.kind, row.seq)
        model.kind[i], model.seq[i], model.department[i] = row.kind, row.seq, row.department
        model.status[i], model.due[i] = row.status, spec.deadline
        model.verification[i] = claimed if row.status.is_claim else None
    return Tenant(spec=spec, audit_id=outcome.audit_id, model=model, imported=model.summary())


def _build(app: FastAPI, receiver: SmtpReceiver) -> World:
    runtime = app.state.runtime
    services = runtime.services
    for spec in (ALPHA, BETA):
        services.councils.add(Principal.system(), spec.code, spec.name)
    tenants = {spec.code: _import(app, spec) for spec in (ALPHA, BETA)}
    runtime.projector.run_pending()
    # Department ids as the installation's finding list carries them (not the scoped
    # department list): the shared name is two departments, one per council.
    for row in services.queries.list_findings():
        tenant = next(t for t in tenants.values() if t.audit_id == row.audit_id)
        tenant.departments.setdefault(row.department, row.department_id)
    for t in tenants.values():
        assert set(t.departments) == set(t.spec.departments.values())
    assert tenants["alpha"].departments[SHARED] != tenants["beta"].departments[SHARED]

    accounts = runtime.accounts
    tokens: dict[str, str] = {}
    for t in tenants.values():
        bound = {"officer": [t.departments[t.spec.officer_of]], "shared": [t.departments[SHARED]]}
        for key, role in ROLES.items():
            name = t.accounts[key] = f"{t.code}-{key}"
            accounts.add_user(name, PASSWORD, role, bound.get(key, []), council=t.name)
            tokens[name] = accounts.create_token(name, "tests")
    accounts.add_user(SYSTEM_ADMIN, PASSWORD, Role.ADMIN, [])
    tokens[SYSTEM_ADMIN] = accounts.create_token(SYSTEM_ADMIN, "tests")
    for t in tenants.values():
        t.token_ids = [k.id for k in accounts.list_tokens() if k.name in t.accounts.values()]

    clients: dict[str, TestClient] = {}
    csrf: dict[str, str] = {}
    users = {u.name: u for u in accounts.list_users()}
    for name in tokens:
        client = clients[name] = TestClient(app)  # the app's state: no second lifespan
        if name == tenants["alpha"].accounts["staff"]:
            _login(client, name)  # once through the login form; the others' sessions are
        else:  # made as it makes them (without the password hash's half second each)
            cookie, _ = accounts.create_session(users[name])
            client.cookies.set(SESSION_COOKIE, cookie)
        found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/inbox").text)
        assert found is not None, name
        csrf[name] = found.group(1)
    world = World(app, clients, tokens, csrf, tenants, today=services.clock.today())
    _work(world, tenants["alpha"], tenants["beta"])
    runtime.projector.run_pending()
    # The day's reminders and digests, for both councils at once, over SMTP.
    run = runtime.reminder_job().run(world.today)
    assert run.digests_sent > 0 and not run.delivery_failures, run
    receiver.wait_for(run.digests_sent)
    world.mail = list(receiver.received)
    runtime.projector.run_pending()
    return world


def _login(client: TestClient, name: str) -> None:
    form = client.get("/login")
    token = re.search(r'name="login_csrf" value="([^"]+)"', form.text)
    assert token is not None
    response = client.post(
        "/login",
        data={"name": name, "password": PASSWORD, "next": "/", "login_csrf": token.group(1)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def _ok(response: httpx.Response) -> Any:
    assert response.status_code in (200, 201), response.text
    return response.json()


def _work(world: World, alpha: Tenant, beta: Tenant) -> None:
    """A little of each council's work, through the API as its own accounts, mirrored
    in its model."""

    def post(account: str, finding_id: UUID, command: str, **body: Any) -> None:
        body["expected_version"] = world.version(finding_id)
        _ok(world.api(account, "POST", f"/api/v1/findings/{finding_id}/{command}", json=body))

    def attach(t: Tenant, finding_id: UUID) -> None:
        data = f"{t.spec.marker} 증빙 {t.name}".encode()
        files = {"file": (f"{t.spec.marker}-증빙.txt", data, TEXT)}
        form = {"expected_version": str(world.version(finding_id))}
        url = f"/api/v1/findings/{finding_id}/evidence"
        _ok(world.api(t.accounts["staff"], "POST", url, files=files, data=form))
        t.evidence_finding, t.evidence_sha = finding_id, hashlib.sha256(data).hexdigest()

    m, staff = alpha.model, alpha.accounts["staff"]
    pending = m.ids(verification=Verification.PENDING)
    for i in pending[:10]:
        post(staff, i, "verification", decision="verify")
        m.verification[i] = Verification.VERIFIED
    returned = [i for i in pending[10:] if m.department[i] == alpha.spec.officer_of][:2]
    for i in returned:  # sent back: 추진중, 보완요구
        post(staff, i, "verification", decision="return", reason="보완 필요")
        m.status[i], m.verification[i] = Status.IN_PROGRESS, Verification.RETURNED
    actions = f"{alpha.spec.marker} 보완 완료"  # the officer answers the first: a claim again
    post(alpha.accounts["officer"], returned[0], "reports", status="completed", actions=actions)
    m.status[returned[0]], m.verification[returned[0]] = Status.COMPLETED, Verification.PENDING
    post(staff, pending[0], "comments", text=f"{alpha.spec.marker} 의견")
    alpha.open_finding = m.ids(status=Status.IN_PROGRESS, verification=None)[0]
    alpha.pending_finding = m.ids(verification=Verification.PENDING)[-1]
    alpha.verified_finding = pending[0]
    attach(alpha, alpha.open_finding)

    m, staff = beta.model, beta.accounts["staff"]
    reported, later = m.ids(status=Status.IN_PROGRESS)
    assert m.department[reported] == beta.spec.officer_of
    actions = f"{beta.spec.marker} 완료 보고"  # the officer claims it done: to verify
    post(beta.accounts["officer"], reported, "reports", status="completed", actions=actions)
    m.status[reported], m.verification[reported] = Status.COMPLETED, Verification.PENDING
    reason = f"{beta.spec.marker} 기한 조정"
    post(staff, later, "due-date", due_date="2020-06-30", reason=reason)
    m.due[later] = date(2020, 6, 30)
    reason = f"{beta.spec.marker} 연장 요청"  # its department asks for time: staff are told
    post(beta.accounts["shared"], later, "extension-requests", due_date="2030-06-30", reason=reason)
    verified = m.ids(verification=Verification.VERIFIED)
    post(staff, verified[0], "comments", text=f"{beta.spec.marker} 의견")
    beta.open_finding, beta.pending_finding, beta.verified_finding = later, reported, verified[0]
    attach(beta, later)


# -- reading answers -------------------------------------------------------------------


def pdf_text(data: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
        pdf.write(data)
        pdf.flush()
        done = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", pdf.name, "-"], capture_output=True, check=True
        )
    return done.stdout.decode("utf-8", "replace")


def readable(response: httpx.Response) -> str:
    """Everything an answer says, as text: its headers and its body whatever its
    format (JSON with its escapes undone, every part of an HWPX or XLSX zip with its
    character references undone, a PDF's text), and all of it again with URL-encoding
    undone (names inside links)."""
    body = response.content
    parts = [" ".join(f"{k}: {v}" for k, v in response.headers.items())]
    if body.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            parts += [
                html.unescape(archive.read(n).decode("utf-8", "replace"))
                for n in archive.namelist()
            ]
    elif body.startswith(b"%PDF"):
        parts.append(pdf_text(body))
    else:
        parts.append(body.decode("utf-8", "replace"))
        if "json" in response.headers.get("content-type", ""):
            with contextlib.suppress(ValueError):
                parts.append(json.dumps(response.json(), ensure_ascii=False))
    text = "\n".join(parts)
    return text + "\n" + unquote_plus(text)


def sent_text(response: httpx.Response) -> str:
    """What the request itself said (its URL and body): echoing it back is no leak."""
    request = response.request
    try:
        content = request.content
    except httpx.RequestNotRead:  # a streamed upload
        content = b""
    text = f"{request.url}\n{content.decode('utf-8', 'replace')}"
    return text + "\n" + unquote_plus(text)


def leaks(response: httpx.Response, markers: Iterable[str]) -> list[str]:
    """The markers the answer holds that the request did not send."""
    text, sent = readable(response), sent_text(response)
    return sorted({m for m in markers if m and m not in sent and m in text})


def nothing_counted(value: Any) -> bool:
    """A JSON answer that lists and counts nothing (every number 0, every list empty)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value == 0
    if isinstance(value, list):
        return not value
    if isinstance(value, dict):
        return all(nothing_counted(v) for v in value.values())
    return True


def own_answer(status: int) -> bool:
    """Own data: answered (or refused for the role or the input), never 404 nor 5xx."""
    return status < 500 and status != 404


def answered(status: int) -> bool:
    return status < 500


def not_found(status: int) -> bool:
    return status == 404


def refused(status: int) -> bool:
    return 400 <= status < 500


def unseen(own_statuses: set[int]) -> Callable[[int], bool]:
    """Another council's id: not found, as if there were none; or refused as the role
    is refused its own council's (a 403 that says nothing of the id)."""
    return lambda status: status == 404 or (status == 403 and own_statuses == {403})


@dataclass
class Problems:
    """What a walk found wrong, each with its request: reported all at once."""

    found: list[str] = field(default_factory=list)

    def check(
        self,
        response: httpx.Response,
        markers: Iterable[str],
        statuses: Callable[[int], bool],
        expect: str,
        *,
        empty: bool = False,
    ) -> None:
        where = f"{response.request.method} {unquote_plus(str(response.request.url))}"
        status = response.status_code
        if not statuses(status):
            self.found.append(f"{where}: {status}, expected {expect}: {response.text[:300]}")
        if leaked := leaks(response, markers):
            self.found.append(f"{where}: {status} holds the other council's {leaked}")
        json_answer = "json" in response.headers.get("content-type", "")
        if empty and status == 200 and json_answer and not nothing_counted(response.json()):
            self.found.append(f"{where}: counts the other council's: {response.text[:300]}")

    def assert_none(self) -> None:
        assert not self.found, f"{len(self.found)} problems:\n" + "\n".join(self.found)


# -- the routes, from the app ----------------------------------------------------------

PATH_PARAMETER = re.compile(r"{([^}:]+)(?::[^}]*)?}")
JSON_PATHS = ("/health", "/metrics", "/openapi.json", "/docs")
# Anonymous pages: the login form, and the public page (its own test: public by design).
ANONYMOUS = {("GET", "/public"), ("GET", "/login")}


def app_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every route of the app, its included routers' included."""
    return [
        (method, route.path)
        for route in iter_route_contexts(app.routes)
        for method in sorted(route.methods or ())
        if method != "HEAD" and route.path
    ]


def is_api(path: str) -> bool:
    return path.startswith("/api/") or path in JSON_PATHS


def _cannot_fill(path: str, what: str) -> NoReturn:
    pytest.fail(
        f"{path}: the walk has no value for {what}: give it one in tests/e2e/test_tenancy.py",
        pytrace=False,
    )


def fill(path: str, values: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        if match.group(1) not in values:
            _cannot_fill(path, f"the path parameter {{{match.group(1)}}}")
        return values[match.group(1)]

    return PATH_PARAMETER.sub(one, path)


def path_values(t: Tenant) -> dict[str, str]:
    return {
        "audit_id": str(t.audit_id),
        "finding_id": str(t.evidence_finding),
        "sha256": t.evidence_sha,
    }


def _schema(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """A parameter's schema with its $ref and optional (anyOf null) undone."""
    if "$ref" in schema:
        return _schema(spec, spec["components"]["schemas"][schema["$ref"].split("/")[-1]])
    for variant in schema.get("anyOf", []):
        if variant.get("type") != "null":
            return _schema(spec, variant)
    return schema


def query_values(
    world: World, me: Tenant, path: str, name: str, schema: dict[str, Any]
) -> tuple[list[str], list[str]]:
    """A query parameter's values: the caller's council's, and the other council's."""
    other = world.other(me.code)
    if name == "format" and path.endswith("/export"):
        # The print layout here (the model every format lays out); every format (HWPX,
        # PDF: seconds each) in test_exports_are_the_own_councils_only.
        return [ExportFormat.HTML.value], []
    if "enum" in schema:
        return [str(v) for v in schema["enum"]], []
    if schema.get("type") == "boolean":
        return ["true"], []
    if path == "/api/v1/inbox" and name == "department":  # an inbox: a department id
        mine = ["staff", me.departments[me.spec.officer_of], me.departments[SHARED]]
        return mine, list(other.departments.values())
    values: dict[str, tuple[list[str], list[str]]] = {
        "audit": ([str(me.audit_id)], [str(other.audit_id)]),
        "carried_into": ([str(me.audit_id)], [str(other.audit_id)]),
        "department": ([SHARED, me.own_departments[0]], other.own_departments),
        "committee": ([me.spec.committee], [other.spec.committee]),
        "council": ([me.name, me.code], [other.name, other.code]),
        "as_of": ([AS_OF], []),
        "recorded_on": ([world.today.isoformat()], []),
        "raised_by": (["의원"], []),
        "q": ([me.spec.marker, "일자리"], [other.spec.marker]),  # 일자리: in both's texts
        "limit": (["500"], []),
        "offset": ([], []),  # 0 is the default: the plain request is it
    }
    if name not in values:
        _cannot_fill(path, f"the query parameter {name!r}")
    return values[name]


def walker_id(walker: tuple[str, str]) -> str:
    return f"{walker[0]}-{walker[1]}"


# -- walking every GET of the API ------------------------------------------------------


@pytest.mark.parametrize("walker", WALKERS, ids=walker_id)
def test_every_api_read_answers_the_own_council_only(world: World, walker: tuple[str, str]) -> None:
    me, other = world.tenants[walker[0]], world.other(walker[0])
    account = me.accounts[walker[1]]
    spec = world.app.openapi()
    problems = Problems()
    walked = 0
    for method, path in app_routes(world.app):
        if method != "GET" or not is_api(path):
            continue
        walked += 1
        operation = spec["paths"].get(path, {}).get("get", {})
        parameters = [p for p in operation.get("parameters", []) if p["in"] == "query"]
        values = {
            p["name"]: query_values(world, me, path, p["name"], _schema(spec, p["schema"]))
            for p in parameters
        }
        required = [p["name"] for p in parameters if p.get("required")]
        base = {name: values[name][0][0] for name in required}
        own_url = fill(path, path_values(me))

        def get(url: str, params: dict[str, str]) -> httpx.Response:
            return world.api(account, "GET", url, params=params)

        # The caller's own: each value of each parameter, one at a time.
        own = [{**base, n: v} for n in required for v in values[n][0]] or [base]
        own += [{**base, n: v} for n in values if n not in required for v in values[n][0]]
        own_statuses = set()
        for params in own:
            response = get(own_url, params)
            own_statuses.add(response.status_code)
            problems.check(response, other.markers, own_answer, "<500, not 404")
        # The other council's, one at a time: refused, or nothing of theirs counted.
        for name, (_, theirs) in values.items():
            for value in theirs:
                response = get(own_url, {**base, name: value})
                problems.check(response, other.markers, answered, "<500", empty=True)
        # The other council's ids in the path: all of them, and one at a time.
        names = PATH_PARAMETER.findall(path)
        mixed = [{**path_values(me), n: path_values(other)[n]} for n in names]
        urls = {fill(path, path_values(other)), *(fill(path, v) for v in mixed)} - {own_url}
        for url in urls:
            response = get(url, base)
            problems.check(response, other.markers, unseen(own_statuses), "404")
    assert walked >= 15, walked  # the enumeration found the API
    problems.assert_none()


# -- walking every page ----------------------------------------------------------------


def page_queries(
    world: World, me: Tenant, path: str
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The query strings a page is walked with: the common ones (a page reads what it
    knows and leaves the rest), and those of the pages that need more to answer."""
    other = world.other(me.code)
    own = [
        {},
        {"audit": str(me.audit_id), "as_of": AS_OF, "recorded_on": world.today.isoformat()},
        {"department": SHARED, "q": "바람", "council": me.name, "overdue": "1"},
    ]
    theirs = [
        {"audit": str(other.audit_id)},
        {"department": other.own_departments[0]},
        {"committee": other.spec.committee, "council": other.name},  # no page reads both
        {"q": other.spec.marker},
    ]
    if path == "/export":  # an audit and a format (every format: the exports' test)
        mine = {"audit": str(me.audit_id), "format": "html"}
        own = [mine, {**mine, "department": SHARED, "as_of": AS_OF}]
        theirs = [
            {**mine, "audit": str(other.audit_id)},
            {**mine, "department": other.own_departments[0]},
        ]
    if path == "/import/template":  # the empty template: nobody's data
        own, theirs = [{"format": "xlsx"}, {"format": "csv"}], []
    return own, theirs


@pytest.mark.parametrize("walker", WALKERS, ids=walker_id)
def test_every_page_shows_the_own_council_only(world: World, walker: tuple[str, str]) -> None:
    me, other = world.tenants[walker[0]], world.other(walker[0])
    client = world.clients[me.accounts[walker[1]]]  # signed in by its session cookie
    problems = Problems()
    walked = set()
    for method, path in app_routes(world.app):
        if method != "GET" or is_api(path) or (method, path) in ANONYMOUS:
            continue
        walked.add(path)
        own_url, other_url = fill(path, path_values(me)), fill(path, path_values(other))
        own, theirs = page_queries(world, me, path)
        own_statuses = set()
        for params in own:
            response = client.get(own_url, params=params)
            own_statuses.add(response.status_code)
            problems.check(response, other.markers, own_answer, "<500, not 404")
        for params in theirs:
            problems.check(client.get(own_url, params=params), other.markers, answered, "<500")
        if other_url != own_url:
            response = client.get(other_url)
            problems.check(response, other.markers, unseen(own_statuses), "404")
    assert {"/", "/summary", "/findings", "/findings/{finding_id}", "/inbox"} <= walked
    problems.assert_none()


# -- what each council counts ----------------------------------------------------------


def cell(page: str, row: str, column: str) -> str:
    found = re.search(rf'data-row="{row}" data-col="{column}"[^>]*>(?:<a [^>]*>)?([^<]*)', page)
    assert found is not None, (row, column)
    return found.group(1)


def shown(n: int) -> str:
    return str(n) if n else "-"


def inbox_of(world: World, t: Tenant, recipient: str) -> list[dict[str, Any]]:
    """A recipient's inbox as the system administrator reads it (every council's),
    kept to this council's findings here: what its accounts must see, entry for entry."""
    params = {"department": recipient}
    entries = _ok(world.api(SYSTEM_ADMIN, "GET", "/api/v1/inbox", params=params))
    return [e for e in entries if UUID(e["finding_id"]) in t.model.kind]


@pytest.mark.parametrize("code", ["alpha", "beta"])
def test_each_council_counts_its_own_findings_not_both(world: World, code: str) -> None:
    t = world.tenants[code]
    model = t.model
    expected, shared = model.summary(), model.summary(department=SHARED)
    overdue = model.overdue(world.today)
    pending = model.ids(verification=Verification.PENDING)
    assert expected != world.other(code).model.summary() and overdue  # they differ
    for role, account in t.accounts.items():

        def get(path: str, **params: Any) -> Any:
            return _ok(world.api(account, "GET", path, params=params))  # noqa: B023

        for params in ({}, {"audit": str(t.audit_id)}):
            got = get("/api/v1/summary", **params)
            assert {k: got[k] for k in expected} == expected, (role, params)
        got = get("/api/v1/summary", as_of=AS_OF)  # the work was done today, after it
        assert {k: got[k] for k in expected} == t.imported, role
        got = get("/api/v1/summary", department=SHARED)  # its 기획예산과, not the other's
        assert {k: got[k] for k in shared} == shared, role
        listed = get("/api/v1/findings", limit=500)
        assert listed["count"] == len(listed["data"]) == len(model.kind), role
        assert {UUID(f["finding_id"]) for f in listed["data"]} == set(model.kind), role
        listed = get("/api/v1/findings", department=SHARED, limit=500)
        assert {UUID(f["finding_id"]) for f in listed["data"]} == set(model.ids(department=SHARED))
        listed = get("/api/v1/findings", overdue="true", limit=500)
        assert {UUID(f["finding_id"]) for f in listed["data"]} == overdue, role
        audits = [(UUID(a["audit_id"]), a["findings"]) for a in get("/api/v1/audits")]
        assert audits == [(t.audit_id, len(model.kind))], role
        departments = {(d["name"], d["id"]) for d in get("/api/v1/departments")}
        assert departments == set(t.departments.items()), role

    # The inboxes: council staff's (also as its administrator reads it) and each officer's.
    staff_inbox = inbox_of(world, t, "staff")
    params = {"department": "staff"}
    everyone = _ok(world.api(SYSTEM_ADMIN, "GET", "/api/v1/inbox", params=params))
    assert staff_inbox and len(everyone) > len(staff_inbox)  # both councils' reach "staff"
    assert _ok(world.api(t.accounts["staff"], "GET", "/api/v1/inbox")) == staff_inbox
    assert _ok(world.api(t.accounts["admin"], "GET", "/api/v1/inbox", params=params)) == (
        staff_inbox
    )
    for key, department in (("officer", t.spec.officer_of), ("shared", SHARED)):
        mine = inbox_of(world, t, t.departments[department])
        assert _ok(world.api(t.accounts[key], "GET", "/api/v1/inbox")) == mine, key

    # The pages count the same.
    total = expected["rows"]["total"]["total"]
    completed = f"({shared['rows']['total']['completed']}/{shared['rows']['total']['total']})"
    for account in t.accounts.values():
        client = world.clients[account]
        assert cell(client.get("/summary").text, "total", "total") == shown(total), account
        page = client.get("/departments").text
        assert cell(page, "total", "total") == shown(total), account
        assert f"{completed}</td>" in page, account  # its 기획예산과's 완료율
        assert f"총 {len(model.kind)}건" in client.get("/findings").text, account
    page = world.clients[t.accounts["viewer"]].get("/").text
    assert f"<strong>{len(overdue)}</strong> 처리기한 경과" in page
    staff = world.clients[t.accounts["staff"]]
    page = staff.get("/").text
    assert f"<strong>{len(pending)}</strong> 이행확인 대기" in page
    assert f"<strong>{len(overdue)}</strong> 처리기한 경과" in page
    returned = len(model.ids(verification=Verification.RETURNED))
    assert f"<strong>{returned}</strong> 보완요구" in page
    assert f"완료·미반영 보고 {len(pending)}건이" in staff.get("/queue").text
    for key, entries in (
        ("staff", staff_inbox),
        ("officer", inbox_of(world, t, t.departments[t.spec.officer_of])),
    ):
        still_open = sum(e["resolved_on"] is None for e in entries)
        assert f"처리할 알림 {still_open}건" in world.clients[t.accounts[key]].get("/inbox").text

    # The event history's count is every council's: a council's administrator sees the
    # head only, on the 총괄 and in an export; the system administrator, both.
    for account, shows in ((t.accounts["admin"], False), (SYSTEM_ADMIN, True)):
        assert ("· 이벤트 " in world.clients[account].get("/summary").text) is shows, account
        url = f"/api/v1/audits/{t.audit_id}/export"
        export = world.api(account, "GET", url, params={"format": "html"}).text
        assert ("(이벤트 " in export) is shows, account


def test_the_system_administrator_sees_both_councils(world: World) -> None:
    alpha, beta = world.tenants["alpha"], world.tenants["beta"]

    def get(path: str, **params: Any) -> Any:
        return _ok(world.api(SYSTEM_ADMIN, "GET", path, params=params))

    both = len(alpha.model.kind) + len(beta.model.kind)
    assert get("/api/v1/summary")["rows"]["total"]["total"] == both
    assert get("/api/v1/findings", limit=500)["count"] == both
    assert {UUID(a["audit_id"]) for a in get("/api/v1/audits")} == {alpha.audit_id, beta.audit_id}
    departments = {(d["name"], d["id"]) for d in get("/api/v1/departments")}
    assert departments == set(alpha.departments.items()) | set(beta.departments.items())
    # Installation-wide a filter by the shared name means one of the two departments
    # (the read model picks one), never both added up.
    shared = get("/api/v1/summary", department=SHARED)["rows"]["total"]["total"]
    assert shared in (len(t.model.ids(department=SHARED)) for t in (alpha, beta))
    client = world.clients[SYSTEM_ADMIN]
    assert cell(client.get("/summary").text, "total", "total") == str(both)
    users = client.get("/admin/users").text
    for t in (alpha, beta):
        assert all(f">{name}<" in users for name in t.accounts.values())
        assert _ok(world.api(SYSTEM_ADMIN, "GET", f"/api/v1/findings/{t.open_finding}"))
        assert client.get(f"/findings/{t.open_finding}").status_code == 200


# -- every command with the other council's ids ---------------------------------------


@dataclass(frozen=True)
class Attempt:
    """A command sent with the other council's ids, and the refusal it must get."""

    method: str
    route: str  # the path template it exercises
    url: str
    kwargs: dict[str, Any]
    statuses: Callable[[int], bool] = refused
    expect: str = "4xx"


def tried(
    route: str,
    url: str | None = None,
    *,
    method: str = "POST",
    statuses: Callable[[int], bool] = refused,
    expect: str = "4xx",
    **kwargs: Any,
) -> Attempt:
    return Attempt(method, route, url or route, kwargs, statuses, expect)


# Commands no other council's id can reach, and why: a new command is not missed.
NO_OTHER_IDS = {
    ("POST", "/api/v1/session"): "signs in",
    ("DELETE", "/api/v1/session"): "signs out",
    ("POST", "/login"): "signs in",
    ("POST", "/logout"): "signs out",
    # A name another council has is the caller's to register in its own council too.
    ("POST", "/api/v1/departments"): "registers a department of the caller's council",
}
Body = Callable[[Tenant], dict[str, str]]


def _repeat(other: Tenant) -> dict[str, str]:
    return {"earlier_finding_id": str(other.verified_finding), "decision": "confirm"}


# Which of the other council's findings (so that only its council refuses it) and the
# body: of each API command on a finding, and of each form of the finding page. The
# reassignment names 기획예산과, a department of the caller's council too.
FINDING_COMMANDS: dict[str, tuple[str, Body]] = {
    "repeats": ("open", _repeat),
    "reports": ("open", lambda o: {"status": "in_progress", "actions": "보고"}),
    "verification": ("pending", lambda o: {"decision": "verify"}),
    "reopen": ("verified", lambda o: {"reason": "재검토"}),
    "due-date": ("open", lambda o: {"due_date": "2030-01-31", "reason": "조정"}),
    "reassignment": ("open", lambda o: {"department": SHARED, "reason": "이관"}),
    "extension-requests": ("open", lambda o: {"due_date": "2031-01-31", "reason": "연장"}),
    "extension-decision": ("open", lambda o: {"decision": "grant", "reason": "승인"}),
    "comments": ("open", lambda o: {"text": "의견"}),
}
FINDING_FORMS: dict[str, tuple[str, Body]] = {
    "report": ("open", lambda o: {"status": "in_progress", "actions": "보고", "plans": ""}),
    "verification": ("pending", lambda o: {"decision": "verify", "reason": "", "review_on": ""}),
    "reopen": ("verified", lambda o: {"reason": "재검토"}),
    "due_date": ("open", lambda o: {"due_date": "2030-01-31", "reason": "조정"}),
    "reassign": ("open", lambda o: {"department": SHARED, "reason": "이관"}),
    "extension_request": ("open", lambda o: {"due_date": "2031-01-31", "reason": "연장"}),
    "extension_decision": ("open", lambda o: {"decision": "grant", "reason": "승인"}),
    "comment": ("open", lambda o: {"text": "의견"}),
    "evidence": ("open", lambda o: {"note": ""}),
    "repeat": ("open", _repeat),
}


def _finding(t: Tenant, which: str) -> UUID:
    return {"open": t.open_finding, "pending": t.pending_finding, "verified": t.verified_finding}[
        which
    ]


def attempts(world: World, me: Tenant, account: str) -> list[Attempt]:
    """Each command with the other council's ids (every one the app has, or the test
    fails): what must be refused, writing nothing."""
    other = world.other(me.code)
    today, csrf = world.today.isoformat(), world.csrf[account]
    gone: dict[str, Any] = {"statuses": not_found, "expect": "404"}
    out: list[Attempt] = []
    for command, (which, body) in FINDING_COMMANDS.items():
        finding = _finding(other, which)
        route, url = f"/api/v1/findings/{{finding_id}}/{command}", f"/api/v1/findings/{finding}"
        version = world.version(finding)  # its version: only its council refuses it
        wrong = [version + 7] if command in ("comments", "verification") else []
        for expected in (version, *wrong):  # a wrong one: 404 still, never 409 and its version
            json_ = {**body(other), "expected_version": expected}
            out.append(tried(route, f"{url}/{command}", json=json_, **gone))
    version = str(world.version(other.open_finding))
    out.append(
        tried(
            "/api/v1/findings/{finding_id}/evidence",
            f"/api/v1/findings/{other.open_finding}/evidence",
            files={"file": ("a.txt", b"x", TEXT)},
            data={"expected_version": version},
            **gone,
        )
    )
    # The caller's own finding or audit, naming the other council's.
    mine, own_version = f"/api/v1/findings/{me.open_finding}", world.version(me.open_finding)
    new_department = {"effective_on": today, "reason": "개편"}
    out += [
        tried(
            "/api/v1/findings/{finding_id}/repeats",
            f"{mine}/repeats",
            json={**_repeat(other), "expected_version": own_version},
        ),
        tried(
            "/api/v1/findings/{finding_id}/reassignment",
            f"{mine}/reassignment",
            json={
                "department": other.own_departments[0],
                "reason": "이관",
                "expected_version": own_version,
            },
        ),
        tried(
            "/api/v1/findings",
            json={
                "audit_id": str(other.audit_id),
                "kind": "other",
                "seq": 90,
                "request": "새 요구",
                "department": SHARED,
            },
        ),
        tried(
            "/api/v1/audits",
            json={
                "council": other.name,
                "committee": "새위원회",
                "audited_body": "새기관",
                "year": 2019,
            },
        ),
        tried(
            "/api/v1/audits/{audit_id}/carry-over",
            f"/api/v1/audits/{other.audit_id}/carry-over",
            json={"to_audit_id": str(me.audit_id)},
        ),
        tried(
            "/api/v1/audits/{audit_id}/carry-over",
            f"/api/v1/audits/{me.audit_id}/carry-over",
            json={"to_audit_id": str(other.audit_id)},
        ),
        tried(
            "/api/v1/departments/rename",
            json={"name": other.own_departments[0], "new_name": "새부서", **new_department},
        ),
        tried(
            "/api/v1/departments/merge",
            json={
                "name": other.own_departments[0],
                "into": me.own_departments[0],
                **new_department,
            },
        ),
        tried(
            "/api/v1/departments/merge",
            json={
                "name": me.own_departments[1],
                "into": other.own_departments[0],
                **new_department,
            },
        ),
        tried(
            "/api/v1/due-policy",
            method="PUT",
            json={"council": other.name, "days": {"corrective": 60}},
        ),
    ]
    # The web forms, as the signed-in browser posts them (with the session's CSRF token).
    for form, (which, values) in FINDING_FORMS.items():
        finding = _finding(other, which)
        data = {
            **values(other),
            "expected_version": str(world.version(finding)),
            "csrf_token": csrf,
        }
        files = {"file": ("a.txt", b"x", TEXT)} if form == "evidence" else None
        url = f"/findings/{finding}/{FORM_PATHS[form]}"
        out.append(tried("/findings/{finding_id}/{action}", url, data=data, files=files, **gone))
    pick = f"{other.pending_finding}:{world.version(other.pending_finding)}"
    entries = [
        f"{k.finding_id}:{k.version}:{k.log_version}:{k.recipient}"
        for k in (e.key for e in world.runtime.read_model.inbox("staff"))
        if k.finding_id in other.model.kind
    ]
    document = document_of(other.spec)
    staged = hashlib.sha256(document).hexdigest()  # the /import preview stages it
    audit = {"committee": "새위원회", "audited_body": "새기관", "year": "2019"}
    new_finding = {"kind": "other", "seq": "90", "request": "새 요구", "department": SHARED}
    password = "another-horse-battery-staple"
    user = {"name": other.accounts["staff"], "password": password, "password_repeat": password}
    out += [
        tried(
            "/queue",
            data={"action": "verify", "pick": pick, "reason": "", "csrf_token": csrf},
            statuses=lambda s: s in (200, 403),
            expect="200 (each pick refused on the page) or 403",
        ),
        tried(
            "/inbox/read",
            data={"entry": entries, "csrf_token": csrf},
            statuses=lambda s: s == 200,
            expect="200 (back to the inbox, nothing of theirs marked)",
        ),
        tried(
            "/audits/carry-over",
            data={
                "from_audit": str(other.audit_id),
                "to_audit": str(me.audit_id),
                "confirm": "1",
                "csrf_token": csrf,
            },
        ),
        tried(
            "/audits/carry-over",
            data={
                "from_audit": str(me.audit_id),
                "to_audit": str(other.audit_id),
                "confirm": "1",
                "csrf_token": csrf,
            },
        ),
        tried(
            "/policy",
            data={
                "council": other.name,
                "corrective": "60",
                "recommendation": "",
                "other": "",
                "csrf_token": csrf,
            },
        ),
        tried("/audits/new", data={"council": other.name, **audit, "csrf_token": csrf}),
        tried(
            "/audits/{audit_id}/findings/new",
            f"/audits/{other.audit_id}/findings/new",
            data={**new_finding, "csrf_token": csrf},
            statuses=lambda s: s in (403, 404),
            expect="404 (403: a role that registers nothing)",
        ),
        tried(
            "/import",
            data={"council": other.name, "csrf_token": csrf},
            files={"file": ("report.txt", document, TEXT)},
        ),
        tried(
            "/import/confirm",
            data={
                "council": other.name,
                "document": staged,
                "source_name": "r.txt",
                "csrf_token": csrf,
            },
        ),
        tried("/admin/tokens/revoke", data={"token_id": other.token_ids[0], "csrf_token": csrf}),
    ]
    out += [
        tried(
            "/admin/users/{action}",
            f"/admin/users/{action}",
            data={**user, "role": "viewer", "csrf_token": csrf},
        )
        for action in USER_ACTIONS
    ]
    out += [
        tried(
            "/admin/departments/{action}",
            "/admin/departments/rename",
            data={
                "name": other.own_departments[0],
                "new_name": "새부서",
                **new_department,
                "csrf_token": csrf,
            },
        ),
        tried(
            "/admin/departments/{action}",
            "/admin/departments/merge",
            data={
                "name": other.own_departments[0],
                "into": me.own_departments[0],
                **new_department,
                "csrf_token": csrf,
            },
        ),
    ]
    return out


def _accounts_of(world: World, t: Tenant) -> list[tuple[Any, ...]]:
    return sorted(
        (u.name, u.role, u.active, u.department_ids)
        for u in world.runtime.accounts.list_users()
        if u.name in t.accounts.values()
    )


@pytest.mark.parametrize("walker", WALKERS, ids=walker_id)
def test_every_command_with_the_other_councils_ids_is_refused_and_writes_nothing(
    world: World, walker: tuple[str, str]
) -> None:
    me, other = world.tenants[walker[0]], world.other(walker[0])
    account = me.accounts[walker[1]]
    versions = {i: world.version(i) for i in other.model.kind}
    accounts = _accounts_of(world, other)
    tries = attempts(world, me, account)
    commands = {(m, p) for m, p in app_routes(world.app) if m in ("POST", "PUT", "PATCH", "DELETE")}
    untried = commands - {(a.method, a.route) for a in tries} - set(NO_OTHER_IDS)
    assert not untried, f"commands the walk does not try with another council's ids: {untried}"
    assert set(FINDING_FORMS) == set(FORM_PATHS), "a finding page form without a recipe here"
    problems = Problems()
    for attempt in tries:
        head = world.head()
        if attempt.url.startswith("/api/"):
            response = world.api(account, attempt.method, attempt.url, **attempt.kwargs)
        else:
            client = world.clients[account]
            response = client.request(attempt.method, attempt.url, **attempt.kwargs)
        problems.check(response, other.markers, attempt.statuses, attempt.expect)
        where = f"{attempt.method} {attempt.url}"
        if CsrfFailedError.message_ko in response.text:  # refused, but not for its ids
            problems.found.append(f"{where}: the CSRF token failed")
        if "current_version" in response.text or response.headers.get("etag"):
            problems.found.append(f"{where}: tells the other council's finding's version")
        if world.head() != head:
            problems.found.append(f"{where}: wrote {world.head() - head} events")
    problems.assert_none()
    # Nothing of theirs changed: findings, accounts, tokens; nothing of theirs marked read.
    assert {i: world.version(i) for i in other.model.kind} == versions
    assert _accounts_of(world, other) == accounts
    for name in other.accounts.values():
        assert _ok(world.api(name, "GET", "/api/v1/me"))["name"] == name
    user = next(u for u in world.runtime.accounts.list_users() if u.name == account)
    marked = world.runtime.read_model.inbox_reads(user.id)
    assert not {k.finding_id for k in marked} & set(other.model.kind)


# -- exports, a document both have, the public page, the digests -----------------------


@pytest.mark.parametrize("code", ["alpha", "beta"])
def test_exports_are_the_own_councils_only(world: World, code: str) -> None:
    """Every format of the own audit (the PDF by alpha's staff only: Chromium takes
    seconds), by the API and the page's button; the other council's refused."""
    t, other = world.tenants[code], world.other(code)
    staff = t.accounts["staff"]
    url = f"/api/v1/audits/{t.audit_id}/export"
    downloads = [
        world.api(staff, "GET", url, params={"format": f.value})
        for f in ExportFormat
        if code == "alpha" or f is not ExportFormat.PDF
    ]
    downloads += [
        world.clients[staff].get("/export", params={"audit": str(t.audit_id), "format": "html"}),
        world.api(staff, "GET", url, params={"format": "xlsx", "department": SHARED}),
    ]
    for response in downloads:
        where = unquote_plus(str(response.request.url))
        assert response.status_code == 200, (where, response.text[:300])
        text = readable(response)
        assert SHARED in text, where  # it was read (its 기획예산과)
        if "department" not in response.request.url.params:
            assert all(d in text for d in t.own_departments), where
        assert not leaks(response, other.markers), (where, leaks(response, other.markers))
    for account in t.accounts.values():
        formats = [f.value for f in ExportFormat] if account == staff else ["html"]
        for fmt in formats:  # (every role's refusal is the same call: each format once)
            params = {"format": fmt}
            refusal = world.api(
                account, "GET", f"/api/v1/audits/{other.audit_id}/export", params=params
            )
            assert refusal.status_code == 404 and not leaks(refusal, other.markers), (account, fmt)
        params = {"audit": str(other.audit_id), "format": "pdf"}
        page = world.clients[account].get("/export", params=params)
        assert page.status_code == 404 and not leaks(page, other.markers), account


def test_a_document_the_other_council_imported_is_new_to_this_one(world: World) -> None:
    """Each council's staff preview the other's very document (the same bytes): it is
    not "already imported" (that audit is the other council's, unseen), and a preview
    writes nothing."""
    for code, t in world.tenants.items():
        other = world.other(code)
        head = world.head()
        response = world.clients[t.accounts["staff"]].post(
            "/import",
            data={"csrf_token": world.csrf[t.accounts["staff"]]},
            files={"file": ("report.txt", document_of(other.spec), TEXT)},
        )
        assert response.status_code == 200, response.text[:500]
        assert other.spec.marker in response.text  # the preview read the document
        assert "이미 다른 감사" not in response.text  # DOCUMENT_ALREADY_IMPORTED
        # It shows the document's own rows (their texts, department names), nothing
        # the other council's import made of them.
        made = [other.name, other.spec.committee, other.spec.audited_body, str(other.audit_id)]
        made += [str(i) for i in other.model.kind] + list(other.departments.values())
        assert not leaks(response, made), leaks(response, made)
        assert world.head() == head


def test_the_public_page_asks_which_council_and_shows_that_one_only(world: World) -> None:
    anonymous = TestClient(world.app)
    listing = anonymous.get("/public")
    assert listing.status_code == 200
    for t in world.tenants.values():
        assert f'href="/public?council={t.code}">{t.name}</a>' in listing.text
        assert not leaks(listing, [m for m in t.markers if m != t.name])
    for t in world.tenants.values():
        other, summary = world.other(t.code), t.model.summary()
        shared = t.model.summary(department=SHARED)["rows"]["total"]
        for picked in (t.code, t.name):
            page = anonymous.get("/public", params={"council": picked})
            assert page.status_code == 200, page.text[:300]
            assert t.name in page.text
            assert cell(page.text, "total", "total") == shown(summary["rows"]["total"]["total"])
            assert f"({shared['completed']}/{shared['total']})</td>" in page.text
            assert not leaks(page, other.markers), leaks(page, other.markers)
            # Counts and department names only: no id, no request text.
            assert not leaks(page, [str(t.audit_id), *map(str, t.model.kind), t.spec.marker])
    assert anonymous.get("/public", params={"council": "nowhere"}).status_code == 404


def mail_text(message: EmailMessage) -> str:
    parts = [str(message["Subject"]), str(message["To"])]
    parts += [
        str(part.get_content()) for part in message.walk() if part.get_content_maintype() == "text"
    ]
    text = "\n".join(parts)
    return text + "\n" + unquote_plus(text)


def test_each_councils_digests_hold_its_own_findings_only(world: World) -> None:
    """The day's reminder job ran once for the installation (a real SMTP server): each
    council's staff got its council's digest, each 기획예산과 its own department's."""
    addressed = sorted({str(m["To"]) for m in world.mail})
    for code, t in world.tenants.items():
        other = world.other(code)
        for address in (f"staff@{code}.example", f"plan@{code}.example"):
            mails = [mail_text(m) for m in world.mail if str(m["To"]) == address]
            assert mails, (address, addressed)
            for text in mails:
                assert not [m for m in other.markers if m in text], (address, text[:500])
                assert any(d in text for d in t.departments), address  # its findings
        staff = next(mail_text(m) for m in world.mail if str(m["To"]) == f"staff@{code}.example")
        assert t.name in staff  # the staff digest names its council
