"""Helpers for view tests: unprojected events, and dumps of every view."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from application.access import Principal
from domain.audit import Audit
from domain.finding import Finding
from domain.values import DepartmentRef
from domain.vocabulary import FindingKind, Status
from infrastructure.bootstrap import Runtime

DEPARTMENTS = ["일자리정책담당관", "노동정책담당관", "사회적경제담당관"]


def write_unprojected_events(runtime: Runtime, findings: int) -> int:
    """Save events with the library's plain save(): the views stay behind."""
    tracker = runtime.tracker
    services = runtime.services
    actor = Principal.system().actor
    # Recorded in 2019, after the last report's date; the 2018 reports are back-dated.
    now = max(services.clock.now(), datetime(2019, 2, 1, 1, 0, tzinfo=UTC))
    day = date(2018, 11, 15)
    audit = Audit.register(
        council="서울특별시의회",
        committee="기획경제위원회",
        audited_body="일자리노동정책관",
        year=2017,
        actor=actor,
        business_date=day,
        now=now,
    )
    aggregates: list[Any] = [audit]
    for seq in range(1, findings + 1):
        f = Finding.register(
            audit_id=audit.id,
            kind=list(FindingKind)[seq % 3],
            seq=seq,
            request=f"요구사항 {seq}",
            department=DepartmentRef.from_name(DEPARTMENTS[seq % 3]),
            actor=actor,
            business_date=day,
            now=now,
        )
        f.report_progress(
            status=Status.IN_PROGRESS,
            actions="추진",
            backdate_reason="시험 이력",
            actor=actor,
            business_date=day,
            now=now,
        )
        if seq % 2:
            f.report_progress(
                status=Status.COMPLETED,
                actions="완료",
                backdate_reason="시험 이력",
                actor=actor,
                business_date=date(2019, 1, seq % 28 + 1),
                now=now,
            )
        aggregates.append(f)
    recordings = tracker.save(*aggregates)
    return len(recordings)


def dump_views(runtime: Runtime) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every view table, in key order, plus the tracking positions,
    once the views that follow in the background have caught up."""
    runtime.projector.run_pending()
    dump: dict[str, list[tuple[Any, ...]]] = {}
    with runtime.datastore.transaction(commit=False) as session:
        for view in runtime.views:
            for table in view.view_tables:
                keys = list(table.primary_key.columns)
                rows = session.execute(select(table).order_by(*keys)).all()
                dump[table.name] = [tuple(r) for r in rows]
    dump["positions"] = [tuple(sorted(runtime.projector.positions().items()))]
    return dump


def finding_event_count(runtime: Runtime) -> int:
    top = runtime.tracker.recorder.max_notification_id() or 0
    notifications = runtime.tracker.recorder.select_notifications(start=1, limit=top + 1)
    return sum(1 for n in notifications if n.topic.startswith("domain.finding:"))


def assert_same_views(
    actual: dict[str, list[tuple[Any, ...]]], expected: dict[str, list[tuple[Any, ...]]]
) -> None:
    """Equal dumps; on failure name the first differing row of each table."""
    differences = []
    for name in sorted(set(actual) | set(expected)):
        a, b = actual.get(name, []), expected.get(name, [])
        if a != b:
            first = next(((x, y) for x, y in zip(a, b, strict=False) if x != y), (len(a), len(b)))
            differences.append(f"{name}: {first}")
    assert not differences, "\n".join(differences)
