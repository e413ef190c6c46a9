"""Neutral report rows: what every parser yields, whatever the document's layout.

Parsers live in ``infrastructure.parsers``; they never raise on bad input but
return problems, each naming its line, so a dry run can list them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from domain.dates import KoreanDate
from domain.vocabulary import FindingKind, Status


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input; only errors refuse the work (SPEC §7)."""

    line: int | None
    severity: Severity
    code: str
    message_ko: str
    message_en: str

    def as_dict(self) -> dict[str, object]:
        return {
            "line": self.line,
            "severity": self.severity.value,
            "code": self.code,
            "message_ko": self.message_ko,
            "message_en": self.message_en,
        }


def error(line: int | None, code: str, message_ko: str, message_en: str) -> Problem:
    return Problem(line, Severity.ERROR, code, message_ko, message_en)


def warning(line: int | None, code: str, message_ko: str, message_en: str) -> Problem:
    return Problem(line, Severity.WARNING, code, message_ko, message_en)


@dataclass(frozen=True)
class ReportMetadata:
    """Audit metadata read from the document; None where the document is silent."""

    year: int | None = None
    council: str | None = None
    committee: str | None = None
    audited_body: str | None = None
    report_date: date | None = None
    audit_date: date | None = None
    session: str | None = None


@dataclass(frozen=True)
class ReportRow:
    """One finding as a report states it, on the document's date."""

    line: int
    kind: FindingKind
    seq: int
    # None: the document names no department per row, so the audited body is responsible.
    department: str | None
    request: str
    status_raw: str
    status: Status
    actions: str | None = None
    plans: str | None = None
    delay_reason: str | None = None
    raised_by: str | None = None
    due_date: date | None = None
    # The 처리기한 as the document writes it in free text (raw text and precision, as
    # "'18.12월" is a month); due_date is the last day it covers.
    due_date_as_written: KoreanDate | None = None


@dataclass(frozen=True)
class ParsedReport:
    """A parsed document: metadata, rows and every problem found."""

    format: str
    document_hash: str
    encoding: str
    metadata: ReportMetadata
    rows: tuple[ReportRow, ...] = ()
    problems: tuple[Problem, ...] = ()

    @property
    def has_errors(self) -> bool:
        return any(p.severity is Severity.ERROR for p in self.problems)
