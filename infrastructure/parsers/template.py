"""The product's own import template, as XLSX or CSV (SPEC §6; docs/import-template.md).

Staff use it to enter findings from any source the other parsers do not read. The
workbook has three sheets: 감사정보 (audit metadata as key | value rows), 지적사항 (a
header row, then one row per finding) and 작성요령 (how to fill it in). The CSV holds
the findings table, after optional ``# 위원회: 기획경제위원회`` metadata lines.

Both formats are read into the same plain records (line, cell values) and parsed by
one set of functions, so they accept exactly the same content. As in the seed parser,
bad input never raises: every problem names its line (the worksheet row, or the CSV
line where the record starts; 1 for the document), and any error yields no rows at
all, because an import is all or nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from xml.parsers import expat

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from application.report import (
    ParsedReport,
    Problem,
    ReportMetadata,
    ReportRow,
    Severity,
    error,
    warning,
)
from domain.vocabulary import (
    KIND_LABELS,
    STATUS_LABELS,
    FindingKind,
    Status,
    normalise_kind,
    normalise_status,
)
from infrastructure.parsers.common import decode_text, prefix

FORMAT_XLSX = "template_xlsx"
FORMAT_CSV = "template_csv"

SHEET_AUDIT = "감사정보"
SHEET_FINDINGS = "지적사항"
SHEET_GUIDE = "작성요령"

# --- limits -------------------------------------------------------------------------

# A council's report holds hundreds of findings; anything near these is not a report.
_MAX_ROWS = 100_000
_EXCEL_MAX_ROW = 1_048_576  # a row number beyond Excel's last row is a forged file
_MAX_COLUMNS = 64  # cells further right are never read
_EMPTY_ROW = (None,) * _MAX_COLUMNS
_HEADER_SEARCH = 10  # non-empty records (titles) the header row may follow
_HEADER_MIN = 3  # recognised column names that make a row our header row
# Zip bombs: the zip module never inflates an entry past its declared size, so the
# declared sizes bound what openpyxl can read.
_MAX_UNCOMPRESSED = 256 * 1024 * 1024
_MAX_ZIP_ENTRIES = 10_000
_MAX_MERGES = 10_000
_MAX_MERGE_FILLS = 1_000_000
_MAX_SEQ = 99_999
_MIN_YEAR, _MAX_YEAR = 1900, 2100

_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .hwp, encrypted .xlsx

# --- the layout -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Column:
    id: str
    label: str
    required: bool
    width: int
    note: str


COLUMNS: tuple[_Column, ...] = (
    _Column("kind", "구분", True, 20, "시정·처리요구사항 / 건의사항 / 기타(자료제출 등)"),
    _Column("seq", "연번", True, 7, "구분별 일련번호, 1 이상의 정수"),
    _Column("request", "요구사항", True, 50, "지적·요구 내용"),
    _Column("department", "담당부서", False, 16, "비워 두면 피감기관이 담당"),
    _Column("status", "추진상황", True, 11, "완료 / 추진중 / 검토중 / 미반영 (다른 표기는 아래)"),
    _Column("actions", "추진내용", False, 50, "조치한 내용"),
    _Column("plans", "향후계획", False, 40, "앞으로의 계획"),
    _Column("delay_reason", "부진사유", False, 30, "미반영·부진 사유"),
    _Column("raised_by", "요구의원", False, 12, "지적한 의원"),
    _Column("due_date", "처리기한", False, 12, "날짜 셀 또는 YYYY-MM-DD"),
)
_REQUIRED = tuple(c.id for c in COLUMNS if c.required)
_COLUMN_BY_ID = {c.id: c for c in COLUMNS}


@dataclass(frozen=True)
class _Field:
    id: str
    label: str
    example: str


META_FIELDS: tuple[_Field, ...] = (
    _Field("council", "의회", "서울특별시의회"),
    _Field("committee", "위원회", "기획경제위원회"),
    _Field("audited_body", "피감기관", "일자리노동정책관"),
    _Field("year", "감사연도", "2017"),
    _Field("report_date", "보고일", "2018-11-15"),
    _Field("audit_date", "감사일", "2017-11-08"),
    _Field("session", "회기", "제277회 정례회"),
)
_DATE_FIELDS = frozenset({"report_date", "audit_date"})
_FIELD_BY_ID = {f.id: f for f in META_FIELDS}

# Shown in 작성요령; every spelling is checked against the vocabulary by the tests.
STATUS_SPELLINGS_SHOWN: dict[Status, tuple[str, ...]] = {
    Status.COMPLETED: ("완료", "추진완료", "조치완료", "처리완료", "진행완료"),
    Status.IN_PROGRESS: ("추진중", "진행중", "조치중"),
    Status.UNDER_REVIEW: ("검토중", "검토", "추진검토"),
    Status.NOT_ADOPTED: ("미반영", "추진불가", "반영불가", "수용불가", "불수용"),
}
KIND_SPELLINGS_SHOWN: dict[FindingKind, tuple[str, ...]] = {
    FindingKind.CORRECTIVE: ("시정요구", "처리요구", "개선요구", "주의"),
    FindingKind.RECOMMENDATION: ("건의",),
    FindingKind.OTHER: ("기타",),
}


def header_text(label: str, identifier: str) -> str:
    """A header cell as the template writes it: the Korean label and the English id."""
    return f"{label} ({identifier})"


_WHITESPACE = re.compile(r"\s+")
_BRACKETS = str.maketrans({"（": "(", "）": ")", "[": "(", "]": ")", "*": None})


def _key(text: str) -> str:
    """A header or metadata key compared without spaces, case or a required mark (*)."""
    return _WHITESPACE.sub("", text).translate(_BRACKETS).casefold()


def _names(label: str, identifier: str) -> dict[str, str]:
    spellings = (label, identifier, f"{label}({identifier})", f"{identifier}({label})")
    return {_key(s): identifier for s in spellings}


_COLUMN_NAMES: dict[str, str] = {k: v for c in COLUMNS for k, v in _names(c.label, c.id).items()}
_FIELD_NAMES: dict[str, str] = {k: v for f in META_FIELDS for k, v in _names(f.label, f.id).items()}
# The 감사정보 sheet's own header row, which is no metadata.
_META_HEADER_KEYS = frozenset(_names("항목", "key"))

# --- cell values ------------------------------------------------------------------------

# A cell as read: CSV gives str; openpyxl str, int, float, bool, datetime or None.
Cell = object

_DATE_TEXT = re.compile(
    r"(?P<y>[0-9]{4})\s*(?P<sep>[-./])\s*(?P<m>[0-9]{1,2})\s*(?P=sep)\s*(?P<d>[0-9]{1,2})\s*\.?"
)
_INTEGER_TEXT = re.compile(r"(?P<n>[0-9]{1,9})(?:\.0*)?")
_YEAR_TEXT = re.compile(r"(?P<y>[0-9]{4})\s*년?")


def _text(value: Cell) -> str:
    """A cell as text: numbers as written (3.0 → "3"), line breaks kept, ends stripped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def _optional_text(value: Cell) -> str | None:
    return _text(value) or None


