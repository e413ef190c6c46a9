"""A finding loads from its latest snapshot plus the events after it, and from the
process's cache plus what other processes wrote since: the same finding as a
replay of its whole history, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.application import project_aggregate

from application.tracker import SNAPSHOT_INTERVAL
from application.writer import Target
from domain.finding import Finding
from domain.vocabulary import ReminderRule, Status
from infrastructure.bootstrap import Runtime, open_runtime
from infrastructure.settings import Settings
from tests.conftest import FixedClock
from tests.integration.test_lifecycle import OFFICER, STAFF, register
from tests.support.legacy import record_legacy_reminder


def replayed(rt: Runtime, finding_id: UUID) -> Finding:
    """The finding from all its events, no snapshot, no cache."""
    events = rt.tracker.events.get(finding_id)
    finding = project_aggregate(None, events)
    assert isinstance(finding, Finding)
    return finding


def state(finding: Finding) -> dict[str, Any]:
    return {k: v for k, v in vars(finding).items() if k != "_pending_events"}


def long_history(rt: Runtime, finding_id: UUID, events: int) -> None:
    """Reports, comments, (legacy) reminders and an extension: every kind of state a
    snapshot keeps."""
    services = rt.services
    finding = rt.tracker.finding(finding_id)
    day = date(2018, 1, 1)
    for i in range(events):
        if i % 5 == 0:
            record_legacy_reminder(
                finding,
                rule=ReminderRule.OVERDUE,
                reference_date=day + timedelta(days=i),
                level=1,
                actor=STAFF.actor,
                business_date=day,
                now=services.clock.now(),
            )
            services.writer.save(finding)
        elif i % 5 == 1:
            services.findings.add_comment(Target(OFFICER, finding_id), text=f"의견 {i}")
        else:
            services.findings.report_progress(
                Target(OFFICER, finding_id),
                status=Status.IN_PROGRESS,
                actions=f"○ 추진내용 {i}",
                plans="- '18. 3월 완료 예정",
            )
        finding = rt.tracker.finding(finding_id)
    services.findings.request_extension(
        Target(OFFICER, finding_id), due_date=date(2018, 6, 30), reason="예산 확보"
    )


def test_a_long_history_loads_from_a_snapshot_equal_to_its_replay(rt: Runtime) -> None:
    _, fid = register(rt, date(2017, 11, 20))
    long_history(rt, fid, 2 * SNAPSHOT_INTERVAL + 7)
    assert rt.tracker.snapshots is not None
    snapshots = list(rt.tracker.snapshots.get(fid))
    assert [s.originator_version for s in snapshots] == [
        SNAPSHOT_INTERVAL,
        2 * SNAPSHOT_INTERVAL,
    ]
    rt.tracker.repository.cache.cache.clear()  # from the snapshot, not the cache
    loaded = rt.tracker.finding(fid)
    whole = replayed(rt, fid)
    assert state(loaded) == state(whole)
    assert isinstance(loaded.reminders, set) and len(loaded.reminders) > 10
    assert isinstance(loaded.milestones, tuple)
    assert loaded.extension_request == (date(2018, 6, 30), "예산 확보")
    # And commands go on from it.
    rt.services.findings.report_progress(
        Target(OFFICER, fid, expected_version=loaded.version), status=Status.COMPLETED
    )
    assert state(rt.tracker.finding(fid)) == state(replayed(rt, fid))


def test_a_cached_finding_sees_what_another_process_wrote(
    rt: Runtime, database_url: str, clock: FixedClock, tmp_path: Path
) -> None:
    _, fid = register(rt, date(2017, 11, 20))
    before = rt.tracker.finding(fid)  # now in this process's cache
    other = open_runtime(
        Settings(database_url=database_url, evidence_dir=str(tmp_path / "evidence")), clock=clock
    )
    try:
        other.services.findings.report_progress(
            Target(OFFICER, fid, expected_version=before.version), status=Status.COMPLETED
        )
    finally:
        other.close()
    after = rt.tracker.finding(fid)
    assert after.version == before.version + 1
    assert after.status is Status.COMPLETED
    # A command on the stale version is refused, as without a cache.
    from application.errors import StaleVersionError

    with pytest.raises(StaleVersionError):
        rt.services.findings.add_comment(
            Target(OFFICER, fid, expected_version=before.version), text="늦은 의견"
        )


def test_a_command_answers_from_the_aggregate_it_saved(rt: Runtime) -> None:
    _, fid = register(rt, date(2017, 11, 20))
    written = rt.services.findings.report_progress(
        Target(OFFICER, fid, expected_version=1), status=Status.IN_PROGRESS, actions="○ 착수"
    )
    read = rt.services.queries.get_finding(fid)
    assert written.version == read.version == 2
    assert written.actions == read.actions == "○ 착수"
    assert written.position is not None and written.position > 0
    assert read.position is None


def _same_from_snapshot(rt: Runtime, aggregate: Any) -> None:
    """Snapshot ``aggregate`` through the library's store (the real transcoder), and
    load it from the snapshot alone: equal to its replay."""
    rt.tracker.take_snapshot(aggregate.id)
    assert rt.tracker.snapshots is not None
    (snapshot,) = list(rt.tracker.snapshots.get(aggregate.id, desc=True, limit=1))
    loaded = snapshot.mutate(None)
    whole = project_aggregate(None, rt.tracker.events.get(aggregate.id))
    assert type(loaded) is type(whole)
    assert state(loaded) == state(whole), type(aggregate).__name__


def test_every_kind_of_aggregate_transcodes_into_a_snapshot(rt: Runtime) -> None:
    from domain.audit import Audit
    from domain.department import Department
    from domain.reminders import ReminderLog

    audit_id, fid = register(rt, date(2017, 11, 20))
    rt.services.findings.report_progress(
        Target(OFFICER, fid), status=Status.COMPLETED, actions="○ 완료"
    )
    stamp = rt.services.writer.stamp(STAFF.actor).fields
    log = ReminderLog.open(fid, **stamp)
    log.raise_reminder(
        finding_version=2,
        rule=ReminderRule.CLAIM_WAITING,
        reference_date=date(2018, 11, 15),
        level=0,
        **stamp,
    )
    department = Department.register(name="스냅샷시험과", **stamp)
    department.rename(
        name="스냅샷시험담당관",
        effective_on=date(2018, 11, 15),
        reason="조직 개편",
        actor=STAFF.actor,
        now=stamp["now"],
    )
    rt.services.writer.save(log, department)
    for aggregate in (
        rt.tracker.audit(audit_id),
        rt.tracker.finding(fid),
        rt.tracker.load(log.id, ReminderLog),
        rt.tracker.load(department.id, Department),
    ):
        assert aggregate is not None
        _same_from_snapshot(rt, aggregate)
    assert isinstance(rt.tracker.audit(audit_id), Audit)


def test_the_snapshot_interval_is_a_setting(
    database_url: str, clock: FixedClock, tmp_path: Path
) -> None:
    settings = Settings(
        database_url=database_url, evidence_dir=str(tmp_path / "evidence"), snapshot_interval=5
    )
    rt = open_runtime(settings, clock=clock)
    try:
        _, fid = register(rt, date(2017, 11, 20))
        for i in range(11):
            rt.services.findings.add_comment(Target(OFFICER, fid), text=f"의견 {i}")
        assert rt.tracker.snapshots is not None
        versions = [s.originator_version for s in rt.tracker.snapshots.get(fid)]
        assert versions == [5, 10]
    finally:
        rt.close()
    off = open_runtime(settings.model_copy(update={"snapshot_interval": 0}), clock=clock)
    try:
        for i in range(5):  # versions 13 to 17: no snapshot at 15 with the interval 0
            off.services.findings.add_comment(Target(OFFICER, fid), text=f"더 {i}")
        assert off.tracker.snapshots is not None
        assert [s.originator_version for s in off.tracker.snapshots.get(fid)] == [5, 10]
    finally:
        off.close()
