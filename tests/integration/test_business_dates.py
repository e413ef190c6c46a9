"""Business dates under the rules (SPEC §3 "Actors and dates"), through the commands.

Whatever sequence of allowed commands and dates people give, the 총괄 as of today
is the 총괄 now, and as of the day before the registration it is empty.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from application.access import Principal
from application.dto import FindingFilter, FindingRow
from application.errors import PermissionDeniedError
from application.writer import Target
from domain.department import UnknownDepartmentError
from domain.errors import (
    BackdatingLimitError,
    BackdatingReasonRequiredError,
    BusinessDateBeforeLastEventError,
    BusinessDateBeforeRegistrationError,
    BusinessDateInFutureError,
    DomainError,
)
from domain.values import Actor, DepartmentRef
from domain.vocabulary import FindingKind, Role, Status
from infrastructure.bootstrap import Runtime
from tests.conftest import FixedClock

DEPARTMENT = "사회적경제담당관"
STAFF = Principal(Actor.user("staff-1", Role.COUNCIL_STAFF))
OFFICER = Principal(
    Actor.user("officer-1", Role.DEPARTMENT_OFFICER),
    departments=frozenset({DepartmentRef.from_name(DEPARTMENT).id}),
)
REGISTERED = date(2018, 11, 15)
REPORTS = {s.value for s in Status}


def register(runtime: Runtime, clock: FixedClock) -> tuple[uuid.UUID, uuid.UUID]:
    clock.set_date(REGISTERED)
    services = runtime.services
    audit_id = services.audits.register_audit(
        STAFF,
        council="서울특별시의회",
        committee=f"위원회 {uuid.uuid4().hex[:6]}",
        audited_body="기관",
        year=2018,
        business_date=REGISTERED,
    )
    finding_id = services.audits.register_finding(
        STAFF,
        audit_id=audit_id,
        kind=FindingKind.CORRECTIVE,
        seq=1,
        request="방안을 마련하기 바람",
        department=DEPARTMENT,
        business_date=REGISTERED,
    )
    return audit_id, finding_id


def report(runtime: Runtime, who: Principal, fid: uuid.UUID, day: date | None, **kw: Any) -> None:
    runtime.services.findings.report_progress(Target(who, fid, business_date=day), **kw)


@pytest.fixture
def finding(rt: Runtime, clock: FixedClock) -> tuple[Runtime, FixedClock, uuid.UUID]:
    _, fid = register(rt, clock)
    return rt, clock, fid


def test_a_report_defaults_to_today_in_seoul(
    finding: tuple[Runtime, FixedClock, uuid.UUID],
) -> None:
    rt, clock, fid = finding
    clock.set_date(date(2018, 12, 3))
    report(rt, OFFICER, fid, None, status=Status.IN_PROGRESS)
    (entry,) = [e for e in rt.services.queries.timeline(fid) if e.event == "ProgressReported"]
    assert entry.business_date == date(2018, 12, 3)


def test_refused_dates_name_their_rule_and_change_nothing(
    finding: tuple[Runtime, FixedClock, uuid.UUID],
) -> None:
    rt, clock, fid = finding
    clock.set_date(date(2019, 1, 31))
    refused = [
        (OFFICER, date(2019, 2, 1), None, BusinessDateInFutureError),
        (OFFICER, date(2018, 11, 14), None, BusinessDateBeforeRegistrationError),
        (OFFICER, date(2018, 12, 30), "늦은 보고", BackdatingLimitError),
        (STAFF, date(2018, 12, 30), None, BackdatingReasonRequiredError),
    ]
    for who, day, reason, error in refused:
        with pytest.raises(error):
            report(rt, who, fid, day, status=Status.COMPLETED, backdate_reason=reason)
    assert rt.services.queries.get_finding(fid).version == 1

    report(rt, OFFICER, fid, date(2018, 12, 31), status=Status.IN_PROGRESS)  # 31 days back
    with pytest.raises(BusinessDateBeforeLastEventError):
        report(rt, OFFICER, fid, date(2018, 12, 30), status=Status.COMPLETED)
    report(rt, STAFF, fid, date(2019, 1, 2), status=Status.COMPLETED, backdate_reason="공문")
    entries = [e for e in rt.services.queries.timeline(fid) if e.event == "ProgressReported"]
    assert [(e.data["backdated"], e.data["backdate_reason"]) for e in entries] == [
        (True, None),
        (True, "공문"),
    ]


# One step of a random history: days the clock moves on, who acts, how far back the
# act is dated, and what it is.
steps = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=45),
        st.sampled_from(["officer", "staff"]),
        st.integers(min_value=0, max_value=40),
        st.sampled_from(
            ["in_progress", "completed", "not_adopted", "verify", "return", "reopen", "comment"]
        ),
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=steps)
# A report dated before the one made just before it: what the rule keeps out.
@example(history=[(20, "officer", 0, "in_progress"), (0, "officer", 5, "completed")])
def test_as_of_today_is_now_and_before_registration_is_empty(
    rt: Runtime, clock: FixedClock, history: list[tuple[int, str, int, str]]
) -> None:
    audit_id, fid = register(rt, clock)
    findings = rt.services.findings
    for forward, who, back, act in history:
        clock.advance(days=forward)
        principal = OFFICER if who == "officer" else STAFF
        day = clock.today() - timedelta(days=back)
        target = Target(principal, fid, business_date=day if act in REPORTS else None)
        try:
            if act in REPORTS:
                reason = "늦게 받은 공문" if who == "staff" else None
                findings.report_progress(
                    target, status=Status(act), actions="조치", backdate_reason=reason
                )
            elif act == "verify":
                findings.verify_claim(target)
            elif act == "return":
                findings.return_claim(target, reason="보완")
            elif act == "reopen":
                findings.reopen(target, reason="재발")
            else:
                findings.add_comment(target, text="메모")
        except DomainError:
            continue  # a refused act changes nothing; the property holds all the same
    rt.projector.run_pending()
    queries = rt.services.queries
    now = queries.summary(audit_id=audit_id)
    today = queries.summary(audit_id=audit_id, as_of=clock.today())
    assert (today.rows, today.verification) == (now.rows, now.verification)
    before = queries.summary(audit_id=audit_id, as_of=REGISTERED - timedelta(days=1))
    assert before.rows["total"]["total"] == 0
    # The list too: as of today each finding stands where it stands now.
    listed = FindingFilter(audit_id=audit_id)
    assert [shown(r) for r in queries.list_findings(replace(listed, as_of=clock.today()))] == [
        shown(r) for r in queries.list_findings(listed)
    ]
    assert queries.list_findings(replace(listed, as_of=REGISTERED - timedelta(days=1))) == []


def shown(row: FindingRow) -> tuple[Any, ...]:
    """What a list shows of a finding (its version counts comments too: not shown)."""
    return (
        row.finding_id,
        row.status,
        row.status_raw,
        row.verification,
        row.department_id,
        row.department,
        row.due_date,
        row.actions,
        row.plans,
        row.delay_reason,
    )


def test_the_queries_callers_ask_hold_their_own_rules(
    finding: tuple[Runtime, FixedClock, uuid.UUID],
) -> None:
    """ "As recorded" is council staff's and a department filter must name a department,
    whoever asks (API, pages, CLI): the application decides, not the caller."""
    rt, clock, fid = finding
    clock.set_date(date(2018, 12, 3))
    report(rt, OFFICER, fid, None, status=Status.IN_PROGRESS)
    queries, day = rt.services.queries, date(2018, 11, 20)
    with pytest.raises(PermissionDeniedError):
        queries.summary_for(OFFICER, recorded_on=day)
    with pytest.raises(PermissionDeniedError):
        queries.findings_for(OFFICER, FindingFilter(), recorded_on=day)
    with pytest.raises(PermissionDeniedError):
        queries.history_for(OFFICER, fid, recorded_on=day)
    with pytest.raises(UnknownDepartmentError):
        queries.summary_for(STAFF, department="없는담당관")
    with pytest.raises(UnknownDepartmentError):
        queries.findings_for(STAFF, FindingFilter(department="없는담당관"))
    # Staff see it as recorded that day: registered, the later report not yet there.
    rows, count = queries.findings_for(STAFF, FindingFilter(finding_ids=(fid,)), recorded_on=day)
    assert count == 1 and rows[0].status is Status.UNDER_REVIEW
    entries, then = queries.history_for(STAFF, fid, recorded_on=day)
    assert "ProgressReported" not in {e.event for e in entries}
    assert then is not None and then.status is Status.UNDER_REVIEW
    assert queries.summary_for(OFFICER).as_dict() == queries.summary().as_dict()