def _is_empty(value: Cell) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _integer(value: Cell) -> int | None:
    """A whole number from an int, an integral float or digits; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    match = _INTEGER_TEXT.fullmatch(_text(value))
    return int(match["n"]) if match else None


def _seq(value: Cell) -> int | None:
    number = _integer(value)
    return number if number is not None and 1 <= number <= _MAX_SEQ else None


@dataclass(frozen=True)
class _Date:
    """A date cell read: the value, or ``bad`` when the cell holds no calendar date."""

    value: date | None = None
    bad: bool = False


def _date(value: Cell) -> _Date:
    if isinstance(value, datetime):
        return _Date(value.date())
    if isinstance(value, date):
        return _Date(value)
    text = _text(value)
    if not text:
        return _Date()
    # A number is an unformatted serial or a typo: the sheet must say it is a date.
    if not isinstance(value, str) or (match := _DATE_TEXT.fullmatch(text)) is None:
        return _Date(bad=True)
    try:
        return _Date(date(int(match["y"]), int(match["m"]), int(match["d"])))
    except ValueError:
        return _Date(bad=True)


def _year(value: Cell) -> int | None:
    number = _integer(value)
    if number is None and isinstance(value, str):
        match = _YEAR_TEXT.fullmatch(value.strip())
        number = int(match["y"]) if match else None
    return number if number is not None and _MIN_YEAR <= number <= _MAX_YEAR else None


def _kind(text: str) -> FindingKind | None:
    return normalise_kind(text) or normalise_kind(text.lower())


# --- records: what both readers produce -----------------------------------------------


@dataclass(frozen=True)
class _Record:
    line: int
    cells: tuple[Cell, ...]

    def cell(self, index: int) -> Cell:
        return self.cells[index] if index < len(self.cells) else None

    @property
    def is_comment(self) -> bool:
        """``# …`` before the header row: CSV metadata or a comment."""
        return _text(self.cell(0)).startswith("#")


@dataclass(frozen=True)
class _MetaEntry:
    line: int
    key: str
    value: Cell
    where: str  # "감사정보 시트 " for the workbook's sheet, "" for CSV lines


