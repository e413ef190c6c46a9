"""What an operator reads, on SQLite and PostgreSQL: JSON logs of a real `followup serve`
(one request id on every line of a request, the account once signed in, no secret in any
line), the Prometheus metrics (reminders raised, digests sent through a real SMTP server
and failed against a closed port, lag per view, leadership, busy answers) and /health."""

from __future__ import annotations

import io
import json
import logging
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
import structlog
from eventsourcing.persistence import OperationalError
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from api.app import create_app
from api.auth import PrincipalDep
from api.logs import configure_logging, request_id_from
from domain.vocabulary import FindingKind
from infrastructure.settings import Settings
from tests.e2e.api_support import PASSWORD, SOCIAL, seeded_api, settings_for
from tests.support.faults import Served
from tests.support.smtp import SmtpReceiver, free_port

GENERATED_ID = re.compile(r"[0-9a-f]{32}")
WRONG_PASSWORD = "not-the-password-7f3a9c"


# -- a real server's JSON logs ----------------------------------------------------------


def _call(
    url: str, *, method: str = "GET", body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, Message, Any]:
    """(status, headers (case-insensitive), JSON body) of one call."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.headers, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, e.headers, json.loads(e.read() or b"null")


def _lines(served: Served) -> list[dict[str, Any]]:
    text = served.log_path.read_text("utf-8")
    parsed = []
    for line in text.splitlines():
        if line.strip():
            parsed.append(json.loads(line))  # every line, the libraries' too, is one object
    return parsed


def test_a_served_request_logs_json_lines_with_its_id_and_account_and_no_secret(
    database_url: str, tmp_path: Path
) -> None:
    with seeded_api(settings_for(database_url, tmp_path)) as api:
        token = api.tokens["staff"]
        finding = api.finding(FindingKind.CORRECTIVE, 1)
        version = api.version(finding)
        users = {u.name: u.id for u in api.app.state.accounts.list_users()}
        staff_id, officer_id = users["staff"], users["social"]
    served = Served(database_url, tmp_path, env={"FOLLOWUP_LOG_FORMAT": "json"}).start()
    base, bearer = served.base_url, {"Authorization": f"Bearer {token}"}
    try:
        # A sane id is kept and echoed.
        status, headers, me = _call(
            f"{base}/api/v1/me", headers={**bearer, "X-Request-ID": "ops.Test-1_a"}
        )
        assert status == 200 and headers["X-Request-ID"] == "ops.Test-1_a"
        # Insane ones (a space, a quote, 65 characters) are replaced by a fresh one.
        replaced = []
        for insane in ('ops test"2', "x" * 65):
            status, headers, _ = _call(
                f"{base}/api/v1/me", headers={**bearer, "X-Request-ID": insane}
            )
            assert status == 200 and headers["X-Request-ID"] != insane
            assert GENERATED_ID.fullmatch(headers["X-Request-ID"])
            replaced.append(headers["X-Request-ID"])
        # A command the domain refuses (a report dated in the future), logged in the route.
        status, _, refused = _call(
            f"{base}/api/v1/findings/{finding}/reports",
            method="POST",
            body={
                "status": "in_progress",
                "actions": "○ 점검",
                "business_date": "2099-01-04",
                "expected_version": version,
            },
            headers={**bearer, "X-Request-ID": "ops-refused"},
        )
        assert status == 422 and refused["code"] == "BUSINESS_DATE_IN_FUTURE", refused
        # Signing in: a wrong password, then the right one, then the session cookie.
        status, _, _ = _call(
            f"{base}/api/v1/session",
            method="POST",
            body={"name": "social", "password": WRONG_PASSWORD},
            headers={"X-Request-ID": "ops-wrong-password"},
        )
        assert status == 401
        status, headers, session = _call(
            f"{base}/api/v1/session",
            method="POST",
            body={"name": "social", "password": PASSWORD},
            headers={"X-Request-ID": "ops-login"},
        )
        assert status == 200
        cookie = headers["set-cookie"].split(";", 1)[0]
        status, _, me_by_cookie = _call(
            f"{base}/api/v1/me", headers={"Cookie": cookie, "X-Request-ID": "ops-cookie"}
        )
        assert status == 200 and me_by_cookie["id"] == officer_id
    finally:
        served.stop()  # the log is complete once the process has exited

    lines = _lines(served)
    for line in lines:
        assert {"timestamp", "level", "logger", "event"} <= line.keys(), line
        stamp = datetime.fromisoformat(line["timestamp"].replace("Z", "+00:00"))
        assert stamp.utcoffset() == UTC.utcoffset(None)
    # The libraries' records come out in the same format.
    assert any(line["logger"].startswith("uvicorn") for line in lines)

    def of(request_id: str) -> list[dict[str, Any]]:
        return [line for line in lines if line.get("request_id") == request_id]

    (access,) = of("ops.Test-1_a")
    assert access["event"] == "request" and access["logger"] == "api.access"
    assert access["method"] == "GET" and access["route"] == "/api/v1/me"
    assert access["path"] == "/api/v1/me" and access["status"] == 200
    assert isinstance(access["duration_ms"], int | float) and access["duration_ms"] >= 0
    assert access["user_id"] == staff_id == me["id"] and access["role"] == "council_staff"
    for request_id in replaced:
        assert [line["event"] for line in of(request_id)] == ["request"]

    refusal = of("ops-refused")
    assert [line["event"] for line in refusal] == ["request refused", "request"]
    for line in refusal:  # the same account, route and method on every line
        assert line["user_id"] == staff_id and line["role"] == "council_staff"
        assert line["route"] == "/api/v1/findings/{finding_id}/reports"
        assert line["method"] == "POST"
    assert refusal[0]["code"] == "BUSINESS_DATE_IN_FUTURE" and refusal[0]["status"] == 422
    assert refusal[1]["status"] == 422

    wrong = of("ops-wrong-password")
    assert [line["event"] for line in wrong] == ["request refused", "request"]
    assert all("user_id" not in line for line in wrong)  # nobody was authenticated
    (login,) = of("ops-login")
    assert login["user_id"] == officer_id and login["role"] == "department_officer"
    (by_cookie,) = of("ops-cookie")
    assert by_cookie["user_id"] == officer_id

    text = served.log_path.read_text("utf-8")
    session_id = cookie.split("=", 1)[1]
    for secret in (token, PASSWORD, WRONG_PASSWORD, session_id, session["csrf_token"]):
        assert secret not in text
    assert "bearer" not in text.lower() and "authorization" not in text.lower()


# -- in process: lines logged by route code, masking -----------------------------------


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    """JSON logs into a buffer for one test; the process's logging as it was afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    stream = io.StringIO()
    configure_logging("json", "INFO", stream=stream)
    try:
        yield stream
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        structlog.reset_defaults()


