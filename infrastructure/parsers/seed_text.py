"""Parser for the seed's report layout: section "N. YYYY년 행정사무감사 처리결과".

The layout (a business report converted to text, see ``reference/seed-notes.md`` §2):
each data row is one physical line, ``request cell ⇥ result cell``, with HTML-ish
markup inside the cells (``seed_markup``). The kind of a row comes from the
page-header row that repeats at every page break (the body headings are missing in
the conversion), and a small 처리결과 총괄 table before the first block declares the
counts the rows must add up to.

Bad input never raises: every problem is returned with its 1-based physical line. A
document with any error yields no rows at all, because an import is all or nothing
(SPEC §6) and a partial set must never pass for the report.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from application.report import ParsedReport, Problem, ReportMetadata, ReportRow
from domain.vocabulary import KIND_LABELS, FindingKind, Status, normalise_kind, normalise_status
from infrastructure.parsers.date_cells import read_date_cell
from infrastructure.parsers.document import finished, has_errors, metadata_from, open_text, refused
from infrastructure.parsers.problems import (
    NOWHERE,
    Say,
    count_mismatch,
    document_problem,
    kind_named,
    problem,
)
from infrastructure.parsers.rows import report_row
from infrastructure.parsers.seed_markup import render
from infrastructure.parsers.text import (
    GENERIC_COUNCILS,
    collapse,
    list_lines,
    read_status,
    squash,
    trailing_bracket,
)

FORMAT = "seed_text"

# --- patterns -------------------------------------------------------------------

_ROMAN = r"(?:[IVXLC]+|[\u2160-\u216b])"  # ASCII or the Unicode Ⅰ…Ⅻ glyphs
# Patterns with a fullmatch are applied to stripped lines: no trailing \s* to retry.
_SECTION_HEADING = re.compile(
    rf"(?P<num>{_ROMAN}|[0-9]{{1,4}})\s*\.\s*(?P<year>[0-9]{{4}})\s*년\s*"
    r"행정사무감사\s*처리\s*결과"
)
_ROMAN_HEADING = re.compile(rf"\s*{_ROMAN}\s*\.\s+\S")
_ARABIC_HEADING = re.compile(r"\s*(?P<num>[0-9]{1,4})\s*\.\s+\S")

_SHORT_LINE = 40  # front-page labels and stray body headings ("4", "기타사항")

# Possessive quantifiers keep an unclosed "<tag" from being rescanned (linear time).
_CHECKBOX = re.compile(r"<input\b(?=[^<>]*checkbox)[^<>]*+>", re.IGNORECASE)
_STATUS_LINE = re.compile(r"\s*추진\s*상황\s*[:：]?(?P<raw>[^<]*)(?P<rest>.*)", re.DOTALL)
# A heading's text may sit behind opening tags ("<b>추진내용</b>").
_LEADING_TEXT = re.compile(r"(?:\s*+<[^<>]*+>)*+(?P<text>[^<]*+)(?P<rest>.*)", re.DOTALL)
# Where a heading without a closing tag ends: the first bullet of its body.
_BODY_BULLET = re.compile(r"[○●■□▪•※]|(?<!\S)-(?=\s)")
_DEPARTMENT_MAX = 40
_TABLE_CELL = re.compile(r"<t[dh]\b[^<>]*+>(?P<text>[^<]*+)", re.IGNORECASE)
_COUNT = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})*|[0-9]{1,9}")
_ZERO_MARKS = frozenset({"", "-", "－", "—", "–"})

# --- locating the section -----------------------------------------------------------


@dataclass(frozen=True)
class _Section:
    heading: int  # 0-based index of the heading line
    end: int  # exclusive
    year: int


def _section_end(lines: Sequence[str], heading: int, number: str) -> int:
    """The next heading of the same level: roman after roman, a number above N."""
    roman = not number.isdigit()
    for index in range(heading + 1, len(lines)):
        if roman and _ROMAN_HEADING.match(lines[index]):
            return index
        arabic = None if roman else _ARABIC_HEADING.match(lines[index])
        if arabic and int(arabic["num"]) > int(number):
            return index
    return len(lines)


def _sections(lines: Sequence[str]) -> Iterable[_Section]:
    for index, line in enumerate(lines):
        if match := _SECTION_HEADING.fullmatch(line.strip()):
            end = _section_end(lines, index, match.group("num"))
            yield _Section(index, end, int(match.group("year")))


def _find_section(lines: Sequence[str]) -> _Section | None:
    """The first matching section holding rows; a table of contents would hold none."""
    sections = list(_sections(lines))
    for section in sections:
        body = lines[section.heading + 1 : section.end]
        if any(_page_header_kind(line) is not None for line in body):
            return section
    return sections[0] if sections else None


# Sniffing reads the text in place (no copy of a large document's lines).
# Within one line, as the line-based check read it: white space but no newline.
_IN_LINE = _SECTION_HEADING.pattern.replace(r"\s", r"[^\S\n]")
_HEADING_LINE = re.compile(rf"^[^\S\n]*{_IN_LINE}[^\S\n]*$", re.MULTILINE)
_SUMMARY_TITLE = re.compile(r"처[^\S\n]*리[^\S\n]*결[^\S\n]*과[^\S\n]*총[^\S\n]*괄")


def looks_like_seed_report(text: str) -> bool:
    """Sniff content: a "N. YYYY년 행정사무감사 처리결과" heading, then a 총괄."""
    heading = _HEADING_LINE.search(text)
    return heading is not None and _SUMMARY_TITLE.search(text, heading.end()) is not None


# --- front page -------------------------------------------------------------------

_SESSION = re.compile(r"제\s*[0-9]+\s*회\s.*(?:정례회|임시회)")
_SESSION_COUNCIL = re.compile(r"제\s*[0-9]+\s*회\s+(?P<council>\S+의회)\s")
_FRONT_PAGE_MAX_LINES = 60


def _front_page(lines: Sequence[str]) -> list[str]:
    """The lines before the first roman heading (the title page of the report)."""
    front: list[str] = []
    for line in lines[:_FRONT_PAGE_MAX_LINES]:
        if _ROMAN_HEADING.match(line):
            break
        front.append(line)
    return front


def _is_label(line: str) -> bool:
    return "\t" not in line and 0 < len(line.strip()) <= _SHORT_LINE


_NOT_FOUND = (
    ("committee", Say("위원회를", "committee")),
    ("report_date", Say("보고일을", "report date")),
    ("audited_body", Say("피감기관을", "audited body")),
)


def _read_metadata(lines: Sequence[str], year: int | None) -> tuple[ReportMetadata, list[Problem]]:
    """Session, committee, report date and audited body, found by their shape."""
    problems: list[Problem] = []
    values: dict[str, object] = {"year": year}
    date_index: int | None = None
    front = _front_page(lines)
    for index, line in enumerate(front):
        text = line.strip()
        if "session" not in values and _SESSION.fullmatch(text) and "\t" not in line:
            values["session"] = session = collapse(line)
            match = _SESSION_COUNCIL.search(session + " ")
            if match and match["council"] not in GENERIC_COUNCILS:
                values["council"] = match["council"]
        elif "committee" not in values and _is_label(line) and text.endswith("위원회"):
            values["committee"] = collapse(line)
        elif date_index is None and len(text) <= _SHORT_LINE:
            # The report date: a line holding one day ("2018. 11. 15").
            cell = read_date_cell(text)
            if cell.impossible:
                problems.append(problem("BAD_REPORT_DATE", index + 1, raw=text))
            elif cell.day is None:
                continue
            date_index = index
            values["report_date"] = cell.day
    if date_index is not None:
        # The audited body is named on the first line after the report date.
        following = [line for line in front[date_index + 1 :] if line.strip()]
        if following and _is_label(following[0]) and not following[0][:1].isdigit():
            values["audited_body"] = collapse(following[0])
    for name, what in _NOT_FOUND:
        if values.get(name) is None:
            problems.append(problem("METADATA_NOT_FOUND", 1, what=what))
    return metadata_from(values), problems


# --- the 처리결과 총괄 table ----------------------------------------------------------


@dataclass
class _Summary:
    header_line: int
    counts: dict[FindingKind, dict[Status, int]] = field(default_factory=dict)
    lines: dict[FindingKind, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Layout:
    """Where the 총괄 header row puts each status and the 계 (total) column."""

    statuses: dict[int, Status]
    total: int | None

    @property
    def columns(self) -> list[int]:
        return [*self.statuses, *([] if self.total is None else [self.total])]


def _count(cell: str) -> int | None:
    cell = squash(cell)
    if cell in _ZERO_MARKS:
        return 0  # the table writes "-" for none
    if _COUNT.fullmatch(cell):
        return int(cell.replace(",", ""))
    return None


def _summary_layout(line: str) -> _Layout | None:
    """The layout of the table's header row, if the line is one."""
    cells = line.split("\t")
    statuses = {i: s for i, c in enumerate(cells) if (s := normalise_status(c))}
    if len(statuses) < 2:
        return None
    total = next((i for i, c in enumerate(cells) if squash(c) == "계"), None)
    return _Layout(statuses, total)


