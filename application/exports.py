"""The 처리결과 report as councils file it (SPEC §6): one model, every format.

The council's staff file the 처리결과 section of the next 주요업무보고: the 처리결과
총괄 table, then one list per kind with 조치결과 및 향후추진계획. ``ExportModel``
holds exactly what that section shows, as of a business date; the renderers
(HWPX, XLSX, printable HTML, PDF) lay the same model out, so no two formats can
disagree on a count or a row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING
from uuid import UUID

from application import dto
from application.access import Principal
from application.errors import AuditNotFoundError
from application.history import HistoryHead
from domain.errors import DomainError
from domain.vocabulary import (
    KIND_LABELS,
    STATUS_LABELS,
    FindingKind,
    Role,
    Status,
    normalise_status,
)

if TYPE_CHECKING:  # ports and queries import this module's model: annotations only
    from application.ports import Clock, ExportRenderer, HistoryChain
    from application.queries import Queries

CARRIED_TITLE = "전년도 미완료 (이월)"


class ExportFormat(Enum):
    HWPX = "hwpx"
    XLSX = "xlsx"
    HTML = "html"
    PDF = "pdf"

    @property
    def media_type(self) -> str:
        return _MEDIA_TYPES[self]

    @classmethod
    def parse(cls, value: str) -> ExportFormat:
        """A format as a caller writes it (``xlsx``, ``XLSX``, ``.xlsx``).

        Raises:
            UnknownExportFormatError: none of hwpx, xlsx, html, pdf.
        """
        try:
            return cls(value.strip().lower().lstrip("."))
        except ValueError:
            raise UnknownExportFormatError(value) from None


_MEDIA_TYPES = {
    ExportFormat.HWPX: "application/hwp+zip",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportFormat.HTML: "text/html; charset=utf-8",
    ExportFormat.PDF: "application/pdf",
}


class UnknownExportFormatError(DomainError):
    code = "UNKNOWN_EXPORT_FORMAT"
    message_ko = "내보내기 형식은 hwpx, xlsx, html, pdf 중 하나여야 합니다."
    message_en = "The export format must be one of hwpx, xlsx, html, pdf."
    status_code = 422


class ExportUnavailableError(DomainError):
    """The format needs a program this installation lacks (Chromium for PDF)."""

    code = "EXPORT_UNAVAILABLE"
    message_ko = "이 서버에서는 이 형식으로 내보낼 수 없습니다 (필요한 프로그램이 없습니다)."
    message_en = "This installation cannot export this format (a required program is missing)."
    status_code = 503


class ExportFailedError(DomainError):
    code = "EXPORT_FAILED"
    message_ko = "문서를 만들지 못했습니다. 잠시 후 다시 시도하세요."
    message_en = "The document could not be produced; try again shortly."
    status_code = 503


@dataclass(frozen=True)
class ExportRow:
    """One finding as the lists show it: 요구사항 and 조치결과 및 향후추진계획."""

    finding_id: UUID
    seq: int
    request: str
    department: str
    status: Status
    status_raw: str
    actions: str | None
    plans: str | None
    delay_reason: str | None
    due_date: date | None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def status_text(self) -> str:
        """The label the 총괄 counts under; the words as reported beside it when they
        are no spelling of that status (a reader sees both)."""
        raw = " ".join(self.status_raw.split())
        if raw and normalise_status(raw) is not self.status:
            return f"{self.status_label} ({raw})"
        return self.status_label


@dataclass(frozen=True)
class ExportSection:
    kind: FindingKind
    rows: tuple[ExportRow, ...]
    # Carried-over findings: the audit they were raised in (e.g. "2016년 행정사무감사").
    origin: str | None = None

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]

    def counts(self) -> dict[str, int]:
        """The section's 총괄 row (dto.SUMMARY_COLUMNS)."""
        counts = dict.fromkeys(dto.SUMMARY_COLUMNS, 0)
        for row in self.rows:
            counts["total"] += 1
            counts[row.status.value] += 1
        return counts


@dataclass(frozen=True)
class ExportModel:
    """The 처리결과 section of one audit, as of one business date."""

    audit: dto.AuditRow
    as_of: date
    department: str | None
    summary: dto.SummaryTable
    sections: tuple[ExportSection, ...]  # one per FindingKind, in vocabulary order
    generated_at: datetime  # aware UTC; documents show it in Asia/Seoul
    history: HistoryHead | None = None
    # The head's event count is installation-wide (every council's): admins and the
    # command line across councils see it, others the head only (SPEC §8, as the 총괄
    # page does).
    history_events_shown: bool = True
    carried: tuple[ExportSection, ...] = ()
    repeats: Mapping[UUID, int] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return f"{self.audit.year}년 행정사무감사 처리결과"

    def repeat_label(self, finding_id: UUID) -> str | None:
        """'2년 연속', '3년 연속' … for a finding raised in consecutive years."""
        years = self.repeats.get(finding_id, 0)
        return f"{years}년 연속" if years >= 2 else None

    def carried_counts(self) -> dict[str, int] | None:
        """The 총괄 row of the carried-over findings; None when there are none."""
        if not self.carried:
            return None
        total = dict.fromkeys(dto.SUMMARY_COLUMNS, 0)
        for section in self.carried:
            for column, n in section.counts().items():
                total[column] += n
        return total

    def history_line(self) -> str | None:
        """The footer naming the event history's head, so a reader can check the
        document against it."""
        if self.history is None:
            return None
        count = f" (이벤트 {self.history.events}건)" if self.history_events_shown else ""
        return (
            f"기록 체인: {self.history.head[:16]}…{count} — "
            f"`followup verify --expect-head {self.history.head}`로 확인"
        )

    def file_name(self, fmt: ExportFormat) -> str:
        """e.g. 2017년_행정사무감사_처리결과_기획경제위원회_일자리노동정책관_2018-11-15.xlsx"""
        parts = [
            f"{self.audit.year}년",
            "행정사무감사",
            "처리결과",
            self.audit.committee,
            self.audit.audited_body,
            self.department or "",
            self.as_of.isoformat(),
        ]
        stem = "_".join("".join(p.split()) for p in parts if p.strip())
        return "".join(c for c in stem if c not in '\\/:*?"<>|') + f".{fmt.value}"

    def ascii_file_name(self, fmt: ExportFormat) -> str:
        """For clients that read no RFC 5987 ``filename*``."""
        return f"audit-{self.audit.year}-followup-{self.as_of.isoformat()}.{fmt.value}"


