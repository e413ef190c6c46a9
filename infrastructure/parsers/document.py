"""How every parser opens a document and hands back its report.

A parser never raises on bad input: it returns problems, each naming its line, and
any error yields no rows at all, because an import is all or nothing (SPEC §6).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from application.report import ParsedReport, Problem, ReportMetadata, ReportRow, Severity
from domain.vocabulary import FindingKind
from infrastructure.parsers.problems import document_problem, duplicate_sequence
from infrastructure.parsers.text import decode_text


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def has_errors(problems: Iterable[Problem]) -> bool:
    return any(p.severity is Severity.ERROR for p in problems)


def refused(
    fmt: str, digest: str, encoding: str, *problems: Problem, metadata: ReportMetadata | None = None
) -> ParsedReport:
    """A report that stops before any row: what is wrong with the document as a whole."""
    return ParsedReport(fmt, digest, encoding, metadata or ReportMetadata(), (), problems)


def finished(
    fmt: str,
    digest: str,
    encoding: str,
    metadata: ReportMetadata,
    rows: Iterable[ReportRow],
    problems: Iterable[Problem],
) -> ParsedReport:
    """The report: problems in line order, and no rows at all when any is an error."""
    found = sorted(problems, key=lambda p: p.line or 0)
    return ParsedReport(
        format=fmt,
        document_hash=digest,
        encoding=encoding,
        metadata=metadata,
        rows=() if has_errors(found) else tuple(rows),
        problems=tuple(found),
    )


@dataclass(frozen=True)
class Text:
    """A document read as text: its hash, its text and the encoding it was read with."""

    digest: str
    text: str
    encoding: str


def open_text(
    data: bytes, fmt: str, source_name: str, *, prefer_cp949: bool = False, unread: str = "unknown"
) -> Text | ParsedReport:
    """The document as text, or the refusal of one that is no text or empty.

    ``unread`` is the encoding a report names when the bytes are not text at all.
    """
    digest = digest_of(data)
    decoded = decode_text(data, source_name, prefer_cp949=prefer_cp949)
    if isinstance(decoded, Problem):
        return refused(fmt, digest, unread, decoded)
    text, encoding = decoded
    if not text.strip():
        return refused(fmt, digest, encoding, document_problem("EMPTY_DOCUMENT", 1, source_name))
    return Text(digest, text, encoding)


def metadata_from(values: Mapping[str, object]) -> ReportMetadata:
    """Metadata from the values a parser read, by field name; others stay None."""

    def text(name: str) -> str | None:
        value = values.get(name)
        return value if isinstance(value, str) else None

    def day(name: str) -> date | None:
        value = values.get(name)
        return value if isinstance(value, date) else None

    year = values.get("year")
    return ReportMetadata(
        year=year if isinstance(year, int) else None,
        council=text("council"),
        committee=text("committee"),
        audited_body=text("audited_body"),
        report_date=day("report_date"),
        audit_date=day("audit_date"),
        session=text("session"),
    )


@dataclass
class Sequences:
    """연번 seen so far, by kind: a second row with the same number is an error."""

    first_line: dict[tuple[FindingKind, int], int] = field(default_factory=dict)

    def repeated(self, line: int, kind: FindingKind, seq: int) -> Problem | None:
        if (first := self.first_line.get((kind, seq))) is not None:
            return duplicate_sequence(line, kind, seq, first)
        self.first_line[kind, seq] = line
        return None
