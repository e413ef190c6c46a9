"""Parser for 처리결과 reports published as HTML tables (SPEC §6).

Councils, district councils and public corporations publish how each audit finding was
handled as one table per kind: ``연번 | 요구(건의)사항 | 추진실적 및 처리결과 | 추진상황``,
sometimes with 담당부서, 처리기한 or 비고 columns. A table's kind comes from its
``<caption>``, from a full-width row inside it ("Ⅱ. 건의사항"), or from the nearest
preceding heading or paragraph naming one; a kind heading covers every table below it
until the next, as a table split at a page break has no heading of its own. Result
tables laid out inside a page-layout table are read as if they stood alone.

The document is read by ``html_dom``, each table's columns by ``html_columns``, each
row by ``html_cells`` and the metadata by ``html_meta``. This module walks the tables
and checks the counts:

- A summary line declares counts: ``건의사항 7건 (완료 4, 추진중 2, 미반영 1)``,
  ``시정·처리요구사항 5건: 완료 3건, 추진중 1건``, ``총 12건 (…, 검토중 1)``, ``총 12건``,
  ``완료 4건, 추진중 2건``, ``건의사항(7건)``, ``총 20건 중 완료 15건`` (``N건 중``, "of
  which", names some statuses, not all). It belongs to the table when it is in the
  caption, in a full-width row, or between the kind heading (itself included) and the
  table, and names no other kind.
- A line naming no kind and under no kind heading totals the table beside it: ``계 7건``
  below a table closes it. It totals the whole document instead when above tables of
  several kinds, or when it says ``총``/``전체`` below the last table.
- Lines declaring counts away from their tables are checked against all the document's
  rows of their kind: consecutive lines naming two kinds or more (``<li>`` items under
  감사결과, a paragraph after the tables), and a kind's line no table of that kind
  follows. A kind without any table is not checked, as a page may publish some only.
- A mismatch with the rows is a COUNT_MISMATCH warning, never corrected.

Bad input never raises: every problem names its 1-based physical line (the line where
a row's ``<tr>`` starts; line 1 for the whole document). Any error yields no rows, as an
import is all or nothing (SPEC §6).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from application.report import ParsedReport, Problem, ReportRow
from domain.vocabulary import FindingKind, Status, normalise_kind, normalise_status
from infrastructure.parsers.document import Sequences, finished, open_text
from infrastructure.parsers.html_cells import read_row
from infrastructure.parsers.html_columns import (
    Column,
    Layout,
    is_result_table,
    layout_of,
    sequence_number,
)
from infrastructure.parsers.html_dom import (
    Block,
    GridRow,
    Table,
    charset_problem,
    declared_charset,
    grid,
    read_html,
)
from infrastructure.parsers.html_meta import is_metadata_key, read_metadata
from infrastructure.parsers.problems import (
    NOWHERE,
    Say,
    count_mismatch,
    document_problem,
    numbered_by_order,
    problem,
)
from infrastructure.parsers.text import BULLETS, collapse, squash

FORMAT = "html_tables"

# --- kinds and summary lines ------------------------------------------------------------

_NUMBERING = re.compile(
    rf"(?:[{BULLETS}\u2460-\u2473]|[(（]?[0-9]{{1,2}}\s*[.)）]|[(（]?[가-하]\s*[.)）]"
    r"|[ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ]+\s*\.?|[IVX]{1,4}\s*\.|[<\[【〈《])\s*"
)
_YEAR_PREFIX = re.compile(r"(?:19|20)[0-9]{2}\s*년\s*도?\s*(?:행정\s*사무\s*감사\s*)?")
_LABEL_END = re.compile(r"\s*(?:[0-9]|총\s*[0-9]|[:：]|[(（]\s*(?:총|계|[0-9]))")
# "건의사항 처리결과", "시정요구사항 조치결과 및 향후계획": the kind is what comes before.
_RESULT_SUFFIX = re.compile(r"\s*(?:처리|조치|추진)\s*(?:결과|현황|상황|내역|실적).*$")
_MAX_HEADING = 80


def _kind_of(text: str) -> FindingKind | None:
    """The kind a heading names: "2. 건의사항", "□ 건의사항 7건 (…)", "기타(자료제출 등)"."""
    label = collapse(text)
    if len(label) > _MAX_HEADING:
        return None  # prose, not a heading
    for _ in range(3):
        label = _NUMBERING.sub("", label, count=1) if _NUMBERING.match(label) else label
    label = _YEAR_PREFIX.sub("", label, count=1) if _YEAR_PREFIX.match(label) else label
    if end := _LABEL_END.search(label):
        label = label[: end.start()]
    label = _RESULT_SUFFIX.sub("", label).rstrip(" >]】〉》")
    return normalise_kind(label) if label else None


@dataclass(frozen=True, eq=False)  # identity: the same text may be written twice
class _Summary:
    """A line declaring a table's counts: "건의사항 7건 (완료 4, 추진중 2, 미반영 1)"."""

    line: int
    text: str
    kind: FindingKind | None
    total: int | None
    counts: dict[Status, int]
    partial: bool = False  # "총 20건 중 완료 15건": the statuses not named are not zero