def build_export(
    queries: Queries,
    audit_id: UUID,
    *,
    as_of: date | None = None,
    department: str | None = None,
    head: HistoryHead | None = None,
    now: datetime | None = None,
    history_events_shown: bool = True,
) -> ExportModel:
    """The report's model from the read model, as of ``as_of`` (today by default).

    Raises:
        AuditNotFoundError: no such audit.
        UnknownDepartmentError: the department filter names no department.
    """
    audit = queries.audit(audit_id)
    if audit is None:
        raise AuditNotFoundError(str(audit_id))
    department = (department or "").strip() or None
    queries.known_department(department)
    clock = queries.reminders.clock
    day = as_of or clock.today()
    summary = queries.summary(audit_id=audit_id, department=department, as_of=day)
    rows = queries.list_findings(
        dto.FindingFilter(audit_id=audit_id, department=department, as_of=day)
    )
    sections = tuple(
        ExportSection(
            kind=kind,
            rows=tuple(_row(r) for r in sorted(rows, key=lambda r: r.seq) if r.kind is kind),
        )
        for kind in FindingKind
    )
    # Findings carried over from earlier years' audits into this one, by the day:
    # a block per audit they were raised in and kind.
    carried_rows = queries.list_findings(
        dto.FindingFilter(carried_into=audit_id, department=department, as_of=day)
    )
    years = {a.audit_id: a.year for a in queries.list_audits()}
    carried = tuple(
        ExportSection(
            kind=kind,
            rows=tuple(_row(r) for r in sorted(group, key=lambda r: r.seq)),
            origin=f"{years.get(origin, '')}년 행정사무감사",
        )
        for origin in sorted({r.audit_id for r in carried_rows}, key=lambda i: years.get(i, 0))
        for kind in FindingKind
        if (group := [r for r in carried_rows if r.audit_id == origin and r.kind is kind])
    )
    ids = [r.finding_id for r in (*rows, *carried_rows)]
    return ExportModel(
        audit=audit,
        as_of=day,
        department=department,
        summary=summary,
        sections=sections,
        generated_at=now or clock.now(),
        history=head,
        history_events_shown=history_events_shown,
        carried=carried,
        repeats=queries.repeat_streaks(ids, as_of=day),
    )


def _row(r: dto.FindingRow) -> ExportRow:
    return ExportRow(
        finding_id=r.finding_id,
        seq=r.seq,
        request=r.request,
        department=r.department,
        status=r.status,
        status_raw=r.status_raw,
        actions=r.actions,
        plans=r.plans,
        delay_reason=r.delay_reason,
        due_date=r.due_date,
    )


@dataclass(frozen=True)
class ExportFile:
    data: bytes
    format: ExportFormat
    file_name: str  # Korean, for RFC 5987 filename*
    ascii_file_name: str

    @property
    def media_type(self) -> str:
        return self.format.media_type


@dataclass
class Exports:
    """The use case: any signed-in role may export what it may read."""

    queries: Queries
    renderer: ExportRenderer
    history: HistoryChain | None
    clock: Clock

    def model(
        self,
        audit_id: UUID,
        *,
        as_of: date | None = None,
        department: str | None = None,
        principal: Principal | None = None,
    ) -> ExportModel:
        model = build_export(
            self.queries,
            audit_id,
            as_of=as_of,
            department=department,
            now=self.clock.now(),
            history_events_shown=principal is None
            or (
                principal.council is None
                and (principal.is_trusted_process or principal.actor.role is Role.ADMIN)
            ),
        )
        # The head read after the data: it covers every event the document shows.
        head = self.history.head() if self.history is not None else None
        return replace(model, history=head)

    def export(
        self,
        audit_id: UUID,
        fmt: ExportFormat,
        *,
        as_of: date | None = None,
        department: str | None = None,
        principal: Principal | None = None,
    ) -> ExportFile:
        """The report as a file.

        Raises:
            AuditNotFoundError, UnknownDepartmentError, ExportUnavailableError.
        """
        model = self.model(audit_id, as_of=as_of, department=department, principal=principal)
        return ExportFile(
            data=self.renderer.render(model, fmt),
            format=fmt,
            file_name=model.file_name(fmt),
            ascii_file_name=model.ascii_file_name(fmt),
        )
