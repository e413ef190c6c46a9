"""The reminder rules of SPEC §4, pure: a candidate, a date, the Korean calendar."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from application.dto import ReminderCandidate
from application.reminders import DueReminder, ReminderPolicy, reminders_due
from domain.vocabulary import ReminderRule, Status, Verification
from infrastructure.calendar import KoreanBusinessCalendar

CAL = KoreanBusinessCalendar()
FID = UUID(int=7)


def candidate(**kw: object) -> ReminderCandidate:
    base: dict[str, object] = {
        "finding_id": FID,
        "department_id": "dept-x",
        "due_date": date(2018, 9, 21),  # Friday before 추석 2018
        "status": Status.IN_PROGRESS,
        "verification": None,
        "claimed_on": None,
        "last_reported_on": date(2018, 8, 1),
    }
    base.update(kw)
    return ReminderCandidate(**base)  # type: ignore[arg-type]


def due(c: ReminderCandidate, today: date, **policy: object) -> list[tuple[str, date, int]]:
    found = reminders_due([c], today, CAL, ReminderPolicy(**policy))  # type: ignore[arg-type]
    return [(r.rule.value, r.reference_date, r.level) for r in found]


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2018, 9, 13), []),  # 6 business days before: not yet
        (date(2018, 9, 14), [("due_soon", date(2018, 9, 21), 0)]),  # 5 business days before
        (date(2018, 9, 21), [("due_soon", date(2018, 9, 21), 0)]),  # the due date itself
        # The next calendar day is overdue, level 0; 추석 and its substitute day
        # (9-23..26) do not count towards the escalation.
        (date(2018, 9, 22), [("overdue", date(2018, 9, 21), 0)]),
        # Business days after 9-21: 9-27=1, 9-28=2, 10-1=3, 10-2=4, (10-3 개천절),
        # 10-4=5, 10-5=6, 10-8=7, (10-9 한글날), 10-10=8, 10-11=9, 10-12=10 … 10-26=20.
        (date(2018, 10, 5), [("overdue", date(2018, 9, 21), 0)]),  # 6
        (date(2018, 10, 11), [("overdue", date(2018, 9, 21), 0)]),  # 9
        (date(2018, 10, 12), [("overdue", date(2018, 9, 21), 10)]),  # 10
        (date(2018, 10, 25), [("overdue", date(2018, 9, 21), 10)]),  # 19
        (date(2018, 10, 26), [("overdue", date(2018, 9, 21), 20)]),  # 20
        (date(2019, 6, 1), [("overdue", date(2018, 9, 21), 20)]),  # the top level stays
    ],
)
def test_due_soon_and_overdue_with_escalation_on_business_days(
    today: date, expected: list[tuple[str, date, int]]
) -> None:
    assert due(candidate(), today) == expected


def test_a_pending_claim_stops_the_departments_clock_but_not_the_councils() -> None:
    claimed = candidate(
        status=Status.COMPLETED,
        verification=Verification.PENDING,
        claimed_on=date(2018, 10, 1),
    )
    # After 10-1: 10-2=1, 10-4=2, 10-5=3, 10-8=4, 10-10=5 … 10-17=10, 10-18=11
    # (10-3 and 10-9 are holidays). "More than 10" is 10-18.
    assert due(claimed, date(2018, 10, 17)) == []
    assert due(claimed, date(2018, 10, 18)) == [("claim_waiting", date(2018, 10, 1), 0)]
    assert due(claimed, date(2018, 10, 18), claim_wait_days=20) == []


def test_closed_findings_raise_nothing() -> None:
    closed = candidate(verification=Verification.VERIFIED, status=Status.COMPLETED)
    assert due(closed, date(2019, 6, 1)) == []


def test_a_returned_claim_is_open_again_and_can_be_overdue() -> None:
    returned = candidate(verification=Verification.RETURNED)
    assert due(returned, date(2018, 9, 27)) == [("overdue", date(2018, 9, 21), 0)]


def test_stale_plan_when_a_milestone_passed_with_no_newer_report() -> None:
    plan = (
        (date(2018, 12, 31), "합동점검 : '18년 하반기"),
        (date(2019, 3, 31), "계획 발표 : '19.3월"),
    )
    c = candidate(due_date=None, last_reported_on=date(2018, 11, 15), milestones=plan)
    assert due(c, date(2018, 12, 31)) == []  # the period has not ended yet
    assert due(c, date(2019, 1, 1)) == [("stale_plan", date(2018, 12, 31), 0)]
    both = due(c, date(2019, 4, 1))
    assert both == [("stale_plan", date(2018, 12, 31), 0), ("stale_plan", date(2019, 3, 31), 0)]
    # A newer report after the deadline answers the plan.
    answered = candidate(due_date=None, last_reported_on=date(2019, 1, 10), milestones=plan)
    assert due(answered, date(2019, 2, 1)) == []


def test_the_stale_plan_reminder_names_the_plan_item() -> None:
    c = candidate(due_date=None, milestones=((date(2018, 12, 31), "합동점검 : '18년 하반기"),))
    (reminder,) = reminders_due([c], date(2019, 1, 2), CAL)
    assert reminder == DueReminder(
        FID, ReminderRule.STALE_PLAN, date(2018, 12, 31), 0, "합동점검 : '18년 하반기"
    )


def test_a_due_date_change_takes_effect_at_once() -> None:
    moved = candidate(due_date=date(2018, 12, 31))
    assert due(moved, date(2018, 10, 15)) == []
