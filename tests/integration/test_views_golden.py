"""Every Finding event type through every view, on SQLite and PostgreSQL: the rows
each view table holds, and the 총괄 as of any date against a recount (SPEC §5)."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.domain import Aggregate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Table, select

from application.access import Principal
from domain.audit import Audit
from domain.errors import DomainError
from domain.finding import Finding
from domain.values import DepartmentRef
from domain.vocabulary import FindingKind, ReminderRule, Status
from infrastructure.bootstrap import Runtime
from infrastructure.readmodel import tables
from infrastructure.readmodel.search import search_texts
from infrastructure.readmodel.views.changes import CHANGES, UnmappedEventError, changes
from tests.integration.views_support import assert_same_views, dump_views
from tests.support.legacy import record_legacy_reminder

ACTOR = Principal.system().actor
NOW = datetime(2018, 11, 15, 1, 0, tzinfo=UTC)
SOCIAL = DepartmentRef.from_name("사회적경제담당관")
LABOUR = DepartmentRef.from_name("노동정책담당관")
JOBS = DepartmentRef.from_name("일자리정책담당관")


def stamp(day: date) -> dict[str, Any]:
    """Recorded on its business date (so within the date rules)."""
    recorded = datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC)
    return {"actor": ACTOR, "business_date": day, "now": recorded}


@contextmanager
def unchecked_dates() -> Iterator[None]:
    """What stores written before the date rules may hold: a report dated before
    the finding's later events. The views must still place it right."""
    checked = Finding._check_date
    Finding._check_date = lambda *_: None  # type: ignore[method-assign]
    try:
        yield
    finally:
        Finding._check_date = checked  # type: ignore[method-assign]


def new_audit(committee: str, day: date = date(2017, 11, 20)) -> Audit:
    return Audit.register(
        council="서울특별시의회",
        committee=committee,
        audited_body=f"기관 {uuid.uuid4().hex[:8]}",
        year=2017,
        default_deadline=date(2018, 1, 31),
        **stamp(day),
    )


def new_finding(
    audit: Audit, seq: int, department: DepartmentRef, kind: FindingKind, day: date
) -> Finding:
    return Finding.register(
        audit_id=audit.id,
        kind=kind,
        seq=seq,
        request=f"도덕적 해이 방지 방안 {seq}",
        department=department,
        due_date=date(2018, 1, 31),
        **stamp(day),
    )


