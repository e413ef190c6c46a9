"""The product's own import template, as XLSX or CSV (SPEC §6; docs/import-template.md).

Staff use it to enter findings from any source the other parsers do not read. Its
layout is ``template_layout``; both containers are read into the same records
(``template_sources``) and parsed here by one set of functions. As in every parser,
bad input never raises: every problem names its line (the worksheet row, or the CSV
line where the record starts; 1 for the document), and any error yields no rows.
The empty template itself is written by ``infrastructure.exports.template``.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from openpyxl.utils import get_column_letter

from application.report import ParsedReport, Problem, ReportRow
from domain.vocabulary import FindingKind, normalise_kind
from infrastructure.parsers.date_cells import read_date_cell
from infrastructure.parsers.document import (
    Sequences,
    digest_of,
    finished,
    has_errors,
    metadata_from,
    open_text,
    refused,
)
from infrastructure.parsers.problems import Say, document_problem, problem
from infrastructure.parsers.rows import report_row
from infrastructure.parsers.template_layout import (
    AUDIT_HEADER_KEYS,
    COLUMN_NAMES,
    DATE_FIELDS,
    FIELD_NAMES,
    MAX_SEQ,
    META_FIELDS,
    REQUIRED,
    SHEET_FINDINGS,
    key,
    name_of,
)
from infrastructure.parsers.template_sources import (
    Cell,
    MetaEntry,
    Record,
    Source,
    comment_entry,
    csv_records,
    not_a_workbook,
    read_csv,
    read_xlsx,
)
from infrastructure.parsers.text import cell_text, is_empty, read_status

FORMAT_XLSX = "template_xlsx"
FORMAT_CSV = "template_csv"

_HEADER_SEARCH = 10  # non-empty records (titles) the header row may follow
_HEADER_MIN = 3  # recognised column names that make a row our header row
_MIN_YEAR, _MAX_YEAR = 1900, 2100

_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .hwp, encrypted .xlsx

# --- cell values ------------------------------------------------------------------------

_INTEGER_TEXT = re.compile(r"(?P<n>[0-9]{1,9})(?:\.0*)?")
_YEAR_TEXT = re.compile(r"(?P<y>[0-9]{4})\s*년?")


def _integer(value: Cell) -> int | None:
    """A whole number from an int, an integral float or digits; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    match = _INTEGER_TEXT.fullmatch(cell_text(value))
    return int(match["n"]) if match else None


@dataclass(frozen=True)
class _Date:
    """A date cell read: the value, or ``bad`` when the cell holds no calendar day."""

    value: date | None = None
    bad: bool = False


def _date(value: Cell) -> _Date:
    """A date cell, or text naming one day ("2018-11-15", "2018. 11. 15.")."""
    if isinstance(value, datetime):
        return _Date(value.date())
    if isinstance(value, date):
        return _Date(value)
    text = cell_text(value)
    if not text:
        return _Date()
    # A number is an unformatted serial or a typo: the sheet must say it is a date.
    day = read_date_cell(text).day if isinstance(value, str) else None
    return _Date(day) if day is not None else _Date(bad=True)


def _year(value: Cell) -> int | None:
    number = _integer(value)
    if number is None and isinstance(value, str):
        match = _YEAR_TEXT.fullmatch(value.strip())
        number = int(match["y"]) if match else None
    return number if number is not None and _MIN_YEAR <= number <= _MAX_YEAR else None


def _empty_cell(identifier: str) -> Say:
    """Where a required value is missing: "('연번 (seq)' 칸이 비어 있음)"."""
    name = name_of(identifier)
    return Say(f"('{name}' 칸이 비어 있음)", f": '{name}' is empty")


# --- the header row ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Header:
    index: int  # position in the records
    line: int
    columns: dict[str, int]  # column id -> cell index
    width: int
    unknown: tuple[tuple[int, str], ...]  # (cell index, text) of unrecognised headings
    duplicates: tuple[str, ...]


def _read_header(record: Record, index: int) -> _Header:
    columns: dict[str, int] = {}
    unknown: list[tuple[int, str]] = []
    duplicates: list[str] = []
    for position, cell in enumerate(record.cells):
        text = cell_text(cell)
        identifier = COLUMN_NAMES.get(key(text))
        if identifier is None:
            if text:
                unknown.append((position, text))
        elif identifier in columns:
            duplicates.append(identifier)
        else:
            columns[identifier] = position
    return _Header(
        index, record.line, columns, len(record.cells), tuple(unknown), tuple(duplicates)
    )


def _find_header(records: Sequence[Record]) -> _Header | None:
    """The first row naming enough of our columns, among the first non-empty rows."""
    seen = 0
    for index, record in enumerate(records):
        if record.is_comment:
            continue
        header = _read_header(record, index)
        if len(header.columns) >= _HEADER_MIN:
            return header
        seen += 1
        if seen >= _HEADER_SEARCH:
            break
    return None


