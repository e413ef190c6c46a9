"""Views: tracking recorders that hold our read tables and take events in batches.

Exactly once, with several projecting processes: every pass first locks the
view's tracking row (an UPDATE of the row to itself: a row lock on PostgreSQL,
the write lock on SQLite where our write transactions begin IMMEDIATE), reads
the position, applies the batch, and advances the position with a guarded
UPDATE (``... AND notification_id < :new``). A second projector waits on the
lock and then sees the new position, so it skips what the first one applied.
"""

from __future__ import annotations

from abc import abstractmethod
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from enum import Enum
from typing import Any, cast
from uuid import UUID

from eventsourcing.domain import Aggregate, DomainEventProtocol
from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore
from eventsourcing_sqlalchemy.recorders import SQLAlchemyTrackingRecorder
from sqlalchemy import Table, bindparam, delete, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from domain.audit import Audit
from domain.dates import KoreanDate, Milestone
from domain.department import Department
from domain.finding import Finding
from domain.values import Actor, DepartmentRef
from domain.vocabulary import STATUS_LABELS, FindingKind, ReminderRule, Status, Verification
from infrastructure.readmodel import tables

DomainEvent = DomainEventProtocol[UUID]
Positioned = tuple[DomainEvent, int]  # an event and its notification id

# IN-lists stay below SQLite's bound-parameter limit.
_CHUNK = 500


def dialect_insert(session: Session, table: Table) -> Any:
    """INSERT with ON CONFLICT support for the session's dialect."""
    bind = session.get_bind()
    module = postgresql if bind.dialect.name == "postgresql" else sqlite
    return module.insert(table)


class BatchView(SQLAlchemyTrackingRecorder):
    """A materialised view: our tables plus one tracking row per upstream application."""

    view_name: str = ""
    view_tables: tuple[Table, ...] = ()
    # Projected inside every command's own transaction (read-your-writes). A view
    # too costly for that (the search index) sets False and is kept up to date by
    # the background catch-up, at start-up and by rebuilds.
    synchronous: bool = True
    # A bulk save (an import) may leave this view to the background catch-up too:
    # the import's caller needs the 총괄, list and history at once, not the timeline.
    deferrable_in_bulk: bool = False

    def __init__(self, datastore: SQLAlchemyDatastore, **kwargs: Any) -> None:
        kwargs.setdefault("tracking_table_name", f"{self.view_name}_tracking")
        super().__init__(datastore, **kwargs)
        self.tables.extend(self.view_tables)

    # -- the library's TrackingRecorder interface, with a guarded update ------

    def max_tracking_id(self, application_name: str) -> int | None:
        t = self.tracking_table
        with self.transaction(commit=False) as session:
            value = session.execute(
                select(t.c.notification_id).where(t.c.application_name == application_name)
            ).scalar_one_or_none()
        return cast(int | None, value)

    def insert_tracking(self, tracking: Tracking) -> None:
        with self.transaction(commit=True) as session:
            self.lock_position(session, tracking.application_name)
            self.advance(session, tracking.application_name, tracking.notification_id)

    # -- what projectors call, inside one write transaction -------------------

    def lock_position(self, session: Session, application_name: str) -> int | None:
        """Lock this view's tracking row and return its position."""
        t = self.tracking_table
        touch = (
            update(t)
            .where(t.c.application_name == application_name)
            .values(notification_id=t.c.notification_id)
        )
        if session.execute(touch).rowcount == 0:  # type: ignore[attr-defined]
            session.execute(
                dialect_insert(session, t)
                .values(application_name=application_name, notification_id=None)
                .on_conflict_do_nothing()
            )
            session.execute(touch)
        value = session.execute(
            select(t.c.notification_id).where(t.c.application_name == application_name)
        ).scalar_one()
        return cast(int | None, value)

    def advance(self, session: Session, application_name: str, notification_id: int) -> None:
        """Move the position forward; refuse to move it back or to stand still."""
        t = self.tracking_table
        result = session.execute(
            update(t)
            .where(t.c.application_name == application_name)
            .where(or_(t.c.notification_id.is_(None), t.c.notification_id < notification_id))
            .values(notification_id=notification_id)
        )
        if result.rowcount == 0:  # type: ignore[attr-defined]
            raise IntegrityError(
                f"{self.view_name}: position of {application_name} is already "
                f">= {notification_id} (another projector applied it)"
            )

    def reset(self, session: Session, application_name: str) -> None:
        """Empty the view and its position, for a rebuild inside one transaction."""
        for table in reversed(self.view_tables):
            session.execute(delete(table))
        t = self.tracking_table
        session.execute(
            update(t).where(t.c.application_name == application_name).values(notification_id=None)
        )

    @abstractmethod
    def apply_batch(self, session: Session, events: Sequence[Positioned]) -> None:
        """Apply a batch of events, inside the projector's transaction."""