def test_a_line_logged_in_a_route_thread_carries_the_request_and_the_account(
    database_url: str, tmp_path: Path, log_stream: io.StringIO
) -> None:
    with seeded_api(settings_for(database_url, tmp_path)) as api:

        @api.app.get("/api/v1/probe")
        def probe(principal: PrincipalDep) -> dict[str, str]:
            # A sync route runs in a worker thread, on a copy of the request's context.
            logging.getLogger("tests.probe").info(
                "inside the route",
                extra={"password": "hunter2-secret", "note": "Bearer abc.def fu_0123456789abc"},
            )
            return {"ok": "yes"}

        response = api.client.get(
            "/api/v1/probe", headers={**api.auth("viewer"), "X-Request-ID": "probe-1"}
        )
        assert response.status_code == 200 and response.headers["X-Request-ID"] == "probe-1"
        viewer_id = {u.name: u.id for u in api.app.state.accounts.list_users()}["viewer"]
    lines = [json.loads(line) for line in log_stream.getvalue().splitlines()]
    inside, access = (line for line in lines if line.get("request_id") == "probe-1")
    assert inside["event"] == "inside the route" and access["event"] == "request"
    for line in (inside, access):
        assert line["user_id"] == viewer_id and line["role"] == "viewer"
        assert line["route"] == "/api/v1/probe"
    assert inside["password"] == "[redacted]"
    assert inside["note"] == "Bearer [redacted] fu_[redacted]"
    assert "hunter2" not in log_stream.getvalue()


def test_request_ids_are_kept_only_when_sane() -> None:
    assert request_id_from("a.B-9_z") == "a.B-9_z"
    assert request_id_from("x" * 64) == "x" * 64
    for insane in (None, "", "x" * 65, "a b", "a\nb", "ä", "a/b"):
        assert GENERATED_ID.fullmatch(request_id_from(insane))


# -- metrics and health -----------------------------------------------------------------


Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]  # (name, labels) → value


def _samples(client: TestClient, token: str) -> Samples:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def _wait_for(
    client: TestClient, token: str, name: str, minimum: float, timeout: float = 90.0
) -> Samples:
    deadline = time.monotonic() + timeout
    while True:
        samples = _samples(client, token)
        if samples.get((name, ()), 0) >= minimum:
            return samples
        assert time.monotonic() < deadline, f"{name} never reached {minimum}: {samples}"
        time.sleep(0.2)


