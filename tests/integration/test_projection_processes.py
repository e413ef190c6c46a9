"""Exactly once with several processes, crash recovery and rebuild, on both databases."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from application.access import Principal
from application.writer import Target
from domain.vocabulary import Status
from infrastructure.bootstrap import Runtime
from infrastructure.readmodel import tables
from tests.conftest import ROOT, FixedClock
from tests.integration.views_support import (
    assert_same_views,
    dump_views,
    finding_event_count,
    write_unprojected_events,
)

pytestmark = pytest.mark.slow


def spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.integration.worker", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={
            k: v for k, v in os.environ.items() if not k.startswith(("AUDITTRACKER_", "FOLLOWUP_"))
        },
    )


def finish(proc: subprocess.Popen[str]) -> str:
    out, err = proc.communicate(timeout=240)
    assert proc.returncode == 0, err[-3000:]
    return out


def count(runtime: Runtime, table: object) -> int:
    with runtime.datastore.transaction(commit=False) as session:
        return int(session.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_two_processes_projecting_at_once_apply_each_event_once(
    runtime: Runtime, database_url: str, tmp_path: Path
) -> None:
    events = write_unprojected_events(runtime, findings=150)
    assert runtime.projector.is_behind()
    go = tmp_path / "go"
    procs = [spawn("project", database_url, "7", str(go)) for _ in range(2)]
    time.sleep(1.5)  # both processes are up and waiting
    go.touch()
    applied = [int(finish(p).strip()) for p in procs]

    # Between them they projected every event, and no event twice.
    assert sum(applied) == events
    assert all(n > 0 for n in applied), applied  # both really took part
    finding_events = finding_event_count(runtime)
    assert count(runtime, tables.timeline) == finding_events
    assert count(runtime, tables.status_history) == finding_events
    summary = runtime.services.queries.summary()
    assert summary.rows["total"]["total"] == 150
    assert summary.rows["total"]["completed"] == 75
    top = runtime.tracker.recorder.max_notification_id()
    assert set(runtime.projector.positions().values()) == {top}

    projected = dump_views(runtime)
    runtime.projector.rebuild()
    assert_same_views(dump_views(runtime), projected)


def test_two_processes_writing_commands_keep_views_exact(
    runtime: Runtime, database_url: str, tmp_path: Path
) -> None:
    write_unprojected_events(runtime, findings=30)
    runtime.projector.run_pending()
    ids = [f.finding_id for f in runtime.services.queries.list_findings()]
    ids_file = tmp_path / "ids"
    ids_file.write_text("\n".join(str(i) for i in ids))
    go = tmp_path / "go"
    procs = [spawn("commands", database_url, str(go), str(ids_file), f"p{i}") for i in range(2)]
    time.sleep(1.5)
    go.touch()
    done = [int(finish(p).strip()) for p in procs]
    assert done == [30, 30]

    # Every command's events are in the views exactly once, views equal a replay.
    assert count(runtime, tables.timeline) == finding_event_count(runtime)
    rows = runtime.services.queries.summary().rows["total"]
    assert (rows["total"], rows["in_progress"]) == (30, 30)
    projected = dump_views(runtime)
    runtime.projector.rebuild()
    assert_same_views(dump_views(runtime), projected)


def test_killed_mid_batch_then_restarted_views_equal_a_replay(
    runtime: Runtime, database_url: str, tmp_path: Path
) -> None:
    write_unprojected_events(runtime, findings=120)
    marker = tmp_path / "inside-batch"
    proc = spawn("crash", database_url, str(marker))
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline, "worker never reached the batch"
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)

    # The first transaction (4 batches of 50) committed; the killed one left nothing.
    positions = runtime.projector.positions()
    assert positions["rm_findings_view"] == positions["rm_timeline_view"] == 200
    assert count(runtime, tables.timeline) == 199  # all but the audit's event

    runtime.projector.run_pending()  # the restart
    recovered = dump_views(runtime)
    runtime.projector.rebuild()
    assert_same_views(dump_views(runtime), recovered)
    assert count(runtime, tables.timeline) == finding_event_count(runtime)


def test_rebuild_gives_identical_views_after_commands(runtime: Runtime, clock: FixedClock) -> None:
    write_unprojected_events(runtime, findings=40)
    clock.set_date(date(2019, 2, 1))  # after the last reports of those findings
    runtime.projector.run_pending()
    tracker = runtime.tracker
    services = runtime.services
    first = services.queries.list_findings()[0].finding_id
    services.findings.report_progress(
        Target(Principal.system(), first), status=Status.COMPLETED, actions="완료"
    )
    services.findings.return_claim(Target(Principal.system(), first), reason="보완")
    services.findings.reassign(
        Target(Principal.system(), first), department="노동정책담당관", reason="이관"
    )

    before = dump_views(runtime)
    rebuilt = runtime.projector.rebuild()
    assert rebuilt == tracker.recorder.max_notification_id()
    assert_same_views(dump_views(runtime), before)


def test_a_bulk_import_leaves_the_timeline_and_search_to_the_background(
    runtime: Runtime,
) -> None:
    """An import returns with the 총괄 and the list current; the other views (the
    timeline, the status history, the search index) follow in the projector."""
    from application.importing import ImportOptions
    from benchmarks.generate import generate
    from infrastructure.parsers import parse_document

    outcome = runtime.services.importer.run(
        Principal.system(),
        parse_document(generate(400).encode()),
        ImportOptions(council="벤치의회"),
    )
    assert outcome.events > 500  # a bulk save
    assert runtime.services.queries.summary().rows["total"]["total"] == 400
    assert runtime.services.queries.count_findings() == 400
    first = runtime.services.queries.list_findings()[0].finding_id
    assert runtime.services.queries.timeline(first) == []  # not yet
    runtime.projector.run_pending()  # what the background loop does every second
    assert [e.event for e in runtime.services.queries.timeline(first)] == [
        "Registered",
        "ProgressReported",
    ]
    # Without a background projector, a single command's views follow at once.
    runtime.services.findings.add_comment(Target(Principal.system(), first), text="확인 바랍니다")
    assert runtime.services.queries.timeline(first)[-1].event == "CommentAdded"
