"""The per-department 총괄 and the chart series, on SQLite and PostgreSQL: rows that
sum to the audit's 총괄, merges folded in, as of a date, overdue counts and ages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from application.access import Principal
from application.dto import DepartmentSummary, OpenFindingsPoint
from application.writer import Target
from domain.values import Actor
from domain.vocabulary import FindingKind, Role, Status
from infrastructure.bootstrap import Runtime
from tests.conftest import FixedClock
from tests.integration.test_lifecycle import STAFF, register

ADMIN = Principal(Actor.user("admin-1", Role.ADMIN))
SOCIAL, LABOUR, JOBS = "사회적경제담당관", "노동정책담당관", "일자리정책담당관"
COLUMNS = ("total", "completed", "in_progress", "under_review", "not_adopted")


def by_name(table: DepartmentSummary) -> dict[str, tuple[int, ...]]:
    return {r.department: (*r.statuses, r.overdue) for r in table.rows}


def scenario(rt: Runtime, clock: FixedClock) -> tuple[UUID, dict[str, UUID]]:
    """Four findings due 2018-01-31 (the audit's default): 사회적경제 completes and is
    verified, 노동정책 works on one and claims 미반영 on another, 일자리정책 (merged
    into 노동정책 from 2018-03-01) never reports."""
    clock.set_date(date(2017, 11, 20))
    audit_id, social = register(rt, date(2017, 11, 20))
    ids = {"social": social}
    for seq, (key, department, kind) in enumerate(
        [
            ("labour", LABOUR, FindingKind.RECOMMENDATION),
            ("labour_claim", LABOUR, FindingKind.OTHER),
            ("jobs", JOBS, FindingKind.CORRECTIVE),
        ],
        start=2,
    ):
        ids[key] = rt.services.audits.register_finding(
            STAFF,
            audit_id=audit_id,
            kind=kind,
            seq=seq,
            request=f"요구 {seq}",
            department=department,
        )
    findings = rt.services.findings
    clock.set_date(date(2018, 1, 10))
    findings.report_progress(Target(STAFF, ids["social"]), status=Status.COMPLETED)
    findings.report_progress(Target(STAFF, ids["labour"]), status=Status.IN_PROGRESS)
    clock.set_date(date(2018, 3, 1))
    rt.services.departments.merge(
        ADMIN, JOBS, into=LABOUR, effective_on=date(2018, 3, 1), reason="부서 통합"
    )
    clock.set_date(date(2018, 3, 5))
    findings.decide_claim(Target(STAFF, ids["social"]), verify=True)
    findings.report_progress(
        Target(STAFF, ids["labour_claim"]), status=Status.NOT_ADOPTED, delay_reason="예산 미확보"
    )
    rt.projector.run_pending()  # the status history follows in the background
    return audit_id, ids


def test_per_department_summary_now_and_as_of_a_date(rt: Runtime, clock: FixedClock) -> None:
    audit_id, _ = scenario(rt, clock)
    queries = rt.services.queries

    now = queries.department_summary(audit_id)
    # Merged into 노동정책담당관: 일자리정책담당관's finding counts there today.
    assert by_name(now) == {
        LABOUR: (3, 0, 1, 1, 1, 2),  # overdue: the one in progress, the one never reported
        SOCIAL: (1, 1, 0, 0, 0, 0),  # verified: closed, not overdue
    }
    audit_total = queries.summary(audit_id=audit_id).rows["total"]
    assert now.total.statuses == tuple(audit_total[c] for c in COLUMNS)
    assert now.total.overdue == 2
    assert [r.completion_rate for r in now.rows] == [Decimal("0.0"), Decimal("100.0")]
    assert now.total.completion_rate == Decimal("25.0")
    assert queries.department_summary() == now  # all audits: the only one

    # Before the merge and the 미반영 claim; 사회적경제's claim waits: not overdue.
    before = queries.department_summary(audit_id, as_of=date(2018, 2, 15))
    assert by_name(before) == {
        LABOUR: (2, 0, 1, 1, 0, 2),
        JOBS: (1, 0, 0, 1, 0, 1),
        SOCIAL: (1, 1, 0, 0, 0, 0),
    }
    as_of_total = queries.summary(audit_id=audit_id, as_of=date(2018, 2, 15)).rows["total"]
    assert before.total.statuses == tuple(as_of_total[c] for c in COLUMNS)
    # Before the first report: all 검토중, nothing due yet.
    early = queries.department_summary(audit_id, as_of=date(2018, 1, 9))
    assert by_name(early) == {
        LABOUR: (2, 0, 0, 2, 0, 0),
        JOBS: (1, 0, 0, 1, 0, 0),
        SOCIAL: (1, 0, 0, 1, 0, 0),
    }
    assert queries.department_summary(audit_id, as_of=date(2017, 11, 19)).rows == ()
    assert [(c.department, c.rate) for c in queries.department_completion(audit_id)] == [
        (LABOUR, Decimal("0.0")),
        (SOCIAL, Decimal("100.0")),
    ]


def test_open_findings_over_time_and_overdue_ages(rt: Runtime, clock: FixedClock) -> None:
    audit_id, _ = scenario(rt, clock)
    queries = rt.services.queries
    assert queries.open_findings_series(audit_id=audit_id) == (
        OpenFindingsPoint(date(2017, 11, 20), 4),
        OpenFindingsPoint(date(2018, 1, 10), 4),
        OpenFindingsPoint(date(2018, 3, 5), 3),  # the verified 완료 is closed
    )
    assert queries.open_findings_series(audit_id=audit_id, as_of=date(2018, 2, 1))[-1].open == 4
    assert [p.open for p in queries.open_findings_series(department=SOCIAL)] == [1, 1, 0]

    # Today (2018-03-05) is 33 days past the due date.
    aging = queries.overdue_aging(audit_id=audit_id)
    assert (aging.day, [b.count for b in aging.buckets]) == (date(2018, 3, 5), [0, 2, 0, 0])
    on_feb_15 = queries.overdue_aging(audit_id=audit_id, as_of=date(2018, 2, 15))
    assert [b.count for b in on_feb_15.buckets] == [3, 0, 0, 0]
    assert queries.overdue_aging(department=SOCIAL).total == 0
    clock.set_date(date(2018, 9, 1))  # 213 days past due
    assert [b.count for b in queries.overdue_aging().buckets] == [0, 0, 0, 2]
