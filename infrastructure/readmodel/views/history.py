"""Status history (``rm_status_history``) and the 총괄 as of any date (``rm_summary_changes``).

SPEC §5: as of a business date D, a finding counts in the cell of its last event
with business date <= D, ties broken by version; the events that count are those
that can place it (``states_cell``: reports, verification, return, reopening,
reassignment), whose dates the domain keeps from going back. So a finding's history is a
series of intervals, each starting on a business date: on that day it enters
its new cell (+1) and leaves the previous one (-1). ``rm_summary_changes`` holds
the sum of those steps per (day, cell); the 총괄 as of D is SUM(delta) over
day <= D, by cell.

An event may be back-dated (a business date before the finding's previous
events): it changes intervals after it, not just the last one. So for every
finding of a batch the view recomputes its steps from its whole history (its
own rows, loaded with IN-lists) before and after the batch, and writes the
difference.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import insert
from sqlalchemy.orm import Session

from domain.finding import Finding
from infrastructure.readmodel import tables
from infrastructure.readmodel.views.base import (
    BatchView,
    Positioned,
    add_counts,
    findings_from_earlier_batches,
    rows_where_in,
)
from infrastructure.readmodel.views.summary import (
    CELL_KEY,
    Cell,
    audit_committees,
    cell_key,
    next_cell,
    registered_cell,
)

# One history entry: (business date, version, the cell the event left).
Entry = tuple[date, int, Cell]
Steps = Counter[tuple[date, tuple[Any, ...]]]  # (day, cell key) -> delta


def steps(history: Iterable[Entry]) -> Steps:
    """The changes of a finding's contribution to the 총괄, per business date.

    As of each day the finding is in the cell of its last entry by (date, version):
    the last entry of the day wins, and the finding moves only if its cell differs.
    """
    out: Steps = Counter()
    by_day: dict[date, tuple[Any, ...]] = {}
    for day, _, cell in sorted(history, key=lambda entry: (entry[0], entry[1])):
        by_day[day] = cell_key(cell)  # sorted: the day's last entry stays
    previous: tuple[Any, ...] | None = None
    for day, key in by_day.items():
        if key != previous:
            if previous is not None:
                out[(day, previous)] -= 1
            out[(day, key)] += 1
            previous = key
    return out


def _cell_of(row: Any) -> Cell:
    return {
        "audit_id": row.audit_id,
        "department_id": row.department_id,
        "kind": row.kind,
        "status": row.status,
        "verification": row.verification or "",
        "committee": row.committee,
    }


class StatusHistoryView(BatchView):
    """The state each event left, valid from its business date, and the as-of index."""

    # The caller reads the 총괄 now from the counters; the history follows.
    synchronous = False

    view_name = "rm_history_view"
    view_tables = (tables.history_audits, tables.status_history, tables.summary_changes)

    def apply_batch(self, session: Session, events: Sequence[Positioned]) -> None:
        h = tables.status_history
        committees, new_audits = audit_committees(session, tables.history_audits, events)
        earlier = findings_from_earlier_batches(events)
        histories: dict[UUID, list[Entry]] = {}
        for r in rows_where_in(session, h, h.c.finding_id, earlier):
            histories.setdefault(r.finding_id, []).append((r.valid_from, r.version, _cell_of(r)))
        before = {i: steps(entries) for i, entries in histories.items()}
        # The state each finding is in now: its entry of the highest version.
        current = {i: max(entries, key=lambda x: x[1])[2] for i, entries in histories.items()}

        rows: list[dict[str, Any]] = []
        for e, _ in events:
            if isinstance(e, Finding.Registered):
                cell = registered_cell(e, committees[e.audit_id])
            elif isinstance(e, Finding.Event) and e.states_cell:
                cell = next_cell(e, current[e.originator_id])
            else:
                continue  # comments, evidence, due dates: they place the finding nowhere
            current[e.originator_id] = cell
            histories.setdefault(e.originator_id, []).append(
                (e.business_date, e.originator_version, cell)
            )
            rows.append(
                {
                    "finding_id": e.originator_id,
                    "version": e.originator_version,
                    "valid_from": e.business_date,
                    **cell,
                    "verification": cell["verification"] or None,
                }
            )

        delta: Steps = Counter()
        for finding_id in {r["finding_id"] for r in rows}:
            delta.update(steps(histories[finding_id]))
            delta.subtract(before.get(finding_id, Counter()))
        if new_audits:
            session.execute(insert(tables.history_audits), new_audits)
        if rows:
            session.execute(insert(h), rows)
        names = ("day", *CELL_KEY, "committee")
        add_counts(
            session,
            tables.summary_changes,
            ("day", *CELL_KEY),
            "delta",
            [
                {**dict(zip(names, (day, *key), strict=True)), "delta": n}
                for (day, key), n in delta.items()
            ],
        )
