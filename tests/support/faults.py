"""Helpers of the load and fault tests: a store with many findings, `followup` processes,
and what the event store holds, read independently of the views."""

from __future__ import annotations

import functools
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import sqlalchemy
from sqlalchemy import MetaData, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError as SqlOperationalError

from application.access import Principal
from application.dto import SummaryTable
from application.importing import ImportOptions
from domain.finding import Finding
from domain.vocabulary import Role
from infrastructure.bootstrap import open_runtime
from infrastructure.parsers import parse_document
from infrastructure.settings import Settings
from tests.support.smtp import free_port

ROOT = Path(__file__).resolve().parent.parent.parent
SERVE = (sys.executable, "-m", "api.cli", "serve")
COUNCIL = "부하시험의회"
STAFF = "load-staff"
PASSWORD = "correct-horse-battery"

warnings.filterwarnings("ignore", message=".*NotificationTrackingRecord.*")


# -- a store ----------------------------------------------------------------------


@functools.cache
def generated_document(findings: int) -> bytes:
    from benchmarks.generate import generate

    return generate(findings).encode()


@dataclass
class Store:
    url: str
    audit_id: UUID
    finding_ids: list[str]  # in the order they were registered
    token: str
    import_events: int
    lags_after_import: dict[str, int]


def seed_store(url: str, findings: int) -> Store:
    """Import a generated document of ``findings`` findings (as `followup import` does,
    with no projector running), then add a council staff user and its API token."""
    runtime = open_runtime(Settings(database_url=url))
    try:
        outcome = runtime.services.importer.run(
            Principal.system(),
            parse_document(generated_document(findings)),
            ImportOptions(council=COUNCIL),
        )
        assert outcome.audit_id is not None, outcome
        runtime.accounts.add_user(STAFF, PASSWORD, Role.COUNCIL_STAFF, ())
        token = runtime.accounts.create_token(STAFF, "load tests")
        lags = runtime.projector.lags()
    finally:
        runtime.close()
    ids = [str(fid) for fid in registered_findings(url)]
    assert len(ids) == findings
    return Store(url, outcome.audit_id, ids, token, outcome.events, lags)


def subprocess_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AUDITTRACKER_", "FOLLOWUP_", "SQLALCHEMY_"))
    }
    env["PYTHONWARNINGS"] = "ignore"
    env.update(extra)
    return env


# -- `followup serve` and `followup project` as real processes ------------------------


@dataclass
class Served:
    """`followup serve` in a subprocess; its output goes to a file (never a full pipe)."""

    url: str
    workdir: Path
    name: str = "serve"
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    env: dict[str, str] = field(default_factory=dict)  # more FOLLOWUP_* settings

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / f"{self.name}-{self.port}.log"

    def start(self, timeout: float = 60.0) -> Served:
        env = subprocess_env(
            FOLLOWUP_SCHEDULER_ENABLED="false",
            FOLLOWUP_EVIDENCE_DIR=str(self.workdir / "evidence"),
            **self.env,
        )
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [*SERVE, "--port", str(self.port), "--db", self.url],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while True:
            assert self.proc.poll() is None, f"the server exited:\n{self.log()}"
            try:
                if get_json(f"{self.base_url}/health", timeout=2)[0] == 200:
                    return self
            except OSError:
                pass
            assert time.monotonic() < deadline, f"the server did not start:\n{self.log()}"
            time.sleep(0.1)

    def log(self, tail: int = 6000) -> str:
        try:
            return self.log_path.read_text("utf-8", "replace")[-tail:]
        except OSError:
            return ""

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def get_json(url: str, timeout: float = 10.0) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status), json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def get_api(base_url: str, path: str, token: str, timeout: float = 30.0) -> tuple[int, Any]:
    request = urllib.request.Request(
        f"{base_url}{path}", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status), json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def wait_views_caught_up(base_url: str, timeout: float) -> dict[str, int]:
    """Poll /health until every view's ``views_behind`` is 0; the last answer otherwise."""
    deadline = time.monotonic() + timeout
    behind: dict[str, int] = {}
    while time.monotonic() < deadline:
        try:
            status, health = get_json(f"{base_url}/health", timeout=5)
        except OSError:
            status, health = 0, None
        if status == 200:
            behind = health["views_behind"]
            if behind and not any(behind.values()):
                return behind
        time.sleep(0.2)
    return behind


def start_projector(url: str, workdir: Path, name: str, batch_size: int) -> subprocess.Popen[bytes]:
    """`followup project` (the background projector, leader-elected) in a subprocess."""
    log = (workdir / f"{name}.log").open("wb")
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "api.cli", "project", "--db", url],
            cwd=ROOT,
            env=subprocess_env(FOLLOWUP_PROJECTION_BATCH_SIZE=str(batch_size)),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    finally:
        log.close()