class _FindingState:
    """A finding's read-side state; the domain's own event ``apply`` methods
    mutate it, so the view never restates the rules of a finding."""

    def __init__(self, **row: Any) -> None:
        # Written by the domain's apply methods but not shown by this view.
        self.reminders: set[str] = set()
        self.comments = 0
        self.evidence: list[str] = []
        self.__dict__.update(row)

    finding_id: UUID
    audit_id: UUID
    committee: str
    kind: FindingKind
    department: DepartmentRef
    status: Status
    verification: Verification | None
    version: int

    # The summary cell the finding counts in, as of its last applied event.
    key: tuple[UUID, str, str, str, str, str]

    @classmethod
    def from_row(cls, row: Any) -> _FindingState:
        data = dict(row._mapping)
        # Real enums, as the domain's apply methods compare by identity.
        data["kind"] = FindingKind(data["kind"])
        data["status"] = Status(data["status"])
        data["verification"] = Verification(data["verification"]) if data["verification"] else None
        data["department"] = DepartmentRef(data.pop("department_id"), data.pop("department_name"))
        extension = data.pop("extension_due_date")
        data["extension_request"] = (extension, "") if extension else None
        state = cls(**data)
        state.key = state.summary_key()
        return state

    @classmethod
    def registered(cls, e: Finding.Registered, committee: str) -> _FindingState:
        given = ("audit_id", "seq", "request", "department", "raised_by", "due_date")
        return cls(
            **{name: getattr(e, name) for name in given},
            key=None,
            finding_id=e.originator_id,
            committee=committee,
            kind=FindingKind(e.kind),
            status=Status.UNDER_REVIEW,
            status_raw=STATUS_LABELS[Status.UNDER_REVIEW],
            verification=None,
            actions=None,
            plans=None,
            delay_reason=None,
            registered_on=e.business_date,
            claimed_on=None,
            last_reported_on=None,
            extension_request=None,
        )

    def summary_key(self) -> tuple[UUID, str, str, str, str, str]:
        return (
            self.audit_id,
            self.department.id,
            self.kind.value,
            self.status.value,
            self.verification.value if self.verification else "",
            self.committee,
        )

    def row(self) -> dict[str, Any]:
        return {
            "finding_id": self.finding_id,
            "audit_id": self.audit_id,
            "committee": self.committee,
            "kind": self.kind.value,
            "seq": self.__dict__["seq"],
            "request": self.__dict__["request"],
            "department_id": self.department.id,
            "department_name": self.department.name,
            "raised_by": self.__dict__["raised_by"],
            "status": self.status.value,
            "status_raw": self.__dict__["status_raw"],
            "verification": self.verification.value if self.verification else None,
            "due_date": self.__dict__["due_date"],
            "actions": self.__dict__["actions"],
            "plans": self.__dict__["plans"],
            "delay_reason": self.__dict__["delay_reason"],
            "registered_on": self.__dict__["registered_on"],
            "last_business_date": self.__dict__["last_business_date"],
            "version": self.version,
            "updated_at": self.__dict__["updated_at"],
            "claimed_on": self.__dict__["claimed_on"],
            "last_reported_on": self.__dict__["last_reported_on"],
            "extension_due_date": (self.__dict__["extension_request"] or (None,))[0],
        }

    def history_row(self, key: tuple[UUID, str, str, str, str, str]) -> dict[str, Any]:
        audit_id, department_id, kind, status, verification, committee = key
        return {
            "finding_id": self.finding_id,
            "version": self.version,
            "valid_from": self.__dict__["last_business_date"],
            "audit_id": audit_id,
            "committee": committee,
            "kind": kind,
            "department_id": department_id,
            "status": status,
            "verification": verification or None,
        }


def chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    """``items`` in slices short enough for one IN-list."""
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


class FindingsView(BatchView):
    """Audits, the finding list, the 처리결과 총괄 counters and the status history."""

    view_name = "rm_findings_view"
    view_tables = (
        tables.audits,
        tables.findings,
        tables.summary_counts,
        tables.status_history,
        tables.milestones,
        tables.inbox,
    )

    def apply_batch(self, session: Session, events: Sequence[Positioned]) -> None:
        registered_here = {e.originator_id for e, _ in events if isinstance(e, Finding.Registered)}
        # A finding registered in this batch is not in the table yet: no need to look.
        finding_ids = [
            e.originator_id
            for e, _ in events
            if isinstance(e, Finding.Event) and e.originator_id not in registered_here
        ]
        states = self._load_findings(session, finding_ids)
        existing = set(states)
        committees = self._load_committees(
            session,
            [e.audit_id for e, _ in events if isinstance(e, Finding.Registered)]
            + [s.audit_id for s in states.values()],
        )
        new_audits: list[dict[str, Any]] = []
        audit_findings: Counter[UUID] = Counter()
        summary: Counter[tuple[UUID, str, str, str, str, str]] = Counter()
        history: list[dict[str, Any]] = []
        changed: set[UUID] = set()
        inbox: list[dict[str, Any]] = []
        milestones: dict[UUID, list[dict[str, Any]]] = {}  # replaced per reported finding

        for e, _ in events:
            if isinstance(e, Audit.Registered):
                new_audits.append(_audit_row(e))
                committees[e.originator_id] = e.committee
                continue
            if isinstance(e, Finding.Registered):
                state = _FindingState.registered(e, committees[e.audit_id])
                states[e.originator_id] = state
                audit_findings[e.audit_id] += 1
            elif isinstance(e, Finding.Event):
                state = states[e.originator_id]
                summary[state.key] -= 1
                inbox.extend(_inbox_rows(e, state))  # addressed as of before the event
                e.apply(cast(Finding, state))
                if isinstance(e, Finding.ProgressReported):
                    milestones[state.finding_id] = _milestone_rows(e)
            else:
                continue  # events this view does not show
            state.version = e.originator_version
            state.__dict__["last_business_date"] = cast(Finding.Event, e).business_date
            state.__dict__["updated_at"] = e.timestamp
            state.key = state.summary_key()
            summary[state.key] += 1
            history.append(state.history_row(state.key))
            changed.add(state.finding_id)

        if new_audits:
            session.execute(insert(tables.audits), new_audits)
        self._write_findings(session, [states[i] for i in changed], existing)
        self._write_audit_counts(session, audit_findings)
        self._write_summary(session, summary)
        if history:
            session.execute(insert(tables.status_history), history)
        if milestones:
            m = tables.milestones
            for chunk in chunks(list(milestones)):
                session.execute(delete(m).where(m.c.finding_id.in_(chunk)))
            rows = [row for per_finding in milestones.values() for row in per_finding]
            if rows:
                session.execute(insert(m), rows)
        if inbox:
            session.execute(insert(tables.inbox), inbox)

    def _load_findings(self, session: Session, ids: Sequence[UUID]) -> dict[UUID, _FindingState]:
        states: dict[UUID, _FindingState] = {}
        t = tables.findings
        for chunk in chunks(list(set(ids))):
            for row in session.execute(select(t).where(t.c.finding_id.in_(chunk))):
                states[row.finding_id] = _FindingState.from_row(row)
        return states

    def _load_committees(self, session: Session, audit_ids: Sequence[UUID]) -> dict[UUID, str]:
        t = tables.audits
        found: dict[UUID, str] = {}
        for chunk in chunks(list(set(audit_ids))):
            rows = session.execute(
                select(t.c.audit_id, t.c.committee).where(t.c.audit_id.in_(chunk))
            )
            found.update({r.audit_id: r.committee for r in rows})
        return found

    def _write_findings(
        self, session: Session, states: list[_FindingState], existing: set[UUID]
    ) -> None:
        t = tables.findings
        new_rows = [s.row() for s in states if s.finding_id not in existing]
        old_rows = [s.row() for s in states if s.finding_id in existing]
        if new_rows:
            session.execute(insert(t), new_rows)
        if old_rows:
            columns = [c.name for c in t.columns if c.name != "finding_id"]
            stmt = (
                update(t)
                .where(t.c.finding_id == bindparam("b_finding_id"))
                .values({c: bindparam(f"b_{c}") for c in columns})
            )
            session.connection().execute(
                stmt, [{f"b_{k}": v for k, v in r.items()} for r in old_rows]
            )

    def _write_audit_counts(self, session: Session, deltas: Counter[UUID]) -> None:
        if not deltas:
            return
        t = tables.audits
        stmt = (
            update(t)
            .where(t.c.audit_id == bindparam("b_audit_id"))
            .values(findings=t.c.findings + bindparam("b_delta"))
        )
        session.connection().execute(
            stmt, [{"b_audit_id": k, "b_delta": n} for k, n in deltas.items()]
        )

    def _write_summary(
        self, session: Session, deltas: Counter[tuple[UUID, str, str, str, str, str]]
    ) -> None:
        rows = [
            {
                "audit_id": key[0],
                "department_id": key[1],
                "kind": key[2],
                "status": key[3],
                "verification": key[4],
                "committee": key[5],
                "count": n,
            }
            for key, n in deltas.items()
            if n != 0
        ]
        if not rows:
            return
        t = tables.summary_counts
        stmt = dialect_insert(session, t)
        stmt = stmt.on_conflict_do_update(
            index_elements=[
                "audit_id",
                "department_id",
                "kind",
                "status",
                "verification",
            ],
            set_={"count": t.c.count + stmt.excluded["count"]},
        )
        session.execute(stmt, rows)
        # Zero cells are deleted so an incremental view equals a rebuilt one.
        session.execute(delete(t).where(t.c.count == 0))


