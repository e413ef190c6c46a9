"""The import template's two containers, CSV and XLSX, read into the same records.

A record is a line (the worksheet row, or the CSV line where the record starts) and
its cell values, so one set of functions parses both and they accept exactly the same
content. Reading never raises: what stops it is a problem in ``Source.problems``.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from application.report import Problem
from infrastructure.parsers.problems import NOWHERE, Say, document_problem, problem
from infrastructure.parsers.template_layout import SHEET_AUDIT, SHEET_FINDINGS, key
from infrastructure.parsers.text import cell_text, is_empty

# A council's report holds hundreds of findings; anything near these is not a report.
_MAX_ROWS = 100_000
_EXCEL_MAX_ROW = 1_048_576  # a row number beyond Excel's last row is a forged file
MAX_COLUMNS = 64  # cells further right are never read
_EMPTY_ROW = (None,) * MAX_COLUMNS
# Zip bombs: the zip module never inflates an entry past its declared size, so the
# declared sizes bound what openpyxl can read.
_MAX_UNCOMPRESSED = 256 * 1024 * 1024
_MAX_ZIP_ENTRIES = 10_000
_MAX_MERGES = 10_000
_MAX_MERGE_FILLS = 1_000_000

# A cell as read: CSV gives str; openpyxl str, int, float, bool, datetime or None.
Cell = object


@dataclass(frozen=True)
class Record:
    line: int
    cells: tuple[Cell, ...]

    def cell(self, index: int) -> Cell:
        return self.cells[index] if index < len(self.cells) else None

    @property
    def is_comment(self) -> bool:
        """``# …`` before the header row: CSV metadata or a comment."""
        return cell_text(self.cell(0)).startswith("#")


@dataclass(frozen=True)
class MetaEntry:
    line: int
    key: str
    value: Cell
    where: str  # "감사정보 시트 " for the workbook's sheet, "" for CSV lines


