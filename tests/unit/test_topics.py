"""Golden test of persisted topics: module paths and class names are stored in
every event. A failure here means stored events would no longer load: add
``register_topic`` for a rename, ``class_version`` + upcasters for a field change."""

from __future__ import annotations

from eventsourcing.utils import get_topic

from domain.audit import Audit
from domain.finding import Finding

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
    },
    "Finding.ProgressReported": {
        "status",
        "status_raw",
        "actions",
        "plans",
        "delay_reason",
    },
    "Finding.ClaimVerified": {"note"},
    "Finding.ClaimReturned": {"reason"},
    "Finding.Reopened": {"reason"},
    "Finding.DueDateChanged": {"due_date", "previous_due_date", "reason"},
    "Finding.Reassigned": {"department", "previous_department", "reason"},
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
