"""One data row of an HTML result table read into a report row.

Rules chosen here:

- The status comes from a 추진상황/처리상황 column, else from a ``추진상황 : X`` line in
  the result cell, else from a 비고 column. A trailing bracket (``완료('18.12월)``) or
  a further line after a known status is a note, not part of it. Spellings: SPEC §2.
- A result cell is split at its headings (추진실적, 향후계획, 부진사유 …); without
  headings, the whole cell is what was done.
- The department is a 담당부서/소관부서 column, else a trailing ``(부서명)`` of the
  request that reads as an office (ends in 과, 관, 팀, 센터 … with no digits); else None.
- 처리기한 is any date notation (``domain.dates``): "'18.12월" is due by its last day,
  2018-12-31, and the row keeps the notation as written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from application.report import Problem, ReportRow
from domain.vocabulary import FindingKind, Status, normalise_status
from infrastructure.parsers.date_cells import DateCell, read_date_cell
from infrastructure.parsers.document import has_errors
from infrastructure.parsers.html_columns import Column, Layout
from infrastructure.parsers.html_dom import GridRow
from infrastructure.parsers.problems import NOWHERE, Say, problem
from infrastructure.parsers.rows import report_row
from infrastructure.parsers.text import (
    BULLETS,
    Line,
    join,
    read_status,
    squash,
    trailing_bracket,
    without_bullet,
    without_row_bullet,
)

# --- result cells ---------------------------------------------------------------------


def _spaced(*words: str) -> str:
    """An alternation tolerant of spaces inside each word ("추진 실적")."""
    return "|".join(r"\s*".join(word) for word in words)


_OPEN = r"[<\[【〈《(（]?"
_CLOSE = r"[>\]】〉》)）]?"
_STATUS_LABEL = rf"(?:{_spaced('추진', '처리', '조치', '진행', '이행')})\s*(?:상\s*황|상\s*태)"
_STATUS_LINE = re.compile(
    rf"[{BULLETS}\s]*{_OPEN}\s*{_STATUS_LABEL}\s*(?:[>\]】〉》)）]\s*[:：]?|[:：])\s*(?P<raw>.*)"
)
_STATUS_BARE = re.compile(rf"[{BULLETS}\s]*{_STATUS_LABEL}\s+(?P<raw>.+)")
_FIELDS = {
    "actions": _spaced(
        "추진실적", "조치결과", "처리결과", "추진내용", "조치내용", "처리내용", "조치사항"
    ),
    "plans": r"향\s*후\s*(?:추\s*진\s*|조\s*치\s*)?계\s*획|" + _spaced("추진계획", "조치계획"),
    "delay_reason": rf"(?:{_spaced('부진', '미반영', '미추진', '추진불가', '불가')})\s*사\s*유",
}
_HEADING = re.compile(
    rf"[{BULLETS}\s]*{_OPEN}\s*(?P<name>{'|'.join(f'(?P<{k}>{v})' for k, v in _FIELDS.items())})"
    rf"(?:\s*및\s*(?:{_FIELDS['plans']}|{_FIELDS['actions']}))?\s*{_CLOSE}\s*"
    r"(?:[:：]\s*(?P<rest>.*))?"
)


@dataclass
class _Result:
    """What a result cell says: its status line and its headed blocks."""

    status: tuple[Line, ...] | None = None
    duplicate_status: bool = False
    texts: dict[str, list[Line]] = field(default_factory=dict)

    def text(self, name: str) -> str | None:
        return (join(self.texts[name]) or None) if name in self.texts else None


def _status_line(lines: Sequence[Line], index: int) -> tuple[tuple[Line, ...], int] | None:
    """The status a "추진상황 : X" line states, and the number of lines it takes.

    "추진상황 : 추진<br/>불가" is one status: the next line is taken when only both
    together are a known spelling.
    """
    text = lines[index].text
    match = _STATUS_LINE.fullmatch(text)
    if match is None:
        bare = _STATUS_BARE.fullmatch(text)
        if bare is None or normalise_status(bare["raw"]) is None:
            return None
        match = bare
    raw = Line(match["raw"].strip())
    following = lines[index + 1] if index + 1 < len(lines) else None
    if following is not None and normalise_status(raw.text) is None:
        joined = (raw, following) if raw.text else (following,)
        if normalise_status(join(joined)) is not None:
            return joined, 2
    return ((raw,) if raw.text else ()), 1


def _read_result(lines: Sequence[Line]) -> _Result:
    result = _Result()
    current = "actions"  # without headings, the whole cell is what was done
    index = 0
    while index < len(lines):
        status = _status_line(lines, index)
        if status is not None:
            result.duplicate_status |= result.status is not None
            result.status, taken = status
            index += taken
            continue
        line = lines[index]
        index += 1
        heading = _HEADING.fullmatch(line.text)
        if heading is None:
            result.texts.setdefault(current, []).append(line)
            continue
        current = next(name for name in _FIELDS if heading[name])
        result.texts.setdefault(current, [])
        if heading["rest"]:
            result.texts[current].append(Line(heading["rest"].strip()))
    return result


_TRAILING_NOTE = re.compile(r"(?P<status>.+?)\s*[(（](?P<note>[^()（）]*)[)）]")


def _status_text(lines: Sequence[Line]) -> str:
    """The status without its note: "완료('18.12월)", "추진중<br/>(예산 확보 중)"."""
    lines = [Line(without_bullet(lines[0].text), lines[0].tight), *lines[1:]]
    whole = join(line for line in lines if line.text)
    if normalise_status(whole) is not None:
        return whole
    note = _TRAILING_NOTE.fullmatch(whole)
    if note and normalise_status(note["status"]) is not None:
        return note["status"]
    if len(lines) > 1 and normalise_status(lines[0].text) is not None:
        return lines[0].text
    return whole


# --- departments ------------------------------------------------------------------------

_OFFICE_ENDINGS = (
    *("과", "관", "실", "국", "단", "팀", "소", "원", "처", "부", "청", "센터"),
    *("공사", "위원회", "담당", "기관", "본부"),
)
_MONEY = re.compile(r"(?:천|만|백만|억)원$")
_DEPARTMENT_MAX = 30


def _office(name: str) -> str | None:
    """A trailing bracket names a department only if it reads as an office's name."""
    key = squash(name)
    if not 3 <= len(key) <= _DEPARTMENT_MAX or any(c.isdigit() for c in key) or "," in key:
        return None
    if not key.endswith(_OFFICE_ENDINGS) or _MONEY.search(key):
        return None
    return name


