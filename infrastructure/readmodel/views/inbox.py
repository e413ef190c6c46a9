"""What reaches each department and council staff (``rm_inbox``), and the dated
items of each finding's last 향후계획 (``rm_milestones``) for stale-plan reminders.

A notice goes to the department responsible before the event (a reassignment
tells both), so the view keeps each finding's department (``rm_inbox_findings``).

Projected inside commands: the daily reminder job composes its digests from the
inbox right after saving the reminders it raised, in the same process.

Reminders come from each finding's reminder log (``ReminderLog.Raised``) and, in
stores written before the log, from the finding itself (``Finding.ReminderRaised``):
both give the same rows, the log's keyed by its own version too (``log_version``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import insert
from sqlalchemy.orm import Session

from domain.finding import Finding
from domain.reminders import ReminderLog
from domain.values import DepartmentRef
from domain.vocabulary import ReminderRule
from infrastructure.readmodel import tables
from infrastructure.readmodel.views.base import (
    BatchView,
    Positioned,
    delete_where_in,
    findings_from_earlier_batches,
    rows_where_in,
    update_many,
)
from infrastructure.readmodel.views.changes import changes


class InboxView(BatchView):
    """Reminders and notices per recipient, and the milestones of the last report."""

    view_name = "rm_inbox_view"
    view_tables = (tables.inbox_findings, tables.inbox, tables.milestones)

    def apply_batch(self, session: Session, events: Sequence[Positioned]) -> None:
        s = tables.inbox_findings
        registered = {e.originator_id for e, _ in events if isinstance(e, Finding.Registered)}
        earlier = findings_from_earlier_batches(events) | {
            e.finding_id
            for e, _ in events
            if isinstance(e, ReminderLog.Raised) and e.finding_id not in registered
        }
        departments: dict[UUID, DepartmentRef] = {
            r.finding_id: DepartmentRef(r.department_id, r.department_name)
            for r in rows_where_in(session, s, s.c.finding_id, earlier)
        }
        existing = set(departments)
        moved: set[UUID] = set()
        inbox: list[dict[str, Any]] = []
        milestones: dict[UUID, list[dict[str, Any]]] = {}  # replaced per reported finding
        for e, _ in events:
            if isinstance(e, Finding.Registered):
                departments[e.originator_id] = e.department
                moved.add(e.originator_id)
            elif isinstance(e, Finding.Event):
                before = departments[e.originator_id]
                inbox.extend(inbox_rows(e, before))
                changed = changes(e, {})  # the department only: no verification kept here
                if "department_id" in changed:
                    departments[e.originator_id] = DepartmentRef(
                        changed["department_id"], changed["department_name"]
                    )
                    moved.add(e.originator_id)
                if isinstance(e, Finding.ProgressReported):
                    milestones[e.originator_id] = milestone_rows(e)
            elif isinstance(e, ReminderLog.Raised):
                inbox.extend(reminder_rows(e, departments[e.finding_id]))

        rows = [
            {
                "finding_id": i,
                "department_id": departments[i].id,
                "department_name": departments[i].name,
            }
            for i in moved
        ]
        if inserted := [r for r in rows if r["finding_id"] not in existing]:
            session.execute(insert(s), inserted)
        update_many(session, s, "finding_id", [r for r in rows if r["finding_id"] in existing])
        if inbox:
            session.execute(insert(tables.inbox), inbox)
        if milestones:
            m = tables.milestones
            delete_where_in(
                session, m, m.c.finding_id, [i for i in milestones if i not in registered]
            )
            if plan_items := [row for items in milestones.values() for row in items]:
                session.execute(insert(m), plan_items)


STAFF = "staff"  # the inbox recipient for council staff


def inbox_rows(e: Finding.Event, department: DepartmentRef) -> list[dict[str, Any]]:
    """Reminders and notices ``e`` sends, and to whom (SPEC §4); ``department`` is the
    one responsible before the event."""
    # (recipient, topic, the department the row is about), per row
    addressed: list[tuple[str, str, DepartmentRef]]
    level, reference, detail = 0, None, getattr(e, "reason", None)
    if isinstance(e, Finding.ReminderRaised):  # legacy: a reminder in the finding's stream
        return [_reminder_row(e, e.originator_id, e.originator_version, 0, department)]
    if isinstance(e, Finding.ClaimReturned):
        addressed = [(department.id, "claim_returned", department)]
    elif isinstance(e, Finding.Reassigned):
        before, after = e.previous_department, e.department
        addressed = [(before.id, "reassigned_out", before), (after.id, "reassigned_in", after)]
    elif isinstance(e, Finding.DueDateChanged):
        addressed, reference = [(department.id, "due_date_changed", department)], e.due_date
    elif isinstance(e, Finding.ExtensionGranted):
        addressed, reference = [(department.id, "extension_granted", department)], e.due_date
    elif isinstance(e, Finding.ExtensionRefused):
        addressed = [(department.id, "extension_refused", department)]
    elif isinstance(e, Finding.ExtensionRequested):
        addressed = [(STAFF, "extension_requested", department)]
        reference = e.requested_due_date
    else:
        return []
    return [
        {
            "finding_id": e.originator_id,
            "version": e.originator_version,
            "log_version": 0,
            "recipient": recipient,
            "department_id": about.id,
            "department_name": about.name,
            "topic": topic,
            "level": level,
            "reference_date": reference,
            "detail": detail,
            "raised_on": e.business_date,
        }
        for recipient, topic, about in addressed
    ]


def reminder_rows(e: ReminderLog.Raised, department: DepartmentRef) -> list[dict[str, Any]]:
    """The row a reminder of the log sends: as a legacy one, at the finding's version
    it was raised at and the log's own."""
    return [_reminder_row(e, e.finding_id, e.finding_version, e.originator_version, department)]


def _reminder_row(
    e: Finding.ReminderRaised | ReminderLog.Raised,
    finding_id: UUID,
    version: int,
    log_version: int,
    department: DepartmentRef,
) -> dict[str, Any]:
    rule = ReminderRule(e.rule)
    return {
        "finding_id": finding_id,
        "version": version,
        "log_version": log_version,
        # A claim waits on the council, never on the department.
        "recipient": STAFF if rule is ReminderRule.CLAIM_WAITING else department.id,
        "department_id": department.id,
        "department_name": department.name,
        "topic": rule.value,
        "level": e.level,
        "reference_date": e.reference_date,
        "detail": e.detail,
        "raised_on": e.business_date,
    }


def milestone_rows(e: Finding.ProgressReported) -> list[dict[str, Any]]:
    return [
        {
            "finding_id": e.originator_id,
            "position": i,
            "text": m.text,
            "raw": m.when.raw[:200],
            "precision": m.when.precision.value,
            "deadline": m.when.deadline,
        }
        for i, m in enumerate(e.milestones)
    ]
