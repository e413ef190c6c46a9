"""A council's due-date policy and re-review dates, on both databases."""

from __future__ import annotations

from datetime import date

import pytest

from application.access import Principal
from application.dto import FindingFilter
from application.importing import ImportOptions
from application.writer import Target
from domain.errors import DomainError
from domain.finding import POLICY_REASON
from domain.values import Actor
from domain.vocabulary import FindingKind, ReminderRule, Role, Status
from infrastructure.bootstrap import Runtime
from infrastructure.calendar import KoreanBusinessCalendar
from infrastructure.parsers import parse_document
from tests.conftest import SEED, FixedClock

STAFF = Principal(Actor.user("staff-1", Role.COUNCIL_STAFF))
COUNCIL = "서울특별시의회"
ADOPTED = date(2018, 11, 30)  # 결과보고서 adopted and sent
CAL = KoreanBusinessCalendar()


def audit(runtime: Runtime) -> object:
    return runtime.services.audits.register_audit(
        STAFF,
        council=COUNCIL,
        committee="기획경제위원회",
        audited_body="일자리노동정책관",
        year=2018,
        adoption_date=ADOPTED,
    )


def register(runtime: Runtime, audit_id: object, seq: int, **kw: object) -> object:
    return runtime.services.audits.register_finding(
        STAFF,
        audit_id=audit_id,  # type: ignore[arg-type]
        kind=FindingKind.CORRECTIVE,
        seq=seq,
        request=f"요구사항 {seq}",
        department="사회적경제담당관",
        **kw,  # type: ignore[arg-type]
    )


def test_policy_fills_due_dates_and_moves_only_its_own(rt: Runtime, clock: FixedClock) -> None:
    clock.set_date(date(2018, 12, 3))
    policies = rt.services.policies
    policies.set_policy(STAFF, COUNCIL, {FindingKind.CORRECTIVE: 20})
    audit_id = audit(rt)
    by_policy = register(rt, audit_id, 1)
    stated = register(rt, audit_id, 2, due_date=date(2019, 1, 31))
    by_hand = register(rt, audit_id, 3)
    tracker = rt.tracker
    assert tracker.finding(by_policy).due_date == CAL.add_business_days(ADOPTED, 20)
    assert tracker.finding(stated).due_date == date(2019, 1, 31)
    rt.services.findings.change_due_date(
        Target(STAFF, by_hand), due_date=date(2019, 2, 28), reason="부서 협의"
    )
    # A kind the policy says nothing of gets no due date.
    other = rt.services.audits.register_finding(
        STAFF,
        audit_id=audit_id,  # type: ignore[arg-type]
        kind=FindingKind.OTHER,
        seq=1,
        request="자료 제출",
        department="사회적경제담당관",
    )
    assert tracker.finding(other).due_date is None

    change = policies.set_policy(STAFF, COUNCIL, {FindingKind.CORRECTIVE: 30})
    assert change.moved == [by_policy]
    moved = tracker.finding(by_policy)
    assert moved.due_date == CAL.add_business_days(ADOPTED, 30) and moved.due_by_policy
    last = rt.services.queries.timeline(by_policy)[-1]
    assert (last.event, last.data["reason"], last.data["by_policy"]) == (
        "DueDateChanged",
        POLICY_REASON,
        True,
    )
    assert tracker.finding(stated).due_date == date(2019, 1, 31)
    assert tracker.finding(by_hand).due_date == date(2019, 2, 28)
    assert policies.days(COUNCIL) == {"corrective": 30}
    with pytest.raises(DomainError) as same:
        policies.set_policy(STAFF, COUNCIL, {FindingKind.CORRECTIVE: 30})
    assert same.value.code == "NOTHING_CHANGED"
    with pytest.raises(DomainError) as bad:
        policies.set_policy(STAFF, COUNCIL, {FindingKind.CORRECTIVE: 0})
    assert bad.value.code == "INVALID_DUE_POLICY"


def test_an_import_applies_the_policy_where_rows_state_no_due_date(
    rt: Runtime, clock: FixedClock
) -> None:
    clock.set_date(date(2020, 12, 31))
    rt.services.policies.set_policy(Principal.system(), COUNCIL, {FindingKind.RECOMMENDATION: 60})
    outcome = rt.services.importer.run(
        Principal.system(), parse_document(SEED.read_bytes()), ImportOptions(council=COUNCIL)
    )
    assert outcome.committed
    rows = rt.services.queries.list_findings(FindingFilter(audit_id=outcome.audit_id))
    reported = date(2018, 11, 15)  # the document's date registers the audit
    expected = CAL.add_business_days(reported, 60)
    assert {r.due_date for r in rows if r.kind is FindingKind.RECOMMENDATION} == {expected}
    assert {r.due_date for r in rows if r.kind is not FindingKind.RECOMMENDATION} == {None}


def test_a_verified_not_adopted_comes_up_again_on_its_review_date(
    rt: Runtime, clock: FixedClock
) -> None:
    clock.set_date(date(2018, 12, 3))
    audit_id = audit(rt)
    finding_id = register(rt, audit_id, 1, due_date=date(2019, 6, 28))
    findings = rt.services.findings
    findings.report_progress(
        Target(STAFF, finding_id), status=Status.NOT_ADOPTED, delay_reason="예산 미확보"
    )
    with pytest.raises(DomainError) as past:
        findings.decide_claim(Target(STAFF, finding_id), verify=True, review_on=date(2018, 12, 1))
    assert past.value.code == "INVALID_REVIEW_DATE"
    findings.decide_claim(Target(STAFF, finding_id), verify=True, review_on=date(2019, 3, 4))
    assert rt.tracker.finding(finding_id).is_closed
    job = rt.reminder_job()
    clock.set_date(date(2019, 3, 1))
    assert finding_id not in rt.services.queries.due_finding_ids(ReminderRule.REVIEW_DUE)
    job.run(clock.today())
    clock.set_date(date(2019, 3, 4))
    assert finding_id in rt.services.queries.due_finding_ids(ReminderRule.REVIEW_DUE)
    first = job.run(clock.today())
    again = job.run(clock.today())
    assert first.raised == 1 and again.raised == 0
    log = rt.tracker.reminder_log(finding_id)
    assert log is not None and any(k.startswith("review_due:2019-03-04") for k in log.raised)
    # Reopened: no more re-review date.
    findings.reopen(Target(STAFF, finding_id), reason="예산 확보")
    assert rt.tracker.finding(finding_id).review_on is None