STAFF = "staff"  # the inbox recipient for council staff


def _inbox_rows(e: Finding.Event, state: _FindingState) -> list[dict[str, Any]]:
    """Reminders and notices this event sends, and to whom (SPEC §4, issue: notices)."""
    department = state.department
    # (recipient, topic, the department the row is about), per row
    addressed: list[tuple[str, str, DepartmentRef]]
    level, reference, detail = 0, None, getattr(e, "reason", None)
    if isinstance(e, Finding.ReminderRaised):
        rule = ReminderRule(e.rule)
        # A claim waits on the council, never on the department.
        recipient = STAFF if rule is ReminderRule.CLAIM_WAITING else department.id
        addressed = [(recipient, rule.value, department)]
        level, reference, detail = e.level, e.reference_date, e.detail
    elif isinstance(e, Finding.ClaimReturned):
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


def _milestone_rows(e: Finding.ProgressReported) -> list[dict[str, Any]]:
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


def _audit_row(e: Audit.Registered) -> dict[str, Any]:
    return {
        "audit_id": e.originator_id,
        "council": e.council,
        "committee": e.committee,
        "audited_body": e.audited_body,
        "year": e.year,
        "session": e.session,
        "audit_date": e.audit_date,
        "default_deadline": e.default_deadline,
        "registered_on": e.business_date,
        "findings": 0,
    }


