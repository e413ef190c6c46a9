"""Golden test of persisted topics: module paths and class names are stored in
every event. A failure here means stored events would no longer load: add
``register_topic`` for a rename, ``class_version`` + upcasters for a field change."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from application.tracker import AuditTracker
from domain.audit import Audit
from domain.finding import Finding
from domain.policy import DuePolicy
from domain.reminders import ReminderLog
from domain.values import Actor, DepartmentRef
from domain.vocabulary import ActorKind, FindingKind, ReminderRule, Role, Status, Verification

GOLDEN = {
    "domain.audit:Audit",
    "domain.audit:Audit.Registered",
    "domain.finding:Finding",
    "domain.finding:Finding.Registered",
    "domain.finding:Finding.ProgressReported",
    "domain.finding:Finding.ClaimVerified",
    "domain.finding:Finding.ClaimReturned",
    "domain.finding:Finding.Reopened",
    "domain.finding:Finding.DueDateChanged",
    "domain.finding:Finding.Reassigned",
    "domain.finding:Finding.ReminderRaised",
    "domain.finding:Finding.ExtensionRequested",
    "domain.finding:Finding.ExtensionGranted",
    "domain.finding:Finding.ExtensionRefused",
    "domain.finding:Finding.CommentAdded",
    "domain.finding:Finding.EvidenceAttached",
    "domain.finding:Finding.CarriedOver",
    "domain.finding:Finding.RepeatConfirmed",
    "domain.finding:Finding.RepeatDismissed",
    "domain.policy:DuePolicy",
    "domain.policy:DuePolicy.Created",
    "domain.policy:DuePolicy.Changed",
    "domain.reminders:ReminderLog",
    "domain.reminders:ReminderLog.Opened",
    "domain.reminders:ReminderLog.Raised",
}

EVENT_FIELDS = {
    "Finding.Registered": {
        "audit_id",
        "kind",
        "seq",
        "request",
        "department",
        "raised_by",
        "due_date",
        "due_by_policy",
    },
    "Finding.ProgressReported": {
        "status",
        "status_raw",
        "actions",
        "plans",
        "delay_reason",
        "milestones",
        "backdated",
        "backdate_reason",
        "evidence",
    },
    "Finding.ClaimVerified": {"note", "review_on"},
    "Finding.ClaimReturned": {"reason"},
    "Finding.Reopened": {"reason"},
    "Finding.DueDateChanged": {"due_date", "previous_due_date", "reason", "by_policy"},
    "Finding.Reassigned": {"department", "previous_department", "reason"},
    # Legacy: no longer recorded (reminders go to the reminder log), still read.
    "Finding.ReminderRaised": {"rule", "reference_date", "level", "detail"},
    "Finding.ExtensionRequested": {"requested_due_date", "reason"},
    "Finding.ExtensionGranted": {"due_date", "previous_due_date", "reason"},
    "Finding.ExtensionRefused": {"reason"},
    "Finding.CommentAdded": {"text"},
    "Finding.EvidenceAttached": {
        "file_name",
        "content_type",
        "size",
        "sha256",
        "note",
        "report_version",
    },
    "Finding.CarriedOver": {"to_audit_id"},
    "Finding.RepeatConfirmed": {"earlier_finding_id"},
    "Finding.RepeatDismissed": {"earlier_finding_id"},
}


def test_persisted_topics_are_stable() -> None:
    classes = [
        Audit,
        Audit.Registered,
        Finding,
        Finding.Registered,
        Finding.ProgressReported,
        Finding.ClaimVerified,
        Finding.ClaimReturned,
        Finding.Reopened,
        Finding.DueDateChanged,
        Finding.Reassigned,
        Finding.ReminderRaised,
        Finding.ExtensionRequested,
        Finding.ExtensionGranted,
        Finding.ExtensionRefused,
        Finding.CommentAdded,
        Finding.EvidenceAttached,
        Finding.CarriedOver,
        Finding.RepeatConfirmed,
        Finding.RepeatDismissed,
        DuePolicy,
        DuePolicy.Created,
        DuePolicy.Changed,
        ReminderLog,
        ReminderLog.Opened,
        ReminderLog.Raised,
    ]
    assert {get_topic(c) for c in classes} == GOLDEN


def test_event_fields_are_stable() -> None:
    base = {
        "originator_id",
        "originator_version",
        "timestamp",
        "originator_topic",
        "actor",
        "business_date",
    }
    for name, fields in EVENT_FIELDS.items():
        cls = getattr(Finding, name.split(".")[1])
        assert {"actor", "business_date"} <= set(cls.__dataclass_fields__), name
        assert set(cls.__dataclass_fields__) - base == fields, name


def test_reminder_log_event_fields_are_stable() -> None:
    base = {"originator_id", "originator_version", "timestamp", "originator_topic"}
    raised = set(ReminderLog.Raised.__dataclass_fields__) - base
    assert raised == {
        "finding_id",
        "finding_version",
        "rule",
        "reference_date",
        "level",
        "detail",
        "actor",
        "business_date",
    }
    assert set(ReminderLog.Opened.__dataclass_fields__) - base == {
        "finding_id",
        "actor",
        "business_date",
    }


def in_memory() -> AuditTracker:
    return AuditTracker(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


def stamp(actor: Actor) -> dict[str, Any]:
    return {
        "actor": actor,
        "business_date": date(2018, 11, 15),
        "now": datetime(2018, 11, 15, tzinfo=UTC),
    }


def new_finding(seq: int, actor: Actor) -> Finding:
    department = DepartmentRef.from_name("노동정책담당관")
    return Finding.register(
        audit_id=uuid4(),
        kind=FindingKind.OTHER,
        seq=seq,
        request="자료",
        department=department,
        **stamp(actor),
    )


def test_stored_events_decode_to_the_types_they_were_saved_with() -> None:
    """Through the real mapper and transcoder (in-memory store)."""
    tracker = in_memory()
    actor = Actor.user("u1", Role.COUNCIL_STAFF)
    finding = new_finding(2, actor)
    finding.report_progress(status=Status.COMPLETED, actions="제출", **stamp(actor))
    tracker.save(finding)

    (registered, reported) = [
        tracker.mapper.to_domain_event(n) for n in tracker.recorder.select_notifications(1, 10)
    ]
    assert registered.kind is FindingKind.OTHER
    assert registered.actor == actor and registered.actor.role is Role.COUNCIL_STAFF
    assert registered.department == DepartmentRef.from_name("노동정책담당관")
    assert reported.status is Status.COMPLETED
    assert reported.business_date == date(2018, 11, 15)
    copy = tracker.repository.get(finding.id)
    assert copy.verification is Verification.PENDING and copy.kind is FindingKind.OTHER


def test_a_version_1_progress_report_is_upcast_with_no_milestones() -> None:
    """Events stored before milestones existed still load."""
    tracker = in_memory()
    finding = new_finding(1, Actor.system())
    plans = "○ 연구용역 : '19.3월"
    finding.report_progress(status=Status.IN_PROGRESS, plans=plans, **stamp(Actor.system()))
    registered, reported = finding.collect_events()
    v1 = tracker.mapper.to_stored_event(reported)
    state = tracker.mapper.transcoder.decode(v1.state)
    del state["milestones"], state["backdated"], state["backdate_reason"], state["evidence"]
    state.pop("class_version", None)  # version 1 events carried no class_version
    old = StoredEvent(
        v1.originator_id, v1.originator_version, v1.topic, tracker.mapper.transcoder.encode(state)
    )
    tracker.recorder.insert_events([tracker.mapper.to_stored_event(registered), old])

    loaded = tracker.repository.get(finding.id)
    assert loaded.milestones == () and loaded.plans == plans


def test_a_version_2_progress_report_learns_whether_it_was_backdated() -> None:
    """Reports stored before the back-dating fields: known from their own dates."""
    tracker = in_memory()
    finding = new_finding(3, Actor.system())
    finding.report_progress(status=Status.COMPLETED, actions="완료", **stamp(Actor.system()))
    registered, reported = finding.collect_events()
    stored = tracker.mapper.to_stored_event(reported)
    state = tracker.mapper.transcoder.decode(stored.state)
    del state["backdated"], state["backdate_reason"], state["evidence"]
    # Recorded two days after its business date (2018-11-15 in Seoul).
    state["timestamp"] = datetime(2018, 11, 17, 3, 0, tzinfo=UTC)
    state["class_version"] = 2
    old = StoredEvent(
        stored.originator_id,
        stored.originator_version,
        stored.topic,
        tracker.mapper.transcoder.encode(state),
    )
    tracker.recorder.insert_events([tracker.mapper.to_stored_event(registered), old])
    (_, event) = [
        tracker.mapper.to_domain_event(n) for n in tracker.recorder.select_notifications(1, 10)
    ]
    assert isinstance(event, Finding.ProgressReported)
    assert event.backdated is True and event.backdate_reason is None


def test_a_reminder_log_and_its_snapshot_round_trip_through_the_transcoder() -> None:
    """Its events and its snapshot (no set in it) decode to what was saved."""
    tracker = in_memory()
    scheduler = Actor(kind=ActorKind.SCHEDULER, id="scheduler")
    finding = new_finding(3, scheduler)
    log = ReminderLog.open(finding.id, **stamp(scheduler))
    for level in (0, 10):
        assert log.raise_reminder(
            finding_version=2,
            rule=ReminderRule.OVERDUE,
            reference_date=date(2019, 1, 15),
            level=level,
            detail=" 기한 경과 ",
            **stamp(scheduler),
        )
    tracker.save(log)
    assert log.id == ReminderLog.create_id(finding.id)

    notifications = tracker.recorder.select_notifications(1, 10)
    opened, raised, _ = (tracker.mapper.to_domain_event(n) for n in notifications)
    assert opened.finding_id == finding.id
    assert raised.rule is ReminderRule.OVERDUE and raised.reference_date == date(2019, 1, 15)
    assert raised.actor == scheduler and raised.detail == "기한 경과"
    assert raised.finding_version == 2

    tracker.take_snapshot(log.id)
    assert tracker.snapshots is not None
    (stored,) = tracker.snapshots.recorder.select_events(log.id)
    state = tracker.mapper.transcoder.decode(stored.state)["state"]
    assert state["raised"] == {"overdue:2019-01-15:0": 2, "overdue:2019-01-15:10": 3}
    loaded = tracker.mapper.to_domain_event(stored).mutate(None)
    assert loaded.raised == log.raised and loaded.finding_id == finding.id
    assert loaded.version == log.version == 3


def test_version_1_registrations_verifications_and_due_date_changes_are_upcast() -> None:
    """Stored before due-date policies and re-review dates: they load with neither."""
    tracker = in_memory()
    staff = Actor.user("u1", Role.COUNCIL_STAFF)
    finding = new_finding(3, staff)
    finding.change_due_date(due_date=date(2019, 1, 31), reason="협의", **stamp(staff))
    finding.report_progress(status=Status.NOT_ADOPTED, delay_reason="예산", **stamp(staff))
    finding.verify_claim(**stamp(staff))
    for event, dropped in zip(
        finding.collect_events(),
        ("due_by_policy", "by_policy", None, "review_on"),
        strict=True,
    ):
        stored = tracker.mapper.to_stored_event(event)
        if dropped is not None:
            state = tracker.mapper.transcoder.decode(stored.state)
            del state[dropped]
            state.pop("class_version", None)
            stored = StoredEvent(
                originator_id=stored.originator_id,
                originator_version=stored.originator_version,
                topic=stored.topic,
                state=tracker.mapper.transcoder.encode(state),
            )
        tracker.recorder.insert_events([stored])
    copy = tracker.repository.get(finding.id)
    assert (copy.due_by_policy, copy.review_on, copy.due_date) == (False, None, date(2019, 1, 31))
    assert copy.is_closed
