"""The 처리결과 총괄 now: one counter per cell (``rm_summary_counts``).

A cell is (audit, department, kind, status, verification), with the audit's
committee beside it. To move a finding from the cell it leaves, the view keeps
each finding's current cell (``rm_summary_cells``) and each audit's committee
(``rm_summary_audits``): its own tables, so it never waits on another view.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from domain.audit import Audit
from domain.finding import Finding
from domain.vocabulary import FindingKind, Status
from infrastructure.readmodel import tables
from infrastructure.readmodel.views.base import (
    BatchView,
    Positioned,
    add_counts,
    findings_from_earlier_batches,
    rows_where_in,
    update_many,
)
from infrastructure.readmodel.views.changes import changes

CELL_KEY = ("audit_id", "department_id", "kind", "status", "verification")
Cell = dict[str, Any]  # the columns of rm_summary_cells but finding_id


def registered_cell(e: Finding.Registered, committee: str) -> Cell:
    return {
        "audit_id": e.audit_id,
        "department_id": e.department.id,
        "kind": FindingKind(e.kind).value,
        "status": Status.UNDER_REVIEW.value,
        "verification": "",
        "committee": committee,
    }


def next_cell(e: Finding.Event, cell: Cell) -> Cell:
    """The cell a finding counts in after ``e``, from the cell before it."""
    changed = changes(e, {"verification": cell["verification"] or None})
    after = dict(cell)
    for name in ("department_id", "status"):
        if name in changed:
            after[name] = changed[name]
    if "verification" in changed:
        after["verification"] = changed["verification"] or ""
    return after


def cell_key(cell: Cell) -> tuple[Any, ...]:
    return (*(cell[k] for k in CELL_KEY), cell["committee"])


def audit_committees(
    session: Session, own: Table, events: Sequence[Positioned]
) -> tuple[dict[UUID, str], list[dict[str, Any]]]:
    """Committees of the audits of findings registered in ``events`` (from the view's
    own table ``own``, or the batch), and the rows of audits registered in it."""
    new: list[dict[str, Any]] = [
        {"audit_id": e.originator_id, "committee": e.committee}
        for e, _ in events
        if isinstance(e, Audit.Registered)
    ]
    committees: dict[UUID, str] = {r["audit_id"]: r["committee"] for r in new}
    wanted = {
        e.audit_id
        for e, _ in events
        if isinstance(e, Finding.Registered) and e.audit_id not in committees
    }
    committees.update(
        {r.audit_id: r.committee for r in rows_where_in(session, own, own.c.audit_id, wanted)}
    )
    return committees, new


class SummaryView(BatchView):
    """The 총괄 counters, projected inside every command."""

    view_name = "rm_summary_view"
    view_tables = (tables.summary_audits, tables.summary_cells, tables.summary_counts)

    def apply_batch(self, session: Session, events: Sequence[Positioned]) -> None:
        c = tables.summary_cells
        committees, new_audits = audit_committees(session, tables.summary_audits, events)
        earlier = findings_from_earlier_batches(events)
        cells: dict[UUID, Cell] = {}
        for r in rows_where_in(session, c, c.c.finding_id, earlier):
            cell = dict(r._mapping)
            del cell["finding_id"]
            cells[r.finding_id] = cell
        existing = set(cells)
        counts: Counter[tuple[Any, ...]] = Counter()
        changed: set[UUID] = set()
        for e, _ in events:
            if isinstance(e, Finding.Registered):
                cell = registered_cell(e, committees[e.audit_id])
            elif isinstance(e, Finding.Event):
                before = cells[e.originator_id]
                cell = next_cell(e, before)
                if cell == before:
                    continue  # a comment, a reminder, a due date: the cell stays
                counts[cell_key(before)] -= 1
            else:
                continue
            counts[cell_key(cell)] += 1
            cells[e.originator_id] = cell
            changed.add(e.originator_id)

        if new_audits:
            session.execute(insert(tables.summary_audits), new_audits)
        rows = [{"finding_id": i, **cells[i]} for i in changed]
        if inserted := [r for r in rows if r["finding_id"] not in existing]:
            session.execute(insert(c), inserted)
        update_many(session, c, "finding_id", [r for r in rows if r["finding_id"] in existing])
        add_counts(
            session,
            tables.summary_counts,
            CELL_KEY,
            "count",
            [
                {**dict(zip((*CELL_KEY, "committee"), key, strict=True)), "count": n}
                for key, n in counts.items()
            ],
        )