def _wait_caught_up(client: TestClient, timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        health: dict[str, Any] = client.get("/health").json()
        if not any(health["views_behind"].values()):
            return health
        assert time.monotonic() < deadline, health
        time.sleep(0.2)


def test_metrics_count_reminders_and_digests_sent_and_failed_and_health_tells_leaders(
    database_url: str, tmp_path: Path
) -> None:
    settings = settings_for(database_url, tmp_path)
    with seeded_api(settings) as api:
        token = api.tokens["staff"]
    mailing = settings.model_copy(
        update={"scheduler_enabled": True, "smtp_host": "127.0.0.1", "outbox_interval": 0.5}
    )

    # A start with the SMTP server's port closed: the start-up run raises the reminders
    # and the staff digest fails.
    closed = mailing.model_copy(
        update={"smtp_port": free_port(), "staff_emails": ["committee@council.example"]}
    )
    app = create_app(closed)
    with TestClient(app) as client:
        samples = _wait_for(client, token, "followup_digests_failed_total", 1)
        raised = {
            dict(labels)["rule"]: value
            for (name, labels), value in samples.items()
            if name == "followup_reminders_raised_total"
        }
        assert set(raised) == {"overdue", "due_soon", "claim_waiting", "stale_plan", "review_due"}
        # The seed's claims have waited for years; its plans' dates are long past.
        assert raised["claim_waiting"] > 0 and raised["stale_plan"] > 0, raised
        assert samples[("followup_digests_sent_total", ())] == 0
        assert samples[("followup_leader", (("role", "scheduler"),))] == 1
        assert samples[("followup_leader", (("role", "projector"),))] == 1
        health = _wait_caught_up(client)  # the inbox the next start digests
        assert health["leader"] == {"projector": True, "scheduler": True}
        assert health["projector"] == "leader" and health["scheduler"] == "active"
        assert set(health["views_behind"]) == set(health["projections"])
        assert health["head"] == max(p or 0 for p in health["projections"].values())
        lags = {
            dict(labels)["view"]: value
            for (name, labels), value in _samples(client, token).items()
            if name == "followup_projection_lag_events"
        }
        assert lags == dict.fromkeys(health["views_behind"], 0)

    # A start with a real SMTP server: the department's digest is sent.
    with SmtpReceiver() as receiver:
        reachable = mailing.model_copy(
            update={
                "smtp_port": receiver.port,
                "department_emails": {SOCIAL: "social@city.example"},
            }
        )
        app = create_app(reachable)
        with TestClient(app) as client:
            samples = _wait_for(client, token, "followup_digests_sent_total", 1)
            receiver.wait_for(1)
            assert samples[("followup_digests_failed_total", ())] == 0  # its retry is later
            assert str(receiver.received[0]["To"]) == "social@city.example"


def test_lag_is_current_at_scrape_time_and_leaders_off_without_a_scheduler(
    database_url: str, tmp_path: Path
) -> None:
    settings = settings_for(database_url, tmp_path).model_copy(update={"projector_enabled": False})
    with seeded_api(settings) as api:
        token = api.tokens["staff"]
        runtime = api.app.state.runtime

        def lags() -> dict[str, float]:
            return {
                dict(labels)["view"]: value
                for (name, labels), value in _samples(api.client, token).items()
                if name == "followup_projection_lag_events"
            }

        assert set(lags().values()) == {0}
        # No projector follows here: a write leaves the background views behind by its
        # events, and the next scrape says so.
        finding = api.finding(FindingKind.CORRECTIVE, 1)
        response = api.client.post(
            f"/api/v1/findings/{finding}/comments",
            json={"text": "확인했습니다", "expected_version": api.version(finding)},
            headers=api.auth("social"),
        )
        assert response.status_code == 200, response.text
        behind = lags()
        assert behind == {k: float(v) for k, v in runtime.projector.lags().items()}
        assert max(behind.values()) > 0 and behind["rm_findings_view"] == 0  # synchronous
        samples = _samples(api.client, token)
        assert samples[("followup_leader", (("role", "projector"),))] == 0
        assert samples[("followup_leader", (("role", "scheduler"),))] == 0
        health = api.client.get("/health").json()
        assert health["leader"] == {"projector": False, "scheduler": False}
        assert health["projector"] is None and health["scheduler"] is None


def test_a_busy_database_answer_is_counted(database_url: str, tmp_path: Path) -> None:
    with seeded_api(settings_for(database_url, tmp_path)) as api:

        @api.app.get("/api/v1/busy-probe")
        def busy(_: PrincipalDep) -> None:
            raise OperationalError("database is locked")

        token = api.tokens["staff"]
        before = _samples(api.client, token)[("followup_database_busy_responses_total", ())]
        response = api.client.get("/api/v1/busy-probe", headers=api.auth("staff"))
        assert response.status_code == 503 and response.json()["code"] == "DATABASE_BUSY"
        after = _samples(api.client, token)[("followup_database_busy_responses_total", ())]
        assert after == before + 1


def test_log_settings_default_to_auto_and_info() -> None:
    settings = Settings()
    assert (settings.log_format, settings.log_level) == ("auto", "INFO")
    folded = Settings(log_format="JSON", log_level="debug")
    assert (folded.log_format, folded.log_level) == ("json", "DEBUG")