def _summary_row(summary: _Summary, lineno: int, line: str, layout: _Layout) -> list[Problem]:
    """One kind's declared counts; the grand-total row (계) is not needed."""
    cells = line.split("\t") + [""] * (max(layout.columns) + 1)  # short rows
    labels = [c.strip() for c in cells[: min(layout.columns)] if c.strip()]
    label = labels[-1] if labels else ""
    if squash(label) == "계":
        return []
    if (kind := normalise_kind(label)) is None:
        return [problem("UNKNOWN_SUMMARY_ROW", lineno, raw=collapse(line))]
    counts = {status: _count(cells[i]) for i, status in layout.statuses.items()}
    total = _count(cells[layout.total]) if layout.total is not None else None
    if any(value is None for value in counts.values()):
        return [problem("BAD_SUMMARY_VALUE", lineno, kind=kind_named(kind))]
    summary.counts[kind] = {s: n for s, n in counts.items() if n is not None}
    summary.lines[kind] = lineno
    if total is not None and total != sum(summary.counts[kind].values()):
        source = Say(f"처리결과 총괄 {KIND_LABELS[kind]}", f"처리결과 총괄, {kind.value}")
        return [problem("SUMMARY_INCONSISTENT", lineno, source=source, total=total)]
    return []


def _read_summary(
    preamble: Sequence[tuple[int, str]],
) -> tuple[_Summary | None, list[Problem]]:
    """Parse the 처리결과 총괄 table: kind -> status -> declared count."""
    layout: _Layout | None = None
    summary: _Summary | None = None
    problems: list[Problem] = []
    for lineno, line in preamble:
        if layout is None or summary is None:
            layout = _summary_layout(line)
            summary = _Summary(lineno) if layout else None
        elif "\t" in line:
            problems += _summary_row(summary, lineno, line, layout)
        elif line.strip():
            break  # the text after the table
    return summary, problems


