"""Frozen results the application hands out: never aggregates."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any, TypedDict
from uuid import UUID

from application.digests import topic_label
from application.notifications import DigestItem
from domain.finding import Finding
from domain.vocabulary import FindingKind, Status, Verification

SUMMARY_ROWS: tuple[str, ...] = ("total", *(k.value for k in FindingKind))
SUMMARY_COLUMNS: tuple[str, ...] = (
    "total",
    Status.COMPLETED.value,
    Status.IN_PROGRESS.value,
    Status.UNDER_REVIEW.value,
    Status.NOT_ADOPTED.value,
)
VERIFICATION_COLUMNS: tuple[str, ...] = tuple(v.value for v in Verification)


@dataclass(frozen=True)
class SummaryTable:
    """처리결과 총괄: kind × reported status (claims included), and beside it
    the council's verification of those claims."""

    rows: dict[str, dict[str, int]]
    verification: dict[str, dict[str, int]]
    as_of: date | None = None
    # An audit's findings carried over from earlier years' audits (전년도 미완료, 이월),
    # counted apart from its own; None when it has none (or no audit was asked for).
    carried: SummaryTable | None = None

    @classmethod
    def from_counts(
        cls,
        counts: Iterable[tuple[FindingKind, Status, Verification | None, int]],
        as_of: date | None = None,
    ) -> SummaryTable:
        rows = {r: dict.fromkeys(SUMMARY_COLUMNS, 0) for r in SUMMARY_ROWS}
        verification = {r: dict.fromkeys(VERIFICATION_COLUMNS, 0) for r in SUMMARY_ROWS}
        for kind, status, verified, n in counts:
            for row in ("total", kind.value):
                rows[row]["total"] += n
                rows[row][status.value] += n
                if verified is not None:
                    verification[row][verified.value] += n
        return cls(rows=rows, verification=verification, as_of=as_of)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "verification": self.verification,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "carried": (
                {"rows": self.carried.rows, "verification": self.carried.verification}
                if self.carried
                else None
            ),
        }


class SummaryCriteria(TypedDict, total=False):
    """Which findings a 처리결과 총괄 counts, and on which business date."""

    audit_id: UUID | None
    committee: str | None
    # The department as it is today, with those merged into it; as written if historical.
    department: str | None
    as_of: date | None
    historical: bool
    # "As recorded": only what was recorded before this instant (UTC).
    recorded_before: datetime | None
    # One council's audits only (a tenant's 총괄); absent or None: every audit.
    council: str | None


@dataclass(frozen=True)
class AuditRow:
    audit_id: UUID
    council: str
    year: int
    committee: str
    audited_body: str
    findings: int
    registered_on: date | None = None
    default_deadline: date | None = None

    @property
    def title(self) -> str:
        """How pages and messages name the audit: year, council, committee, audited body."""
        council = f"{self.council} " if self.council else ""
        return f"{self.year}년 {council}{self.committee} · {self.audited_body}"


@dataclass(frozen=True)
class FindingRow:
    finding_id: UUID
    audit_id: UUID
    kind: FindingKind
    seq: int
    department: str
    department_id: str
    status: Status
    status_raw: str
    verification: Verification | None
    due_date: date | None
    version: int
    request: str
    registered_on: date
    last_business_date: date
    # The last report's texts (추진내용, 향후계획, 미반영 사유), as of the list's date.
    actions: str | None = None
    plans: str | None = None
    delay_reason: str | None = None
    claimed_on: date | None = None  # the waiting claim's business date


@dataclass(frozen=True)
class ReportSnapshot:
    """A finding's last reported state, as the read model holds it (for import planning)."""

    version: int
    status: Status
    status_raw: str
    actions: str | None
    plans: str | None
    delay_reason: str | None
    verification: Verification | None


class FindingSort(StrEnum):
    """The orders a finding list can be read in; ties follow the audit order."""

    AUDIT = "audit"  # newest audit first, then kind and number (the pages' default)
    DUE_DATE = "due_date"  # earliest first, findings without one last
    DEPARTMENT = "department"
    STATUS = "status"  # 검토중, 추진중, 완료, 미반영
    CLAIMED = "claimed"  # the claim waiting longest first (the verification queue)


