"""Queries on the read model (the application's ReadModel port)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import fields, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore
from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select, tuple_

from application.dto import (
    AuditRow,
    DepartmentRow,
    DepartmentSummary,
    DepartmentSummaryRow,
    FindingFilter,
    FindingRow,
    FindingSort,
    InboxEntry,
    InboxKey,
    OpenFindingsPoint,
    OverdueAging,
    ReminderCandidate,
    ReportSnapshot,
    SummaryCriteria,
    SummaryTable,
    TimelineEntry,
)
from domain.values import DepartmentRef, seoul_date
from domain.vocabulary import KIND_LABELS, STATUS_LABELS, FindingKind, Status, Verification
from infrastructure.readmodel import tables
from infrastructure.readmodel.replica import ReadReplica, ReadSource
from infrastructure.readmodel.search import search_finding_ids
from infrastructure.readmodel.views.base import chunks, dialect_insert

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

R = TypeVar("R", bound="DataclassInstance")

_KIND_ORDER = case({k.value: i for i, k in enumerate(FindingKind)}, value=tables.findings.c.kind)
_STATUS_ORDER = case({s.value: i for i, s in enumerate(Status)}, value=tables.findings.c.status)


def _order(flt: FindingFilter) -> list[Any]:
    """ORDER BY for a finding list: the asked key first, then the audit order (newest
    audit first, kind, number)."""
    t, a = tables.findings, tables.audits
    if flt.sort is None:
        return [t.c.audit_id, _KIND_ORDER, t.c.seq]
    year = select(a.c.year).where(a.c.audit_id == t.c.audit_id).scalar_subquery()
    within = [t.c.committee, t.c.audit_id, _KIND_ORDER, t.c.seq]
    if flt.sort is FindingSort.AUDIT:
        return [year.asc() if flt.descending else year.desc(), *within]
    primary = {
        FindingSort.DUE_DATE: t.c.due_date,
        FindingSort.DEPARTMENT: t.c.department_name,
        FindingSort.STATUS: _STATUS_ORDER,
        FindingSort.CLAIMED: t.c.claimed_on,
    }[flt.sort]
    # Findings without a due date (or a claim) come last in either direction.
    first = {
        FindingSort.DUE_DATE: [t.c.due_date.is_(None)],
        FindingSort.CLAIMED: [t.c.claimed_on.is_(None)],
    }.get(flt.sort, [])
    return [*first, primary.desc() if flt.descending else primary.asc(), year.desc(), *within]


class SqlReadModel:
    def __init__(self, datastore: SQLAlchemyDatastore, replica: ReadReplica | None = None) -> None:
        self.datastore = datastore
        # The list, search, 총괄 and export reads: a replica's when it may answer.
        self.reads = ReadSource(datastore, replica)

    def _rows(self, stmt: Select[Any]) -> list[Any]:
        with self.datastore.transaction(commit=False) as session:
            return list(session.execute(stmt))

    def _replica_rows(self, stmt: Select[Any]) -> list[Any]:
        return self.reads.run(lambda session: list(session.execute(stmt)))

    def summary(self, criteria: SummaryCriteria) -> SummaryTable:
        audit_id, committee = criteria.get("audit_id"), criteria.get("committee")
        department, as_of = criteria.get("department"), criteria.get("as_of")
        council = criteria.get("council")
        department_ids = (
            self.department_ids(
                department,
                historical=criteria.get("historical", False),
                as_of=as_of,
                council=council,
            )
            if department
            else None
        )
        stmt = (
            self._summary_as_of(as_of, audit_id, committee, department_ids, council)
            if as_of
            else self._summary_now(audit_id, committee, department_ids, council)
        )
        counts = [
            (
                FindingKind(r.kind),
                Status(r.status),
                Verification(r.verification) if r.verification else None,
                int(r.n),
            )
            for r in self._replica_rows(stmt)
        ]
        return SummaryTable.from_counts(counts, as_of=as_of)

    @staticmethod
    def _summary_now(
        audit_id: UUID | None,
        committee: str | None,
        department_ids: tuple[str, ...] | None,
        council: str | None = None,
    ) -> Select[Any]:
        t = tables.summary_counts
        stmt = select(t.c.kind, t.c.status, t.c.verification, func.sum(t.c.count).label("n"))
        if audit_id:
            stmt = stmt.where(t.c.audit_id == audit_id)
        if council is not None:
            stmt = stmt.where(of_council(t.c.audit_id, council))
        if committee:
            stmt = stmt.where(t.c.committee == committee)
        if department_ids is not None:
            stmt = stmt.where(t.c.department_id.in_(department_ids))
        return stmt.group_by(t.c.kind, t.c.status, t.c.verification)

    @staticmethod
    def _summary_as_of(
        as_of: date,
        audit_id: UUID | None,
        committee: str | None,
        department_ids: tuple[str, ...] | None,
        council: str | None = None,
    ) -> Select[Any]:
        # Each finding counts in the cell of its last event with business date <= D,
        # ties by version (SPEC §5), under the department responsible on D. The
        # history view keeps each cell's entries and exits per day: their sum up to D.
        c = tables.summary_changes
        n = func.sum(c.c.delta)
        stmt = select(c.c.kind, c.c.status, c.c.verification, n.label("n")).where(c.c.day <= as_of)
        if audit_id:
            stmt = stmt.where(c.c.audit_id == audit_id)
        if council is not None:
            stmt = stmt.where(of_council(c.c.audit_id, council))
        if committee:
            stmt = stmt.where(c.c.committee == committee)
        if department_ids is not None:
            stmt = stmt.where(c.c.department_id.in_(department_ids))
        return stmt.group_by(c.c.kind, c.c.status, c.c.verification).having(n != 0)

    def list_audits(self) -> list[AuditRow]:
        t = tables.audits
        stmt = select(t).order_by(t.c.year.desc(), t.c.council, t.c.committee, t.c.audited_body)
        return [_from_row(AuditRow, r) for r in self._rows(stmt)]

    def audits_of_document(self, document_hash: str) -> list[AuditRow]:
        t, d = tables.audits, tables.imported_documents
        stmt = (
            select(t)
            .join(d, d.c.audit_id == t.c.audit_id)
            .where(d.c.document_hash == document_hash)
            .order_by(t.c.year, t.c.council, t.c.committee)
        )
        return [_from_row(AuditRow, r) for r in self._rows(stmt)]

    def count_findings(self, flt: FindingFilter) -> int:
        if flt.as_of is not None or flt.recorded_before is not None:
            return len(self._findings_as_of(flt))
        inner = self._filtered(select(tables.findings.c.finding_id), flt).subquery()
        (row,) = self._replica_rows(select(func.count()).select_from(inner))
        return int(row[0])

    def list_findings(self, flt: FindingFilter) -> list[FindingRow]:
        if flt.as_of is not None or flt.recorded_before is not None:
            rows = self._findings_as_of(flt)
            end = None if flt.limit is None else flt.offset + flt.limit
            return rows[flt.offset : end]
        t = tables.findings
        stmt = self._filtered(select(t), flt)
        stmt = stmt.order_by(*_order(flt)).offset(flt.offset)
        if flt.limit is not None:
            stmt = stmt.limit(flt.limit)
        return [_finding_row(r) for r in self._replica_rows(stmt)]

    def _findings_as_of(self, flt: FindingFilter) -> list[FindingRow]:
        """The list as it stood on business date ``as_of`` (and, if given, as recorded
        before ``recorded_before``): each finding's cell from the status history (as
        the 총괄 as of that day counts it), its texts from its last report by then,
        its due date from the last event that set one by then."""
        day = flt.as_of or date.max
        timeless = replace(
            flt,
            department=None,
            status=None,
            verification=None,
            overdue_on=None,
            as_of=None,
            recorded_before=None,
            limit=None,
            offset=0,
        )
        t, h, tl = tables.findings, tables.status_history, tables.timeline
        stmt = self._filtered(select(t), timeless).where(t.c.registered_on <= day)
        if flt.carried_into is not None and (flt.as_of or flt.recorded_before):
            # A carry-over is dated the day it is recorded (Asia/Seoul): both cuts by date.
            days = [flt.as_of] if flt.as_of else []
            if flt.recorded_before is not None:
                days.append(seoul_date(flt.recorded_before) - timedelta(days=1))
            on = min(days)
            stmt = stmt.where(t.c.finding_id.in_(_carried_into(flt.carried_into, on)))
        stmt = stmt.order_by(*_order(flt))
        with self.datastore.transaction(commit=False) as session:
            current = list(session.execute(stmt))
            ids = [r.finding_id for r in current]
            cells: dict[UUID, Any] = {}
            events: dict[UUID, list[Any]] = {}
            for chunk in chunks(ids):
                hist = (
                    select(h)
                    .where(h.c.finding_id.in_(chunk), h.c.valid_from <= day)
                    .order_by(h.c.finding_id, h.c.valid_from, h.c.version)
                )
                timeline = (
                    select(tl.c.finding_id, tl.c.version, tl.c.event, tl.c.data)
                    .where(
                        tl.c.finding_id.in_(chunk),
                        tl.c.business_date <= day,
                        tl.c.log_version == 0,
                        tl.c.event.in_(_AS_OF_EVENTS),
                    )
                    .order_by(tl.c.finding_id, tl.c.version)
                )
                if flt.recorded_before is not None:
                    recorded = select(tl.c.finding_id, tl.c.version).where(
                        tl.c.finding_id.in_(chunk),
                        tl.c.log_version == 0,
                        tl.c.recorded_at < flt.recorded_before,
                    )
                    hist = hist.where(tuple_(h.c.finding_id, h.c.version).in_(recorded))
                    timeline = timeline.where(tl.c.recorded_at < flt.recorded_before)
                for r in session.execute(hist):
                    cells[r.finding_id] = r  # ordered: the last one stays
                for r in session.execute(timeline):
                    events.setdefault(r.finding_id, []).append(r)
        department_ids = (
            set(
                self.department_ids(
                    flt.department,
                    historical=flt.department_historical,
                    as_of=flt.as_of,
                    council=flt.council,
                )
            )
            if flt.department
            else None
        )
        rows = []
        for r in current:
            cell = cells.get(r.finding_id)
            if cell is None:
                continue  # not yet registered (or recorded) on that day
            row = _state_as_of(r, cell, events.get(r.finding_id, []))
            if department_ids is not None and row.department_id not in department_ids:
                continue
            if flt.status and row.status is not flt.status:
                continue
            if flt.verification and row.verification is not flt.verification:
                continue
            if flt.overdue_on and not (
                row.due_date is not None
                and row.due_date < flt.overdue_on
                and row.verification not in (Verification.VERIFIED, Verification.PENDING)
            ):
                continue
            rows.append(row)
        return rows

    def _filtered(self, stmt: Select[Any], flt: FindingFilter) -> Select[Any]:
        t = tables.findings
        if flt.audit_id:
            stmt = stmt.where(t.c.audit_id == flt.audit_id)
        if flt.council is not None:
            stmt = stmt.where(of_council(t.c.audit_id, flt.council))
        if flt.committee:
            stmt = stmt.where(t.c.committee == flt.committee)
        if flt.department:
            ids = self.department_ids(
                flt.department, historical=flt.department_historical, council=flt.council
            )
            stmt = stmt.where(t.c.department_id.in_(ids))
        if flt.kind:
            stmt = stmt.where(t.c.kind == flt.kind.value)
        if flt.status:
            stmt = stmt.where(t.c.status == flt.status.value)
        if flt.verification:
            stmt = stmt.where(t.c.verification == flt.verification.value)
        if flt.raised_by:
            stmt = stmt.where(t.c.raised_by == flt.raised_by)
        if flt.finding_ids is not None:
            stmt = stmt.where(t.c.finding_id.in_(flt.finding_ids))
        if flt.carried_into is not None:
            stmt = stmt.where(t.c.finding_id.in_(_carried_into(flt.carried_into, flt.as_of)))
        if flt.overdue_on:
            stmt = stmt.where(
                t.c.due_date < flt.overdue_on,
                t.c.verification.is_(None)
                | t.c.verification.not_in(
                    (Verification.VERIFIED.value, Verification.PENDING.value)
                ),
            )
        if flt.text and flt.text.strip():
            stmt = stmt.where(t.c.finding_id.in_(search_finding_ids(flt.text)))
        return stmt

    def repeat_links(self, as_of: date | None = None) -> dict[UUID, UUID]:
        """Each finding staff confirmed as a repeat (by ``as_of``), and the earlier
        finding it repeats."""
        r = tables.repeat_links
        stmt = select(r.c.finding_id, r.c.earlier_finding_id).where(r.c.confirmed)
        if as_of is not None:
            stmt = stmt.where(r.c.decided_on <= as_of)
        return {row.finding_id: row.earlier_finding_id for row in self._rows(stmt)}

    def dismissed_repeats(self, finding_ids: Sequence[UUID]) -> dict[UUID, set[UUID]]:
        """For each finding, the earlier findings staff said it does not repeat."""
        r = tables.repeat_links
        out: dict[UUID, set[UUID]] = {i: set() for i in finding_ids}
        for chunk in chunks(list(out)):
            stmt = select(r.c.finding_id, r.c.earlier_finding_id).where(
                r.c.finding_id.in_(chunk), ~r.c.confirmed
            )
            for row in self._rows(stmt):
                out[row.finding_id].add(row.earlier_finding_id)
        return out

    def department_named(self, name: str, council: str | None = None) -> DepartmentRef | None:
        """The department that has or had this name (of one council, when given: its
        own, before those of no council that the first council owns)."""
        d, n = tables.departments, tables.department_names
        stmt = (
            select(d.c.department_id, d.c.name)
            .join(n, n.c.department_id == d.c.department_id)
            .where(n.c.name_key == "".join(name.split()))
            .order_by(n.c.council.desc(), d.c.department_id)
        )
        if council is not None:
            stmt = stmt.where(council_rows(n.c.council, council))
        rows = self._rows(stmt)
        return DepartmentRef(id=rows[0].department_id, name=rows[0].name) if rows else None

    def list_departments(self, council: str | None = None) -> list[DepartmentRow]:
        """Every department (of ``council`` only, when given)."""
        d, n = tables.departments, tables.department_names
        listed = select(d).order_by(d.c.name, d.c.department_id)
        names_stmt = select(n).order_by(n.c.name_key)
        if council is not None:
            listed = listed.where(council_rows(d.c.council, council))
            names_stmt = names_stmt.where(council_rows(n.c.council, council))
        with self.datastore.transaction(commit=False) as session:
            departments = list(session.execute(listed))
            names = list(session.execute(names_stmt))
        former: dict[str, list[str]] = {}
        for r in names:
            former.setdefault(r.department_id, []).append(r.name or r.name_key)
        return [
            DepartmentRow(
                department_id=r.department_id,
                name=r.name,
                merged_into=r.merged_into,
                merged_on=r.merged_on,
                former_names=tuple(
                    x
                    for x in former.get(r.department_id, ())
                    if "".join(x.split()) != "".join(r.name.split())
                ),
            )
            for r in departments
        ]

    def department_ids(
        self,
        name: str,
        *,
        historical: bool = False,
        as_of: date | None = None,
        council: str | None = None,
    ) -> tuple[str, ...]:
        """The ids a department filter means: the department, and unless ``historical``
        the departments merged into it (on or before ``as_of``, when given)."""
        known = self.department_named(name, council)
        if known is None:
            return ()  # no department has or had the name: nothing matches
        root = known.id
        if historical:
            return (root,)
        d = tables.departments
        merged = [
            (r.department_id, r.merged_into, r.merged_on)
            for r in self._rows(select(d).where(d.c.merged_into.is_not(None)))
        ]
        ids, frontier = {root}, [root]
        while frontier:
            target = frontier.pop()
            for source, into, on in merged:
                if into == target and source not in ids and (as_of is None or on <= as_of):
                    ids.add(source)
                    frontier.append(source)
        return tuple(sorted(ids))

    def report_snapshots(self, audit_id: UUID) -> dict[UUID, ReportSnapshot]:
        t = tables.findings
        return {
            r.finding_id: _from_row(
                ReportSnapshot,
                r,
                status=Status(r.status),
                verification=Verification(r.verification) if r.verification else None,
            )
            for r in self._rows(select(t).where(t.c.audit_id == audit_id))
        }

    def reminder_candidates(self, council: str | None = None) -> list[ReminderCandidate]:
        """Findings not closed, with what the reminder rules read (of one council)."""
        f, m = tables.findings, tables.milestones
        # Open ones, and the closed 미반영 that come up for review again.
        open_findings = select(f).where(
            (f.c.verification.is_(None))
            | (f.c.verification != Verification.VERIFIED.value)
            | f.c.review_on.is_not(None)
        )
        if council is not None:
            open_findings = open_findings.where(of_council(f.c.audit_id, council))
        plans: dict[UUID, list[tuple[date, str]]] = {}
        for r in self._rows(
            select(m.c.finding_id, m.c.deadline, m.c.text)
            .where(m.c.deadline.is_not(None))
            .order_by(m.c.finding_id, m.c.position)
        ):
            plans.setdefault(r.finding_id, []).append((r.deadline, r.text))
        return [
            ReminderCandidate(
                finding_id=r.finding_id,
                department_id=r.department_id,
                due_date=r.due_date,
                status=Status(r.status),
                verification=Verification(r.verification) if r.verification else None,
                claimed_on=r.claimed_on,
                last_reported_on=r.last_reported_on,
                milestones=tuple(plans.get(r.finding_id, ())),
                review_on=r.review_on,
            )
            for r in self._rows(open_findings.order_by(f.c.finding_id))
        ]

    def inbox_reads(self, account_id: str) -> set[InboxKey]:
        r = tables.inbox_reads
        stmt = select(r.c.finding_id, r.c.version, r.c.log_version, r.c.recipient).where(
            r.c.account_id == account_id
        )
        return {InboxKey(*row) for row in self._rows(stmt)}

    def mark_inbox_read(self, account_id: str, keys: Sequence[InboxKey], at: datetime) -> int:
        if not keys:
            return 0
        new = set(keys) - self.inbox_reads(account_id)
        rows = [
            {
                "account_id": account_id,
                "finding_id": k.finding_id,
                "version": k.version,
                "log_version": k.log_version,
                "recipient": k.recipient,
                "read_at": at,
            }
            for k in new
        ]
        if rows:
            with self.datastore.transaction(commit=True) as session:
                # Marked meanwhile by another tab of the same person: no error.
                stmt = dialect_insert(session, tables.inbox_reads).on_conflict_do_nothing()
                for chunk in chunks(rows):
                    session.execute(stmt, list(chunk))
        return len(rows)

    def inbox(self, recipient: str | None = None, council: str | None = None) -> list[InboxEntry]:
        """What reached a recipient (a department id or "staff"), oldest first; of
        one council's findings when given."""
        return [inbox_entry(r) for r in self._rows(inbox_query(recipient, council))]

    def timeline(self, finding_id: UUID) -> list[TimelineEntry]:
        t = tables.timeline
        # A reminder (of the finding's reminder log) after the event it was raised at.
        stmt = select(t).where(t.c.finding_id == finding_id).order_by(t.c.version, t.c.log_version)
        return [_from_row(TimelineEntry, r) for r in self._rows(stmt)]

    def evidence_timelines(self, finding_ids: Sequence[UUID]) -> dict[UUID, list[TimelineEntry]]:
        t = tables.timeline
        stmt = (
            select(t)
            .where(
                t.c.finding_id.in_(finding_ids),
                t.c.event.in_(("ProgressReported", "EvidenceAttached")),
            )
            .order_by(t.c.finding_id, t.c.version, t.c.log_version)
        )
        out: dict[UUID, list[TimelineEntry]] = {i: [] for i in finding_ids}
        for r in self._rows(stmt):
            out[r.finding_id].append(_from_row(TimelineEntry, r))
        return out

    # -- per-department 총괄 and chart series: the tables the 총괄 reads (counters
    # now, day changes as of a date, the status history for a state on a date).

    def department_summary(
        self, audit_id: UUID | None, as_of: date | None, today: date, council: str | None = None
    ) -> DepartmentSummary:
        """처리결과 총괄 by department (today's names, merged departments folded into
        their target), now or as of ``as_of``, with the findings overdue that day."""
        if as_of:
            c = tables.summary_changes
            n = func.sum(c.c.delta)
            stmt = select(c.c.department_id, c.c.status, n.label("n")).where(c.c.day <= as_of)
        else:
            c = tables.summary_counts
            n = func.sum(c.c.count)
            stmt = select(c.c.department_id, c.c.status, n.label("n"))
        if audit_id:
            stmt = stmt.where(c.c.audit_id == audit_id)
        if council is not None:
            stmt = stmt.where(of_council(c.c.audit_id, council))
        folding = self._department_folding(as_of)
        counts: dict[str, Counter[str]] = {}
        for r in self._rows(stmt.group_by(c.c.department_id, c.c.status)):
            if count := int(r.n or 0):
                cell = counts.setdefault(folding.get(r.department_id, r.department_id), Counter())
                cell[r.status] += count
                cell["total"] += count
        overdue = self._overdue_due_dates(
            as_of or today, historical=as_of is not None, audit_id=audit_id, council=council
        )
        for department_id, _, count in overdue:
            root = folding.get(department_id, department_id)
            counts.setdefault(root, Counter())["overdue"] += count
        names = self._department_names(set(counts))
        rows = [
            DepartmentSummaryRow(
                department_id=department_id,
                department=names.get(department_id, department_id),
                total=cell["total"],
                completed=cell[Status.COMPLETED.value],
                in_progress=cell[Status.IN_PROGRESS.value],
                under_review=cell[Status.UNDER_REVIEW.value],
                not_adopted=cell[Status.NOT_ADOPTED.value],
                overdue=cell["overdue"],
            )
            for department_id, cell in counts.items()
            if cell["total"] or cell["overdue"]
        ]
        return DepartmentSummary.of(rows, as_of=as_of)

    def open_findings_series(self, criteria: SummaryCriteria) -> tuple[OpenFindingsPoint, ...]:
        """Open findings at the end of each business day on which a finding entered or
        left a 총괄 cell (up to ``as_of`` when given): running sums of the day changes."""
        c = tables.summary_changes
        opened = func.sum(case((_is_open_cell(c.c), c.c.delta), else_=0)).label("n")
        stmt = select(c.c.day, opened)
        if audit_id := criteria.get("audit_id"):
            stmt = stmt.where(c.c.audit_id == audit_id)
        if (council := criteria.get("council")) is not None:
            stmt = stmt.where(of_council(c.c.audit_id, council))
        if committee := criteria.get("committee"):
            stmt = stmt.where(c.c.committee == committee)
        if (department_ids := self._criteria_departments(criteria)) is not None:
            stmt = stmt.where(c.c.department_id.in_(department_ids))
        if as_of := criteria.get("as_of"):
            stmt = stmt.where(c.c.day <= as_of)
        points, running = [], 0
        for r in self._rows(stmt.group_by(c.c.day).order_by(c.c.day)):
            running += int(r.n or 0)
            points.append(OpenFindingsPoint(day=r.day, open=running))
        return tuple(points)

    def overdue_aging(self, criteria: SummaryCriteria, today: date) -> OverdueAging:
        """Findings overdue on the day (``as_of``, else today), by days past due."""
        as_of = criteria.get("as_of")
        day = as_of or today
        due = self._overdue_due_dates(
            day,
            historical=as_of is not None,
            audit_id=criteria.get("audit_id"),
            committee=criteria.get("committee"),
            department_ids=self._criteria_departments(criteria),
            council=criteria.get("council"),
        )
        return OverdueAging.of(
            day, ((day - due_date).days for _, due_date, n in due for _ in range(n))
        )

    def _criteria_departments(self, criteria: SummaryCriteria) -> tuple[str, ...] | None:
        department = criteria.get("department")
        if not department:
            return None
        return self.department_ids(
            department,
            historical=criteria.get("historical", False),
            as_of=criteria.get("as_of"),
            council=criteria.get("council"),
        )

    def _department_folding(self, as_of: date | None) -> dict[str, str]:
        """Each merged department id -> the one it counts under (merges followed; those
        effective by ``as_of`` only, when given), as ``department_ids`` folds them."""
        d = tables.departments
        merged = {
            r.department_id: r.merged_into
            for r in self._rows(select(d).where(d.c.merged_into.is_not(None)))
            if as_of is None or r.merged_on is None or r.merged_on <= as_of
        }
        folding: dict[str, str] = {}
        for source in merged:
            target, seen = source, {source}
            while target in merged and merged[target] not in seen:
                target = merged[target]
                seen.add(target)
            folding[source] = target
        return folding

    def _department_names(self, ids: set[str]) -> dict[str, str]:
        """Today's name of each department; one only findings name keeps their name."""
        if not ids:
            return {}
        d, f = tables.departments, tables.findings
        stmt = select(d.c.department_id, d.c.name).where(d.c.department_id.in_(ids))
        names = {r.department_id: r.name for r in self._rows(stmt)}
        if missing := ids - set(names):
            stmt = (
                select(f.c.department_id, func.max(f.c.department_name).label("name"))
                .where(f.c.department_id.in_(missing))
                .group_by(f.c.department_id)
            )
            names.update({r.department_id: r.name for r in self._rows(stmt)})
        return names

    def _overdue_due_dates(
        self,
        on: date,
        *,
        historical: bool,
        audit_id: UUID | None,
        committee: str | None = None,
        department_ids: tuple[str, ...] | None = None,
        council: str | None = None,
    ) -> list[tuple[str, date, int]]:
        """(department id, due date, findings) of the findings overdue on ``on``: from
        today's rows, or (``historical``) from each finding's state and due date on
        that date (the list as of it)."""
        f = tables.findings
        if historical:
            rows = self._findings_as_of(
                FindingFilter(
                    audit_id=audit_id,
                    committee=committee,
                    as_of=on,
                    overdue_on=on,
                    council=council,
                )
            )
            counted: Counter[tuple[str, date]] = Counter(
                (r.department_id, r.due_date)
                for r in rows
                if r.due_date is not None
                and (department_ids is None or r.department_id in department_ids)
            )
            return [(d, due, n) for (d, due), n in sorted(counted.items())]
        else:
            department = f.c.department_id
            stmt = select(department, f.c.due_date, func.count().label("n")).where(
                _not_closed_nor_pending(f.c.verification)
            )
            if audit_id:
                stmt = stmt.where(f.c.audit_id == audit_id)
            if council is not None:
                stmt = stmt.where(of_council(f.c.audit_id, council))
        stmt = stmt.where(f.c.due_date < on)
        if committee:
            stmt = stmt.where(f.c.committee == committee)
        if department_ids is not None:
            stmt = stmt.where(department.in_(department_ids))
        stmt = stmt.group_by(department, f.c.due_date)
        return [(r[0], r.due_date, int(r.n)) for r in self._rows(stmt)]