# "완료 4", "추진 중 2건", "총 12건", "건의사항(7건)"; never a date's "2018. 11".
_COUNT_PAIR = re.compile(
    r"(?:(?P<label>[가-힣]+(?:\s[가-힣]+)?)\s*[)）]?\s*[:：(（]?\s*)?"
    r"(?<![0-9])(?P<n>[0-9]{1,4})(?![0-9])(?!\s*\.\s*[0-9])\s*(?P<unit>건)?"
)
_TOTAL_WORDS = ("총", "계", "전체")
_OF_WHICH = re.compile(r"[0-9]\s*건\s*중")
_GRAND_TOTAL = re.compile(rf"[{BULLETS}\s]*(?:총|전체)\s*[0-9]")  # not "계": a table's own
_MAX_SUMMARY = 120


def _summary_of(text: str, line: int) -> _Summary | None:
    text = collapse(text)
    if len(text) > _MAX_SUMMARY:
        return None
    total: int | None = None
    counts: dict[Status, int] = {}
    for match in _COUNT_PAIR.finditer(text):
        label, count = match["label"] or "", int(match["n"])
        status = (normalise_status(label) or normalise_status(label.split()[-1])) if label else None
        if status is not None:
            counts[status] = counts.get(status, 0) + count
        elif match["unit"] and total is None and _is_total(label, text[: match.start("n")]):
            total = count
    if total is None and (len(counts) < 2 and not (counts and "건" in text)):
        return None
    partial = total is not None and _OF_WHICH.search(text) is not None
    return _Summary(line, text, _kind_of(text), total, counts, partial)


def _is_total(label: str, before: str) -> bool:
    """A total: "총 12건", "계 7건", or a count right after a kind ("기타(자료제출 등) 1건")."""
    return squash(label).endswith(_TOTAL_WORDS) or _kind_of(before.rstrip(" (（:：")) is not None


# --- walking the document ---------------------------------------------------------------


@dataclass
class _Section:
    """The rows under one kind heading (or caption), with the summary lines near them."""

    kind: FindingKind
    summaries: list[_Summary] = field(default_factory=list)
    statuses: list[Status | None] = field(default_factory=list)  # None: unread
    has_table: bool = False

    def attach(self, summaries: Iterable[_Summary]) -> list[_Summary]:
        """Take the lines that are this section's; the others are returned."""
        others = []
        for summary in summaries:
            if summary.kind in (None, self.kind):
                self.summaries.append(summary)
            else:
                others.append(summary)
        return others


@dataclass(frozen=True)
class _Loose:
    """A line naming no kind beside a table, with no kind heading of its own."""

    section: _Section  # the table's
    tables: int  # result tables read by then
    opening: bool  # above the table, else below it


@dataclass
class _TableState:
    table: Table
    section: _Section | None
    kind_reported: bool = False


_BROKEN = Say("머리행보다 칸이 적습니다", "it has fewer cells than the header row")