class Recorder:
    """Saves aggregates as commands do, and keeps each finding's state after every
    event from the aggregate itself: the oracle the views are compared with."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        # finding -> [(business date, version, cell)], one entry per event
        self.states: dict[UUID, list[tuple[date, int, tuple[Any, ...]]]] = {}
        self.committees: dict[UUID, str] = {}

    def act(self, finding: Finding, day: date, command: str, **kw: Any) -> None:
        version = finding.version
        if command == "legacy_reminder":  # as stores written before the reminder log hold
            record_legacy_reminder(finding, **kw, **stamp(day))
        elif command.startswith("legacy_"):  # as stores written before the date rules hold
            with unchecked_dates():
                getattr(finding, command.removeprefix("legacy_"))(**kw, **stamp(day))
        else:
            getattr(finding, command)(**kw, **stamp(day))
        if finding.version == version or not finding.pending_events[-1].states_cell:
            return  # the status history keeps the events that place the finding
        cell = (
            finding.audit_id,
            finding.department.id,
            finding.kind.value,
            finding.status.value,
            finding.verification.value if finding.verification else "",
        )
        self.states.setdefault(finding.id, []).append((day, finding.version, cell))

    def registered(self, finding: Finding, audit: Audit, day: date) -> None:
        self.committees[audit.id] = audit.committee
        self.states[finding.id] = [
            (day, 1, (audit.id, finding.department.id, finding.kind.value, "under_review", ""))
        ]

    def save(self, *aggregates: Any) -> None:
        self.runtime.services.writer.save(*aggregates)

    def recount(
        self,
        as_of: date,
        audit_id: UUID | None = None,
        departments: set[str] | None = None,
        committee: str | None = None,
    ) -> Counter[tuple[str, str, str]]:
        """SPEC §5: each finding in the state of its last event dated <= D (ties: version)."""
        counts: Counter[tuple[str, str, str]] = Counter()
        for entries in self.states.values():
            dated = [e for e in entries if e[0] <= as_of]
            if not dated:
                continue
            audit, department, kind, status, verification = max(dated, key=lambda e: e[:2])[2]
            if audit_id and audit != audit_id:
                continue
            if committee and self.committees[audit] != committee:
                continue
            if departments is not None and department not in departments:
                continue
            counts[(kind, status, verification)] += 1
        return counts

    def current(self, audit_id: UUID | None = None) -> Counter[tuple[str, str, str]]:
        """The 총괄 now: each finding in the state of its last event (by version),
        whatever its business date."""
        counts: Counter[tuple[str, str, str]] = Counter()
        for entries in self.states.values():
            audit, _, kind, status, verification = max(entries, key=lambda e: e[1])[2]
            if audit_id is None or audit == audit_id:
                counts[(kind, status, verification)] += 1
        return counts


def summary_counts(runtime: Runtime, **criteria: Any) -> Counter[tuple[str, str, str]]:
    """The 총괄 the read model answers, as (kind, status, verification) -> count."""
    read_model = runtime.read_model
    department_ids = criteria.pop("department_ids", None)
    as_of = criteria.pop("as_of", None)
    audit_id = criteria.pop("audit_id", None)
    committee = criteria.pop("committee", None)
    stmt = (
        read_model._summary_as_of(as_of, audit_id, committee, department_ids)
        if as_of
        else read_model._summary_now(audit_id, committee, department_ids)
    )
    return Counter(
        {(r.kind, r.status, r.verification or ""): int(r.n) for r in read_model._rows(stmt)}
    )


def rows(runtime: Runtime, table: Table, *columns: str, **where: Any) -> list[tuple[Any, ...]]:
    stmt = select(*(table.c[c] for c in columns))
    for name, value in where.items():
        stmt = stmt.where(table.c[name] == value)
    with runtime.datastore.transaction(commit=False) as session:
        return sorted(tuple(r) for r in session.execute(stmt))


# -- the table of changes ---------------------------------------------------------


def test_every_finding_event_class_has_a_stated_change() -> None:
    """A creation event states the whole row (``registered_row``); every other
    event class of Finding has its entry in the table of changes."""
    classes = [v for v in vars(Finding).values() if isinstance(v, type)]
    events = {
        v
        for v in classes
        if issubclass(v, Finding.Event)
        and not issubclass(v, Aggregate.Created)
        and v is not Finding.Event
    }
    assert len(events) >= 12, "the event classes were not found"
    assert events == set(CHANGES)


def test_an_event_class_without_a_stated_change_is_an_error() -> None:
    class Unknown(Finding.Event):
        pass

    event = Unknown(  # type: ignore[call-arg]  # the fields come from the library's metaclass
        originator_id=uuid.uuid4(),
        originator_version=2,
        timestamp=NOW,
        actor=ACTOR,
        business_date=date(2018, 1, 1),
    )
    with pytest.raises(UnmappedEventError, match="Unknown"):
        changes(event, {})


# -- the golden scenario ------------------------------------------------------------

D = date  # short for the many dates below


@pytest.fixture
def golden(runtime: Runtime) -> Iterator[tuple[Runtime, Recorder, Finding, Finding]]:
    rec = Recorder(runtime)
    audit, other = new_audit("기획경제위원회"), new_audit("환경수자원위원회")
    f1 = new_finding(audit, 1, SOCIAL, FindingKind.CORRECTIVE, D(2017, 11, 20))
    f2 = new_finding(other, 1, SOCIAL, FindingKind.RECOMMENDATION, D(2017, 11, 20))
    rec.registered(f1, audit, D(2017, 11, 20))
    rec.registered(f2, other, D(2017, 11, 20))
    rec.save(audit, other, f1, f2)

    rec.act(
        f1,
        D(2018, 1, 10),
        "report_progress",
        status=Status.IN_PROGRESS,
        actions="○ 심사 강화",
        plans="○ 심사기준 개정('18. 3월)",
    )
    rec.act(
        f1,
        D(2018, 2, 1),
        "legacy_reminder",
        rule=ReminderRule.OVERDUE,
        reference_date=D(2018, 1, 31),
        level=1,
    )
    rec.act(f1, D(2018, 2, 2), "request_extension", due_date=D(2018, 6, 30), reason="예산")
    rec.save(f1)
    rec.act(f1, D(2018, 2, 3), "refuse_extension", reason="불가")
    rec.act(f1, D(2018, 2, 4), "request_extension", due_date=D(2018, 5, 31), reason="재요청")
    rec.act(f1, D(2018, 2, 5), "grant_extension", reason="승인")
    rec.act(f1, D(2018, 2, 6), "change_due_date", due_date=D(2018, 6, 30), reason="조정")
    rec.act(f1, D(2018, 2, 7), "add_comment", text="확인 부탁")
    rec.act(
        f1,
        D(2018, 2, 8),
        "attach_evidence",
        file_name="증빙.pdf",
        content_type="application/pdf",
        size=3,
        sha256="a" * 64,
    )
    rec.save(f1)
    rec.act(f1, D(2018, 3, 5), "report_progress", status=Status.COMPLETED, actions="○ 기준 개정")
    rec.act(f1, D(2018, 3, 20), "return_claim", reason="증빙 부족")
    rec.save(f1)
    rec.act(f1, D(2018, 4, 1), "reassign", department=LABOUR, reason="업무 이관")
    rec.act(
        f1, D(2018, 5, 2), "report_progress", status=Status.NOT_ADOPTED, delay_reason="예산 삭감"
    )
    rec.act(f1, D(2018, 5, 30), "verify_claim")
    rec.save(f1)
    rec.act(f1, D(2018, 6, 10), "reopen", reason="재발")
    # Back-dated: reported now, for a date before the three events above.
    rec.act(
        f1, D(2018, 4, 15), "legacy_report_progress", status=Status.IN_PROGRESS, actions="○ 재추진"
    )
    rec.save(f1)

    rec.act(f2, D(2018, 1, 15), "report_progress", status=Status.COMPLETED, actions="○ 완료")
    rec.save(f2)
    # Back-dated, in a later transaction: the view must recompute f2's intervals.
    rec.act(
        f2, D(2017, 12, 1), "legacy_report_progress", status=Status.IN_PROGRESS, actions="○ 추진"
    )
    rec.save(f2)
    runtime.projector.run_pending()  # the views that follow in the background
    yield runtime, rec, f1, f2


def test_every_view_table_holds_the_expected_rows(
    golden: tuple[Runtime, Recorder, Finding, Finding],
) -> None:
    runtime, rec, f1, f2 = golden
    f = tables.findings
    assert rows(
        runtime,
        f,
        "version",
        "department_id",
        "department_name",
        "status",
        "status_raw",
        "verification",
        "due_date",
        "actions",
        "plans",
        "delay_reason",
        "claimed_on",
        "last_reported_on",
        "extension_due_date",
        "last_business_date",
        finding_id=f1.id,
    ) == [
        (
            17,
            LABOUR.id,
            LABOUR.name,
            "in_progress",
            "추진중",
            None,
            D(2018, 6, 30),
            "○ 재추진",
            None,
            None,
            D(2018, 5, 2),  # the last claim
            D(2018, 4, 15),  # the last report, by version
            None,
            D(2018, 4, 15),
        )
    ]
    assert rows(runtime, f, "version", "status", "verification", finding_id=f2.id) == [
        (3, "in_progress", None)  # a report of another status withdraws the claim
    ]
    assert rows(runtime, tables.audits, "findings") == [(1,), (1,)]

    assert rows(
        runtime, tables.summary_counts, "department_id", "kind", "status", "verification", "count"
    ) == sorted(
        [
            (LABOUR.id, "corrective", "in_progress", "", 1),
            (SOCIAL.id, "recommendation", "in_progress", "", 1),
        ]
    )
    assert rows(runtime, tables.summary_cells, "finding_id", "department_id", "status") == sorted(
        [(f1.id, LABOUR.id, "in_progress"), (f2.id, SOCIAL.id, "in_progress")]
    )
    assert rows(runtime, tables.summary_audits, "committee") == [
        ("기획경제위원회",),
        ("환경수자원위원회",),
    ]
    assert rows(runtime, tables.history_audits, "committee") == [
        ("기획경제위원회",),
        ("환경수자원위원회",),
    ]

    history = rows(
        runtime,
        tables.status_history,
        "version",
        "valid_from",
        "department_id",
        "status",
        "verification",
        finding_id=f1.id,
    )
    assert history == [
        (v, day, department, status, verification or None)
        for day, v, (_, department, _, status, verification) in rec.states[f1.id]
    ]
    assert [h[3:] for h in history][2:] == [
        ("completed", "pending"),
        ("in_progress", "returned"),
        ("in_progress", "returned"),
        ("not_adopted", "pending"),
        ("not_adopted", "verified"),
        ("in_progress", None),
        ("in_progress", None),
    ]
    # f2: registered, completed on 1-15, then back-dated 추진중 on 12-01.
    assert rows(
        runtime,
        tables.summary_changes,
        "day",
        "status",
        "verification",
        "delta",
        audit_id=f2.audit_id,
    ) == sorted(
        [
            (D(2017, 11, 20), "under_review", "", 1),
            (D(2017, 12, 1), "under_review", "", -1),
            (D(2017, 12, 1), "in_progress", "", 1),
            (D(2018, 1, 15), "in_progress", "", -1),
            (D(2018, 1, 15), "completed", "pending", 1),
        ]
    )

    assert rows(
        runtime,
        tables.inbox,
        "version",
        "recipient",
        "department_id",
        "topic",
        "level",
        "reference_date",
        finding_id=f1.id,
    ) == [
        (3, SOCIAL.id, SOCIAL.id, "overdue", 1, D(2018, 1, 31)),
        (4, "staff", SOCIAL.id, "extension_requested", 0, D(2018, 6, 30)),
        (5, SOCIAL.id, SOCIAL.id, "extension_refused", 0, None),
        (6, "staff", SOCIAL.id, "extension_requested", 0, D(2018, 5, 31)),
        (7, SOCIAL.id, SOCIAL.id, "extension_granted", 0, D(2018, 5, 31)),
        (8, SOCIAL.id, SOCIAL.id, "due_date_changed", 0, D(2018, 6, 30)),
        (12, SOCIAL.id, SOCIAL.id, "claim_returned", 0, None),
        (13, LABOUR.id, LABOUR.id, "reassigned_in", 0, None),
        (13, SOCIAL.id, SOCIAL.id, "reassigned_out", 0, None),
    ]
    assert rows(runtime, tables.inbox_findings, "finding_id", "department_id") == sorted(
        [(f1.id, LABOUR.id), (f2.id, SOCIAL.id)]
    )
    # The milestones of the last report (by version): it has no dated plan.
    assert rows(runtime, tables.milestones, "finding_id") == []

    assert [r[1] for r in rows(runtime, tables.timeline, "version", "event", finding_id=f1.id)] == [
        "Registered",
        "ProgressReported",
        "ReminderRaised",
        "ExtensionRequested",
        "ExtensionRefused",
        "ExtensionRequested",
        "ExtensionGranted",
        "DueDateChanged",
        "CommentAdded",
        "EvidenceAttached",
        "ProgressReported",
        "ClaimReturned",
        "Reassigned",
        "ProgressReported",
        "ClaimVerified",
        "Reopened",
        "ProgressReported",
    ]
    assert rows(
        runtime, search_texts, "request", "actions", "plans", "delay_reason", finding_id=f1.id
    ) == [(f1.request, "○ 재추진", None, None)]


def test_a_dated_plan_becomes_milestones(runtime: Runtime) -> None:
    rec = Recorder(runtime)
    audit = new_audit("기획경제위원회")
    finding = new_finding(audit, 1, JOBS, FindingKind.OTHER, D(2017, 11, 20))
    rec.registered(finding, audit, D(2017, 11, 20))
    rec.act(
        finding,
        D(2018, 1, 10),
        "report_progress",
        status=Status.IN_PROGRESS,
        plans="○ 조례 개정('18. 3월)\n○ 시스템 구축('18. 12월)",
    )
    rec.save(audit, finding)
    runtime.projector.run_pending()
    expected = [(i, m.text, m.when.deadline) for i, m in enumerate(finding.milestones)]
    assert expected, "the plan has dated items"
    assert rows(runtime, tables.milestones, "position", "text", "deadline") == expected


def test_the_summary_as_of_any_date_is_the_recount(
    golden: tuple[Runtime, Recorder, Finding, Finding],
) -> None:
    runtime, rec, f1, f2 = golden
    days = sorted({e[0] for entries in rec.states.values() for e in entries})
    for day in [days[0] - timedelta(days=1), *days, *(d + timedelta(days=1) for d in days)]:
        assert summary_counts(runtime, as_of=day) == rec.recount(day), day
        for department in (SOCIAL.id, LABOUR.id):
            assert summary_counts(runtime, as_of=day, department_ids=(department,)) == rec.recount(
                day, departments={department}
            ), (day, department)
        assert summary_counts(runtime, as_of=day, audit_id=f1.audit_id) == rec.recount(
            day, audit_id=f1.audit_id
        )
        assert summary_counts(runtime, as_of=day, committee="환경수자원위원회") == rec.recount(
            day, committee="환경수자원위원회"
        )
    # Spot checks of the back-dated reports.
    assert rec.recount(D(2018, 4, 20), audit_id=f1.audit_id) == {
        ("corrective", "in_progress", ""): 1
    }
    assert summary_counts(runtime, as_of=D(2018, 5, 10), audit_id=f1.audit_id) == {
        ("corrective", "not_adopted", "pending"): 1
    }
    assert summary_counts(runtime, as_of=D(2017, 12, 10), audit_id=f2.audit_id) == {
        ("recommendation", "in_progress", ""): 1
    }
    assert summary_counts(runtime, as_of=D(2018, 1, 20), audit_id=f2.audit_id) == {
        ("recommendation", "completed", "pending"): 1
    }
    # Now: the counters agree with the last state of each finding.
    assert summary_counts(runtime) == rec.current()


def test_a_rebuild_gives_the_same_rows(golden: tuple[Runtime, Recorder, Finding, Finding]) -> None:
    runtime = golden[0]
    incremental = dump_views(runtime)
    runtime.projector.rebuild()
    assert_same_views(dump_views(runtime), incremental)


# -- random histories, back-dated at random ---------------------------------------

_COMMANDS = st.sampled_from(
    [
        ("report_progress", {"status": Status.IN_PROGRESS, "actions": "추진"}),
        ("report_progress", {"status": Status.COMPLETED, "actions": "완료"}),
        ("report_progress", {"status": Status.NOT_ADOPTED, "delay_reason": "예산"}),
        ("verify_claim", {}),
        ("return_claim", {"reason": "보완"}),
        ("reopen", {"reason": "재발"}),
        ("reassign", {"department": LABOUR, "reason": "이관"}),
        ("reassign", {"department": SOCIAL, "reason": "이관"}),
        ("reassign", {"department": JOBS, "reason": "이관"}),
        ("add_comment", {"text": "의견"}),
    ]
)
_STEP = st.tuples(
    st.integers(min_value=0, max_value=2),  # which finding
    _COMMANDS,
    st.integers(min_value=0, max_value=40),  # business day (offsets: back-dating at random)
    st.booleans(),  # save after this step (a transaction boundary)
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(_STEP, min_size=1, max_size=25), batch_size=st.sampled_from([1, 3, 1000]))
def test_random_back_dated_histories_match_the_recount(
    runtime: Runtime, steps: list[Any], batch_size: int
) -> None:
    """Each example writes into a fresh audit of the same database; it compares
    that audit's 총괄 as of every date with the recount of its own findings."""
    runtime.projector.batch_size = batch_size
    rec = Recorder(runtime)
    start = D(2018, 1, 1)
    audit = new_audit("기획경제위원회", start)
    findings = [
        new_finding(audit, i + 1, (SOCIAL, LABOUR)[i % 2], list(FindingKind)[i], start)
        for i in range(3)
    ]
    for finding in findings:
        rec.registered(finding, audit, start)
    rec.save(audit, *findings)
    for which, (command, kw), offset, save in steps:
        finding = findings[which]
        try:
            rec.act(finding, start + timedelta(days=offset), command, **kw)
        except DomainError:
            continue  # not allowed in this state: no event
        if save:
            rec.save(finding)
    rec.save(*findings)
    runtime.projector.run_pending()
    for offset in range(-1, 42):
        day = start + timedelta(days=offset)
        assert summary_counts(runtime, as_of=day, audit_id=audit.id) == rec.recount(
            day, audit_id=audit.id
        ), day
        for department in (SOCIAL.id, LABOUR.id, JOBS.id):
            assert summary_counts(
                runtime, as_of=day, audit_id=audit.id, department_ids=(department,)
            ) == rec.recount(day, audit_id=audit.id, departments={department}), (day, department)
    assert summary_counts(runtime, audit_id=audit.id) == rec.current(audit.id)