def _header_problems(header: _Header) -> list[Problem]:
    line = header.line
    missing = [i for i in REQUIRED if i not in header.columns]
    return [
        *(problem("MISSING_COLUMN", line, column=name_of(i)) for i in missing),
        *(problem("DUPLICATE_COLUMN", line, column=name_of(i)) for i in header.duplicates),
        *(
            problem("UNKNOWN_COLUMN", line, raw=text, letter=get_column_letter(position + 1))
            for position, text in header.unknown
        ),
    ]


def looks_like_template_csv(text: str) -> bool:
    """Sniff content: our header row, after optional ``#`` metadata lines and titles."""
    records: list[Record] = []
    for item in csv_records(text):
        if isinstance(item, Problem):
            break
        if all(is_empty(cell) for cell in item.cells) or item.is_comment:
            continue
        records.append(item)
        if len(records) >= _HEADER_SEARCH:
            break
    return _find_header(records) is not None


# --- metadata -------------------------------------------------------------------------

_KNOWN_KEYS = Say(", ".join(f.label for f in META_FIELDS), ", ".join(f.id for f in META_FIELDS))


@dataclass
class _Metadata:
    values: dict[str, object] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def read(self, entry: MetaEntry) -> None:
        entry_key = key(entry.key)
        identifier = FIELD_NAMES.get(entry_key)
        if identifier is None:
            if entry_key and entry_key not in AUDIT_HEADER_KEYS:
                self._problem("UNKNOWN_METADATA", entry, raw=entry.key, known=_KNOWN_KEYS)
            return
        if is_empty(entry.value):
            return  # missing stays None: the importer asks for it by name
        value = self._value(identifier, entry)
        if value is None:
            return
        if identifier in self.values and self.values[identifier] != value:
            first = self.lines[identifier]
            self._problem("DUPLICATE_METADATA", entry, field=name_of(identifier), first=first)
            return
        self.values[identifier] = value
        self.lines[identifier] = entry.line

    def _value(self, identifier: str, entry: MetaEntry) -> object:
        raw = cell_text(entry.value)
        if identifier == "year":
            year = _year(entry.value)
            if year is None:
                self._problem("INVALID_YEAR", entry, raw=raw)
            return year
        if identifier in DATE_FIELDS:
            read = _date(entry.value)
            if read.bad:
                name = name_of(identifier)
                self._problem("INVALID_DATE", entry, raw=raw, field=Say(name, name))
            return read.value
        return raw

    def _problem(self, code: str, entry: MetaEntry, **fields: object) -> None:
        self.problems.append(problem(code, entry.line, where=entry.where, **fields))


# --- rows -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _RowCells:
    """One record's cells by column id."""

    record: Record
    header: _Header

    def get(self, identifier: str) -> Cell:
        position = self.header.columns.get(identifier)
        return None if position is None else self.record.cell(position)

    def text(self, identifier: str) -> str:
        return cell_text(self.get(identifier))

    def optional(self, identifier: str) -> str | None:
        return self.text(identifier) or None


_DUE = Say("처리기한", "The due date")


def _parse_row(cells: _RowCells) -> tuple[ReportRow | None, list[Problem]]:
    line = cells.record.line
    problems: list[Problem] = []
    kind = _row_kind(cells, problems)
    seq = _row_seq(cells, problems)
    request = cells.text("request")
    if not request:
        problems.append(problem("MISSING_REQUEST", line, where=_empty_cell("request")))
    status_raw = cells.text("status")
    status, status_problem = read_status(line, status_raw, _empty_cell("status"))
    problems += filter(None, [status_problem])
    due = _date(cells.get("due_date"))
    if due.bad:
        problems.append(
            problem("INVALID_DATE", line, where="", field=_DUE, raw=cells.text("due_date"))
        )
    if len(cells.record.cells) > cells.header.width:
        extra = cells.record.cells[cells.header.width :]
        if not all(is_empty(cell) for cell in extra):
            where = Say("머리행보다 오른쪽", "to the right of the header row")
            problems.append(problem("EXTRA_CELLS", line, where=where))
    if kind is None or seq is None or status is None or not request or due.bad:
        return None, problems
    department = cells.optional("department")
    row = report_row(
        line, kind, seq, department, request, status_raw, status, text=cells.optional, due=due.value
    )
    return row, problems


def _row_kind(cells: _RowCells, problems: list[Problem]) -> FindingKind | None:
    raw = cells.text("kind")
    if not raw:
        problems.append(problem("MISSING_KIND", cells.record.line, where=_empty_cell("kind")))
        return None
    if (kind := normalise_kind(raw) or normalise_kind(raw.lower())) is None:
        problems.append(problem("UNKNOWN_KIND", cells.record.line, raw=raw))
    return kind


