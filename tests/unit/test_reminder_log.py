"""The reminder log: a finding's reminders, each key once, beside the finding."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

from domain.finding import Finding, reminder_key
from domain.reminders import ReminderLog
from domain.values import Actor, DepartmentRef, StampFields
from domain.vocabulary import ActorKind, FindingKind, ReminderRule
from tests.support.legacy import record_legacy_reminder

NOW = datetime(2019, 2, 1, 0, 5, tzinfo=UTC)
DAY = date(2019, 2, 1)
SCHEDULER = Actor(kind=ActorKind.SCHEDULER, id="scheduler")
STAMP: StampFields = {"actor": SCHEDULER, "business_date": DAY, "now": NOW}


def new_finding() -> Finding:
    return Finding.register(
        audit_id=uuid4(),
        kind=FindingKind.CORRECTIVE,
        seq=1,
        request="요구사항",
        department=DepartmentRef.from_name("사회적경제담당관"),
        due_date=date(2019, 1, 31),
        actor=Actor.system(),
        business_date=date(2018, 11, 15),
        now=NOW,
    )


def test_a_reminder_is_raised_once_per_rule_date_and_level() -> None:
    finding = new_finding()
    log = ReminderLog.open(finding.id, **STAMP)
    overdue = ReminderRule.OVERDUE, date(2019, 1, 31)

    def raise_level(level: int) -> bool:
        rule, reference = overdue
        return log.raise_reminder(
            finding_version=1, rule=rule, reference_date=reference, level=level, **STAMP
        )

    assert raise_level(0) is True
    assert raise_level(0) is False
    assert raise_level(10) is True
    opened, *raised = log.collect_events()
    assert isinstance(opened, ReminderLog.Opened) and opened.finding_id == finding.id
    assert [(type(e).__name__, e.level, e.finding_id) for e in raised] == [
        ("Raised", 0, finding.id),
        ("Raised", 10, finding.id),
    ]
    assert raised[0].actor.kind is ActorKind.SCHEDULER
    assert log.has(reminder_key(ReminderRule.OVERDUE, date(2019, 1, 31), 10))
    assert finding.version == 1 and not finding.reminders  # the finding is not touched


def test_the_log_of_a_finding_has_an_id_derived_from_the_finding_alone() -> None:
    finding_id = uuid4()
    assert ReminderLog.open(finding_id, **STAMP).id == ReminderLog.create_id(finding_id)
    assert ReminderLog.create_id(finding_id) == ReminderLog.create_id(finding_id)
    assert ReminderLog.create_id(finding_id) not in (finding_id, ReminderLog.create_id(uuid4()))


def test_a_legacy_reminder_in_the_finding_s_stream_still_fills_its_reminders() -> None:
    finding = new_finding()
    record_legacy_reminder(
        finding, rule=ReminderRule.OVERDUE, reference_date=date(2019, 1, 31), level=0, **STAMP
    )
    assert finding.reminders == {"overdue:2019-01-31:0"}
    assert finding.version == 2
