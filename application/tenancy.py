"""One council's view of the installation: the read model as a tenant sees it.

The entry points never filter by council themselves: a caller bound to a council
gets use cases built over ``CouncilReadModel`` (``Followup.for_council``), whose
every answer (lists, counts, the 총괄, inboxes, departments) holds that council's
audits only, and whose writes load findings through ``AuditCouncils``' check.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from uuid import UUID

from application import dto
from application.councils import CouncilRegistry
from application.ports import ReadModel
from application.tracker import AuditTracker
from domain.audit import Audit
from domain.values import DepartmentRef


@dataclass
class AuditCouncils:
    """Which council each audit is of (an audit's council never changes: cached).

    An audit of no council ("", recorded before councils) is the first council's."""

    events: AuditTracker
    registry: CouncilRegistry | None = None
    _known: dict[UUID, str] = field(default_factory=dict)
    _owner: str | None = None  # once a council owns the unnamed, it always does
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def tenant(self, council: str) -> str:
        """The council whose data a recorded council name is."""
        if council or self.registry is None:
            return council
        if self._owner is None:
            self._owner = next((c.name for c in self.registry.list() if c.owns_unnamed), None)
        return self._owner or ""

    def of(self, audit_id: UUID) -> str | None:
        """The council the audit is of, or None when there is no such audit."""
        with self._lock:
            known = self._known.get(audit_id)
        if known is None:
            audit = self.events.load(audit_id, Audit)
            if audit is None:
                return None
            known = audit.council
            with self._lock:
                self._known[audit_id] = known
        return self.tenant(known)


@dataclass(frozen=True)
class CouncilReadModel:
    """The ``ReadModel`` of one council: the same questions, that council's answers."""

    inner: ReadModel
    council: str
    audits: AuditCouncils

    def _mine(self, audit_id: UUID) -> bool:
        return self.audits.of(audit_id) == self.council

    def _holds(self, council: str) -> bool:
        return self.audits.tenant(council) == self.council

    # -- departments and reminders --------------------------------------------------

    def department_named(self, name: str, council: str | None = None) -> DepartmentRef | None:
        return self.inner.department_named(name, self.council)

    def list_departments(self, council: str | None = None) -> list[dto.DepartmentRow]:
        return self.inner.list_departments(self.council)

    def reminder_candidates(self, council: str | None = None) -> list[dto.ReminderCandidate]:
        return self.inner.reminder_candidates(self.council)

    def inbox(
        self, recipient: str | None = None, council: str | None = None
    ) -> list[dto.InboxEntry]:
        return self.inner.inbox(recipient, self.council)

    def inbox_reads(self, account_id: str) -> set[dto.InboxKey]:
        return self.inner.inbox_reads(account_id)

    def mark_inbox_read(self, account_id: str, keys: Sequence[dto.InboxKey], at: datetime) -> int:
        return self.inner.mark_inbox_read(account_id, keys, at)

    # -- audits, findings and the 총괄 ------------------------------------------------

    def summary(self, criteria: dto.SummaryCriteria) -> dto.SummaryTable:
        return self.inner.summary({**criteria, "council": self.council})

    def list_audits(self) -> list[dto.AuditRow]:
        return [a for a in self.inner.list_audits() if self._holds(a.council)]

    def audits_of_document(self, document_hash: str) -> list[dto.AuditRow]:
        return [a for a in self.inner.audits_of_document(document_hash) if self._holds(a.council)]

    def list_findings(self, flt: dto.FindingFilter) -> list[dto.FindingRow]:
        return self.inner.list_findings(replace(flt, council=self.council))

    def count_findings(self, flt: dto.FindingFilter) -> int:
        return self.inner.count_findings(replace(flt, council=self.council))

    def timeline(self, finding_id: UUID) -> list[dto.TimelineEntry]:
        mine = self.list_findings(dto.FindingFilter(finding_ids=(finding_id,)))
        return self.inner.timeline(finding_id) if mine else []

    def evidence_timelines(
        self, finding_ids: Sequence[UUID]
    ) -> dict[UUID, list[dto.TimelineEntry]]:
        mine = [
            r.finding_id
            for r in self.list_findings(dto.FindingFilter(finding_ids=tuple(finding_ids)))
        ]
        return self.inner.evidence_timelines(mine) if mine else {}

    def report_snapshots(self, audit_id: UUID) -> dict[UUID, dto.ReportSnapshot]:
        return self.inner.report_snapshots(audit_id) if self._mine(audit_id) else {}

    def repeat_links(self, as_of: date | None = None) -> dict[UUID, UUID]:
        # Ids only; whatever is shown of them is read through this council's lists.
        return self.inner.repeat_links(as_of)

    def dismissed_repeats(self, finding_ids: Sequence[UUID]) -> dict[UUID, set[UUID]]:
        return self.inner.dismissed_repeats(finding_ids)

    def department_summary(
        self, audit_id: UUID | None, as_of: date | None, today: date, council: str | None = None
    ) -> dto.DepartmentSummary:
        return self.inner.department_summary(audit_id, as_of, today, self.council)

    def open_findings_series(
        self, criteria: dto.SummaryCriteria
    ) -> tuple[dto.OpenFindingsPoint, ...]:
        return self.inner.open_findings_series({**criteria, "council": self.council})

    def overdue_aging(self, criteria: dto.SummaryCriteria, today: date) -> dto.OverdueAging:
        return self.inner.overdue_aging({**criteria, "council": self.council}, today)
