"""Application scenarios through the projections, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from application.access import Principal
from application.errors import (
    FindingAlreadyRegisteredError,
    FindingNotFoundError,
    PermissionDeniedError,
    StaleVersionError,
)
from application.writer import Target
from domain.errors import FindingClosedError, NoPendingClaimError
from domain.values import Actor, DepartmentRef
from domain.vocabulary import FindingKind, Role, Status, Verification
from infrastructure.bootstrap import Runtime
from tests.conftest import FixedClock

STAFF = Principal(Actor.user("staff-1", Role.COUNCIL_STAFF))
SOCIAL = DepartmentRef.from_name("사회적경제담당관")
OFFICER = Principal(
    Actor.user("officer-1", Role.DEPARTMENT_OFFICER), departments=frozenset({SOCIAL.id})
)
OTHER_OFFICER = Principal(
    Actor.user("officer-2", Role.DEPARTMENT_OFFICER),
    departments=frozenset({DepartmentRef.from_name("노동정책담당관").id}),
)
VIEWER = Principal(Actor.user("member-1", Role.VIEWER))


def register(runtime: Runtime, day: date) -> tuple[UUID, UUID]:
    services = runtime.services
    audit_id = services.audits.register_audit(
        STAFF,
        council="서울특별시의회",
        committee="기획경제위원회",
        audited_body="일자리노동정책관",
        year=2017,
        business_date=day,
        default_deadline=date(2018, 1, 31),
    )
    finding_id = services.audits.register_finding(
        STAFF,
        audit_id=audit_id,
        kind=FindingKind.CORRECTIVE,
        seq=1,
        request="도덕적 해이 방지 방안을 마련하기 바람",
        department="사회적경제담당관",
        business_date=day,
    )
    return audit_id, finding_id


def cell(runtime: Runtime, **kw: object) -> dict[str, int]:
    return runtime.services.queries.summary(**kw).rows["corrective"]  # type: ignore[arg-type]


def test_summary_follows_the_lifecycle_now_and_as_of_each_business_date(
    runtime: Runtime, clock: FixedClock
) -> None:
    """register → 추진중 → 완료 → return → 완료 → verify, one business date each
    (each recorded on its day: a department dates at most 31 days back)."""
    services = runtime.services
    days = [
        date(2017, 11, 20),
        date(2018, 1, 10),
        date(2018, 3, 5),
        date(2018, 3, 20),
        date(2018, 5, 2),
        date(2018, 5, 30),
    ]
    audit_id, fid = register(runtime, days[0])
    expected = [("under_review", None)]

    clock.set_date(days[1])
    services.findings.report_progress(
        Target(OFFICER, fid, business_date=days[1]),
        status=Status.IN_PROGRESS,
        actions="○ 심사 강화",
    )
    expected.append(("in_progress", None))
    clock.set_date(days[2])
    services.findings.report_progress(
        Target(OFFICER, fid, business_date=days[2]),
        status=Status.COMPLETED,
        status_raw="추진완료",
        actions="○ 심사 기준 개정",
    )
    expected.append(("completed", "pending"))
    clock.set_date(days[3])
    services.findings.return_claim(Target(STAFF, fid, business_date=days[3]), reason="증빙 부족")
    expected.append(("in_progress", "returned"))
    clock.set_date(days[4])
    services.findings.report_progress(
        Target(OFFICER, fid, business_date=days[4]), status=Status.COMPLETED, actions="○ 증빙 첨부"
    )
    expected.append(("completed", "pending"))
    clock.set_date(days[5])
    services.findings.verify_claim(Target(STAFF, fid, business_date=days[5]))
    expected.append(("completed", "verified"))

    # Now: the command's caller reads its own write at once.
    row = cell(runtime, audit_id=audit_id)
    assert row == {
        "total": 1,
        "completed": 1,
        "in_progress": 0,
        "under_review": 0,
        "not_adopted": 0,
    }
    assert services.queries.summary().verification["corrective"]["verified"] == 1
    assert services.queries.list_findings()[0].verification is Verification.VERIFIED

    # As of each business date in between, and the day before registration.
    assert cell(runtime, as_of=date(2017, 11, 19))["total"] == 0
    for day, (status, verification) in zip(days, expected, strict=True):
        summary = services.queries.summary(audit_id=audit_id, as_of=day)
        assert summary.rows["corrective"][status] == 1, (day, status)
        assert summary.rows["total"]["total"] == 1
        counted = {k: v for k, v in summary.verification["corrective"].items() if v}
        assert counted == ({verification: 1} if verification else {}), day

    timeline = services.queries.timeline(fid)
    assert [e.event for e in timeline] == [
        "Registered",
        "ProgressReported",
        "ProgressReported",
        "ClaimReturned",
        "ProgressReported",
        "ClaimVerified",
    ]
    assert timeline[3].data["reason"] == "증빙 부족"
    assert timeline[1].actor_id == "officer-1" and timeline[1].actor_role == "department_officer"
    assert all(e.recorded_at.tzinfo is not None for e in timeline)


def test_due_date_defaults_to_the_audit_deadline_and_changes_with_reason(
    runtime: Runtime,
) -> None:
    _, fid = register(runtime, date(2017, 11, 20))
    assert runtime.services.queries.get_finding(fid).due_date == date(2018, 1, 31)
    runtime.services.findings.change_due_date(
        Target(STAFF, fid), due_date=date(2018, 6, 30), reason="연장 승인"
    )
    assert runtime.services.queries.list_findings()[0].due_date == date(2018, 6, 30)
    assert runtime.services.queries.timeline(fid)[-1].data["previous_due_date"] == "2018-01-31"


def test_reassignment_counts_under_the_department_responsible_on_each_date(
    runtime: Runtime, clock: FixedClock
) -> None:
    services = runtime.services
    _, fid = register(runtime, date(2017, 11, 20))
    clock.set_date(date(2018, 2, 1))
    services.departments.register(STAFF, "노동정책담당관")  # a reassignment names a registered one
    services.findings.reassign(
        Target(STAFF, fid, business_date=date(2018, 2, 1)),
        department="노동정책담당관",
        reason="업무 이관",
    )
    before = services.queries.summary(department="사회적경제담당관", as_of=date(2018, 1, 31))
    after = services.queries.summary(department="사회적경제담당관", as_of=date(2018, 2, 1))
    assert before.rows["total"]["total"] == 1
    assert after.rows["total"]["total"] == 0
    assert services.queries.summary(department="노동정책담당관").rows["total"]["total"] == 1
    assert services.queries.list_findings()[0].department == "노동정책담당관"


def test_refused_actions_change_nothing(runtime: Runtime) -> None:
    services = runtime.services
    _, fid = register(runtime, date(2017, 11, 20))
    before = services.queries.get_finding(fid).version

    with pytest.raises(PermissionDeniedError):
        services.findings.report_progress(
            Target(OTHER_OFFICER, fid), status=Status.COMPLETED, actions="x"
        )
    with pytest.raises(PermissionDeniedError):
        services.findings.report_progress(Target(VIEWER, fid), status=Status.COMPLETED, actions="x")
    with pytest.raises(PermissionDeniedError):
        services.findings.verify_claim(Target(OFFICER, fid))
    with pytest.raises(PermissionDeniedError):
        services.findings.change_due_date(
            Target(OFFICER, fid), due_date=date(2019, 1, 1), reason="연장"
        )
    with pytest.raises(NoPendingClaimError):
        services.findings.verify_claim(Target(STAFF, fid))
    with pytest.raises(FindingNotFoundError):
        services.findings.report_progress(Target(STAFF, UUID(int=1)), status=Status.IN_PROGRESS)
    with pytest.raises(FindingAlreadyRegisteredError):
        services.audits.register_finding(
            STAFF,
            audit_id=services.queries.get_finding(fid).audit_id,
            kind=FindingKind.CORRECTIVE,
            seq=1,
            request="중복",
            department="사회적경제담당관",
        )

    assert services.queries.get_finding(fid).version == before
    assert len(services.queries.timeline(fid)) == 1

    services.findings.report_progress(
        Target(STAFF, fid), status=Status.COMPLETED, actions="대신 보고"
    )
    services.findings.verify_claim(Target(STAFF, fid))
    with pytest.raises(FindingClosedError):
        services.findings.report_progress(Target(OFFICER, fid), status=Status.IN_PROGRESS)
    services.findings.reopen(Target(STAFF, fid), reason="재발")
    assert services.queries.get_finding(fid).status is Status.IN_PROGRESS
    assert services.queries.list_findings()[0].verification is None


def test_stale_expected_version_is_refused(runtime: Runtime, clock: FixedClock) -> None:
    services = runtime.services
    _, fid = register(runtime, date(2017, 11, 20))
    version = services.findings.report_progress(
        Target(OFFICER, fid, expected_version=1), status=Status.IN_PROGRESS
    ).version
    assert version == 2
    with pytest.raises(StaleVersionError) as refused:
        services.findings.report_progress(
            Target(OFFICER, fid, expected_version=1), status=Status.COMPLETED, actions="x"
        )
    assert refused.value.current_version == 2
    assert services.queries.list_findings()[0].status is Status.IN_PROGRESS


def test_business_date_defaults_to_the_seoul_calendar_date(
    runtime: Runtime, clock: FixedClock
) -> None:
    from datetime import UTC, datetime

    _, fid = register(runtime, date(2017, 11, 20))
    clock.instant = datetime(2018, 3, 4, 16, 30, tzinfo=UTC)  # 2018-03-05 01:30 in Seoul
    runtime.services.findings.report_progress(Target(OFFICER, fid), status=Status.IN_PROGRESS)
    entry = runtime.services.queries.timeline(fid)[-1]
    assert entry.business_date == date(2018, 3, 5)
    assert entry.recorded_at == clock.instant


def test_permission_is_checked_before_the_version(runtime: Runtime) -> None:
    """An officer of another department gets 'not allowed', not 'reload and retry'."""
    _, fid = register(runtime, date(2017, 11, 20))
    with pytest.raises(PermissionDeniedError):
        runtime.services.findings.report_progress(
            Target(OTHER_OFFICER, fid, expected_version=99), status=Status.IN_PROGRESS
        )