@dataclass(frozen=True)
class FindingFilter:
    audit_id: UUID | None = None
    # One council's audits only (set by the tenant scope, never by a caller's query).
    council: str | None = None
    committee: str | None = None
    department: str | None = None
    # False: the department as it is today, with those merged into it; True: as written.
    department_historical: bool = False
    kind: FindingKind | None = None
    status: Status | None = None
    verification: Verification | None = None
    raised_by: str | None = None
    # Due date passed before this date, not closed, no pending claim (SPEC §4 "overdue").
    overdue_on: date | None = None
    text: str | None = None  # Korean full-text search: request, actions, plans, delay reason
    finding_ids: tuple[UUID, ...] | None = None
    # Findings of earlier audits carried over into this audit (이월), by the list's day.
    carried_into: UUID | None = None
    # The list as of this business date (state, department and texts on that day)
    # and, for "as recorded", only what was recorded before this instant (UTC).
    as_of: date | None = None
    recorded_before: datetime | None = None
    limit: int | None = None
    offset: int = 0
    # None: by audit as registered, kind and number (the API's order).
    sort: FindingSort | None = None
    descending: bool = False


@dataclass(frozen=True)
class TimelineEntry:
    version: int
    event: str
    business_date: date
    recorded_at: datetime
    actor_kind: str
    actor_id: str
    actor_role: str | None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FindingDetails(ReportSnapshot):
    """A finding as its aggregate holds it: its last report, and what it is about."""

    finding_id: UUID
    audit_id: UUID
    kind: FindingKind
    seq: int
    request: str
    department_id: str
    department: str
    raised_by: str | None
    due_date: date | None
    registered_on: date
    is_closed: bool
    # The extension the department asked for, waiting for a decision: (due date, reason).
    extension_request: tuple[date, str] | None = None
    # Later audits that follow it too (이월); the earlier finding it repeats.
    carried_into: tuple[UUID, ...] = ()
    repeat_of: UUID | None = None
    # A verified 미반영's re-review date (its reminder comes then).
    review_on: date | None = None
    # Where in the event log this state was written (a command's answer); a later
    # read by the same caller waits for the views to reach it. None: a plain read.
    position: int | None = None

    @classmethod
    def of(cls, finding: Finding, position: int | None = None) -> FindingDetails:
        """The aggregate's attributes of the same names, its department's id and name."""
        same = {k.name: getattr(finding, k.name) for k in fields(cls) if hasattr(finding, k.name)}
        differing = {
            "finding_id": finding.id,
            "department_id": finding.department.id,
            "department": finding.department.name,
            "position": position,
            "carried_into": tuple(finding.carried_into),
        }
        return cls(**{**same, **differing})


@dataclass(frozen=True)
class DepartmentRow:
    department_id: str
    name: str  # today's name
    merged_into: str | None  # the department id it was merged into
    merged_on: date | None  # the merge's effective date
    former_names: tuple[str, ...] = ()  # every other name it had (by name)


@dataclass(frozen=True)
class ReminderCandidate:
    """An open finding as the reminder rules need it (from the read model)."""

    finding_id: UUID
    department_id: str
    due_date: date | None
    status: Status
    verification: Verification | None
    claimed_on: date | None
    last_reported_on: date | None
    milestones: tuple[tuple[date, str], ...] = ()  # (deadline, plan item)
    review_on: date | None = None  # a verified 미반영's re-review date


@dataclass(frozen=True)
class InboxKey:
    finding_id: UUID
    version: int
    log_version: int
    recipient: str


@dataclass(frozen=True)
class InboxEntry:
    finding_id: UUID
    version: int
    log_version: int  # a reminder's version in the finding's reminder log (0: none)
    recipient: str
    department_id: str
    department: str
    topic: str
    level: int
    reference_date: date | None
    detail: str | None
    raised_on: date
    kind_label: str
    seq: int
    request: str
    audit_id: UUID
    resolved_on: date | None = None  # when what it asks for happened (None: still open)
    resolution: str | None = None  # what resolved it: reported, decided, closed, ...

    @property
    def key(self) -> InboxKey:
        """The entry's identity, stable across rebuilds of the inbox."""
        return InboxKey(self.finding_id, self.version, self.log_version, self.recipient)

    def as_digest_item(self) -> DigestItem:
        """The digest line: the department is the reader's own, so it is not named."""
        return DigestItem(
            **{k: getattr(self, k) for k in _DIGEST_FIELDS}, topic_label=topic_label(self.topic)
        )


