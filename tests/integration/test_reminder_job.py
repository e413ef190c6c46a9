"""The reminder job on SQLite and PostgreSQL, with a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import func, select

from application.access import Principal
from application.importing import ImportOptions
from application.writer import Target
from domain.finding import Finding
from domain.reminders import ReminderLog
from domain.values import DepartmentRef
from domain.vocabulary import FindingKind
from infrastructure.bootstrap import Runtime, open_runtime
from infrastructure.parsers import parse_document
from infrastructure.readmodel import tables
from infrastructure.settings import Settings
from tests.conftest import ROOT, SEED, FixedClock, seeded_runtime
from tests.support.smtp import SmtpReceiver

SOCIAL, LABOUR, JOBS = "사회적경제담당관", "노동정책담당관", "일자리정책담당관"
DEADLINE = date(2019, 1, 15)  # Tuesday


@pytest.fixture
def mail_runtime(
    database_url: str, smtp_receiver: SmtpReceiver, clock: FixedClock
) -> Iterator[Runtime]:
    settings = Settings(
        database_url=database_url,
        smtp_host="127.0.0.1",
        smtp_port=smtp_receiver.port,
        department_emails={
            SOCIAL: "social@city.test",
            LABOUR: "labour@city.test",
            JOBS: "jobs@city.test",
        },
        staff_emails=["committee@council.test"],
    )
    runtime = seeded_runtime(settings, clock, DEADLINE)
    try:
        yield runtime
    finally:
        runtime.close()


def reminder_events(runtime: Runtime) -> list[ReminderLog.Raised]:
    recorder, mapper = runtime.tracker.recorder, runtime.tracker.mapper
    top = recorder.max_notification_id() or 0
    events = [mapper.to_domain_event(n) for n in recorder.select_notifications(1, top + 1)]
    assert not [e for e in events if isinstance(e, Finding.ReminderRaised)]  # legacy only
    return [e for e in events if isinstance(e, ReminderLog.Raised)]


def digests_by_recipient(messages: list[EmailMessage]) -> Counter[str]:
    return Counter(str(m["To"]) for m in messages)


def test_sixty_days_of_reminders_and_digests_equal_the_hand_computed_schedule(
    mail_runtime: Runtime, smtp_receiver: SmtpReceiver, clock: FixedClock
) -> None:
    """The seed audit (54 claims reported 2018-11-15, 2 findings 추진중 at 사회적경제담당관,
    due 2019-01-15), run daily from 2018-12-01 for 60 days.

    By hand, on the Korean calendar:
    - claims: more than 10 business days after 11-15 from 11-30 → 54 "claim waiting" on 12-01;
    - both open findings plan for "'18년 하반기" / "'18.11~12월" (ends 12-31) → 2 stale plans
      on 01-01;
    - due 01-15: 5 business days before is 01-08 (01-01 is 신정) → 2 "due soon" on 01-08;
    - overdue from 01-16 (level 0); 10 business days after 01-15 is 01-29 → level 10.
    Digests: council staff every day (54 claims keep waiting), 사회적경제담당관 on the four
    days it got reminders, the other departments never.
    """
    job = mail_runtime.reminder_job()
    start = date(2018, 12, 1)
    raised_by_day: dict[date, Counter[tuple[str, int]]] = {}
    mails_by_day: dict[date, Counter[str]] = {}
    for offset in range(60):
        day = start + timedelta(days=offset)
        clock.set_date(day)
        before_events, before_mail = len(reminder_events(mail_runtime)), len(smtp_receiver.received)
        run = job.run(day)
        new = reminder_events(mail_runtime)[before_events:]
        if new:
            raised_by_day[day] = Counter((e.rule.value, e.level) for e in new)
        assert run.raised == len(new)
        mails_by_day[day] = digests_by_recipient(smtp_receiver.received[before_mail:])

    assert raised_by_day == {
        date(2018, 12, 1): Counter({("claim_waiting", 0): 54}),
        date(2019, 1, 1): Counter({("stale_plan", 0): 2}),
        date(2019, 1, 8): Counter({("due_soon", 0): 2}),
        date(2019, 1, 16): Counter({("overdue", 0): 2}),
        date(2019, 1, 29): Counter({("overdue", 10): 2}),
    }
    social_days = {date(2019, 1, 1), date(2019, 1, 8), date(2019, 1, 16), date(2019, 1, 29)}
    for day, mails in mails_by_day.items():
        expected = Counter({"committee@council.test": 1})
        if day in social_days:
            expected["social@city.test"] = 1
        assert mails == expected, day
    # Every digest arrived once: no duplicate Message-IDs.
    assert len(smtp_receiver.unique()) == len(smtp_receiver.received) == 64


def test_digests_once_per_department_per_day_and_late_notices_go_into_the_next(
    mail_runtime: Runtime, smtp_receiver: SmtpReceiver, clock: FixedClock
) -> None:
    job = mail_runtime.reminder_job()
    day = date(2019, 1, 16)
    clock.set_date(day)
    first = job.run(day)
    assert first.digests_sent == 2  # staff + 사회적경제담당관 (overdue)
    assert job.run(day).digests_sent == 0  # again the same day: nothing new is sent

    # A notice after today's digest: in the inbox at once, in tomorrow's digest.
    services = mail_runtime.services
    in_progress = next(
        f for f in services.queries.list_findings() if f.status.value == "in_progress"
    )
    services.findings.reassign(
        Target(Principal.system(), in_progress.finding_id, business_date=day),
        department=LABOUR,
        reason="업무 이관",
    )
    read_model = mail_runtime.read_model
    social_id, labour_id = DepartmentRef.from_name(SOCIAL).id, DepartmentRef.from_name(LABOUR).id
    assert [e.topic for e in read_model.inbox(labour_id)] == ["reassigned_in"]
    assert "reassigned_out" in [e.topic for e in read_model.inbox(social_id)]

    # The same day: 노동정책담당관 had no digest yet, so its first one goes now;
    # 사회적경제담당관 had today's already, so its notice waits for tomorrow's.
    same_day = job.run(day)
    assert digests_by_recipient(smtp_receiver.received[-same_day.digests_sent :]) == Counter(
        {"labour@city.test": 1}
    )
    labour_mail = smtp_receiver.received[-1]
    assert "담당부서 지정" in labour_mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]

    next_day = date(2019, 1, 17)
    clock.set_date(next_day)
    later = job.run(next_day)
    assert digests_by_recipient(smtp_receiver.received[-later.digests_sent :]) == Counter(
        {"committee@council.test": 1, "social@city.test": 1}
    )
    social_mail = smtp_receiver.received[-2:]
    social_text = next(m for m in social_mail if m["To"] == "social@city.test")
    assert "담당부서 변경" in social_text.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def unsent(runtime: Runtime) -> int:
    """Mails in the outbox not sent yet, read from its table."""
    o = tables.outbox
    with runtime.datastore.transaction(commit=False) as session:
        count = select(func.count()).select_from(o).where(o.c.sent_at.is_(None))
        return int(session.execute(count).scalar_one())


def test_with_the_server_down_the_outbox_retries_and_delivers_later(
    mail_runtime: Runtime, smtp_receiver: SmtpReceiver, clock: FixedClock
) -> None:
    job = mail_runtime.reminder_job()
    day = date(2019, 1, 16)
    clock.set_date(day)
    smtp_receiver.stop()
    run = job.run(day)
    assert (run.digests_queued, run.digests_sent, run.delivery_failures) == (2, 0, 2)
    assert unsent(mail_runtime) == 2

    smtp_receiver.start()  # back, same port
    assert job.deliver() == (0, 0)  # not yet: waiting for the backoff
    clock.advance(minutes=1, seconds=1)
    assert job.deliver() == (2, 0)
    assert unsent(mail_runtime) == 0
    assert digests_by_recipient(smtp_receiver.unique()) == Counter(
        {"committee@council.test": 1, "social@city.test": 1}
    )


def test_killed_between_send_and_record_the_digest_comes_again_and_is_dropped(
    mail_runtime: Runtime, smtp_receiver: SmtpReceiver, database_url: str, clock: FixedClock
) -> None:
    job = mail_runtime.reminder_job()
    day = date(2019, 1, 16)
    clock.set_date(day)
    job.raise_due(day)
    assert job.compose_digests(day) == 2

    worker = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.integration.worker",
            "deliver-then-die",
            database_url,
            str(smtp_receiver.port),
            clock.now().isoformat(),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            k: v for k, v in os.environ.items() if not k.startswith(("FOLLOWUP_", "AUDITTRACKER_"))
        },
    )
    assert worker.returncode == 9, worker.stderr[-2000:]
    smtp_receiver.wait_for(1)
    assert len(smtp_receiver.received) == 1  # sent, but never recorded as sent

    clock.advance(minutes=10)  # past the dead sender's lease
    assert job.deliver() == (2, 0)  # the restart sends both again …
    assert len(smtp_receiver.received) == 3
    unique = smtp_receiver.unique()  # … and the receiver drops the duplicate
    assert len(unique) == 2
    assert len({m["Message-ID"] for m in smtp_receiver.received}) == 2


def test_two_remind_processes_at_once_raise_each_reminder_once(
    database_url: str, tmp_path: Path
) -> None:
    runtime = open_runtime(Settings(database_url=database_url))
    runtime.services.importer.run(
        Principal.system(),
        parse_document(SEED.read_bytes()),
        ImportOptions(council="서울특별시의회", deadline=DEADLINE),
    )
    runtime.close()
    followup = str(Path(sys.executable).parent / "followup")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FOLLOWUP_", "AUDITTRACKER_"))}
    go = tmp_path / "go"
    script = (
        f"while [ ! -e {go} ]; do sleep 0.01; done; "
        f"exec {followup} remind --today 2019-01-25 --json --db '{database_url}'"
    )
    procs = [
        subprocess.Popen(
            ["bash", "-c", script],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    time.sleep(0.5)
    go.touch()
    results = []
    for p in procs:
        out, err = p.communicate(timeout=180)
        assert p.returncode == 0, err[-2000:]
        results.append(json.loads(out))
    # 54 waiting claims + due soon and stale plan for each of the 2 open findings.
    assert sum(r["raised"] for r in results) == 58
    assert all(r["raised"] + r["already_raised"] == 58 for r in results)

    runtime = open_runtime(Settings(database_url=database_url))
    try:
        events = reminder_events(runtime)
        keys = Counter((e.finding_id, e.rule, e.reference_date, e.level) for e in events)
        assert len(events) == 58 and max(keys.values()) == 1
        finding_id = Finding.create_id(
            runtime.services.queries.list_audits()[0].audit_id, FindingKind.CORRECTIVE, 1
        )
        reminders = runtime.tracker.reminder_log(finding_id)
        assert reminders is not None and len(reminders.raised) == 2
        # Beside the finding: registered and reported, nothing more.
        finding = runtime.tracker.finding(finding_id)
        assert finding.version == 2 and not finding.reminders
        assert runtime.services.queries.get_finding(finding_id).version == 2
    finally:
        runtime.close()


def test_extension_request_grant_and_refusal_through_the_command_line(
    database_url: str,
) -> None:
    runtime = open_runtime(Settings(database_url=database_url))
    outcome = runtime.services.importer.run(
        Principal.system(),
        parse_document(SEED.read_bytes()),
        ImportOptions(council="서울특별시의회", deadline=DEADLINE),
    )
    assert outcome.audit_id is not None
    fid = Finding.create_id(outcome.audit_id, FindingKind.CORRECTIVE, 1)
    runtime.close()
    followup = str(Path(sys.executable).parent / "followup")

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [followup, *args, "--db", database_url], capture_output=True, text=True, timeout=120
        )

    asked = cli(
        "extension",
        "request",
        str(fid),
        "--until",
        "2019-03-29",
        "--reason",
        "용역 결과 반영",
        "--json",
    )
    assert asked.returncode == 0, asked.stderr
    assert json.loads(asked.stdout)["due_date"] == "2019-01-15"
    twice = cli(
        "extension", "request", str(fid), "--until", "2019-04-30", "--reason", "다시", "--json"
    )
    assert twice.returncode == 1
    assert json.loads(twice.stdout)["error"]["code"] == "EXTENSION_ALREADY_REQUESTED"
    granted = json.loads(cli("extension", "grant", str(fid), "--reason", "타당", "--json").stdout)
    assert granted["due_date"] == "2019-03-29"
    refused = cli("extension", "refuse", str(fid), "--reason", "없음", "--json")
    assert refused.returncode == 1
    assert json.loads(refused.stdout)["error"]["code"] == "NO_PENDING_EXTENSION"

    staff_inbox = json.loads(cli("inbox", "--department", "staff", "--json").stdout)
    assert [e["rule"] for e in staff_inbox] == ["extension_requested"]
    social = json.loads(cli("inbox", "--department", SOCIAL, "--json").stdout)
    assert [(e["rule"], e["level"], e["raised_on"]) for e in social][-1][0] == "extension_granted"
    assert set(social[0]) >= {"finding_id", "department", "rule", "level", "raised_on"}


def test_a_reminder_event_is_recorded_with_the_scheduler_as_actor(
    mail_runtime: Runtime, clock: FixedClock
) -> None:
    clock.instant = datetime(2019, 1, 16, 0, 5, tzinfo=UTC)
    mail_runtime.reminder_job().raise_due(date(2019, 1, 16))
    events = reminder_events(mail_runtime)
    assert {e.actor.kind.value for e in events} == {"scheduler"}
    assert {e.business_date for e in events} == {date(2019, 1, 16)}
    timeline = mail_runtime.services.queries.timeline(events[0].finding_id)
    assert timeline[-1].event == "ReminderRaised" and timeline[-1].actor_kind == "scheduler"


def test_a_returned_claim_and_a_due_date_change_reach_the_department_at_once(
    mail_runtime: Runtime, smtp_receiver: SmtpReceiver, clock: FixedClock
) -> None:
    services = mail_runtime.services
    read_model = mail_runtime.read_model
    labour_id = DepartmentRef.from_name(LABOUR).id
    claim = next(
        f
        for f in services.queries.list_findings()
        if f.department == LABOUR and f.kind.value == "corrective"
    )
    day = date(2018, 12, 3)
    clock.set_date(day)
    services.findings.return_claim(
        Target(Principal.system(), claim.finding_id), reason="증빙 미제출"
    )
    services.findings.change_due_date(
        Target(Principal.system(), claim.finding_id),
        due_date=date(2019, 2, 28),
        reason="보완 기간 부여",
    )
    inbox = read_model.inbox(labour_id)
    assert [(e.topic, e.detail, e.reference_date) for e in inbox] == [
        ("claim_returned", "증빙 미제출", None),
        ("due_date_changed", "보완 기간 부여", date(2019, 2, 28)),
    ]
    run = mail_runtime.reminder_job().run(day)
    labour_mail = next(m for m in smtp_receiver.received if m["To"] == "labour@city.test")
    text = labour_mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "증빙 미제출" in text and "2019-02-28" in text
    staff_mail = next(m for m in smtp_receiver.received if m["To"] == "committee@council.test")
    staff_text = staff_mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert f"({SOCIAL})" in staff_text  # staff see whose findings wait
    assert run.digests_sent == 2
