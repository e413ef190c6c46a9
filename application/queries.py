"""The read side: every question a route, page or command asks, in one façade.

Lists and tables come from the read model; a single finding comes from its
aggregate (so its version is the one a write must name).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Unpack
from uuid import UUID

from application.access import Principal
from application.departments import DepartmentDirectory
from application.dto import (
    AuditRow,
    DepartmentRow,
    FindingDetails,
    FindingFilter,
    FindingRow,
    InboxEntry,
    SummaryCriteria,
    SummaryTable,
    TimelineEntry,
)
from application.evidence import (
    AttachedFile,
    EvidenceNotFoundError,
    ReportEvidence,
    evidence_of,
    latest_report_evidence,
)
from application.ports import ContentStore, Projections, ReadModel
from application.reminders import STAFF, DueReminders
from application.tracker import AuditTracker
from domain.vocabulary import ReminderRule

# Seconds a timeline read waits for the projector to show the finding's last event.
TIMELINE_WAIT = 2.0


@dataclass
class Queries:
    events: AuditTracker
    read_model: ReadModel
    departments: DepartmentDirectory
    reminders: DueReminders
    evidence: ContentStore
    projections: Projections

    def views_reached(self, position: int, timeout: float) -> bool:
        """Wait (up to ``timeout`` s) until every view shows the event log up to
        ``position``: a caller's read after its own write."""
        return self.projections.wait_for(position, timeout)

    def views_behind(self) -> int:
        """How many events the slowest view has still to show."""
        return self.projections.lag()

    def known_department(self, name: str | None) -> None:
        """A department filter must name a department (current or former).

        Raises:
            UnknownDepartmentError: with the closest known names.
        """
        if name is not None and name.strip():
            self.departments.resolve(name)

    def summary(self, **criteria: Unpack[SummaryCriteria]) -> SummaryTable:
        """처리결과 총괄; a department filter follows merges unless ``historical``."""
        return self.read_model.summary(criteria)

    def list_audits(self) -> list[AuditRow]:
        return self.read_model.list_audits()

    def audit(self, audit_id: UUID) -> AuditRow | None:
        return next((a for a in self.list_audits() if a.audit_id == audit_id), None)

    def list_findings(self, flt: FindingFilter | None = None) -> list[FindingRow]:
        return self.read_model.list_findings(flt or FindingFilter())

    def count_findings(self, flt: FindingFilter | None = None) -> int:
        """How many match, whatever the page (``limit``/``offset``) asked for."""
        return self.read_model.count_findings(replace(flt or FindingFilter(), limit=None, offset=0))

    def get_finding(self, finding_id: UUID) -> FindingDetails:
        """The finding as its aggregate holds it."""
        return FindingDetails.of(self.events.finding(finding_id))

    def timeline(self, finding_id: UUID) -> list[TimelineEntry]:
        """Every event of the finding, up to (at least) the version its page shows."""
        finding = self.events.finding(finding_id)  # FindingNotFoundError, not []
        entries = self.read_model.timeline(finding_id)
        if (entries[-1].version if entries else 0) < finding.version:
            # The timeline follows in the projector: wait for it to reach the log's head.
            self.projections.wait_for(self.projections.head(), TIMELINE_WAIT)
            entries = self.read_model.timeline(finding_id)
        return entries

    def evidence_file(self, finding_id: UUID, sha256: str) -> tuple[bytes, AttachedFile]:
        """A file attached to this finding, and what its event recorded of it.

        Raises:
            FindingNotFoundError, EvidenceNotFoundError.
        """
        attached = {f.sha256: f for f in evidence_of(self.timeline(finding_id))}
        data = self.evidence.get(sha256) if sha256 in attached else None
        if data is None:
            raise EvidenceNotFoundError(sha256)
        meta = attached[sha256]
        return data, AttachedFile(file_name=meta.file_name, content_type=meta.content_type)

    def report_evidence(self, finding_ids: Sequence[UUID]) -> dict[UUID, list[ReportEvidence]]:
        """The files that support each finding's latest report or claim (one query:
        a page of the verification queue)."""
        if not finding_ids:
            return {}
        # From the timeline, which follows in the projector: a claim just made shows
        # its files (waiting for the view as a finding's timeline does).
        self.projections.wait_for(self.projections.head(), TIMELINE_WAIT)
        timelines = self.read_model.evidence_timelines(finding_ids)
        return {i: latest_report_evidence(entries) for i, entries in timelines.items()}

    def departments_list(self) -> list[DepartmentRow]:
        return self.departments.list()

    # -- reminders ------------------------------------------------------------------

    def inbox_recipients(self, principal: Principal, department: str | None = None) -> list[str]:
        """Whose inbox a caller reads: one named (a department id, or 'staff'), else
        council staff's for staff, else the officer's own departments'."""
        if department is not None:
            return [department]
        if principal.is_council_staff:
            return [STAFF]
        # Its departments', those merged into them, and those it had before a merge.
        return sorted(principal.reads)

    def inbox(self, recipients: list[str] | None = None) -> list[InboxEntry]:
        """The inboxes of these recipients; every inbox when None."""
        if recipients is None:
            return self.read_model.inbox()
        return [e for r in recipients for e in self.read_model.inbox(r)]

    @property
    def claim_wait_days(self) -> int:
        return self.reminders.policy.claim_wait_days

    def department_inbox(self, name: str) -> list[InboxEntry]:
        """The inbox of a department named as people write it (a former name too), with
        those of the departments merged into it, or 'staff'.

        Raises:
            UnknownDepartmentError: no department has or had the name.
        """
        if name == STAFF:
            return self.read_model.inbox(STAFF)
        department_id = self.departments.id_of(name)
        today = self.reminders.clock.today()
        merged = self.departments.merged_into(department_id, today)
        entries = self.inbox([department_id, *merged])
        return sorted(entries, key=lambda e: (e.raised_on, str(e.finding_id), e.version))

    def due_finding_ids(
        self, rule: ReminderRule, departments: frozenset[str] | None = None
    ) -> tuple[UUID, ...]:
        """Findings a reminder rule applies to today (Korean business days), optionally
        of some departments only."""
        return self.reminders.finding_ids(rule, departments=departments)

    def due_findings(
        self, rule: ReminderRule, departments: frozenset[str] | None = None
    ) -> list[FindingRow]:
        return self.findings_by_ids(self.due_finding_ids(rule, departments))

    def findings_by_ids(self, ids: tuple[UUID, ...]) -> list[FindingRow]:
        return self.list_findings(FindingFilter(finding_ids=ids)) if ids else []