# --- data rows --------------------------------------------------------------------


def _page_header_kind(line: str) -> FindingKind | None:
    """The kind a repeated page-header row announces ("건의사항⇥조치결과")."""
    cells = line.split("\t")
    if len(cells) < 2 or not squash(cells[1]).startswith("조치결과"):
        return None
    return normalise_kind(cells[0])


def _looks_like_row(line: str) -> bool:
    return render(line.split("\t", 1)[0]).startswith("○") or "추진상황" in line


@dataclass
class _Result:
    """What a result cell says, gathered block by block."""

    status_raw: str | None = None
    texts: dict[str, list[str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def add(self, name: str | None, text: str) -> None:
        if text and name is not None:
            self.texts.setdefault(name, []).append(text)

    def text(self, name: str) -> str | None:
        return list_lines(" ".join(self.texts[name])) if name in self.texts else None


def _field_for(heading: str) -> str | None:
    """Which field a checkbox heading opens: 추진내용…, 향후계획, 부진사유."""
    key = squash(heading)
    if key.startswith(("추진내용", "조치내용", "추진실적")):
        return "actions"  # also the combined 추진내용 및 향후(추진)계획
    if key.startswith(("향후", "추진계획")):
        return "plans"
    if key.startswith("부진"):
        return "delay_reason"
    return None


def _split_heading(segment: str) -> tuple[str, str]:
    """A heading is the text up to its closing tag, or up to its first bullet."""
    match = _LEADING_TEXT.match(segment)
    assert match is not None  # the pattern matches any string
    heading, rest = match["text"], match["rest"]
    if bullet := _BODY_BULLET.search(heading):
        heading, rest = heading[: bullet.start()], heading[bullet.start() :] + rest
    return collapse(html.unescape(heading)), rest


def _read_result(cell: str, lineno: int) -> _Result:
    """Status and the checkbox-headed blocks of a result cell.

    Text under no heading (after the status line, before the first heading) is a
    note on the status, which no field holds.
    """
    result = _Result()
    current: str | None = None
    for segment in _CHECKBOX.split(cell):
        if status := _STATUS_LINE.match(segment):
            if result.status_raw is not None:
                result.problems.append(problem("DUPLICATE_STATUS", lineno))
            result.status_raw = collapse(html.unescape(status["raw"]))
            current = None
            continue
        heading, body = _split_heading(segment)
        name = _field_for(heading) if heading else None
        if name is None:
            if heading:
                result.problems.append(problem("UNKNOWN_HEADING", lineno, raw=heading))
            result.add(current, render(segment))
            continue
        current = name
        result.add(name, render(body))
    return result


def _split_department(request: str) -> tuple[str, str | None]:
    """The department is the last parenthesised group at the end of the request."""
    split = trailing_bracket(request)
    if split is None:
        return request, None
    before, name = split
    if not name or "," in name or len(name) > _DEPARTMENT_MAX:
        return request, None  # a remark in brackets, not a department
    return before, name


def _check_extra_cells(cells: Sequence[str], lineno: int) -> list[Problem]:
    """Cells after the second must be a flattened copy of the result cell's table.

    Anything else would be text cut off the row by a stray tab: say so, as it is
    not read.
    """
    extra = {squash(c) for c in cells[2:] if c.strip()}
    table = {squash(html.unescape(m["text"])) for m in _TABLE_CELL.finditer(cells[1])}
    if extra <= table:
        return []
    where = Say(
        "조치결과 칸 뒤 탭으로 나뉜(표의 사본이 아닌)",
        "after the result cell, split off by a tab (not a copy of its table),",
    )
    return [problem("EXTRA_CELLS", lineno, where=where)]


_BROKEN = Say(
    "요구사항 칸 뒤에 탭으로 구분된 조치결과 칸이 없습니다",
    "no tab-separated result cell after the request cell",
)
_NO_STATUS_LINE = Say(
    "(조치결과에 '추진상황 : …' 줄이 없음)", ": the result cell has no '추진상황 : …' line"
)


def _parse_row(
    line: str, lineno: int, kind: FindingKind, seq: int
) -> tuple[ReportRow | None, list[Problem]]:
    cells = line.split("\t")
    if len(cells) < 2 or not render(cells[1]):
        return None, [problem("BROKEN_ROW", lineno, why=_BROKEN)]
    request, department = _split_department(render(cells[0]).removeprefix("○").strip())
    result = _read_result(cells[1], lineno)
    problems = list(result.problems) + _check_extra_cells(cells, lineno)
    if department is None:
        problems.append(problem("MISSING_DEPARTMENT", lineno))
    if not request:
        problems.append(problem("MISSING_REQUEST", lineno, where=NOWHERE))
    status_raw = result.status_raw or ""
    status, status_problem = read_status(lineno, status_raw, _NO_STATUS_LINE)
    problems += filter(None, [status_problem])
    if has_errors(problems) or department is None or status is None:
        return None, problems
    row = report_row(lineno, kind, seq, department, request, status_raw, status, text=result.text)
    return row, problems


# --- walking the section ----------------------------------------------------------


@dataclass
class _Walk:
    """State while reading the section line by line."""

    rows: list[ReportRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    preamble: list[tuple[int, str]] = field(default_factory=list)
    kind: FindingKind | None = None
    seen_header: bool = False
    candidates: int = 0
    seqs: Counter[FindingKind] = field(default_factory=Counter)
    # Cells the converter flattened out of the previous row's embedded table.
    duplicates: frozenset[str] = frozenset()

    def read(self, lineno: int, line: str) -> None:
        if (kind := _page_header_kind(line)) is not None:
            self.kind, self.seen_header = kind, True
        elif _looks_like_row(line):
            self._row(lineno, line)
        elif not self.seen_header:
            self.preamble.append((lineno, line))
        elif line.strip():
            self._other(lineno, line)

    def _row(self, lineno: int, line: str) -> None:
        self.candidates += 1
        if self.kind is None:
            self.problems.append(problem("ROW_WITHOUT_KIND", lineno))
            return
        self.seqs[self.kind] += 1
        row, problems = _parse_row(line, lineno, self.kind, self.seqs[self.kind])
        self.problems += problems
        if row is not None:
            self.rows.append(row)
        cells = line.split("\t")[2:]
        self.duplicates = frozenset(squash(c) for c in cells if c.strip())

    def _other(self, lineno: int, line: str) -> None:
        cells = [squash(c) for c in line.split("\t") if c.strip()]
        if "\t" in line and cells and set(cells) <= self.duplicates:
            return  # a flattened copy of the previous row's table (lines 1601-1602)
        if "\t" not in line and len(line.strip()) <= _SHORT_LINE:
            return  # a stray body heading ("4", "기타사항")
        self.problems.append(problem("UNRECOGNISED_LINE", lineno))


# --- counts -----------------------------------------------------------------------

_SUMMARY_TABLE = Say("처리결과 총괄", "the 처리결과 총괄")


def _compare_counts(
    summary: _Summary, rows: Sequence[ReportRow], candidates: Counter[FindingKind]
) -> list[Problem]:
    """A mismatch is reported, never corrected: the document may be wrong either way.

    A kind with rows refused by an error is compared by its total only: the row's
    own error says what is wrong, and its status is unknown.
    """
    problems: list[Problem] = []
    for kind in FindingKind:
        declared = {s: summary.counts.get(kind, {}).get(s, 0) for s in Status}
        found = Counter(row.status for row in rows if row.kind is kind)
        found_total = found.total()
        if found_total != candidates[kind]:
            mismatch = sum(declared.values()) != candidates[kind]
        else:
            mismatch = any(declared[s] != found[s] for s in Status)
        if mismatch:
            line = summary.lines.get(kind, summary.header_line)
            problems.append(
                count_mismatch(
                    line,
                    kind,
                    _SUMMARY_TABLE,
                    (sum(declared.values()), declared),
                    (found_total, found),
                )
            )
    return problems


# --- entry point ------------------------------------------------------------------


def parse_seed_report(data: bytes, *, source_name: str = "") -> ParsedReport:
    """Parse the 처리결과 section of a seed-layout report; never raises on bad input."""
    opened = open_text(data, FORMAT, source_name)
    if isinstance(opened, ParsedReport):
        return opened
    # Physical lines, as an editor counts them; the last one may lack its newline.
    lines = [line.removesuffix("\r") for line in opened.text.split("\n")]
    digest, encoding = opened.digest, opened.encoding
    del opened  # the lines hold the text now: a large document is not kept twice
    section = _find_section(lines)
    metadata, problems = _read_metadata(lines, section.year if section else None)
    if section is None:
        # Not this layout at all: front-page gaps would only bury the one problem.
        not_found = document_problem("SECTION_NOT_FOUND", 1, source_name)
        return refused(FORMAT, digest, encoding, not_found, metadata=metadata)
    walk = _Walk()
    for index in range(section.heading + 1, section.end):
        walk.read(index + 1, lines[index])
    summary, summary_problems = _read_summary(walk.preamble)
    problems += walk.problems + summary_problems
    heading_line = section.heading + 1
    if walk.candidates == 0:
        where = Say("처리결과 절에", "in the section")
        problems.append(problem("NO_ROWS", heading_line, where=where))
    if summary is None:
        problems.append(problem("SUMMARY_NOT_FOUND", heading_line))
    else:
        problems += _compare_counts(summary, walk.rows, walk.seqs)
    return finished(FORMAT, digest, encoding, metadata, walk.rows, problems)
