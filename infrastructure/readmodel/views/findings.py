"""The finding list: audits (``rm_audits``) and each finding's current row (``rm_findings``).

Projected inside every command (read-your-writes), so a batch costs a handful of
statements: one SELECT of the findings it touches, one of their audits'
committees, then one INSERT, one executemany UPDATE per table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, delete, insert, update
from sqlalchemy.orm import Session

from domain.audit import Audit
from domain.finding import Finding
from infrastructure.readmodel import tables
from infrastructure.readmodel.views.base import (
    BatchView,
    Positioned,
    findings_from_earlier_batches,
    rows_where_in,
    update_many,
)
from infrastructure.readmodel.views.changes import Fields, changes, registered_row


class FindingsView(BatchView):
    """Audits and the finding list."""

    view_name = "rm_findings_view"
    view_tables = (
        tables.audits,
        tables.findings,
        tables.imported_documents,
        tables.carried_over,
        tables.repeat_links,
    )

    def apply_batch(self, session: Session, events: Sequence[Positioned]) -> None:
        f, a = tables.findings, tables.audits
        # Findings registered in this batch are not in the table yet: no need to look.
        earlier = findings_from_earlier_batches(events)
        rows: dict[UUID, Fields] = {
            r.finding_id: dict(r._mapping)
            for r in rows_where_in(session, f, f.c.finding_id, earlier)
        }
        existing = set(rows)
        committees = self._committees(session, events)
        new_audits: list[dict[str, Any]] = []
        audit_findings: Counter[UUID] = Counter()
        changed: set[UUID] = set()
        documents: set[tuple[str, UUID]] = set()  # (document hash, audit) of imports
        links: list[Finding.Event] = []  # carry-overs and repeat decisions, in order
        for e, _ in events:
            document = getattr(getattr(e, "actor", None), "document_hash", None)
            if isinstance(e, Audit.Registered):
                new_audits.append(_audit_row(e))
                committees[e.originator_id] = e.committee
                if document:
                    documents.add((document, e.originator_id))
            elif isinstance(e, Finding.Registered):
                rows[e.originator_id] = registered_row(e, committees[e.audit_id])
                audit_findings[e.audit_id] += 1
                changed.add(e.originator_id)
            elif isinstance(e, Finding.Event):
                row = rows[e.originator_id]
                row.update(changes(e, row))
                changed.add(e.originator_id)
                if isinstance(e, _LINKS):
                    links.append(e)
                if document:
                    documents.add((document, row["audit_id"]))
        if documents:
            _record_documents(session, documents)
        if links:
            _record_links(session, links, rows)

        if new_audits:
            session.execute(insert(a), new_audits)
        inserted = [rows[i] for i in changed if i not in existing]
        if inserted:
            session.execute(insert(f), inserted)
        update_many(session, f, "finding_id", [rows[i] for i in changed if i in existing])
        if audit_findings:
            stmt = (
                update(a)
                .where(a.c.audit_id == bindparam("b_audit_id"))
                .values(findings=a.c.findings + bindparam("b_delta"))
            )
            session.connection().execute(
                stmt, [{"b_audit_id": k, "b_delta": n} for k, n in audit_findings.items()]
            )

    @staticmethod
    def _committees(session: Session, events: Sequence[Positioned]) -> dict[UUID, str]:
        """Committees of the audits of findings registered in this batch (from rm_audits)."""
        a = tables.audits
        audit_ids = {e.audit_id for e, _ in events if isinstance(e, Finding.Registered)}
        return {r.audit_id: r.committee for r in rows_where_in(session, a, a.c.audit_id, audit_ids)}


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


_LINKS = (Finding.CarriedOver, Finding.RepeatConfirmed, Finding.RepeatDismissed)


def _record_links(
    session: Session, links: Sequence[Finding.Event], rows: dict[UUID, Fields]
) -> None:
    """Carry-overs (one per finding and later audit) and repeat decisions (the last
    per pair stands: delete, then insert)."""
    c, r = tables.carried_over, tables.repeat_links
    carried = [
        {
            "finding_id": e.originator_id,
            "to_audit_id": e.to_audit_id,
            "from_audit_id": rows[e.originator_id]["audit_id"],
            "carried_on": e.business_date,
        }
        for e in links
        if isinstance(e, Finding.CarriedOver)
    ]
    if carried:
        session.execute(insert(c), carried)
    # In order: a confirmation replaces the finding's confirmed link (it repeats one
    # earlier finding); a decision on a pair replaces the one before.
    for e in links:
        if not isinstance(e, Finding.RepeatConfirmed | Finding.RepeatDismissed):
            continue
        confirmed = isinstance(e, Finding.RepeatConfirmed)
        mine = r.c.finding_id == e.originator_id
        pair = r.c.earlier_finding_id == e.earlier_finding_id
        session.execute(delete(r).where(mine, (pair | r.c.confirmed) if confirmed else pair))
        session.execute(
            insert(r),
            {
                "finding_id": e.originator_id,
                "earlier_finding_id": e.earlier_finding_id,
                "confirmed": confirmed,
                "decided_on": e.business_date,
            },
        )


def _record_documents(session: Session, documents: set[tuple[str, UUID]]) -> None:
    """Add the (document, audit) pairs not yet known (an import's batch names a few)."""
    d = tables.imported_documents
    hashes = {h for h, _ in documents}
    known = {
        (r.document_hash, r.audit_id) for r in rows_where_in(session, d, d.c.document_hash, hashes)
    }
    new = [{"document_hash": h, "audit_id": a} for h, a in documents - known]
    if new:
        session.execute(insert(d), new)
