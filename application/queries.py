"""The read side: every question a route, page or command asks, in one façade.

Lists and tables come from the read model; a single finding comes from its
aggregate (so its version is the one a write must name).
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Unpack
from uuid import UUID

from application.access import Principal, require_council_staff, require_may_read_inbox
from application.departments import DepartmentDirectory
from application.dto import (
    AuditRow,
    DepartmentCompletion,
    DepartmentRow,
    DepartmentSummary,
    FindingDetails,
    FindingFilter,
    FindingRow,
    FindingSort,
    InboxEntry,
    InboxKey,
    OpenFindingsPoint,
    OverdueAging,
    PublicAuditSummary,
    SummaryCriteria,
    SummaryTable,
    TimelineEntry,
)
from application.errors import FindingNotFoundError
from application.evidence import (
    AttachedFile,
    EvidenceNotFoundError,
    ReportEvidence,
    evidence_of,
    latest_report_evidence,
)
from application.inbox import InboxFilter, InboxPage, inbox_page
from application.ports import ContentStore, Projections, ReadModel
from application.reminders import STAFF, DueReminders
from application.repeats import PriorFinding, RepeatIndex
from application.tenancy import AuditCouncils
from application.tracker import AuditTracker
from domain.department import UnknownDepartmentError
from domain.finding import Finding
from domain.values import SEOUL
from domain.vocabulary import FindingKind, ReminderRule, Status, Verification


def _chain(finding_id: UUID, links: dict[UUID, UUID]) -> list[UUID]:
    """The earlier findings a finding repeats, link after link (a loop stops it)."""
    chain: list[UUID] = []
    current = finding_id
    while current in links and links[current] not in chain and links[current] != finding_id:
        current = links[current]
        chain.append(current)
    return chain


def _counted(rows: Sequence[FindingRow], as_of: date | None) -> SummaryTable:
    counts: Counter[tuple[FindingKind, Status, Verification | None]] = Counter(
        (r.kind, r.status, r.verification) for r in rows
    )
    return SummaryTable.from_counts([(*key, n) for key, n in counts.items()], as_of=as_of)


# What a finding's state as of a day takes from the list as of that day.
_STATE_AS_OF = (
    "status",
    "status_raw",
    "verification",
    "due_date",
    "department",
    "department_id",
    "actions",
    "plans",
    "delay_reason",
)

# Earlier findings suggested per finding, at most.
REPEAT_SUGGESTIONS = 3

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
    # The council these answers are of (None: every council); ``read_model`` is then
    # that council's (``CouncilReadModel``), and single findings are checked here.
    council: str | None = None
    audit_councils: AuditCouncils | None = None

    def _check_council(self, finding: Finding) -> Finding:
        if self.council is None or self.audit_councils is None:
            return finding
        if self.audit_councils.of(finding.audit_id) != self.council:
            raise FindingNotFoundError(str(finding.id))  # another council's: unseen
        return finding

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
        """처리결과 총괄; a department filter follows merges unless ``historical``.

        ``recorded_before``: the 총괄 as the system showed it then, before entries
        recorded later (back-dated ones included): counted from the list as of then.
        """
        recorded, audit_id = criteria.get("recorded_before"), criteria.get("audit_id")
        listed = FindingFilter(
            audit_id=audit_id,
            committee=criteria.get("committee"),
            department=criteria.get("department"),
            department_historical=criteria.get("historical", False),
            as_of=criteria.get("as_of"),
            recorded_before=recorded,
        )
        table = (
            self.read_model.summary(criteria)
            if recorded is None
            else _counted(self.read_model.list_findings(listed), criteria.get("as_of"))
        )
        if audit_id is None:
            return table
        carried = self.read_model.list_findings(
            replace(listed, audit_id=None, carried_into=audit_id)
        )
        return replace(table, carried=_counted(carried, None)) if carried else table

    def summary_for(
        self,
        principal: Principal,
        *,
        recorded_on: date | None = None,
        **criteria: Unpack[SummaryCriteria],
    ) -> SummaryTable:
        """The 총괄 as a caller asks for it: a department filter must name a department,
        and "as recorded on" a day is council staff's.

        Raises:
            UnknownDepartmentError, PermissionDeniedError.
        """
        self.known_department(criteria.get("department"))
        criteria["recorded_before"] = self.recorded_cutoff(principal, recorded_on)
        return self.summary(**criteria)

    def findings_for(
        self, principal: Principal, flt: FindingFilter, *, recorded_on: date | None = None
    ) -> tuple[list[FindingRow], int]:
        """A page of the finding list as a caller asks for it, and how many match
        (the rules as ``summary_for``'s).

        Raises:
            UnknownDepartmentError, PermissionDeniedError.
        """
        self.known_department(flt.department)
        flt = replace(flt, recorded_before=self.recorded_cutoff(principal, recorded_on))
        return self.list_findings(flt), self.count_findings(flt)

    def verification_queue(
        self, principal: Principal, flt: FindingFilter
    ) -> tuple[list[FindingRow], int, dict[UUID, list[ReportEvidence]]]:
        """Council staff's 이행확인 대기: the claims waiting (the longest waiting first)
        among the findings ``flt`` keeps (its audit, department, kind and page), how
        many wait, and the files supporting each claim on the page.

        Raises:
            PermissionDeniedError: not council staff.
            UnknownDepartmentError: a department filter naming no department.
        """
        require_council_staff(principal)
        self.known_department(flt.department)
        flt = replace(
            flt, verification=Verification.PENDING, sort=FindingSort.CLAIMED, descending=False
        )
        rows = self.list_findings(flt)
        return rows, self.count_findings(flt), self.report_evidence([r.finding_id for r in rows])

    def history_for(
        self,
        principal: Principal,
        finding_id: UUID,
        *,
        as_of: date | None = None,
        recorded_on: date | None = None,
    ) -> tuple[list[TimelineEntry], FindingDetails | None]:
        """A finding's timeline as a caller asks for it, and, when a past day is asked
        for, the finding as it stood then (None: not registered yet then).

        Raises:
            FindingNotFoundError, PermissionDeniedError ("as recorded" is staff's).
        """
        entries = self.timeline_for(principal, finding_id, as_of=as_of, recorded_on=recorded_on)
        if as_of is None and recorded_on is None:
            return entries, None
        cutoff = self.recorded_cutoff(principal, recorded_on)  # allowed: timeline_for checked
        return entries, self.finding_as_of(finding_id, as_of, cutoff)

    def timeline_for(
        self,
        principal: Principal,
        finding_id: UUID,
        *,
        as_of: date | None = None,
        recorded_on: date | None = None,
    ) -> list[TimelineEntry]:
        """The timeline alone, as ``history_for`` reads it."""
        cutoff = self.recorded_cutoff(principal, recorded_on)
        return self.timeline(finding_id, as_of=as_of, recorded_before=cutoff)

    def recorded_cutoff(self, principal: Principal, day: date | None) -> datetime | None:
        """ "As recorded on ``day``": what the system showed at the end of that day
        (Asia/Seoul), before later back-dated entries. Council staff only.

        Raises:
            PermissionDeniedError: not council staff.
        """
        if day is None:
            return None
        require_council_staff(principal)
        # A day not yet over shows everything recorded so far (and never overflows).
        day = min(day, self.reminders.clock.today())
        return datetime.combine(day + timedelta(days=1), time(), SEOUL).astimezone(UTC)

    def list_audits(self) -> list[AuditRow]:
        return self.read_model.list_audits()

    def audit(self, audit_id: UUID) -> AuditRow | None:
        return next((a for a in self.list_audits() if a.audit_id == audit_id), None)

    def list_findings(self, flt: FindingFilter | None = None) -> list[FindingRow]:
        """The finding list, now or as of a business date (``as_of``, ``recorded_before``).

        Like every list it answers from the views as they are, never waiting: as of a
        date it reads the status history and the timeline, which follow the commands
        in the projector (a caller's read after its own write waits at the edge)."""
        return self.read_model.list_findings(flt or FindingFilter())

    def count_findings(self, flt: FindingFilter | None = None) -> int:
        """How many match, whatever the page (``limit``/``offset``) asked for."""
        return self.read_model.count_findings(replace(flt or FindingFilter(), limit=None, offset=0))

    def get_finding(self, finding_id: UUID) -> FindingDetails:
        """The finding as its aggregate holds it."""
        return FindingDetails.of(self._check_council(self.events.finding(finding_id)))

    def timeline(
        self,
        finding_id: UUID,
        *,
        as_of: date | None = None,
        recorded_before: datetime | None = None,
    ) -> list[TimelineEntry]:
        """Every event of the finding, up to (at least) the version its page shows;
        cut at business date ``as_of`` and at ``recorded_before`` when given."""
        # FindingNotFoundError, not []
        finding = self._check_council(self.events.finding(finding_id))
        entries = self.read_model.timeline(finding_id)
        if (entries[-1].version if entries else 0) < finding.version:
            # The timeline follows in the projector: wait for it to reach the log's head.
            self.projections.wait_for(self.projections.head(), TIMELINE_WAIT)
            entries = self.read_model.timeline(finding_id)
        return [
            e
            for e in entries
            if (as_of is None or e.business_date <= as_of)
            and (recorded_before is None or e.recorded_at < recorded_before)
        ]

    def finding_as_of(
        self, finding_id: UUID, as_of: date | None, recorded_before: datetime | None = None
    ) -> FindingDetails | None:
        """A finding as it stood on a business date (and as recorded before an instant):
        its state, department, due date and last report then, as the list as of that day
        shows it (None: not registered yet then). A pending extension is today's only.

        Raises:
            FindingNotFoundError.
        """
        current = self.get_finding(finding_id)
        rows = self.list_findings(
            FindingFilter(
                finding_ids=(finding_id,),
                as_of=as_of or self.reminders.clock.today(),
                recorded_before=recorded_before,
            )
        )
        if not rows:
            return None
        then = rows[0]
        return replace(
            current,
            **{k: getattr(then, k) for k in _STATE_AS_OF},
            is_closed=then.verification is Verification.VERIFIED,
            extension_request=None,
        )

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

    def repeat_suggestions(
        self, principal: Principal, finding_ids: Sequence[UUID]
    ) -> dict[UUID, list[tuple[FindingRow, float]]]:
        """Earlier years' findings of the same council, and of the same department or
        audited body, whose request reads like each finding's (best first, with their
        similarity); leaving out those already in its chain of confirmed repeats and
        those staff dismissed. Suggestions are council staff's to decide on: others
        get none."""
        if not principal.is_council_staff:
            return {}
        audits = {a.audit_id: a for a in self.list_audits()}
        wanted = [f for f in self.findings_by_ids(tuple(finding_ids)) if f.audit_id in audits]
        if not wanted:
            return {}
        councils = {audits[f.audit_id].council for f in wanted}
        latest = max(audits[f.audit_id].year for f in wanted)
        earlier = [  # only the earlier audits of those councils are read
            f
            for a in audits.values()
            if a.council in councils and a.year < latest
            for f in self.list_findings(FindingFilter(audit_id=a.audit_id))
        ]
        index = RepeatIndex(
            PriorFinding(
                finding_id=f.finding_id,
                year=audits[f.audit_id].year,
                department_id=f.department_id,
                request=f.request,
                kind=f.kind,
            )
            for f in earlier
        )
        rows = {f.finding_id: f for f in earlier}
        links = self.read_model.repeat_links()
        dismissals = self.read_model.dismissed_repeats([f.finding_id for f in wanted])
        out: dict[UUID, list[tuple[FindingRow, float]]] = {}
        for f in wanted:
            audit = audits[f.audit_id]
            chain = set(_chain(f.finding_id, links))
            dismissed = dismissals[f.finding_id]
            found = []
            for s in index.suggest(f.request, finding_id=f.finding_id, limit=len(rows)):
                other, other_audit = rows[s.finding_id], audits[rows[s.finding_id].audit_id]
                if (
                    other_audit.council == audit.council
                    and other_audit.year < audit.year
                    and (
                        other.department_id == f.department_id
                        or other_audit.audited_body == audit.audited_body
                    )
                    and s.finding_id not in dismissed | chain
                ):
                    found.append((other, s.score))
            out[f.finding_id] = found[:REPEAT_SUGGESTIONS]
        return out

    def repeat_counts(self, audit_id: UUID | None = None) -> dict[str, Counter[int]]:
        """Repeat findings per department id: how many were raised 2, 3… years running
        ("" totals them all)."""
        rows = self.list_findings(FindingFilter(audit_id=audit_id))
        streaks = self.repeat_streaks([r.finding_id for r in rows])
        counts: dict[str, Counter[int]] = {"": Counter()}
        for r in rows:
            years = streaks.get(r.finding_id)
            if years:
                counts[""][years] += 1
                counts.setdefault(r.department_id, Counter())[years] += 1
        return counts

    def repeat_streaks(
        self, finding_ids: Sequence[UUID] | None = None, as_of: date | None = None
    ) -> dict[UUID, int]:
        """How many years running each finding was raised, following staff's confirmed
        links (decided by ``as_of``) back one year at a time: 2 when it repeats the
        previous year's finding, 3 when that one repeated the year before's… A link
        that skips a year ends the run. Only findings with a run of 2 or more."""
        links = self.read_model.repeat_links(as_of)
        if not links:
            return {}
        wanted = links.keys() if finding_ids is None else set(finding_ids) & links.keys()
        chains = {i: [i, *_chain(i, links)] for i in wanted}
        rows = self.findings_by_ids(tuple({x for c in chains.values() for x in c}))
        years_of = {a.audit_id: a.year for a in self.list_audits()}
        year = {r.finding_id: years_of.get(r.audit_id, 0) for r in rows}
        streaks = {}
        for finding_id, chain in chains.items():
            run = 1
            for later, earlier in itertools.pairwise(chain):
                if year.get(earlier, 0) != year.get(later, 0) - 1:
                    break
                run += 1
            if run > 1:
                streaks[finding_id] = run
        return streaks

    def departments_list(self) -> list[DepartmentRow]:
        return self.departments.list()

    # -- reminders ------------------------------------------------------------------

    def inbox_for(self, principal: Principal, department: str | None = None) -> list[InboxEntry]:
        """The inbox a caller reads: one named (a department id, with the departments
        merged into it; or 'staff'), else council staff's for staff, else the officer's
        own departments' (those merged into them, and those it had before a merge).

        Raises:
            PermissionDeniedError: a named inbox the caller may not read (a department's
            is its officers', council staff's and administrators'; 'staff' is theirs).
            UnknownDepartmentError: a named id no department has.
        """
        if department is None:
            recipients = [STAFF] if principal.is_council_staff else sorted(principal.reads)
        else:
            require_may_read_inbox(principal, department)
            recipients = [department] if department == STAFF else self._with_merged(department)
        return self._inbox_of(recipients)

    def inbox_page_for(self, principal: Principal, flt: InboxFilter) -> InboxPage:
        """The caller's own inbox, a page of findings at a time, with read marks."""
        entries = self.inbox_for(principal)
        read = self.read_model.inbox_reads(principal.actor.id)
        return inbox_page(entries, read, flt, self.reminders.clock.today())

    def mark_inbox_read(self, principal: Principal, keys: Sequence[InboxKey] | None = None) -> int:
        """Mark entries of the caller's own inbox read (``None``: every open one);
        keys outside it are ignored. How many were newly marked."""
        mine = {e.key: e for e in self.inbox_for(principal)}
        if keys is None:
            picked = [k for k, e in mine.items() if e.resolved_on is None]
        else:
            picked = [k for k in keys if k in mine]
        now = datetime.now(UTC)
        return self.read_model.mark_inbox_read(principal.actor.id, picked, now)

    def _with_merged(self, department_id: str) -> list[str]:
        if department_id not in {row.department_id for row in self.departments.list()}:
            raise UnknownDepartmentError(department_id)
        today = self.reminders.clock.today()
        return [department_id, *self.departments.merged_into(department_id, today)]

    def _inbox_of(self, recipients: Sequence[str]) -> list[InboxEntry]:
        entries = [e for r in recipients for e in self.read_model.inbox(r)]
        if len(recipients) < 2:
            return entries
        return sorted(entries, key=lambda e: (e.raised_on, str(e.finding_id), e.version))

    def inbox(self) -> list[InboxEntry]:
        """Every inbox (the operator's CLI)."""
        return self.read_model.inbox()

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
        return self._inbox_of(self._with_merged(self.departments.id_of(name)))

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

    # -- per-department 총괄 and charts -------------------------------------------------

    def department_summary(
        self, audit_id: UUID | None = None, as_of: date | None = None
    ) -> DepartmentSummary:
        """처리결과 총괄 by department with 완료율 and the overdue count: now (overdue
        today) or as of a business date (overdue on it)."""
        return self.read_model.department_summary(
            audit_id, as_of, self.reminders.clock.today(), self.council
        )

    def department_completion(
        self, audit_id: UUID | None = None, as_of: date | None = None
    ) -> tuple[DepartmentCompletion, ...]:
        """완료율 per department, as the per-department 총괄 counts it."""
        return completion_of(self.department_summary(audit_id, as_of))

    def open_findings_series(
        self, **criteria: Unpack[SummaryCriteria]
    ) -> tuple[OpenFindingsPoint, ...]:
        """Open findings over time, per business day on which something changed."""
        return self.read_model.open_findings_series(criteria)

    def overdue_aging(self, **criteria: Unpack[SummaryCriteria]) -> OverdueAging:
        """Overdue findings on ``as_of`` (else today) by days past their due date."""
        return self.read_model.overdue_aging(criteria, self.reminders.clock.today())

    def public_summaries(self) -> list[PublicAuditSummary]:
        """Per audit, its 총괄 and each department's 완료율 today: what the opt-in
        public page may show (counts and department names only)."""
        today = self.reminders.clock.today()
        return [
            PublicAuditSummary(
                title=audit.title,
                as_of=today,
                summary=self.summary(audit_id=audit.audit_id),
                completion=self.department_completion(audit.audit_id),
            )
            for audit in self.list_audits()
        ]


def completion_of(summary: DepartmentSummary) -> tuple[DepartmentCompletion, ...]:
    return tuple(DepartmentCompletion(r.department, r.completed, r.total) for r in summary.rows)