def council_rows(council_column: ColumnElement[Any], council: str) -> ColumnElement[bool]:
    """Rows of one council: its own, and for the first council registered those of no
    council ("", recorded before councils)."""
    c = tables.councils
    owns_unnamed = select(c.c.code).where(c.c.name == council, c.c.owns_unnamed.is_(True)).exists()
    return or_(council_column == council, and_(council_column == "", owns_unnamed))


def of_council(audit_id: ColumnElement[Any], council: str) -> ColumnElement[bool]:
    """Rows of the audits of one council (a tenant's data only)."""
    a = tables.audits
    return audit_id.in_(select(a.c.audit_id).where(council_rows(a.c.council, council)))


def inbox_query(recipient: str | None, council: str | None = None) -> Select[Any]:
    i, f = tables.inbox, tables.findings
    stmt = select(i, f.c.kind, f.c.seq, f.c.request, f.c.audit_id).join(
        f, f.c.finding_id == i.c.finding_id
    )
    if recipient is not None:
        stmt = stmt.where(i.c.recipient == recipient)
    if council is not None:
        stmt = stmt.where(of_council(f.c.audit_id, council))
    return stmt.order_by(i.c.raised_on, i.c.finding_id, i.c.version, i.c.log_version, i.c.recipient)


def _from_row(cls: type[R], r: Any, **differing: Any) -> R:
    """A result of the row's columns of the same names, and ``differing`` values."""
    row = r._mapping
    same = {f.name: row[f.name] for f in fields(cls) if f.name not in differing}
    return cls(**same, **differing)


