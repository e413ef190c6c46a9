"""Which column of an HTML result table holds what, from its header row.

A result table's header names at least a request column and a result or status
column: ``연번 | 요구(건의)사항 | 추진실적 및 처리결과 | 추진상황``, sometimes with
담당부서, 처리기한, 요구위원 or 비고. Header cells are matched without white space or
line breaks ("추진<br/>상황"), and a header cell spanning columns may be named again
below it (조치결과 over 추진실적 | 향후계획).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum, auto

from infrastructure.parsers.html_dom import GridRow, Table, grid


class Column(Enum):
    SEQ = auto()
    REQUEST = auto()
    RESULT = auto()
    PLANS = auto()
    STATUS = auto()
    REMARK = auto()
    DEPARTMENT = auto()
    DUE = auto()
    RAISED_BY = auto()


_PARENTHESES = re.compile(r"[(（][^()（）]*[)）]")
_SEQ_HEADERS = frozenset({"연번", "번호", "순번", "순서", "no", "no."})
_STATUS_HEADER = re.compile(r"(?:추진|처리|조치|진행|이행)(?:상황|상태|여부|구분)|상황|상태")
_DEPARTMENT_HEADER = re.compile(r"(?:담당|소관|처리|주관)(?:과|팀|실|국|기관)?명?")
_MEMBER_HEADER = re.compile(r"(?:요구|질의|지적|제안|발언)?(?:위원|의원)명?")
_RESULT_WORDS = ("결과", "실적", "조치내용", "추진내용", "처리내용", "조치사항", "추진사항")
_RESULT_WORDS_2 = ("추진현황", "처리현황", "조치현황")
_REQUEST_WORDS = ("요구", "건의", "지적", "사항", "질의", "감사내용")
_MAX_HEADER = 24  # "조치결과및향후추진계획" and the like, white space removed
_SEQ = re.compile(r"\s*([0-9]{1,5})\s*[.)]?\s*")


def sequence_number(text: str) -> int | None:
    """연번 as written ("3", "3.", "3)"), or None."""
    match = _SEQ.fullmatch(text)
    return int(match.group(1)) if match else None


def column_of(key: str) -> Column | None:
    """What a header cell names, tolerant of spaces and line breaks."""
    if len(key) > _MAX_HEADER:
        return None  # a data cell that happens to say "요구" or "결과"
    key = _PARENTHESES.sub("", key) or key  # "요구(건의)사항" → "요구사항"
    if key.casefold() in _SEQ_HEADERS:
        return Column.SEQ
    if _STATUS_HEADER.fullmatch(key):
        return Column.STATUS
    if key == "비고":
        return Column.REMARK
    if "부서" in key or _DEPARTMENT_HEADER.fullmatch(key):
        return Column.DEPARTMENT
    if "기한" in key or "예정일" in key:
        return Column.DUE
    if _MEMBER_HEADER.fullmatch(key):
        return Column.RAISED_BY
    if any(word in key for word in _RESULT_WORDS + _RESULT_WORDS_2):
        return Column.RESULT
    if "계획" in key:
        return Column.PLANS
    if any(word in key for word in _REQUEST_WORDS):
        return Column.REQUEST
    return None


def _columns(row: GridRow) -> dict[Column, int]:
    columns: dict[Column, int] = {}
    for slot in sorted(row.slots):
        cell = row.slots[slot]
        column = column_of(cell.key) if cell is not None else None
        if column is Column.RESULT and column in columns:
            # "조치내용 | 처리결과": the second may hold the status, read as a 비고 would be.
            column = Column.REMARK
        if column is not None and column not in columns:
            columns[column] = slot
    return columns


def _is_header(columns: dict[Column, int]) -> bool:
    return Column.REQUEST in columns and (Column.RESULT in columns or Column.STATUS in columns)


@dataclass(frozen=True)
class Layout:
    columns: dict[Column, int]
    header_line: int
    first_row: int  # index of the first data row in the grid

    def slot(self, column: Column) -> int | None:
        return self.columns.get(column)

    @property
    def required(self) -> set[int]:
        """Slots a row must reach; 비고 beside a real status column is optional."""
        optional = {Column.REMARK} if Column.STATUS in self.columns else set()
        return {slot for column, slot in self.columns.items() if column not in optional}

    def repeats_header(self, row: GridRow) -> bool:
        """The header row again, after a page break (an unnumbered row naming columns)."""
        numbered = sequence_number(row.text(self.slot(Column.SEQ))) is not None
        return not numbered and _is_header(_columns(row))


_HEADER_ROWS = 10  # a header further down is no header of this table


def layout_of(rows: Sequence[GridRow]) -> Layout | None:
    """The header row (and a sub-header row under a colspan), if this is a result table."""
    for index, row in enumerate(rows[:_HEADER_ROWS]):
        columns = _columns(row)
        if not _is_header(columns):
            continue
        first = index + 1
        if first < len(rows) and _is_subheader(row, rows[first]):
            columns = {**columns, **_columns(rows[first])}
            first += 1
        return Layout(columns, row.line, first)
    return None


def is_result_table(table: Table) -> bool:
    return layout_of(grid(table.rows)) is not None


def _is_subheader(header: GridRow, row: GridRow) -> bool:
    """A header cell spanning columns named below it: 조치결과 over 추진실적 | 향후계획."""
    if all(cell.colspan == 1 for cell in header.own):
        return False  # a full-width row under a plain header is a kind row, not a header
    own = [cell for cell in row.own if cell.text]
    return len(own) > 1 and all(column_of(cell.key) is not None for cell in own)
