"""What reaches each department and council staff (``rm_inbox``), and the dated
items of each finding's last 향후계획 (``rm_milestones``) for stale-plan reminders.

A notice goes to the department responsible before the event (a reassignment
tells both), so the view keeps each finding's department (``rm_inbox_findings``).

Projected inside commands: the daily reminder job composes its digests from the
inbox right after saving the reminders it raised, in the same process.

Reminders come from each finding's reminder log (``ReminderLog.Raised``) and, in
stores written before the log, from the finding itself (``Finding.ReminderRaised``):
both give the same rows, the log's keyed by its own version too (``log_version``).

An entry is resolved when what it asks for happens (``RESOLVES``): a report, a claim
decided, a new due date, an extension decided, the finding closed or moved away.
Only events after the entry resolve it (a greater finding version).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import and_, bindparam, insert, select, update
from sqlalchemy.orm import Session

from domain.finding import Finding
from domain.reminders import ReminderLog
from domain.values import DepartmentRef
from domain.vocabulary import ReminderRule, Role
from infrastructure.readmodel import tables
from infrastructure.readmodel.views.base import (
    BatchView,
    Positioned,
    chunks,
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
        departments: dict[UUID, DepartmentRef] = {}
        marks: dict[UUID, Marks] = {}
        for r in rows_where_in(session, s, s.c.finding_id, earlier):
            departments[r.finding_id] = DepartmentRef(r.department_id, r.department_name)
            marks[r.finding_id] = {
                k: (v[0], date.fromisoformat(v[1])) for k, v in (r.marks or {}).items()
            }
        existing = set(departments)
        moved: set[UUID] = set()
        marked: set[UUID] = set()
        inbox: list[dict[str, Any]] = []
        # Entries that may be resolved in this batch: the open ones saved before it
        # (only for findings an event here can resolve) and the ones added here.
        resolving = {
            e.originator_id for e, _ in events if isinstance(e, RESOLVING_EVENTS)
        } - registered
        open_rows = _open_entries(session, resolving)
        pending: dict[UUID, list[dict[str, Any]]] = {}
        for row in open_rows:
            pending.setdefault(row["finding_id"], []).append(row)
        milestones: dict[UUID, list[dict[str, Any]]] = {}  # replaced per reported finding
        for e, _ in events:
            if isinstance(e, Finding.Registered):
                departments[e.originator_id] = e.department
                moved.add(e.originator_id)
                continue
            if isinstance(e, Finding.Event):
                finding_id = e.originator_id
                before = departments[finding_id]
                new = inbox_rows(e, before)
                changed = changes(e, {})  # the department only: no verification kept here
                if "department_id" in changed:
                    departments[finding_id] = DepartmentRef(
                        changed["department_id"], changed["department_name"]
                    )
                    moved.add(finding_id)
                if isinstance(e, Finding.ProgressReported):
                    milestones[finding_id] = milestone_rows(e)
                if kinds := resolution_kinds(e):
                    mine = marks.setdefault(finding_id, {})
                    for kind in kinds:
                        mine[kind] = (e.originator_version, e.business_date)
                    marked.add(finding_id)
                    for row in pending.get(finding_id, []):
                        resolve(row, mine, departments[finding_id].id)
            elif isinstance(e, ReminderLog.Raised):
                finding_id = e.finding_id
                new = reminder_rows(e, departments[finding_id])
            else:
                continue
            for row in new:
                # Something after the version it was raised at may resolve it already.
                resolve(row, marks.get(finding_id, {}), departments[finding_id].id)
                pending.setdefault(finding_id, []).append(row)
            inbox.extend(new)

        rows = [
            {
                "finding_id": i,
                "department_id": departments[i].id,
                "department_name": departments[i].name,
                "marks": {k: [v, d.isoformat()] for k, (v, d) in marks.get(i, {}).items()},
            }
            for i in moved | marked
        ]
        if inserted := [r for r in rows if r["finding_id"] not in existing]:
            session.execute(insert(s), inserted)
        update_many(session, s, "finding_id", [r for r in rows if r["finding_id"] in existing])
        if inbox:
            session.execute(insert(tables.inbox), inbox)
        _save_resolutions(session, [r for r in open_rows if r["resolved_on"] is not None])
        if milestones:
            m = tables.milestones
            delete_where_in(
                session, m, m.c.finding_id, [i for i in milestones if i not in registered]
            )
            if plan_items := [row for items in milestones.values() for row in items]:
                session.execute(insert(m), plan_items)


# -- resolution: an entry leaves the open inbox when what it asks for happened ------

Marks = dict[str, tuple[int, date]]  # resolving kind -> (finding version, business date)

RESOLVING_EVENTS = (
    Finding.ProgressReported,
    Finding.ExtensionRequested,
    Finding.Reopened,
    Finding.CommentAdded,
    Finding.ClaimVerified,
    Finding.ClaimReturned,
    Finding.DueDateChanged,
    Finding.ExtensionGranted,
    Finding.ExtensionRefused,
    Finding.Reassigned,
)

# What a department is asked to do, and a report does: every reminder and notice to it.
_DEPARTMENT_TOPICS = frozenset(
    {
        ReminderRule.OVERDUE.value,
        ReminderRule.DUE_SOON.value,
        ReminderRule.STALE_PLAN.value,
        ReminderRule.REVIEW_DUE.value,
        "claim_returned",
        "reassigned_in",
        "reassigned_out",
        "due_date_changed",
        "extension_granted",
        "extension_refused",
    }
)
_DUE_TOPICS = frozenset({ReminderRule.OVERDUE.value, ReminderRule.DUE_SOON.value})
_CLAIM_WAITING = ReminderRule.CLAIM_WAITING.value


def _resolves(kind: str, row: dict[str, Any], department_id: str) -> bool:
    """Whether an event of ``kind`` resolves ``row`` (the finding now with ``department_id``)."""
    staff: bool = row["recipient"] == STAFF
    topic: str = row["topic"]
    if kind == "closed":
        return True
    if kind == "reported":
        # A report answers the department's entries, and makes a waiting claim moot
        # for staff (withdrawn, or a newer claim that waits in its turn).
        return topic in _DEPARTMENT_TOPICS if not staff else topic == _CLAIM_WAITING
    if kind == "extension_asked":  # one of the two things "due soon" asks for
        return not staff and topic == ReminderRule.DUE_SOON.value
    if kind in ("reviewed", "reopened"):  # a closed 미반영 takes no report: a comment
        return not staff and topic == ReminderRule.REVIEW_DUE.value
    if kind == "due_changed":
        return not staff and topic in _DUE_TOPICS
    if kind == "decided":
        return staff and topic == _CLAIM_WAITING
    if kind == "extension_decided":
        return staff and topic == "extension_requested"
    if kind == "reassigned":  # no longer the department's to do (its notice stays)
        return not staff and row["recipient"] != department_id and topic != "reassigned_out"
    return False


# The order a row is resolved in when several kinds came after it: the most telling.
RESOLUTION_KINDS = (
    "closed",
    "decided",
    "extension_decided",
    "reported",
    "reviewed",
    "reopened",
    "due_changed",
    "extension_asked",
    "reassigned",
)


def resolution_kinds(e: Finding.Event) -> tuple[str, ...]:
    if isinstance(e, Finding.ProgressReported):
        return ("reported",)
    if isinstance(e, Finding.ClaimVerified):
        return ("decided", "closed")
    if isinstance(e, Finding.ClaimReturned):
        return ("decided",)
    if isinstance(e, Finding.DueDateChanged):
        return ("due_changed",)
    if isinstance(e, Finding.ExtensionGranted):
        return ("extension_decided", "due_changed")
    if isinstance(e, Finding.ExtensionRefused):
        return ("extension_decided",)
    if isinstance(e, Finding.Reassigned):
        return ("reassigned",)
    if isinstance(e, Finding.ExtensionRequested):
        return ("extension_asked",)
    if isinstance(e, Finding.Reopened):
        return ("reopened",)
    if isinstance(e, Finding.CommentAdded) and e.actor.role is Role.DEPARTMENT_OFFICER:
        return ("reviewed",)
    return ()


def resolve(row: dict[str, Any], marks: Marks, department_id: str) -> None:
    """Mark ``row`` resolved by the first kind of event after it that resolves it."""
    if row.get("resolved_on") is not None:
        return
    found = [
        (version, on, kind)
        for kind in RESOLUTION_KINDS
        if (mark := marks.get(kind)) is not None
        for version, on in [mark]
        if version > row["version"] and _resolves(kind, row, department_id)
    ]
    if found:
        # The earliest event that resolves it (a tie: the most telling kind, listed first).
        _, on, kind = min(found, key=lambda f: (f[0], RESOLUTION_KINDS.index(f[2])))
        row["resolved_on"], row["resolution"] = on, kind
    else:
        row.setdefault("resolved_on", None)
        row.setdefault("resolution", None)


def _open_entries(session: Session, finding_ids: set[UUID]) -> list[dict[str, Any]]:
    i = tables.inbox
    rows: list[dict[str, Any]] = []
    for chunk in chunks(sorted(finding_ids)):
        stmt = select(i.c.finding_id, i.c.version, i.c.log_version, i.c.recipient, i.c.topic).where(
            i.c.finding_id.in_(chunk), i.c.resolved_on.is_(None)
        )
        rows.extend(
            dict(r._mapping, resolved_on=None, resolution=None) for r in session.execute(stmt)
        )
    return rows


def _save_resolutions(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    i = tables.inbox
    stmt = (
        update(i)
        .where(
            and_(
                i.c.finding_id == bindparam("b_finding_id"),
                i.c.version == bindparam("b_version"),
                i.c.log_version == bindparam("b_log_version"),
                i.c.recipient == bindparam("b_recipient"),
            )
        )
        .values(resolved_on=bindparam("b_resolved_on"), resolution=bindparam("b_resolution"))
    )
    session.connection().execute(
        stmt, [{f"b_{k}": v for k, v in r.items() if k != "topic"} for r in rows]
    )


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