_DIGEST_FIELDS = (
    "finding_id",
    "kind_label",
    "seq",
    "request",
    "topic",
    "level",
    "reference_date",
    "detail",
)


# -- per-department 총괄 and chart series ------------------------------------------


def completion_rate(completed: int, total: int) -> Decimal | None:
    """완료율 in percent, one decimal, rounded half up (None: nothing to complete).

    From the integers, never a float: 12.25 % is always shown as 12.3 %."""
    if total <= 0:
        return None
    return (Decimal(completed * 100) / Decimal(total)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


@dataclass(frozen=True)
class DepartmentSummaryRow:
    """One department's line of the per-department 총괄 (today's name; departments
    merged into it folded in), with its overdue findings."""

    department_id: str
    department: str
    total: int
    completed: int
    in_progress: int
    under_review: int
    not_adopted: int
    overdue: int

    @property
    def statuses(self) -> tuple[int, ...]:
        """계, 완료, 추진중, 검토중, 미반영: the seed's 총괄 columns."""
        return (
            self.total,
            self.completed,
            self.in_progress,
            self.under_review,
            self.not_adopted,
        )

    @property
    def completion_rate(self) -> Decimal | None:
        return completion_rate(self.completed, self.total)


@dataclass(frozen=True)
class DepartmentSummary:
    """처리결과 총괄 by department: rows by today's name, and their sum."""

    rows: tuple[DepartmentSummaryRow, ...]
    total: DepartmentSummaryRow
    as_of: date | None = None

    @classmethod
    def of(cls, rows: Iterable[DepartmentSummaryRow], as_of: date | None) -> DepartmentSummary:
        ordered = tuple(sorted(rows, key=lambda r: (r.department, r.department_id)))
        sums = [sum(getattr(r, f) for r in ordered) for f in _DEPARTMENT_COUNTS]
        total = DepartmentSummaryRow("", "계", *sums)
        return cls(rows=ordered, total=total, as_of=as_of)


_DEPARTMENT_COUNTS = (
    "total",
    "completed",
    "in_progress",
    "under_review",
    "not_adopted",
    "overdue",
)


@dataclass(frozen=True)
class OpenFindingsPoint:
    """Findings registered and not closed (closed: a verified 완료 or 미반영) at the
    end of a business day on which something changed."""

    day: date
    open: int


# Days past the due date: (from, to) inclusive, None for no upper end.
AGING_BUCKETS: tuple[tuple[int, int | None], ...] = ((1, 30), (31, 90), (91, 180), (181, None))


@dataclass(frozen=True)
class AgingBucket:
    low: int
    high: int | None  # None: and more
    count: int


@dataclass(frozen=True)
class OverdueAging:
    """Overdue findings on a day, by how many days their due date has passed."""

    day: date
    buckets: tuple[AgingBucket, ...]

    @property
    def total(self) -> int:
        return sum(b.count for b in self.buckets)

    @classmethod
    def of(cls, day: date, days_past_due: Iterable[int]) -> OverdueAging:
        counts = dict.fromkeys(AGING_BUCKETS, 0)
        for days in days_past_due:
            for low, high in AGING_BUCKETS:
                if days >= low and (high is None or days <= high):
                    counts[(low, high)] += 1
                    break
        return cls(day=day, buckets=tuple(AgingBucket(lo, hi, n) for (lo, hi), n in counts.items()))


@dataclass(frozen=True)
class DepartmentCompletion:
    """완료율 of one department (a chart's bar)."""

    department: str
    completed: int
    total: int

    @property
    def rate(self) -> Decimal | None:
        return completion_rate(self.completed, self.total)


@dataclass(frozen=True)
class PublicAuditSummary:
    """What the opt-in public page shows of an audit: counts only, never a request
    text, a person or an account."""

    title: str
    as_of: date
    summary: SummaryTable
    completion: tuple[DepartmentCompletion, ...]