_PLAIN = (str, int, bool)

# What every event carries (ids, time, actor, business date): shown apart, not as data.
_BASE_FIELDS = frozenset(
    {*Finding.Event.__dataclass_fields__, *Aggregate.Created.__dataclass_fields__}
)


def jsonable(value: Any) -> Any:
    """Event field values as plain JSON for the timeline."""
    if value is None or type(value) in (str, int, bool):  # most fields: fast path
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Actor):
        return {"kind": value.kind.value, "id": value.id, "role": jsonable(value.role)}
    if isinstance(value, DepartmentRef):
        return {"id": value.id, "name": value.name}
    if isinstance(value, Milestone):
        return {"text": value.text, "when": jsonable(value.when)}
    if isinstance(value, KoreanDate):
        return {
            "raw": value.raw,
            "precision": value.precision.value,
            "start": jsonable(value.start),
            "end": jsonable(value.end),
            "deadline": jsonable(value.deadline),
            "cadence": value.cadence,
        }
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


class TimelineView(BatchView):
    """Every event of every finding: who, what, when (business date and recorded at)."""

    view_name = "rm_timeline_view"
    view_tables = (tables.timeline,)
    deferrable_in_bulk = True

    def apply_batch(self, session: Session, events: Sequence[Positioned]) -> None:
        rows = []
        for e, _ in events:
            if not isinstance(e, Finding.Event | Finding.Registered):
                continue
            actor: Actor = e.actor
            rows.append(
                {
                    "finding_id": e.originator_id,
                    "version": e.originator_version,
                    "event": type(e).__name__,
                    "business_date": e.business_date,
                    "recorded_at": e.timestamp,
                    "actor_kind": actor.kind.value,
                    "actor_id": actor.id,
                    "actor_role": actor.role.value if actor.role else None,
                    "data": {
                        # Most fields are plain already: skip the call for them.
                        k: v if v is None or type(v) in _PLAIN else jsonable(v)
                        for k, v in e.__dict__.items()
                        if k not in _BASE_FIELDS
                    },
                }
            )
        if rows:
            session.execute(insert(tables.timeline), rows)


class DepartmentsView(BatchView):
    """Departments: today's name, what each was merged into, and every name used."""

    view_name = "rm_departments_view"
    view_tables = (tables.departments, tables.department_names)

    def apply_batch(self, session: Session, events: Sequence[Positioned]) -> None:
        d = tables.departments
        for e, _ in events:
            if isinstance(e, Department.Registered):
                ref_id = f"dept-{e.originator_id}"
                session.execute(
                    dialect_insert(session, d)
                    .values(department_id=ref_id, name=e.name)
                    .on_conflict_do_nothing()
                )
                self._name(session, e.name, ref_id)
            elif isinstance(e, Department.Renamed):
                ref_id = f"dept-{e.originator_id}"
                session.execute(update(d).where(d.c.department_id == ref_id).values(name=e.name))
                self._name(session, e.name, ref_id)
            elif isinstance(e, Department.MergedInto):
                session.execute(
                    update(d)
                    .where(d.c.department_id == f"dept-{e.originator_id}")
                    .values(merged_into=e.target_id, merged_on=e.effective_on)
                )

    @staticmethod
    def _name(session: Session, name: str, ref_id: str) -> None:
        n = tables.department_names
        key = "".join(name.split())
        session.execute(
            dialect_insert(session, n)
            .values(name_key=key, department_id=ref_id)
            .on_conflict_do_update(index_elements=["name_key"], set_={"department_id": ref_id})
        )