@dataclass
class _Source:
    """A document read into records; ``stopped`` when reading could not go on."""

    records: list[_Record] = field(default_factory=list)
    meta: list[_MetaEntry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    stopped: bool = False


def _document_error(code: str, ko: str, en: str, source_name: str, line: int = 1) -> Problem:
    name = prefix(source_name)
    return error(line, code, name + ko, name + en)


def _empty(source_name: str) -> Problem:
    return _document_error("EMPTY_DOCUMENT", "빈 파일입니다.", "The file is empty.", source_name)


def _too_many_rows(line: int, source_name: str) -> Problem:
    return _document_error(
        "TOO_MANY_ROWS",
        f"행이 너무 많습니다({_MAX_ROWS:,}행 초과). 양식이 맞는지 확인하세요.",
        f"Too many rows (more than {_MAX_ROWS:,}); is this the template?",
        source_name,
        line,
    )


# --- CSV ------------------------------------------------------------------------------


def _csv_records(text: str) -> Iterator[_Record | Problem]:
    """Records with the physical line each starts on; a syntax error ends the file."""
    stream = io.StringIO(text, newline="")  # keep quoted line breaks as written
    reader = csv.reader(stream, strict=True)
    start = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield _csv_error(start, str(exc))
            return
        yield _Record(start, tuple(cells))
        start = reader.line_num + 1


def _csv_error(line: int, detail: str) -> Problem:
    if "unexpected end of data" in detail:
        return error(
            line,
            "TRUNCATED_RECORD",
            '이 줄에서 시작한 큰따옴표(")가 파일 끝까지 닫히지 않았습니다(파일이 잘렸습니다).',
            'A quote (") opened in the record starting here is never closed: the file is '
            "truncated.",
        )
    return error(
        line,
        "CSV_SYNTAX",
        f"CSV 형식이 잘못되었습니다(큰따옴표 등): {detail}",
        f"Malformed CSV (quotes?): {detail}",
    )


def _read_csv(text: str, source_name: str) -> _Source:
    source = _Source()
    for item in _csv_records(text):
        if isinstance(item, Problem):
            source.problems.append(item)
            source.stopped = True
            break
        if all(_is_empty(cell) for cell in item.cells):
            continue
        if len(source.records) >= _MAX_ROWS:
            return _Source(problems=[_too_many_rows(item.line, source_name)], stopped=True)
        source.records.append(item)
    return source


def _comment_entry(record: _Record) -> _MetaEntry | None:
    """``# 위원회: 기획경제위원회`` as key and value; None for a plain comment.

    Excel re-saves such a line with trailing commas, or splits it at a comma in the
    value, so the other cells are joined back with commas.
    """
    first = _text(record.cell(0)).removeprefix("#")
    key, colon, rest = first.replace("：", ":").partition(":")
    if not colon:
        return None
    parts = [rest, *(_text(cell) for cell in record.cells[1:])]
    value = ",".join(parts).strip(" \t,")
    return _MetaEntry(record.line, key.strip(), value, "")


def looks_like_template_csv(text: str) -> bool:
    """Sniff content: our header row, after optional ``#`` metadata lines and titles."""
    records: list[_Record] = []
    for item in _csv_records(text):
        if isinstance(item, Problem):
            break
        if all(_is_empty(cell) for cell in item.cells) or item.is_comment:
            continue
        records.append(item)
        if len(records) >= _HEADER_SEARCH:
            break
    return _find_header(records) is not None


# --- XLSX -----------------------------------------------------------------------------


def _zip_guard(data: bytes, source_name: str) -> Problem | None:
    """Refuse what is no zip, or one that would inflate to more than a report can be."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except Exception:  # forged headers raise BadZipFile, NotImplementedError, OSError …
        return _not_a_workbook(source_name)
    if len(entries) > _MAX_ZIP_ENTRIES or sum(e.file_size for e in entries) > _MAX_UNCOMPRESSED:
        return _document_error(
            "WORKBOOK_TOO_LARGE",
            f"통합문서의 압축을 풀면 {_MAX_UNCOMPRESSED // 2**20} MB를 넘습니다.",
            f"The workbook inflates to more than {_MAX_UNCOMPRESSED // 2**20} MB.",
            source_name,
        )
    return None


def _not_a_workbook(source_name: str, why_ko: str = "", why_en: str = "") -> Problem:
    return _document_error(
        "NOT_A_WORKBOOK",
        f"Excel 통합문서(.xlsx)로 읽을 수 없습니다{why_ko}. .xlsx 또는 CSV로 저장해 주세요.",
        f"Not a readable Excel workbook (.xlsx){why_en}; save it as .xlsx or CSV.",
        source_name,
    )


def _find_sheet(sheets: Iterable[Any], korean: str, english: str) -> ReadOnlyWorksheet | None:
    wanted = {_key(korean), _key(english)}
    for sheet in sheets:
        if isinstance(sheet, ReadOnlyWorksheet) and _key(sheet.title) in wanted:
            return sheet
    return None


def _values(sheet: ReadOnlyWorksheet, max_row: int | None = None) -> Iterator[tuple[Cell, ...]]:
    """Row values from row 1, at most _MAX_COLUMNS wide (missing rows come as empty)."""
    # The stubs type iter_rows for Worksheet only; ReadOnlyWorksheet borrows it.
    reader: Any = sheet
    rows: Iterator[tuple[Cell, ...]] = reader.iter_rows(
        max_row=max_row, max_col=_MAX_COLUMNS, values_only=True
    )
    return rows


def _sheet_records(sheet: ReadOnlyWorksheet) -> tuple[list[_Record], int | None]:
    """The non-empty rows, trailing empty cells dropped; the row that broke the cap."""
    sheet.reset_dimensions()  # a wrong <dimension> element would otherwise cut rows off
    records: list[_Record] = []
    for line, values in enumerate(_values(sheet), start=1):
        if line > _EXCEL_MAX_ROW:
            return records, line  # a forged row number: openpyxl would fill the gap
        if values == _EMPTY_ROW:
            continue  # fast: openpyxl fills gaps in the row numbers with these
        if len(records) >= _MAX_ROWS:
            return records, line
        cells = list(values)
        while cells and _is_empty(cells[-1]):
            cells.pop()
        if cells:
            records.append(_Record(line, tuple(cells)))
    return records, None


def _merged_ranges(archive: zipfile.ZipFile, sheet: ReadOnlyWorksheet) -> list[tuple[int, ...]]:
    """The sheet's merged ranges (min_col, min_row, max_col, max_row).

    Read-only openpyxl streams cells and drops <mergeCells>, so the part is scanned
    again, streaming, for those elements alone.
    """
    path = getattr(sheet, "_worksheet_path", None)  # openpyxl keeps the part name privately
    if not isinstance(path, str):
        return []
    ranges: list[tuple[int, ...]] = []

    def start(name: str, attributes: dict[str, str]) -> None:
        if name.rsplit(" ", 1)[-1] == "mergeCell" and len(ranges) < _MAX_MERGES:
            try:
                bounds = range_boundaries(attributes.get("ref", ""))
            except (ValueError, TypeError):
                return
            if all(isinstance(b, int) for b in bounds):
                ranges.append(tuple(b for b in bounds if b is not None))

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    with archive.open(path) as part:
        parser.ParseFile(part)
    return ranges


def _fill_merged(records: list[_Record], ranges: Sequence[tuple[int, ...]]) -> list[_Record]:
    """A merged cell's value belongs to every row it spans (구분 merged over its rows).

    Only rows with content of their own are filled, and only the range's first column:
    a horizontal merge shows its value once, as Excel does.
    """
    by_line = {record.line: list(record.cells) for record in records}
    budget = _MAX_MERGE_FILLS
    for min_col, min_row, _max_col, max_row in ranges:
        top = by_line.get(min_row)
        if top is None or min_col > len(top) or min_col > _MAX_COLUMNS:
            continue
        value = top[min_col - 1]
        for line in range(min_row + 1, min(max_row, _EXCEL_MAX_ROW) + 1):
            budget -= 1
            if budget < 0:
                break
            cells = by_line.get(line)
            if cells is None:
                continue
            cells.extend([None] * (min_col - len(cells)))
            if _is_empty(cells[min_col - 1]):
                cells[min_col - 1] = value
    return [_Record(line, tuple(cells)) for line, cells in by_line.items()]


def _read_xlsx(data: bytes, source_name: str) -> _Source:
    if (problem := _zip_guard(data, source_name)) is not None:
        return _Source(problems=[problem], stopped=True)
    # openpyxl raises whatever its XML and zip layers raise on a damaged file (KeyError,
    # ParseError, ValueError …): around reading alone, any of them means "damaged".
    try:
        return _read_workbook(data, source_name)
    except Exception:
        damaged = _not_a_workbook(source_name, "(손상된 파일)", " (damaged file)")
        return _Source(problems=[damaged], stopped=True)


def _read_workbook(data: bytes, source_name: str) -> _Source:
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        findings = _find_sheet(workbook.worksheets, SHEET_FINDINGS, "findings")
        if findings is None:
            return _Source(problems=[_no_findings_sheet(source_name)], stopped=True)
        records, over = _sheet_records(findings)
        if over is not None:
            return _Source(problems=[_too_many_rows(over, source_name)], stopped=True)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            records = _fill_merged(records, _merged_ranges(archive, findings))
        source = _Source(records=records)
        audit = _find_sheet(workbook.worksheets, SHEET_AUDIT, "audit")
        if audit is not None:
            meta_records, over = _sheet_records(audit)
            if over is not None:
                return _Source(problems=[_too_many_rows(over, source_name)], stopped=True)
            source.meta = [_sheet_entry(record) for record in meta_records]
        return source
    finally:
        workbook.close()


def _sheet_entry(record: _Record) -> _MetaEntry:
    """key | value; the third column holds the template's example and is never read."""
    return _MetaEntry(record.line, _text(record.cell(0)), record.cell(1), f"{SHEET_AUDIT} 시트 ")


def _no_findings_sheet(source_name: str) -> Problem:
    return _document_error(
        "NOT_A_TEMPLATE",
        f"'{SHEET_FINDINGS}' 시트가 없습니다. 가져오기 양식(followup template)으로 작성해 주세요.",
        f"No '{SHEET_FINDINGS}' (findings) sheet: fill in the import template.",
        source_name,
    )


def looks_like_template_xlsx(data: bytes) -> bool:
    """Sniff content: a zip whose workbook has our findings sheet with our header row."""
    if not data.startswith(_ZIP_MAGIC) or _zip_guard(data, "") is not None:
        return False
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # any damage means "not ours"; parse_template names it
        return False
    try:
        sheet = _find_sheet(workbook.worksheets, SHEET_FINDINGS, "findings")
        return sheet is not None and _find_header(_first_records(sheet)) is not None
    except Exception:
        return False
    finally:
        workbook.close()


def _first_records(sheet: ReadOnlyWorksheet) -> list[_Record]:
    """The non-empty rows among the first hundred: enough to find the header row."""
    return [
        _Record(line, tuple(values))
        for line, values in enumerate(_values(sheet, _HEADER_SEARCH * 10), start=1)
        if not all(_is_empty(v) for v in values)
    ]


# --- the header row ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Header:
    index: int  # position in the records
    line: int
    columns: dict[str, int]  # column id -> cell index
    width: int
    unknown: tuple[tuple[int, str], ...]  # (cell index, text) of unrecognised headings
    duplicates: tuple[str, ...]


def _read_header(record: _Record, index: int) -> _Header:
    columns: dict[str, int] = {}
    unknown: list[tuple[int, str]] = []
    duplicates: list[str] = []
    for position, cell in enumerate(record.cells):
        text = _text(cell)
        identifier = _COLUMN_NAMES.get(_key(text))
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


def _find_header(records: Sequence[_Record]) -> _Header | None:
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


def _column_name(identifier: str) -> str:
    column = _COLUMN_BY_ID[identifier]
    return header_text(column.label, column.id)


def _header_problems(header: _Header) -> list[Problem]:
    problems = [
        error(
            header.line,
            "MISSING_COLUMN",
            f"필수 열 '{_column_name(identifier)}'이(가) 머리행에 없습니다.",
            f"The header row lacks the required column '{_column_name(identifier)}'.",
        )
        for identifier in _REQUIRED
        if identifier not in header.columns
    ]
    problems += [
        error(
            header.line,
            "DUPLICATE_COLUMN",
            f"'{_column_name(identifier)}' 열이 머리행에 두 번 있습니다.",
            f"The column '{_column_name(identifier)}' appears twice in the header row.",
        )
        for identifier in header.duplicates
    ]
    problems += [
        warning(
            header.line,
            "UNKNOWN_COLUMN",
            f"알 수 없는 열 '{text}'({get_column_letter(position + 1)}열)은 읽지 않았습니다.",
            f"Unknown column '{text}' (column {get_column_letter(position + 1)}) was ignored.",
        )
        for position, text in header.unknown
    ]
    return problems


# --- metadata -------------------------------------------------------------------------


@dataclass
class _Metadata:
    values: dict[str, object] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def read(self, entry: _MetaEntry) -> None:
        key = _key(entry.key)
        identifier = _FIELD_NAMES.get(key)
        if identifier is None:
            if key and key not in _META_HEADER_KEYS:
                self.problems.append(_unknown_metadata(entry))
            return
        if _is_empty(entry.value):
            return  # missing stays None: the importer asks for it by name
        value = self._value(identifier, entry)
        if value is None:
            return
        if identifier in self.values and self.values[identifier] != value:
            self.problems.append(_duplicate_metadata(entry, identifier, self.lines[identifier]))
            return
        self.values[identifier] = value
        self.lines[identifier] = entry.line

    def _value(self, identifier: str, entry: _MetaEntry) -> object:
        if identifier == "year":
            year = _year(entry.value)
            if year is None:
                self.problems.append(_bad_year(entry))
            return year
        if identifier in _DATE_FIELDS:
            read = _date(entry.value)
            if read.bad:
                self.problems.append(_bad_meta_date(entry, identifier))
            return read.value
        return _text(entry.value)

    def result(self) -> ReportMetadata:
        def text(identifier: str) -> str | None:
            value = self.values.get(identifier)
            return value if isinstance(value, str) else None

        def day(identifier: str) -> date | None:
            value = self.values.get(identifier)
            return value if isinstance(value, date) else None

        year = self.values.get("year")
        return ReportMetadata(
            year=year if isinstance(year, int) else None,
            council=text("council"),
            committee=text("committee"),
            audited_body=text("audited_body"),
            report_date=day("report_date"),
            audit_date=day("audit_date"),
            session=text("session"),
        )


def _field_name(identifier: str) -> str:
    item = _FIELD_BY_ID[identifier]
    return header_text(item.label, item.id)


def _unknown_metadata(entry: _MetaEntry) -> Problem:
    known = ", ".join(f.label for f in META_FIELDS)
    return warning(
        entry.line,
        "UNKNOWN_METADATA",
        f"{entry.where}알 수 없는 항목 '{entry.key}'은(는) 읽지 않았습니다 (항목: {known}).",
        f"{entry.where}unknown metadata key '{entry.key}' was ignored "
        f"(keys: {', '.join(f.id for f in META_FIELDS)}).",
    )


def _duplicate_metadata(entry: _MetaEntry, identifier: str, first: int) -> Problem:
    return error(
        entry.line,
        "DUPLICATE_METADATA",
        f"{entry.where}'{_field_name(identifier)}' 값이 {first}행과 다릅니다.",
        f"{entry.where}'{_field_name(identifier)}' differs from the value on line {first}.",
    )


def _bad_year(entry: _MetaEntry) -> Problem:
    raw = _text(entry.value)
    return error(
        entry.line,
        "INVALID_YEAR",
        f"{entry.where}감사연도 '{raw}'은(는) 연도(예: 2017)가 아닙니다.",
        f"{entry.where}the audit year '{raw}' is not a year such as 2017.",
    )


def _bad_meta_date(entry: _MetaEntry, identifier: str) -> Problem:
    raw = _text(entry.value)
    return error(
        entry.line,
        "INVALID_DATE",
        f"{entry.where}{_field_name(identifier)} '{raw}'은(는) 날짜가 아닙니다"
        " (날짜 셀 또는 YYYY-MM-DD).",
        f"{entry.where}{_field_name(identifier)} '{raw}' is not a date"
        " (a date cell or YYYY-MM-DD).",
    )


# --- rows -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _RowCells:
    """One record's cells by column id."""

    record: _Record
    header: _Header

    def get(self, identifier: str) -> Cell:
        position = self.header.columns.get(identifier)
        return None if position is None else self.record.cell(position)

    def text(self, identifier: str) -> str:
        return _text(self.get(identifier))


def _parse_row(cells: _RowCells) -> tuple[ReportRow | None, list[Problem]]:
    line = cells.record.line
    problems: list[Problem] = []
    kind = _row_kind(cells, problems)
    seq = _row_seq(cells, problems)
    request = cells.text("request")
    if not request:
        problems.append(_missing(line, "request"))
    status_raw = cells.text("status")
    status = _row_status(line, status_raw, problems)
    due = _date(cells.get("due_date"))
    if due.bad:
        problems.append(_bad_due_date(line, _text(cells.get("due_date"))))
    if len(cells.record.cells) > cells.header.width:
        extra = cells.record.cells[cells.header.width :]
        if not all(_is_empty(cell) for cell in extra):
            problems.append(_extra_cells(line))
    if kind is None or seq is None or status is None or not request or due.bad:
        return None, problems
    row = ReportRow(
        line=line,
        kind=kind,
        seq=seq,
        department=_optional_text(cells.get("department")),
        request=request,
        status_raw=status_raw,
        status=status,
        actions=_optional_text(cells.get("actions")),
        plans=_optional_text(cells.get("plans")),
        delay_reason=_optional_text(cells.get("delay_reason")),
        raised_by=_optional_text(cells.get("raised_by")),
        due_date=due.value,
    )
    return row, problems


def _row_kind(cells: _RowCells, problems: list[Problem]) -> FindingKind | None:
    raw = cells.text("kind")
    if not raw:
        problems.append(_missing(cells.record.line, "kind"))
        return None
    if (kind := _kind(raw)) is None:
        problems.append(_unknown_kind(cells.record.line, raw))
    return kind


def _row_seq(cells: _RowCells, problems: list[Problem]) -> int | None:
    value = cells.get("seq")
    if _is_empty(value):
        problems.append(_missing(cells.record.line, "seq"))
        return None
    if (seq := _seq(value)) is None:
        problems.append(_bad_seq(cells.record.line, _text(value)))
    return seq


def _row_status(line: int, raw: str, problems: list[Problem]) -> Status | None:
    if not raw:
        problems.append(_missing(line, "status"))
        return None
    if (status := normalise_status(raw)) is None:
        problems.append(_unknown_status(line, raw))
    return status


_MISSING_CODES = {
    "kind": "MISSING_KIND",
    "seq": "MISSING_SEQUENCE",
    "request": "MISSING_REQUEST",
    "status": "MISSING_STATUS",
}


def _missing(line: int, identifier: str) -> Problem:
    name = _column_name(identifier)
    return error(
        line, _MISSING_CODES[identifier], f"'{name}' 값이 없습니다.", f"'{name}' is empty."
    )


def _unknown_kind(line: int, raw: str) -> Problem:
    labels = " / ".join(KIND_LABELS.values())
    return error(
        line,
        "UNKNOWN_KIND",
        f"알 수 없는 구분 '{raw}'입니다 ({labels}).",
        f"Unknown kind '{raw}' ({' / '.join(k.value for k in FindingKind)}).",
    )


def _bad_seq(line: int, raw: str) -> Problem:
    return error(
        line,
        "INVALID_SEQUENCE",
        f"연번 '{raw}'은(는) 1 이상 {_MAX_SEQ} 이하의 정수가 아닙니다.",
        f"The sequence number '{raw}' is not a whole number from 1 to {_MAX_SEQ}.",
    )


def _unknown_status(line: int, raw: str) -> Problem:
    labels = " / ".join(STATUS_LABELS.values())
    return error(
        line,
        "UNKNOWN_STATUS",
        f"알 수 없는 추진상황 '{raw}'입니다 ({labels} 등).",
        f"Unknown status '{raw}' (e.g. {labels}).",
    )


def _bad_due_date(line: int, raw: str) -> Problem:
    return error(
        line,
        "INVALID_DATE",
        f"처리기한 '{raw}'은(는) 날짜가 아닙니다 (날짜 셀 또는 YYYY-MM-DD, YYYY.MM.DD.).",
        f"The due date '{raw}' is not a date (a date cell or YYYY-MM-DD, YYYY.MM.DD.).",
    )


def _extra_cells(line: int) -> Problem:
    return warning(
        line,
        "EXTRA_CELLS",
        "머리행보다 오른쪽 칸의 값은 읽지 않았습니다.",
        "Cells to the right of the header row were ignored.",
    )


def _duplicate_seq(row: ReportRow, first: int) -> Problem:
    return error(
        row.line,
        "DUPLICATE_SEQUENCE",
        f"{KIND_LABELS[row.kind]} 연번 {row.seq}이(가) {first}행과 겹칩니다.",
        f"{row.kind.value} number {row.seq} repeats line {first}.",
    )


def _no_rows(line: int) -> Problem:
    return error(
        line,
        "NO_ROWS",
        "머리행 아래에 지적사항 행이 없습니다.",
        "No finding rows below the header row.",
    )


def _parse_rows(
    records: Sequence[_Record], header: _Header
) -> tuple[list[ReportRow], list[Problem]]:
    rows: list[ReportRow] = []
    problems: list[Problem] = []
    first_line: dict[tuple[FindingKind, int], int] = {}
    for record in records:
        row, found = _parse_row(_RowCells(record, header))
        problems += found
        if row is None:
            continue
        key = (row.kind, row.seq)
        if key in first_line:
            problems.append(_duplicate_seq(row, first_line[key]))
            continue
        first_line[key] = row.line
        rows.append(row)
    return rows, problems


# --- entry point ----------------------------------------------------------------------


def _report(
    fmt: str, digest: str, encoding: str, metadata: ReportMetadata, *problems: Problem
) -> ParsedReport:
    return ParsedReport(fmt, digest, encoding, metadata, (), tuple(problems))


def parse_template(data: bytes, *, source_name: str = "") -> ParsedReport:
    """Parse the template as XLSX or CSV, decided by content; never raises on bad input."""
    digest = hashlib.sha256(data).hexdigest()
    if not data.strip():
        return _report(FORMAT_CSV, digest, "", ReportMetadata(), _empty(source_name))
    if data.startswith((_ZIP_MAGIC, _EMPTY_ZIP_MAGIC)):
        with warnings.catch_warnings():
            # openpyxl warns on stderr about cells it cannot read as dates; we
            # report those ourselves, as INVALID_DATE with their row.
            warnings.simplefilter("ignore", UserWarning)
            source = _read_xlsx(data, source_name)
        return _parse_source(FORMAT_XLSX, digest, "", source, source_name)
    if data.startswith(_OLE_MAGIC):
        ole = _not_a_workbook(
            source_name,
            "(구형 .xls, HWP 또는 암호가 걸린 파일)",
            " (an old .xls, HWP or password-protected file)",
        )
        return _report(FORMAT_XLSX, digest, "", ReportMetadata(), ole)
    decoded = decode_text(data, source_name)
    if isinstance(decoded, Problem):
        return _report(FORMAT_CSV, digest, "", ReportMetadata(), decoded)
    text, encoding = decoded
    source = _read_csv(text, source_name)
    if not source.records and not source.problems:  # a BOM, blank lines or bare commas
        return _report(FORMAT_CSV, digest, encoding, ReportMetadata(), _empty(source_name))
    return _parse_source(FORMAT_CSV, digest, encoding, source, source_name)


def _has_errors(problems: Iterable[Problem]) -> bool:
    return any(p.severity is Severity.ERROR for p in problems)


def _parse_source(fmt: str, digest: str, encoding: str, source: _Source, name: str) -> ParsedReport:
    if source.stopped and not source.records:  # nothing to read: the reader said why
        return _report(fmt, digest, encoding, ReportMetadata(), *source.problems)
    header = _find_header(source.records)
    if header is None:
        return _report(
            fmt, digest, encoding, ReportMetadata(), *source.problems, _no_header(fmt, name)
        )
    metadata = _Metadata()
    comments = (_comment_entry(r) for r in source.records[: header.index] if r.is_comment)
    for entry in [*source.meta, *(e for e in comments if e is not None)]:
        metadata.read(entry)
    header_problems = _header_problems(header)
    problems = [*source.problems, *metadata.problems, *header_problems]
    rows: list[ReportRow] = []
    # Without a required column every row would only repeat the header's error.
    if not _has_errors(header_problems):
        body = source.records[header.index + 1 :]
        rows, row_problems = _parse_rows(body, header)
        problems += row_problems
        if not body and not source.stopped:
            problems.append(_no_rows(header.line))
    problems.sort(key=lambda p: p.line or 0)
    return ParsedReport(
        format=fmt,
        document_hash=digest,
        encoding=encoding,
        metadata=metadata.result(),
        rows=() if _has_errors(problems) else tuple(rows),
        problems=tuple(problems),
    )


def _no_header(fmt: str, source_name: str) -> Problem:
    names = ", ".join(_column_name(identifier) for identifier in _REQUIRED)
    where = f"'{SHEET_FINDINGS}' 시트의 " if fmt == FORMAT_XLSX else ""
    return _document_error(
        "NOT_A_TEMPLATE",
        f"{where}처음 {_HEADER_SEARCH}행 안에 머리행({names} …)이 없습니다.",
        f"No header row ({names} …) within the first {_HEADER_SEARCH} rows"
        + (f" of the '{SHEET_FINDINGS}' sheet." if fmt == FORMAT_XLSX else "."),
        source_name,
    )


# --- writing the empty template -------------------------------------------------------


def write_template(path: Path) -> None:
    """Write an empty template; .xlsx or .csv by the path's suffix."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        _workbook().save(path)
    elif suffix == ".csv":
        # A BOM makes Excel open UTF-8 Korean correctly; CRLF is what Excel writes.
        path.write_text(_csv_template(), encoding="utf-8-sig", newline="")
    else:
        raise ValueError(f"template must be .xlsx or .csv, not {path.name!r}")


def _csv_template() -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("# 행정사무감사 지적사항 가져오기 양식 (audit-followup import template)\r\n")
    for item in META_FIELDS:
        buffer.write(f"# {header_text(item.label, item.id)}: \r\n")
    writer.writerow([header_text(c.label, c.id) for c in COLUMNS])
    return buffer.getvalue()


_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_WRAP = Alignment(wrap_text=True, vertical="top")
_DATE_FORMAT = "yyyy-mm-dd"
_VALIDATED_ROWS = 2000  # data validation and formats reach this far down


def _workbook() -> Workbook:
    workbook = Workbook()
    audit = workbook.active
    assert isinstance(audit, Worksheet)
    _audit_sheet(audit)
    _findings_sheet(workbook.create_sheet(SHEET_FINDINGS))
    _guide_sheet(workbook.create_sheet(SHEET_GUIDE))
    return workbook


def _header_row(sheet: Worksheet, titles: Sequence[str], widths: Sequence[int]) -> None:
    sheet.append(list(titles))
    for position, width in enumerate(widths, start=1):
        cell = sheet.cell(row=1, column=position)
        cell.font, cell.fill, cell.alignment = _BOLD, _HEADER_FILL, _WRAP
        sheet.column_dimensions[get_column_letter(position)].width = width
    sheet.freeze_panes = "A2"


def _audit_sheet(sheet: Worksheet) -> None:
    sheet.title = SHEET_AUDIT
    _header_row(sheet, ["항목 (key)", "값 (value)", "작성 예 (example)"], [22, 30, 30])
    for item in META_FIELDS:
        sheet.append([header_text(item.label, item.id), None, item.example])
        if item.id in _DATE_FIELDS:
            sheet.cell(row=sheet.max_row, column=2).number_format = _DATE_FORMAT


def _findings_sheet(sheet: Worksheet) -> None:
    _header_row(sheet, [header_text(c.label, c.id) for c in COLUMNS], [c.width for c in COLUMNS])
    letters = {c.id: get_column_letter(i) for i, c in enumerate(COLUMNS, start=1)}
    last = _VALIDATED_ROWS + 1
    kinds = ",".join(KIND_LABELS.values())
    statuses = ",".join(STATUS_LABELS[s] for s in STATUS_SPELLINGS_SHOWN)
    # Warnings, not stops: the parser also reads other spellings (시정요구, 추진 불가 …).
    for identifier, options, prompt in (
        ("kind", kinds, "목록에서 고르세요 (시정요구·처리요구 등도 인정)"),
        ("status", statuses, "목록에서 고르세요 (추진완료·추진 불가 등도 인정)"),
    ):
        validation = DataValidation(
            type="list",
            formula1=f'"{options}"',
            allow_blank=True,
            errorStyle="warning",
            showErrorMessage=True,
            error=prompt,
            prompt=prompt,
            showInputMessage=True,
        )
        validation.add(f"{letters[identifier]}2:{letters[identifier]}{last}")
        sheet.add_data_validation(validation)
    whole = DataValidation(
        type="whole",
        operator="between",
        formula1="1",
        formula2=str(_MAX_SEQ),
        allow_blank=True,
        showErrorMessage=True,
        error=f"연번은 1 이상 {_MAX_SEQ} 이하의 정수입니다.",
    )
    whole.add(f"{letters['seq']}2:{letters['seq']}{last}")
    sheet.add_data_validation(whole)
    # A column style, not styled cells: empty cells would push appended rows down.
    sheet.column_dimensions[letters["due_date"]].number_format = _DATE_FORMAT


def _guide_sheet(sheet: Worksheet) -> None:
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 12
    sheet.column_dimensions["C"].width = 80
    for row in _guide_rows():
        sheet.append(row)
        if len(row) == 1 or row[1:2] == ["필수 (required)"]:
            for cell in sheet[sheet.max_row]:
                cell.font = _BOLD


def _guide_rows() -> list[list[str]]:
    rows: list[list[str]] = [
        ["행정사무감사 지적사항 가져오기 양식 작성요령 (audit-followup import template)"],
        [],
        [f"'{SHEET_FINDINGS}' 시트의 열 (columns)", "필수 (required)", "설명 (notes)"],
    ]
    rows += [[header_text(c.label, c.id), "필수" if c.required else "", c.note] for c in COLUMNS]
    rows += [[], ["구분 (kind) 값"]]
    rows += [
        [KIND_LABELS[k], k.value, "다른 표기: " + ", ".join(KIND_SPELLINGS_SHOWN[k])]
        for k in FindingKind
    ]
    rows += [[], ["추진상황 (status) 값 — 쓴 그대로도 보관합니다"]]
    rows += [
        [STATUS_LABELS[s], s.value, "같은 뜻의 표기: " + ", ".join(STATUS_SPELLINGS_SHOWN[s])]
        for s in STATUS_SPELLINGS_SHOWN
    ]
    rows += [
        [],
        ["날짜 (dates)"],
        ["처리기한·보고일·감사일", "", "Excel 날짜 셀, 또는 글자로 YYYY-MM-DD / YYYY.MM.DD."],
        [],
        [f"'{SHEET_AUDIT}' 시트"],
        ["항목", "", ", ".join(_field_name(f.id) for f in META_FIELDS)],
        ["", "", "비워 둔 항목은 가져오기 명령의 옵션(--committee 등)으로 지정합니다."],
        [],
        ["주의"],
        ["", "", "완전히 빈 행은 건너뜁니다. 구분별 연번은 겹칠 수 없습니다."],
        ["", "", "오류가 하나라도 있으면 아무 행도 가져오지 않습니다(전부 아니면 전무)."],
        [
            "",
            "",
            "수식은 마지막으로 계산된 값을 읽습니다. 병합 셀의 값은 병합된 모든 행에 적용됩니다.",
        ],
    ]
    return rows