def inbox_entry(r: Any) -> InboxEntry:
    return _from_row(
        InboxEntry, r, department=r.department_name, kind_label=KIND_LABELS[FindingKind(r.kind)]
    )


def _carried_into(audit_id: UUID, on: date | None) -> Select[Any]:
    c = tables.carried_over
    stmt = select(c.c.finding_id).where(c.c.to_audit_id == audit_id)
    return stmt.where(c.c.carried_on <= on) if on is not None else stmt


# The events an as-of row reads its texts, department and due date from.
_AS_OF_EVENTS = (
    "Registered",
    "ProgressReported",
    "Reassigned",
    "DueDateChanged",
    "ExtensionGranted",
    "ClaimReturned",
    "Reopened",
)


def _state_as_of(current: Any, cell: Any, events: list[Any]) -> FindingRow:
    """A finding's row as of a day: its cell then, and what its events said by then."""
    fields: dict[str, Any] = {
        "department_name": current.department_name,
        "status_raw": STATUS_LABELS[Status(cell.status)],
        "actions": None,
        "plans": None,
        "delay_reason": None,
        "due_date": None,
        "last_business_date": cell.valid_from,
        "version": cell.version,
    }
    for e in events:  # in version order, dated on or before the day
        data = e.data
        if e.event in ("Registered", "Reassigned"):
            fields["department_name"] = data["department"]["name"]
        if e.event in ("Registered", "DueDateChanged", "ExtensionGranted"):
            due = data.get("due_date")
            fields["due_date"] = date.fromisoformat(due) if due else None
        if e.version <= cell.version:  # what the cell's state was written with
            if e.event == "ProgressReported":
                for key in ("status_raw", "actions", "plans", "delay_reason"):
                    fields[key] = data.get(key)
            elif e.event in ("ClaimReturned", "Reopened"):
                # Back in progress (as CHANGES says): the label, not the old claim's.
                fields["status_raw"] = STATUS_LABELS[Status.IN_PROGRESS]
        fields["version"] = max(fields["version"], e.version)
    return FindingRow(
        finding_id=current.finding_id,
        audit_id=current.audit_id,
        kind=FindingKind(current.kind),
        seq=current.seq,
        department=fields["department_name"],
        department_id=cell.department_id,
        status=Status(cell.status),
        status_raw=fields["status_raw"] or STATUS_LABELS[Status(cell.status)],
        verification=Verification(cell.verification) if cell.verification else None,
        due_date=fields["due_date"],
        version=fields["version"],
        request=current.request,
        registered_on=current.registered_on,
        last_business_date=fields["last_business_date"],
        actions=fields["actions"],
        plans=fields["plans"],
        delay_reason=fields["delay_reason"],
    )


def _finding_row(r: Any) -> FindingRow:
    return _from_row(
        FindingRow,
        r,
        kind=FindingKind(r.kind),
        department=r.department_name,
        status=Status(r.status),
        verification=Verification(r.verification) if r.verification else None,
    )


# -- per-department 총괄 and chart series ------------------------------------------

_CLOSED_STATUSES = (Status.COMPLETED.value, Status.NOT_ADOPTED.value)


def _is_open_cell(c: Any) -> Any:
    """Not closed: a closed finding is a verified 완료 or 미반영."""
    return ~(c.status.in_(_CLOSED_STATUSES) & (c.verification == Verification.VERIFIED.value))


def _not_closed_nor_pending(verification: Any) -> Any:
    """The overdue rule of ``FindingFilter.overdue_on``: not closed, no claim waiting."""
    return verification.is_(None) | verification.not_in(
        (Verification.VERIFIED.value, Verification.PENDING.value)
    )
