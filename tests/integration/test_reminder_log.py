"""Reminders beside the finding: raising one never changes the finding's version, and
stores whose reminders are events of the finding itself (``Finding.ReminderRaised``)
still load, show them and never raise them again."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import inspect, select

from application.errors import StaleVersionError
from application.reminders import SCHEDULER
from application.writer import Target
from domain.finding import Finding
from domain.reminders import ReminderLog
from domain.vocabulary import FindingKind, ReminderRule, Status
from infrastructure.bootstrap import Runtime, open_runtime
from infrastructure.readmodel import tables
from infrastructure.settings import Settings
from tests.conftest import ROOT, FixedClock
from tests.integration.test_lifecycle import OFFICER, SOCIAL, STAFF, register
from tests.integration.views_support import assert_same_views, dump_views
from tests.support.legacy import record_legacy_reminder

LEGACY_STORE = ROOT / "tests" / "fixtures" / "store_with_legacy_reminders.sqlite"


def rows(runtime: Runtime, table: Any, *columns: str, **where: Any) -> list[tuple[Any, ...]]:
    stmt = select(*(table.c[c] for c in columns))
    for name, value in where.items():
        stmt = stmt.where(table.c[name] == value)
    with runtime.datastore.transaction(commit=False) as session:
        return sorted(tuple(r) for r in session.execute(stmt))


def logged_reminders(runtime: Runtime) -> list[ReminderLog.Raised]:
    recorder, mapper = runtime.tracker.recorder, runtime.tracker.mapper
    top = recorder.max_notification_id() or 0
    events = (mapper.to_domain_event(n) for n in recorder.select_notifications(1, top + 1))
    return [e for e in events if isinstance(e, ReminderLog.Raised)]


def timeline(runtime: Runtime, finding_id: UUID) -> list[tuple[Any, ...]]:
    runtime.projector.run_pending()  # the timeline follows in the background
    return [
        (e.version, e.event, e.actor_kind, e.data)
        for e in runtime.services.queries.timeline(finding_id)
    ]


# -- the 409 that was: an officer's write after the scheduler ran -----------------------


def test_a_reminder_raised_after_an_officer_read_the_finding_does_not_make_the_write_stale(
    runtime: Runtime, clock: FixedClock
) -> None:
    _, finding_id = register(runtime, date(2017, 11, 20))  # due 2018-01-31
    services = runtime.services
    read = services.queries.get_finding(finding_id)  # the officer opens the page

    day = date(2018, 2, 1)
    clock.set_date(day)
    assert runtime.reminder_job().raise_due(day) == (1, 0)  # overdue, level 0
    assert services.queries.get_finding(finding_id).version == read.version
    assert runtime.tracker.finding(finding_id).version == read.version
    assert rows(runtime, tables.findings, "version", finding_id=finding_id) == [(read.version,)]

    reported = services.findings.report_progress(
        Target(OFFICER, finding_id, expected_version=read.version),
        status=Status.IN_PROGRESS,
        actions="○ 기준 개정 추진",
    )
    assert reported.version == read.version + 1
    # The version still guards against people: the same stale version is refused now.
    with pytest.raises(StaleVersionError):
        services.findings.add_comment(
            Target(STAFF, finding_id, expected_version=read.version), text="확인"
        )

    social = [(e.topic, e.level, e.reference_date) for e in runtime.read_model.inbox(SOCIAL.id)]
    assert social == [("overdue", 0, date(2018, 1, 31))]
    log = runtime.tracker.reminder_log(finding_id)
    assert log is not None and log.id == ReminderLog.create_id(finding_id)
    assert list(log.raised) == ["overdue:2018-01-31:0"]
    # The timeline shows it after the event it was raised at, before the officer's report.
    assert read.version == 1
    assert [(v, event) for v, event, *_ in timeline(runtime, finding_id)] == [
        (1, "Registered"),
        (1, "ReminderRaised"),
        (2, "ProgressReported"),
    ]
    assert runtime.reminder_job().raise_due(day) == (0, 1)


def test_a_logged_reminder_projects_as_a_legacy_one_and_leaves_the_finding_row_alone(
    runtime: Runtime, clock: FixedClock
) -> None:
    """Two findings with the same history; the reminder of one is a legacy event of the
    finding, the other's is in its log: the same inbox rows and timeline data."""
    audit_id, legacy_id = register(runtime, date(2017, 11, 20))
    logged_id = runtime.services.audits.register_finding(
        STAFF,
        audit_id=audit_id,
        kind=FindingKind.CORRECTIVE,
        seq=2,
        request="두 번째 요구사항",
        department=SOCIAL.name,
        business_date=date(2017, 11, 20),
    )
    day = date(2018, 2, 1)
    clock.set_date(day)
    legacy = runtime.tracker.finding(legacy_id)
    record_legacy_reminder(
        legacy,
        rule=ReminderRule.OVERDUE,
        reference_date=date(2018, 1, 31),
        level=0,
        actor=SCHEDULER,
        business_date=day,
        now=clock.now(),
    )
    runtime.services.writer.save(legacy)
    before = rows(runtime, tables.findings, "version", "last_business_date", finding_id=logged_id)
    assert runtime.reminder_job().raise_due(day) == (1, 1)  # the legacy key is not raised again
    assert rows(
        runtime, tables.findings, "version", "last_business_date", finding_id=logged_id
    ) == (before)
    assert [e.finding_id for e in logged_reminders(runtime)] == [logged_id]

    columns = ("recipient", "department_id", "topic", "level", "reference_date", "detail")
    inbox_of = {
        i: rows(runtime, tables.inbox, *columns, "raised_on", finding_id=i)
        for i in (legacy_id, logged_id)
    }
    assert inbox_of[legacy_id] == inbox_of[logged_id] != []
    (legacy_row,) = [r for r in timeline(runtime, legacy_id) if r[1] == "ReminderRaised"]
    (logged_row,) = [r for r in timeline(runtime, logged_id) if r[1] == "ReminderRaised"]
    assert legacy_row[1:] == logged_row[1:]
    assert logged_row[3] == {
        "rule": "overdue",
        "reference_date": "2018-01-31",
        "level": 0,
        "detail": None,
    }
    # Rebuilt from scratch, every view equals the one kept up to date command by command.
    kept = dump_views(runtime)
    runtime.projector.rebuild()
    assert_same_views(dump_views(runtime), kept)


