"""Ports the application declares and infrastructure implements."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Protocol
from uuid import UUID

from eventsourcing.persistence import Recording

from application import dto
from application.history import ChainReport, HistoryHead
from application.notifications import OutgoingMail
from application.report import ParsedReport
from domain.values import DepartmentRef

if TYPE_CHECKING:  # the export model names its own ports: annotations only
    from application.exports import ExportFormat, ExportModel
    from application.templates import TemplateFormat


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC: an event's 'recorded at'."""

    def today(self) -> date:
        """Today's calendar date in Asia/Seoul: the default business date."""


class BusinessCalendar(Protocol):
    """Korean business days: weekends and public holidays (substitutes included) excluded."""

    def is_business_day(self, day: date) -> bool: ...

    def add_business_days(self, day: date, count: int) -> date:
        """The business day ``count`` business days after (or, negative, before) ``day``."""

    def business_days_after(self, start: date, end: date) -> int:
        """Business days in (start, end]: how many have passed since ``start``."""


class Projections(Protocol):
    """Keeps the read models in step with the events (STYLE: save, then catch up)."""

    def write_transaction(self) -> AbstractContextManager[object]:
        """One transaction shared by the event save and the view updates."""

    def catch_up(self, recorded: Sequence[Recording[UUID]] = ()) -> int:
        """Project every recorded event not yet in the views; returns how many.

        ``recorded``: what the current transaction just saved (projected from memory).
        """

    def committed(self, position: int) -> None:
        """Events up to ``position`` are committed: the other views may follow now."""

    def wait_for(self, position: int, timeout: float) -> bool:
        """Wait until every view has reached ``position`` (read-your-writes); False
        if they have not within ``timeout`` seconds."""

    def lag(self) -> int:
        """How many events the slowest view is behind the event log."""

    def head(self) -> int:
        """The position of the event log's last event."""


class DepartmentReadModel(Protocol):
    def department_named(self, name: str, council: str | None = None) -> DepartmentRef | None:
        """The department that has or had this name (renames), as it is named today:
        given ``council``, that council's (or a shared one, of council "")."""

    def list_departments(self, council: str | None = None) -> list[dto.DepartmentRow]:
        """Every department; given ``council``, that council's and the shared ones."""


class ReminderReadModel(Protocol):
    def reminder_candidates(self, council: str | None = None) -> list[dto.ReminderCandidate]:
        """Findings not closed (of one council's audits, given ``council``)."""

    def inbox(
        self, recipient: str | None = None, council: str | None = None
    ) -> list[dto.InboxEntry]:
        """What reached a recipient (of one council's findings, given ``council``)."""

    def inbox_reads(self, account_id: str) -> set[dto.InboxKey]:
        """The inbox entries ``account_id`` has read (a person's bookkeeping, not a view)."""

    def mark_inbox_read(self, account_id: str, keys: Sequence[dto.InboxKey], at: datetime) -> int:
        """Mark entries read (again: no change); how many were newly marked."""


