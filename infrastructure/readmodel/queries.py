"""Queries on the read model (the application's ReadModel port)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore
from sqlalchemy import Select, case, func, select

from application.dto import (
    AuditRow,
    DepartmentRow,
    FindingFilter,
    FindingRow,
    InboxEntry,
    ReminderCandidate,
    ReportSnapshot,
    SummaryCriteria,
    SummaryTable,
    TimelineEntry,
)
from domain.values import DepartmentRef
from domain.vocabulary import KIND_LABELS, FindingKind, Status, Verification
from infrastructure.readmodel import tables
from infrastructure.readmodel.search import search_finding_ids

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

R = TypeVar("R", bound="DataclassInstance")

_KIND_ORDER = case({k.value: i for i, k in enumerate(FindingKind)}, value=tables.findings.c.kind)


class SqlReadModel:
    def __init__(self, datastore: SQLAlchemyDatastore) -> None:
        self.datastore = datastore

    def _rows(self, stmt: Select[Any]) -> list[Any]:
        with self.datastore.transaction(commit=False) as session:
            return list(session.execute(stmt))

    def summary(self, criteria: SummaryCriteria) -> SummaryTable:
        audit_id, committee = criteria.get("audit_id"), criteria.get("committee")
        department, as_of = criteria.get("department"), criteria.get("as_of")
        department_ids = (
            self.department_ids(
                department, historical=criteria.get("historical", False), as_of=as_of
            )
            if department
            else None
        )
        stmt = (
            self._summary_as_of(as_of, audit_id, committee, department_ids)
            if as_of
            else self._summary_now(audit_id, committee, department_ids)
        )
        counts = [
            (
                FindingKind(r.kind),
                Status(r.status),
                Verification(r.verification) if r.verification else None,
                int(r.n),
            )
            for r in self._rows(stmt)
        ]
        return SummaryTable.from_counts(counts, as_of=as_of)

    @staticmethod
    def _summary_now(
        audit_id: UUID | None, committee: str | None, department_ids: tuple[str, ...] | None
    ) -> Select[Any]:
        t = tables.summary_counts
        stmt = select(t.c.kind, t.c.status, t.c.verification, func.sum(t.c.count).label("n"))
        if audit_id:
            stmt = stmt.where(t.c.audit_id == audit_id)
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
    ) -> Select[Any]:
        # Each finding counts in the cell of its last event with business date <= D,
        # ties by version (SPEC §5), under the department responsible on D. The
        # history view keeps each cell's entries and exits per day: their sum up to D.
        c = tables.summary_changes
        n = func.sum(c.c.delta)
        stmt = select(c.c.kind, c.c.status, c.c.verification, n.label("n")).where(c.c.day <= as_of)
        if audit_id:
            stmt = stmt.where(c.c.audit_id == audit_id)
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
        inner = self._filtered(select(tables.findings.c.finding_id), flt).subquery()
        with self.datastore.transaction(commit=False) as session:
            return int(session.execute(select(func.count()).select_from(inner)).scalar_one())

    def list_findings(self, flt: FindingFilter) -> list[FindingRow]:
        t = tables.findings
        stmt = self._filtered(select(t), flt)
        stmt = stmt.order_by(t.c.audit_id, _KIND_ORDER, t.c.seq).offset(flt.offset)
        if flt.limit is not None:
            stmt = stmt.limit(flt.limit)
        return [_finding_row(r) for r in self._rows(stmt)]

    def _filtered(self, stmt: Select[Any], flt: FindingFilter) -> Select[Any]:
        t = tables.findings
        if flt.audit_id:
            stmt = stmt.where(t.c.audit_id == flt.audit_id)
        if flt.committee:
            stmt = stmt.where(t.c.committee == flt.committee)
        if flt.department:
            ids = self.department_ids(flt.department, historical=flt.department_historical)
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

    def department_named(self, name: str) -> DepartmentRef | None:
        d, n = tables.departments, tables.department_names
        rows = self._rows(
            select(d.c.department_id, d.c.name)
            .join(n, n.c.department_id == d.c.department_id)
            .where(n.c.name_key == "".join(name.split()))
        )
        return DepartmentRef(id=rows[0].department_id, name=rows[0].name) if rows else None

    def list_departments(self) -> list[DepartmentRow]:
        d, n = tables.departments, tables.department_names
        with self.datastore.transaction(commit=False) as session:
            departments = list(session.execute(select(d).order_by(d.c.name, d.c.department_id)))
            names = list(session.execute(select(n).order_by(n.c.name_key)))
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
        self, name: str, *, historical: bool = False, as_of: date | None = None
    ) -> tuple[str, ...]:
        """The ids a department filter means: the department, and unless ``historical``
        the departments merged into it (on or before ``as_of``, when given)."""
        known = self.department_named(name)
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

    def reminder_candidates(self) -> list[ReminderCandidate]:
        """Findings not closed, with what the reminder rules read."""
        f, m = tables.findings, tables.milestones
        open_findings = select(f).where(
            (f.c.verification.is_(None)) | (f.c.verification != Verification.VERIFIED.value)
        )
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
            )
            for r in self._rows(open_findings.order_by(f.c.finding_id))
        ]

    def inbox(self, recipient: str | None = None) -> list[InboxEntry]:
        """What reached a recipient (a department id or "staff"), oldest first."""
        return [inbox_entry(r) for r in self._rows(inbox_query(recipient))]

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


def inbox_query(recipient: str | None) -> Select[Any]:
    i, f = tables.inbox, tables.findings
    stmt = select(i, f.c.kind, f.c.seq, f.c.request).join(f, f.c.finding_id == i.c.finding_id)
    if recipient is not None:
        stmt = stmt.where(i.c.recipient == recipient)
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


def _finding_row(r: Any) -> FindingRow:
    return _from_row(
        FindingRow,
        r,
        kind=FindingKind(r.kind),
        department=r.department_name,
        status=Status(r.status),
        verification=Verification(r.verification) if r.verification else None,
    )