def _request_and_department(lines: Sequence[Line], column: str) -> tuple[str, str | None]:
    request = without_row_bullet(join(lines))
    split = trailing_bracket(request)
    office = _office(split[1]) if split else None
    if split is None or office is None:
        return request, column or None
    if column and squash(office) != squash(column):
        return request, column  # another office, named in the request: it stays there
    return split[0], column or office


# --- the row ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Read:
    """One data row as read: the row (None on an error), its status and its problems."""

    row: ReportRow | None
    status: Status | None
    problems: list[Problem]


_NO_STATUS = Say(
    "(추진상황·비고 칸에도, 조치결과의 '추진상황 :' 줄에도)",
    ": neither a status column nor a '추진상황 :' line in the result",
)


def _status_source(row: GridRow, layout: Layout, result: _Result) -> tuple[Line, ...]:
    """추진상황 column, else the "추진상황 :" line, else the 비고 column."""
    if lines := row.lines(layout.slot(Column.STATUS)):
        return lines
    if result.status:
        return result.status
    if layout.slot(Column.STATUS) is None:
        return row.lines(layout.slot(Column.REMARK))
    return ()


def _due(text: str, line: int) -> tuple[DateCell | None, Problem | None]:
    """처리기한 in any date notation, due by the last day it covers."""
    if not text:
        return None, None
    cell = read_date_cell(text, search=True)
    if cell.deadline is None:
        return None, problem("DUE_DATE_NOT_READ", line, raw=text)
    return cell, None


def read_row(row: GridRow, layout: Layout, kind: FindingKind, seq: int) -> Read:
    line = row.line
    request, department = _request_and_department(
        row.lines(layout.slot(Column.REQUEST)), row.text(layout.slot(Column.DEPARTMENT))
    )
    result = _read_result(row.lines(layout.slot(Column.RESULT)))
    problems: list[Problem] = []
    if not request:
        problems.append(problem("MISSING_REQUEST", line, where=NOWHERE))
    if result.duplicate_status:
        problems.append(problem("DUPLICATE_STATUS", line))
    source = _status_source(row, layout, result)
    status_raw = _status_text(source) if source else ""
    status, status_problem = read_status(line, status_raw, _NO_STATUS)
    actions, reason = result.text("actions"), result.text("delay_reason")
    if status is Status.NOT_ADOPTED and not (actions or reason):
        problems.append(problem("NOT_ADOPTED_WITHOUT_REASON", line))
    due, due_problem = _due(row.text(layout.slot(Column.DUE)), line)
    problems += filter(None, [status_problem, due_problem])
    if status is None or has_errors(problems):
        return Read(None, status, problems)
    plans = " ".join(filter(None, [result.text("plans"), row.text(layout.slot(Column.PLANS))]))
    texts = {
        "actions": actions,
        "plans": plans or None,
        "delay_reason": reason,
        "raised_by": row.text(layout.slot(Column.RAISED_BY)) or None,
    }
    found = report_row(
        line, kind, seq, department, request, status_raw, status, text=texts.get, due=due
    )
    return Read(found, status, problems)