@dataclass
class _Walk:
    rows: list[ReportRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    sections: list[_Section] = field(default_factory=list)
    text_lines: list[tuple[int, str]] = field(default_factory=list)
    heading: _Section | None = None  # from the nearest heading or paragraph naming a kind
    pending: list[_Summary] = field(default_factory=list)  # summary lines since that heading
    after_table: _Section | None = None  # the last table's section, until a kind heading
    # Lines naming no kind, under no kind heading, beside a table: whether they total
    # its section or the document is known at the end (see ``finish``).
    loose: dict[_Summary, _Loose] = field(default_factory=dict)
    tables: int = 0  # result tables read
    run: list[_Summary] = field(default_factory=list)  # consecutive summary lines
    run_heading: _Section | None = None  # the heading before that run
    declared: dict[_Summary, None] = field(default_factory=dict)  # for the whole document
    order: Counter[FindingKind] = field(default_factory=Counter)
    sequences: Sequences = field(default_factory=Sequences)
    first_table_line: int | None = None
    candidates: int = 0  # data rows seen, read or not

    def read(self, item: Block | Table) -> None:
        if isinstance(item, Block):
            self._block(item)
        else:
            self._table(item)

    def _section(self, kind: FindingKind) -> _Section:
        section = _Section(kind)
        self.sections.append(section)
        return section

    def _block(self, block: Block) -> None:
        self.text_lines.append((block.line, block.text))
        summary = _summary_of(block.text, block.line)
        if summary is None:
            self._end_run()
        elif not self.run:
            self.run_heading = self.heading
        if (kind := _kind_of(block.text)) is not None:
            self._drop(self.pending)
            self.heading, self.pending, self.after_table = self._section(kind), [], None
        if summary is None:
            return
        self.run.append(summary)
        if summary.kind is None and self.after_table is not None:
            self.loose[summary] = _Loose(self.after_table, self.tables, opening=False)
        else:
            self.pending.append(summary)

    def _drop(self, summaries: Iterable[_Summary]) -> None:
        """Lines no table took: they declare counts for the whole document."""
        self.declared.update(dict.fromkeys(summaries))

    def _end_run(self) -> None:
        """Consecutive lines naming two kinds or more are the document's overview."""
        run, self.run = self.run, []
        if len({s.kind for s in run if s.kind is not None}) < 2:
            return
        self._drop(run)
        self.pending = [s for s in self.pending if s not in self.declared]
        for summary in run:
            self.loose.pop(summary, None)
        self.heading = self.run_heading  # an overview's lines head no table

    def finish(self) -> None:
        self._end_run()
        self._drop(self.pending)
        self.pending = []
        kinds = {section.kind for section in self.sections if section.has_table}
        for summary, loose in self.loose.items():
            if loose.opening:  # "총 20건 중 완료 15건" above tables of several kinds
                whole = len(kinds) > 1
            else:  # "계 7건" closes the table above; "총 …" below the last one, the document
                whole = loose.tables == self.tables and bool(_GRAND_TOTAL.match(summary.text))
            if whole:
                self.declared[summary] = None
            else:
                loose.section.summaries.append(summary)
        self.loose = {}

    def _table(self, table: Table) -> None:
        self._end_run()
        rows = grid(table.rows)
        layout = layout_of(rows)
        if layout is None:  # a cover or 총괄 table: its rows may hold metadata
            self.text_lines += _cover_lines(rows)
            return
        if self.first_table_line is None:
            self.first_table_line = table.line
        self.tables += 1
        state = _TableState(table, self.heading)
        if (kind := _kind_of(table.caption)) is not None:
            state.section = self._section(kind)
        if state.section is not None:
            if self.heading is None:
                for unnamed in [s for s in self.pending if s.kind is None]:
                    self.loose[unnamed] = _Loose(state.section, self.tables, opening=True)
                self.pending = [s for s in self.pending if s.kind is not None]
            self._drop(state.section.attach(self.pending))
            state.section.has_table = True
            if summary := _summary_of(table.caption, table.caption_line or table.line):
                state.section.attach([summary])
        else:
            self._drop(self.pending)
        self.pending = []
        if Column.SEQ not in layout.columns:
            self.problems.append(problem("NO_SEQUENCE_COLUMN", layout.header_line))
        for row in rows[layout.first_row :]:
            self._grid_row(row, layout, state)
        self.after_table = state.section

    def _grid_row(self, row: GridRow, layout: Layout, state: _TableState) -> None:
        texts = row.texts()
        if not texts or layout.repeats_header(row):
            return  # blank, or the header repeated after a page break
        if len(set(texts)) == 1 and self._section_row(texts[0], row.line, state):
            return
        self.candidates += 1
        if state.section is None:
            if not state.kind_reported:
                self.problems.append(problem("TABLE_WITHOUT_KIND", state.table.line))
                state.kind_reported = True
            return
        self._data_row(row, layout, state.section)

    def _section_row(self, text: str, line: int, state: _TableState) -> bool:
        """A full-width row: "2. 건의사항" starts a kind, "계 7건 (…)" declares counts."""
        kind, summary = _kind_of(text), _summary_of(text, line)
        if kind is not None:
            state.section = self.heading = self._section(kind)
            state.section.has_table = True
        if summary is not None and state.section is not None:
            state.section.attach([summary])
        return kind is not None or summary is not None

    def _data_row(self, row: GridRow, layout: Layout, section: _Section) -> None:
        kind = section.kind
        self.order[kind] += 1
        if any(slot not in row.slots for slot in layout.required):
            self.problems.append(problem("BROKEN_ROW", row.line, why=_BROKEN))
            section.statuses.append(None)
            return
        seq = self._sequence(row, layout, kind)
        read = read_row(row, layout, kind, seq)
        section.statuses.append(read.status)
        self.problems += read.problems
        if read.row is not None:
            self.rows.append(read.row)

    def _sequence(self, row: GridRow, layout: Layout, kind: FindingKind) -> int:
        """연번 as written; else the order within the kind, with a warning."""
        seq = order = self.order[kind]
        if (slot := layout.slot(Column.SEQ)) is not None:
            text = row.text(slot)
            if (written := sequence_number(text)) is not None:
                seq = written
            elif text:
                found = problem("BAD_SEQUENCE", row.line, raw=text)
                self.problems.append(numbered_by_order(found, order))
            else:
                found = problem("MISSING_SEQUENCE", row.line, where=NOWHERE)
                self.problems.append(numbered_by_order(found, order))
        if (repeated := self.sequences.repeated(row.line, kind, seq)) is not None:
            self.problems.append(repeated)
        return seq


def _row_as_text(row: GridRow) -> list[str]:
    """A cover table's row as lines; "감사기간 | 2018. 11. 12." reads "감사기간 : …"."""
    cells = [cell.text for cell in row.own if cell.text]
    return [" : ".join(cells)] if len(cells) == 2 else cells


def _cover_lines(rows: list[GridRow]) -> list[tuple[int, str]]:
    """A cover table as lines: row by row, but a row of keys over a row of values
    ("감사기관 | 피감기관" over "○○구의회 | ○○과") reads column by column."""
    lines: list[tuple[int, str]] = []
    index = 0
    while index < len(rows):
        keys = [cell.text for cell in rows[index].own if cell.text]
        below = rows[index + 1] if index + 1 < len(rows) else None
        values = [cell.text for cell in below.own if cell.text] if below else []
        if (
            below is not None
            and len(keys) > 1
            and len(values) == len(keys)
            and all(map(is_metadata_key, keys))
            and not any(map(is_metadata_key, values))
        ):
            lines += [(below.line, f"{k} : {v}") for k, v in zip(keys, values, strict=True)]
            index += 2
            continue
        lines += [(rows[index].line, text) for text in _row_as_text(rows[index])]
        index += 1
    return lines


# --- counts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rows:
    """The rows a declaration is checked against: how many, and by status."""

    total: int
    found: Counter[Status]
    unknown: bool  # a refused row's status is unknown: totals only

    @staticmethod
    def of(statuses: Iterable[Status | None]) -> _Rows:
        found: Counter[Status | None] = Counter(statuses)
        unknown = found.pop(None, 0)
        known: Counter[Status] = Counter({s: n for s, n in found.items() if s is not None})
        return _Rows(known.total() + unknown, known, unknown > 0)


def _check_summary(kind: FindingKind | None, seen: _Rows, summary: _Summary) -> list[Problem]:
    """A mismatch is reported, never corrected: the document may be wrong either way.

    ``kind`` None: the line totals the whole document."""
    rows, found = seen.total, seen.found
    problems: list[Problem] = []
    mismatch = summary.total is not None and summary.total != rows
    if summary.counts:
        stated = sum(summary.counts.values())
        declared = summary.counts
        if not summary.partial:
            declared = {status: summary.counts.get(status, 0) for status in Status}
        if seen.unknown:
            mismatch |= stated > rows if summary.partial else stated != rows
        else:
            mismatch |= any(found[status] != n for status, n in declared.items())
        total = summary.total
        if total is not None and (stated > total if summary.partial else stated != total):
            source = Say(f"'{summary.text}'", f"'{summary.text}'")
            problems.append(
                problem("SUMMARY_INCONSISTENT", summary.line, source=source, total=summary.total)
            )
    if mismatch:
        declared_total = summary.total
        if declared_total is None:
            declared_total = sum(summary.counts.values())
        source = Say(f"'{summary.text}' 줄", f"the line '{summary.text}'")
        problems.append(
            count_mismatch(
                summary.line,
                kind,
                source,
                (declared_total, summary.counts),
                (rows, found),
            )
        )
    return problems


def _check_declared(walk: _Walk) -> list[Problem]:
    """Lines declaring counts for the whole document, against all its rows of the kind."""
    statuses: dict[FindingKind | None, list[Status | None]] = {}
    for section in walk.sections:
        if section.has_table:  # no table of a kind: the page publishes others only
            statuses.setdefault(section.kind, []).extend(section.statuses)
            statuses.setdefault(None, []).extend(section.statuses)
    seen = {kind: _Rows.of(found) for kind, found in statuses.items()}
    return [
        found
        for summary in walk.declared
        if summary.kind in seen
        for found in _check_summary(summary.kind, seen[summary.kind], summary)
    ]


# --- entry points -----------------------------------------------------------------------


def looks_like_html_report(text: str) -> bool:
    """Sniff content: HTML with a table whose header has a request and a result column."""
    if "<table" not in text.lower():
        return False
    flow, _ = read_html(text, is_result_table)
    return any(isinstance(item, Table) and is_result_table(item) for item in flow)


def parse_html_report(data: bytes, *, source_name: str = "") -> ParsedReport:
    """Parse a 처리결과 report published as HTML tables; never raises on bad input."""
    declared = declared_charset(data)
    prefer_cp949 = declared is not None and declared.codec == "cp949"
    opened = open_text(data, FORMAT, source_name, prefer_cp949=prefer_cp949)
    if isinstance(opened, ParsedReport):
        return opened
    charset = charset_problem(data, declared, opened.encoding)
    flow, malformed = read_html(opened.text, is_result_table)
    walk = _Walk()
    for item in flow:
        walk.read(item)
    walk.finish()
    metadata, meta_problems = read_metadata(walk.text_lines)
    problems = [*filter(None, [charset, malformed]), *meta_problems, *walk.problems]
    if walk.first_table_line is None:
        problems.append(document_problem("NO_RESULT_TABLE", 1, source_name))
    elif walk.candidates == 0:
        where = Say("처리결과 표에", "in the result tables")
        problems.append(problem("NO_ROWS", walk.first_table_line, where=where))
    for section in walk.sections:
        if section.summaries:
            seen = _Rows.of(section.statuses)
            for summary in section.summaries:
                problems += _check_summary(section.kind, seen, summary)
    problems += _check_declared(walk)
    return finished(FORMAT, opened.digest, opened.encoding, metadata, walk.rows, problems)


__all__ = ["FORMAT", "looks_like_html_report", "parse_html_report"]