def _row_seq(cells: _RowCells, problems: list[Problem]) -> int | None:
    value = cells.get("seq")
    line = cells.record.line
    if is_empty(value):
        problems.append(problem("MISSING_SEQUENCE", line, where=_empty_cell("seq")))
        return None
    number = _integer(value)
    if number is None or not 1 <= number <= MAX_SEQ:
        problems.append(problem("INVALID_SEQUENCE", line, raw=cell_text(value), max=MAX_SEQ))
        return None
    return number


def _parse_rows(
    records: Sequence[Record], header: _Header
) -> tuple[list[ReportRow], list[Problem]]:
    rows: list[ReportRow] = []
    problems: list[Problem] = []
    sequences = Sequences()
    for record in records:
        row, found = _parse_row(_RowCells(record, header))
        problems += found
        if row is None:
            continue
        if (repeated := sequences.repeated(row.line, row.kind, row.seq)) is not None:
            problems.append(repeated)
            continue
        rows.append(row)
    return rows, problems


# --- entry point ----------------------------------------------------------------------


def parse_template(data: bytes, *, source_name: str = "") -> ParsedReport:
    """Parse the template as XLSX or CSV, decided by content; never raises on bad input."""
    digest = digest_of(data)
    if not data.strip():
        return refused(FORMAT_CSV, digest, "", document_problem("EMPTY_DOCUMENT", 1, source_name))
    if data.startswith((_ZIP_MAGIC, _EMPTY_ZIP_MAGIC)):
        with warnings.catch_warnings():
            # openpyxl warns on stderr about cells it cannot read as dates; we
            # report those ourselves, as INVALID_DATE with their row.
            warnings.simplefilter("ignore", UserWarning)
            source = read_xlsx(data, source_name)
        return _parse_source(FORMAT_XLSX, digest, "", source, source_name)
    if data.startswith(_OLE_MAGIC):
        why = Say(
            "(구형 .xls, HWP 또는 암호가 걸린 파일)",
            " (an old .xls, HWP or password-protected file)",
        )
        return refused(FORMAT_XLSX, digest, "", not_a_workbook(source_name, why))
    opened = open_text(data, FORMAT_CSV, source_name, unread="")
    if isinstance(opened, ParsedReport):
        return opened
    source = read_csv(opened.text, source_name)
    if not source.records and not source.problems:  # a BOM, blank lines or bare commas
        empty = document_problem("EMPTY_DOCUMENT", 1, source_name)
        return refused(FORMAT_CSV, digest, opened.encoding, empty)
    return _parse_source(FORMAT_CSV, digest, opened.encoding, source, source_name)


def _parse_source(fmt: str, digest: str, encoding: str, source: Source, name: str) -> ParsedReport:
    if source.stopped and not source.records:  # nothing to read: the reader said why
        return refused(fmt, digest, encoding, *source.problems)
    header = _find_header(source.records)
    if header is None:
        return refused(fmt, digest, encoding, *source.problems, _no_header(fmt, name))
    metadata = _Metadata()
    comments = (comment_entry(r) for r in source.records[: header.index] if r.is_comment)
    for entry in [*source.meta, *(e for e in comments if e is not None)]:
        metadata.read(entry)
    header_problems = _header_problems(header)
    problems = [*source.problems, *metadata.problems, *header_problems]
    rows: list[ReportRow] = []
    # Without a required column every row would only repeat the header's error.
    if not has_errors(header_problems):
        body = source.records[header.index + 1 :]
        rows, row_problems = _parse_rows(body, header)
        problems += row_problems
        if not body and not source.stopped:
            where = Say("머리행 아래에", "below the header row")
            problems.append(problem("NO_ROWS", header.line, where=where))
    return finished(fmt, digest, encoding, metadata_from(metadata.values), rows, problems)


def _no_header(fmt: str, source_name: str) -> Problem:
    names = ", ".join(name_of(identifier) for identifier in REQUIRED)
    sheet = Say(f"'{SHEET_FINDINGS}' 시트의 ", f" of the '{SHEET_FINDINGS}' sheet")
    if fmt != FORMAT_XLSX:
        sheet = Say("", "")
    why = Say(
        f"{sheet.ko}처음 {_HEADER_SEARCH}행 안에 머리행({names} …)이 없습니다",
        f"No header row ({names} …) within the first {_HEADER_SEARCH} rows{sheet.en}",
    )
    return document_problem("NOT_A_TEMPLATE", 1, source_name, why=why)


__all__ = [
    "FORMAT_CSV",
    "FORMAT_XLSX",
    "looks_like_template_csv",
    "parse_template",
]