# -- a store written by the code whose reminders were events of the finding -------------


@pytest.fixture
def legacy_store(tmp_path: Path) -> str:
    """A copy of the store ``tests/fixtures/make_legacy_store.py`` made (see there)."""
    path = tmp_path / "legacy.sqlite"
    shutil.copyfile(LEGACY_STORE, path)
    return f"sqlite:///{path}"


def followup(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FOLLOWUP_", "AUDITTRACKER_"))}
    command = str(Path(sys.executable).parent / "followup")
    return subprocess.run(
        [command, *args], capture_output=True, text=True, timeout=180, env=env, cwd=ROOT
    )


def test_a_store_with_legacy_reminders_loads_shows_them_and_never_raises_them_again(
    legacy_store: str, clock: FixedClock
) -> None:
    rebuilt = followup("rebuild", "--json", "--db", legacy_store)
    assert rebuilt.returncode == 0, rebuilt.stderr[-2000:]
    assert json.loads(rebuilt.stdout)["events"] == 10

    clock.set_date(date(2019, 1, 16))
    runtime = open_runtime(Settings(database_url=legacy_store), clock=clock)
    try:
        with runtime.datastore.transaction(commit=False) as session:
            columns = inspect(session.connection()).get_columns("rm_inbox")
        assert "log_version" in {c["name"] for c in columns}  # migrated
        audit_id = runtime.services.queries.list_audits()[0].audit_id
        overdue_id = Finding.create_id(audit_id, FindingKind.CORRECTIVE, 1)
        claim_id = Finding.create_id(audit_id, FindingKind.CORRECTIVE, 2)
        later_id = Finding.create_id(audit_id, FindingKind.RECOMMENDATION, 1)
        findings = runtime.tracker
        assert findings.finding(overdue_id).reminders == {
            "overdue:2019-01-15:0",
            "stale_plan:2018-12-31:0",
        }
        versions = {i: findings.finding(i).version for i in (overdue_id, claim_id, later_id)}
        assert versions == {overdue_id: 4, claim_id: 3, later_id: 2}

        # The rebuilt views show the legacy reminders as they were projected.
        assert [(v, e) for v, e, *_ in timeline(runtime, overdue_id)] == [
            (1, "Registered"),
            (2, "ProgressReported"),
            (3, "ReminderRaised"),
            (4, "ReminderRaised"),
        ]
        social = runtime.services.queries.departments.id_of("사회적경제담당관")
        inbox = runtime.read_model.inbox
        assert [(e.topic, e.level, e.version) for e in inbox(social)] == [
            ("overdue", 0, 3),
            ("stale_plan", 0, 4),
        ]
        assert [(e.topic, e.finding_id) for e in inbox("staff")] == [("claim_waiting", claim_id)]

        # The same day again: every due key is a legacy one, nothing is raised.
        job = runtime.reminder_job()
        assert job.raise_due(date(2019, 1, 16)) == (0, 3)
        assert all(findings.reminder_log(i) is None for i in versions)

        # Ten business days overdue: a new key, in the log; the finding stays at v4.
        day = date(2019, 1, 29)
        clock.set_date(day)
        assert job.raise_due(day) == (1, 2)
        assert {i: findings.finding(i).version for i in versions} == versions
        log = findings.reminder_log(overdue_id)
        assert log is not None and list(log.raised) == ["overdue:2019-01-15:10"]
        assert job.raise_due(day) == (0, 3)
        assert [(e.topic, e.level, e.version, e.log_version) for e in inbox(social)][-1] == (
            "overdue",
            10,
            4,
            2,
        )
        assert timeline(runtime, overdue_id)[-1] == (
            4,
            "ReminderRaised",
            "scheduler",
            {"rule": "overdue", "reference_date": "2019-01-15", "level": 10, "detail": None},
        )
        # The officer who read v4 before the run reports at v4.
        officer = type(OFFICER)(OFFICER.actor, departments=frozenset({social}))
        reported = runtime.services.findings.report_progress(
            Target(officer, overdue_id, expected_version=4), status=Status.IN_PROGRESS
        )
        assert reported.version == 5
        kept = dump_views(runtime)
        runtime.projector.rebuild()
        assert_same_views(dump_views(runtime), kept)
    finally:
        runtime.close()

    # And the command line lists all of them, legacy and logged, from the inbox.
    listed = followup("inbox", "--department", "사회적경제담당관", "--json", "--db", legacy_store)
    assert listed.returncode == 0, listed.stderr[-2000:]
    assert [(e["rule"], e["level"]) for e in json.loads(listed.stdout)][:3] == [
        ("overdue", 0),
        ("stale_plan", 0),
        ("overdue", 10),
    ]


def test_two_jobs_racing_on_one_log_record_the_reminder_once(
    database_url: str, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other process saves the log between this one's load and save: a version
    conflict, retried; one event, no error."""
    here = open_runtime(Settings(database_url=database_url), clock=clock)
    there = open_runtime(Settings(database_url=database_url), clock=clock)
    try:
        _, finding_id = register(here, date(2017, 11, 20))
        day = date(2018, 2, 1)
        clock.set_date(day)
        first, second = here.reminder_job(), there.reminder_job()
        load = first._log_of
        meanwhile: list[tuple[int, int]] = []

        def loaded_then_overtaken(fid: UUID, today: date) -> tuple[ReminderLog, Finding]:
            found = load(fid, today)
            if not meanwhile:
                meanwhile.append(second.raise_due(today))
            return found

        monkeypatch.setattr(first, "_log_of", loaded_then_overtaken)
        assert first.raise_due(day) == (0, 1)
        assert meanwhile == [(1, 0)]
        assert [e.finding_id for e in logged_reminders(here)] == [finding_id]
        assert here.tracker.finding(finding_id).version == 1
        inbox = here.read_model.inbox(SOCIAL.id)
        assert [(e.topic, e.version, e.log_version) for e in inbox] == [("overdue", 1, 2)]
    finally:
        there.close()
        here.close()