class ReadModel(DepartmentReadModel, ReminderReadModel, Protocol):
    def summary(self, criteria: dto.SummaryCriteria) -> dto.SummaryTable: ...

    def list_audits(self) -> list[dto.AuditRow]: ...

    def audits_of_document(self, document_hash: str) -> list[dto.AuditRow]:
        """The audits a document (by its SHA-256) was imported into."""

    def list_findings(self, flt: dto.FindingFilter) -> list[dto.FindingRow]: ...

    def count_findings(self, flt: dto.FindingFilter) -> int: ...

    def timeline(self, finding_id: UUID) -> list[dto.TimelineEntry]: ...

    def evidence_timelines(
        self, finding_ids: Sequence[UUID]
    ) -> dict[UUID, list[dto.TimelineEntry]]:
        """The reports and evidence events of each finding, in order."""

    def report_snapshots(self, audit_id: UUID) -> dict[UUID, dto.ReportSnapshot]: ...

    def repeat_links(self, as_of: date | None = None) -> dict[UUID, UUID]:
        """Each finding confirmed as a repeat (by ``as_of``) -> the earlier one it repeats."""

    def dismissed_repeats(self, finding_ids: Sequence[UUID]) -> dict[UUID, set[UUID]]:
        """For each finding, the earlier findings staff said it does not repeat."""

    def department_summary(
        self, audit_id: UUID | None, as_of: date | None, today: date, council: str | None = None
    ) -> dto.DepartmentSummary:
        """총괄 by department (merged ones folded in), now or as of a date, with the
        findings overdue on that date (``today`` when now)."""

    def open_findings_series(
        self, criteria: dto.SummaryCriteria
    ) -> tuple[dto.OpenFindingsPoint, ...]:
        """Open findings at the end of each business day on which something changed."""

    def overdue_aging(self, criteria: dto.SummaryCriteria, today: date) -> dto.OverdueAging:
        """Overdue findings on ``as_of`` (else ``today``) by days past their due date."""


class ContentStore(Protocol):
    """Files kept by their SHA-256 (evidence, documents staged for import)."""

    def put(self, data: bytes) -> str:
        """Store the bytes once; returns their SHA-256 (hex)."""

    def get(self, sha256: str) -> bytes | None: ...


EvidenceStore = ContentStore


class DocumentParser(Protocol):
    def __call__(self, data: bytes, *, source_name: str = "") -> ParsedReport:
        """Any supported layout, picked by content; every problem names a line."""


class Outbox(Protocol):
    def has_digest(self, recipient_key: str, day: date) -> bool: ...

    def undigested(self, recipient: str, council: str | None = None) -> list[dto.InboxEntry]:
        """Inbox entries of ``recipient`` (of one council's findings, given ``council``)
        no digest has carried yet."""

    def enqueue(
        self,
        mail: OutgoingMail,
        *,
        recipient_key: str,
        day: date,
        items: Sequence[dto.InboxEntry],
        now: datetime,
    ) -> bool:
        """Store a digest and what it carries, atomically; False if (recipient, day) has one."""

    def claim_due(self, now: datetime, lease: timedelta) -> list[OutgoingMail]:
        """Unsent mails whose time has come, leased to this caller for ``lease``."""

    def mark_sent(self, message_id: str, now: datetime) -> None: ...

    def mark_failed(self, message_id: str, now: datetime, error: str) -> None: ...


class ReminderObserver(Protocol):
    """Told what the reminder job did (the server's Prometheus counters); each process
    counts its own runs."""

    def reminders_raised(self, rule: str, count: int) -> None:
        """``count`` reminders of ``rule`` (a ReminderRule value) were saved just now."""

    def digest_sent(self) -> None: ...

    def digest_failed(self) -> None:
        """One delivery attempt failed; the outbox retries it later."""


class HistoryChain(Protocol):
    """The event history's SHA-256 hash chain (tamper evidence, SPEC §9)."""

    def head(self) -> HistoryHead | None:
        """The chain's last link; None before the first event."""

    def verify(self, expect_head: str | None = None) -> ChainReport:
        """Check every stored event against the chain; ``expect_head`` (hex), a head
        recorded earlier, must be in the history (nothing was cut from its end)."""


class ExportRenderer(Protocol):
    """Lays the 처리결과 report out in a file format (HWPX, XLSX, HTML, PDF)."""

    def render(self, model: ExportModel, fmt: ExportFormat) -> bytes:
        """The document's bytes.

        Raises:
            ExportUnavailableError: the format needs a program that is missing.
        """


class ImportTemplateWriter(Protocol):
    """Writes the empty import template (docs/import-template.md) in a format."""

    def template(self, fmt: TemplateFormat) -> bytes:
        """The file's bytes, exactly as ``followup template --out F`` writes them."""