def run_cli(*args: str, timeout: float = 180.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        cwd=ROOT,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


# -- what the event store holds ---------------------------------------------------------


@dataclass(frozen=True)
class StoredFindingEvent:
    version: int
    name: str  # the event class's name
    actions: str | None  # a progress report's 추진내용


def event_log(url: str) -> dict[str, list[StoredFindingEvent]]:
    """Every Finding event of the store, per finding in version order (the library's
    notification log, decoded by the application's mapper; no view involved)."""
    runtime = open_runtime(Settings(database_url=url))
    try:
        recorder, mapper = runtime.tracker.recorder, runtime.tracker.mapper
        found: dict[str, list[StoredFindingEvent]] = defaultdict(list)
        start = 1
        while True:
            page = recorder.select_notifications(start=start, limit=2000)
            if not page:
                break
            for n in page:
                if not n.topic.startswith("domain.finding:"):
                    continue
                event = mapper.to_domain_event(n)
                found[str(n.originator_id)].append(
                    StoredFindingEvent(
                        n.originator_version,
                        type(event).__name__,
                        getattr(event, "actions", None),
                    )
                )
            start = page[-1].id + 1
    finally:
        runtime.close()
    for events in found.values():
        events.sort(key=lambda e: e.version)
    return dict(found)


def registered_findings(url: str) -> list[UUID]:
    runtime = open_runtime(Settings(database_url=url))
    try:
        top = runtime.tracker.recorder.max_notification_id() or 0
        notifications = runtime.tracker.recorder.select_notifications(start=1, limit=top + 1)
        return [
            UUID(str(n.originator_id))
            for n in notifications
            if n.topic.endswith("Finding.Registered")
        ]
    finally:
        runtime.close()


def recount_summary(url: str, finding_ids: list[str]) -> dict[str, Any]:
    """The 총괄 recounted from the aggregates (each loaded from its events)."""
    runtime = open_runtime(Settings(database_url=url))
    try:
        cells: Counter[tuple[Any, Any, Any]] = Counter()
        for fid in finding_ids:
            f: Finding = runtime.tracker.finding(UUID(fid))
            cells[(f.kind, f.status, f.verification)] += 1
    finally:
        runtime.close()
    table = SummaryTable.from_counts((k, s, v, n) for (k, s, v), n in cells.items())
    return table.as_dict()


def check_events_match_reports(
    events: dict[str, list[StoredFindingEvent]],
    import_versions: dict[str, int],
    acknowledged: dict[str, tuple[str, int]],
    sent: set[str] | None = None,
) -> list[str]:
    """Problems of the store against the reports: each acknowledged report (text →
    (finding, version)) is exactly one ProgressReported event at its version; every
    event after the import is a report that was sent (acknowledged, or with ``sent``
    also one whose answer never came), and no text is stored twice."""
    problems: list[str] = []
    stored: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for fid, finding_events in events.items():
        versions = [e.version for e in finding_events]
        if versions != list(range(1, len(versions) + 1)):
            problems.append(f"{fid}: versions {versions[:20]} are not 1..n")
        for e in finding_events:
            if e.version > import_versions.get(fid, 0):
                stored[e.actions or f"<{e.name} without actions>"].append((fid, e.version))
    for text, where in stored.items():
        if len(where) > 1:
            problems.append(f"duplicated: {text!r} stored {len(where)} times at {where}")
    for text, (fid, version) in acknowledged.items():
        if stored.get(text) != [(fid, version)]:
            problems.append(
                f"lost: acknowledged {text!r} at {fid} v{version}, stored {stored.get(text)}"
            )
    allowed = set(acknowledged) | (sent or set())
    for text in stored.keys() - allowed:
        problems.append(f"unacknowledged: {text!r} stored at {stored[text]}")
    return problems


# -- views, compared row by row -----------------------------------------------------------


def dump_read_model(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every rm_* table (views and their tracking), in primary-key order."""
    engine = sqlalchemy.create_engine(url)
    try:
        meta = MetaData()
        meta.reflect(engine)
        dump: dict[str, list[tuple[Any, ...]]] = {}
        with engine.connect() as conn:
            for name, table in sorted(meta.tables.items()):
                if not name.startswith("rm_"):
                    continue
                keys = list(table.primary_key.columns) or list(table.columns)
                # Columns by name: a migration appends a column where a rebuild's
                # table declares it, and the order of columns is no content.
                columns = sorted(table.columns, key=lambda c: c.name)
                stmt = select(*columns).order_by(*keys)
                dump[name] = [tuple(r) for r in conn.execute(stmt)]
        return dump
    finally:
        engine.dispose()


def differences(
    actual: dict[str, list[tuple[Any, ...]]], expected: dict[str, list[tuple[Any, ...]]]
) -> list[str]:
    found = []
    for name in sorted(set(actual) | set(expected)):
        a, b = actual.get(name), expected.get(name)
        if a == b:
            continue
        if a is None or b is None:
            found.append(f"{name}: only in {'expected' if a is None else 'actual'}")
            continue
        first = next(((x, y) for x, y in zip(a, b, strict=False) if x != y), None)
        found.append(f"{name}: {len(a)} rows vs {len(b)} expected; first difference {first}")
    return found


def copy_database(url: str, workdir: Path) -> str:
    """A copy of the database (SQLite: the backup API; PostgreSQL: a template copy)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        target = workdir / "copy.db"
        source = sqlite3.connect(str(parsed.database))
        copy = sqlite3.connect(str(target))
        try:
            source.backup(copy)
        finally:
            source.close()
            copy.close()
        return f"sqlite:///{target}"
    name = f"{parsed.database}_copy"
    admin = sqlalchemy.create_engine(
        parsed.set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )
    try:
        with admin.connect() as conn:
            deadline = time.monotonic() + 30
            while True:
                try:
                    conn.exec_driver_sql(f"CREATE DATABASE {name} TEMPLATE {parsed.database}")
                    break
                except SqlOperationalError:
                    # Another session is still on the source (a closing engine).
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
    finally:
        admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)