@dataclass
class Source:
    """A document read into records; ``stopped`` when reading could not go on."""

    records: list[Record] = field(default_factory=list)
    meta: list[MetaEntry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    stopped: bool = False


def _stopped(found: Problem) -> Source:
    return Source(problems=[found], stopped=True)


def _too_many_rows(line: int, source_name: str) -> Problem:
    return document_problem("TOO_MANY_ROWS", line, source_name, max=_MAX_ROWS)


def not_a_workbook(source_name: str, why: Say = NOWHERE) -> Problem:
    return document_problem("NOT_A_WORKBOOK", 1, source_name, why=why)


# --- CSV ------------------------------------------------------------------------------


def csv_records(text: str) -> Iterator[Record | Problem]:
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
            detail = str(exc)
            truncated = "unexpected end of data" in detail
            yield problem("TRUNCATED_RECORD" if truncated else "CSV_SYNTAX", start, detail=detail)
            return
        yield Record(start, tuple(cells))
        start = reader.line_num + 1


def read_csv(text: str, source_name: str) -> Source:
    source = Source()
    for item in csv_records(text):
        if isinstance(item, Problem):
            source.problems.append(item)
            source.stopped = True
            break
        if all(is_empty(cell) for cell in item.cells):
            continue
        if len(source.records) >= _MAX_ROWS:
            return _stopped(_too_many_rows(item.line, source_name))
        source.records.append(item)
    return source


def comment_entry(record: Record) -> MetaEntry | None:
    """``# 위원회: 기획경제위원회`` as key and value; None for a plain comment.

    Excel re-saves such a line with trailing commas, or splits it at a comma in the
    value, so the other cells are joined back with commas.
    """
    first = cell_text(record.cell(0)).removeprefix("#")
    name, colon, rest = first.replace("：", ":").partition(":")
    if not colon:
        return None
    parts = [rest, *(cell_text(cell) for cell in record.cells[1:])]
    value = ",".join(parts).strip(" \t,")
    return MetaEntry(record.line, name.strip(), value, "")


# --- XLSX -----------------------------------------------------------------------------


def _zip_guard(data: bytes, source_name: str) -> Problem | None:
    """Refuse what is no zip, or one that would inflate to more than a report can be."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except Exception:  # forged headers raise BadZipFile, NotImplementedError, OSError …
        return not_a_workbook(source_name)
    if len(entries) > _MAX_ZIP_ENTRIES or sum(e.file_size for e in entries) > _MAX_UNCOMPRESSED:
        mb = _MAX_UNCOMPRESSED // 2**20
        return document_problem("WORKBOOK_TOO_LARGE", 1, source_name, mb=mb)
    # No part of a workbook declares a DTD; one that does may expand entities (a
    # "billion laughs"), whichever XML parser openpyxl happens to use: refused.
    # The prolog comes before the root element: the first 64 KiB hold it.
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for entry in entries:
                if entry.filename.endswith((".xml", ".rels")):
                    with archive.open(entry) as part:
                        if b"<!DOCTYPE" in part.read(65536).upper():
                            why = Say("(DTD 포함)", " (declares a DTD)")
                            return not_a_workbook(source_name, why)
    except Exception:  # a damaged entry (CRC, compression): not a workbook either
        return not_a_workbook(source_name, Say("(손상된 파일)", " (damaged file)"))
    return None


def _find_sheet(sheets: Iterable[Any], korean: str, english: str) -> ReadOnlyWorksheet | None:
    wanted = {key(korean), key(english)}
    for sheet in sheets:
        if isinstance(sheet, ReadOnlyWorksheet) and key(sheet.title) in wanted:
            return sheet
    return None


def _values(sheet: ReadOnlyWorksheet) -> Iterator[tuple[Cell, ...]]:
    """Row values from row 1, at most MAX_COLUMNS wide (missing rows come as empty)."""
    # The stubs type iter_rows for Worksheet only; ReadOnlyWorksheet borrows it.
    reader: Any = sheet
    rows: Iterator[tuple[Cell, ...]] = reader.iter_rows(max_col=MAX_COLUMNS, values_only=True)
    return rows


def _sheet_records(sheet: ReadOnlyWorksheet) -> tuple[list[Record], int | None]:
    """The non-empty rows, trailing empty cells dropped; the row that broke the cap."""
    sheet.reset_dimensions()  # a wrong <dimension> element would otherwise cut rows off
    records: list[Record] = []
    for line, values in enumerate(_values(sheet), start=1):
        if line > _EXCEL_MAX_ROW:
            return records, line  # a forged row number: openpyxl would fill the gap
        if values == _EMPTY_ROW:
            continue  # fast: openpyxl fills gaps in the row numbers with these
        if len(records) >= _MAX_ROWS:
            return records, line
        cells = list(values)
        while cells and is_empty(cells[-1]):
            cells.pop()
        if cells:
            records.append(Record(line, tuple(cells)))
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


def _fill_merged(records: list[Record], ranges: Sequence[tuple[int, ...]]) -> list[Record]:
    """A merged cell's value belongs to every row it spans (구분 merged over its rows).

    Only rows with content of their own are filled, and only the range's first column:
    a horizontal merge shows its value once, as Excel does.
    """
    by_line = {record.line: list(record.cells) for record in records}
    budget = _MAX_MERGE_FILLS
    for min_col, min_row, _max_col, max_row in ranges:
        top = by_line.get(min_row)
        if top is None or min_col > len(top) or min_col > MAX_COLUMNS:
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
            if is_empty(cells[min_col - 1]):
                cells[min_col - 1] = value
    return [Record(line, tuple(cells)) for line, cells in by_line.items()]


def read_xlsx(data: bytes, source_name: str) -> Source:
    if (refusal := _zip_guard(data, source_name)) is not None:
        return _stopped(refusal)
    # openpyxl raises whatever its XML and zip layers raise on a damaged file (KeyError,
    # ParseError, ValueError …): around reading alone, any of them means "damaged".
    try:
        return _read_workbook(data, source_name)
    except Exception:
        return _stopped(not_a_workbook(source_name, Say("(손상된 파일)", " (damaged file)")))


def _read_workbook(data: bytes, source_name: str) -> Source:
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        findings = _find_sheet(workbook.worksheets, SHEET_FINDINGS, "findings")
        if findings is None:
            why = Say(
                f"'{SHEET_FINDINGS}' 시트가 없습니다", f"No '{SHEET_FINDINGS}' (findings) sheet"
            )
            return _stopped(document_problem("NOT_A_TEMPLATE", 1, source_name, why=why))
        records, over = _sheet_records(findings)
        if over is not None:
            return _stopped(_too_many_rows(over, source_name))
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            records = _fill_merged(records, _merged_ranges(archive, findings))
        source = Source(records=records)
        audit = _find_sheet(workbook.worksheets, SHEET_AUDIT, "audit")
        if audit is not None:
            meta_records, over = _sheet_records(audit)
            if over is not None:
                return _stopped(_too_many_rows(over, source_name))
            source.meta = [_sheet_entry(record) for record in meta_records]
        return source
    finally:
        workbook.close()


def _sheet_entry(record: Record) -> MetaEntry:
    """key | value; the third column holds the template's example and is never read."""
    return MetaEntry(record.line, cell_text(record.cell(0)), record.cell(1), f"{SHEET_AUDIT} 시트 ")
