"""Parser for the seed's report layout: section "N. YYYY년 행정사무감사 처리결과".

The layout (a business report converted to text, see ``reference/seed-notes.md`` §2):
each data row is one physical line, ``request cell ⇥ result cell``, with HTML-ish
markup inside the cells. The kind of a row comes from the page-header row that repeats
at every page break (the body headings are missing in the conversion), and a small
처리결과 총괄 table before the first block declares the counts the rows must add up to.

Bad input never raises: every problem is returned with its 1-based physical line. A
document with any error yields no rows at all, because an import is all or nothing
(SPEC §6) and a partial set must never pass for the report.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

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
from infrastructure.parsers.common import decode_text, missing_request, prefix, unknown_status

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

_FRONT_DATE = re.compile(r"(?P<y>[0-9]{4})\s*\.\s*(?P<m>[0-9]{1,2})\s*\.\s*(?P<d>[0-9]{1,2})\.?")
_SESSION = re.compile(r"제\s*[0-9]+\s*회\s.*(?:정례회|임시회)")
_SESSION_COUNCIL = re.compile(r"제\s*[0-9]+\s*회\s+(?P<council>\S+의회)\s")
# "시의회" alone names no council: which city's is for the caller to say.
_GENERIC_COUNCILS = frozenset({"의회", "시의회", "도의회", "구의회", "군의회"})
_FRONT_PAGE_MAX_LINES = 60
_SHORT_LINE = 40  # front-page labels and stray body headings ("4", "기타사항")

# Possessive quantifiers keep an unclosed "<tag" from being rescanned (linear time).
_CHECKBOX = re.compile(r"<input\b(?=[^<>]*checkbox)[^<>]*+>", re.IGNORECASE)
_STATUS_LINE = re.compile(r"\s*추진\s*상황\s*[:：]?(?P<raw>[^<]*)(?P<rest>.*)", re.DOTALL)
# A heading's text may sit behind opening tags ("<b>추진내용</b>").
_LEADING_TEXT = re.compile(r"(?:\s*+<[^<>]*+>)*+(?P<text>[^<]*+)(?P<rest>.*)", re.DOTALL)
# Where a heading without a closing tag ends: the first bullet of its body.
_BODY_BULLET = re.compile(r"[○●■□▪•※]|(?<!\S)-(?=\s)")
_DEPARTMENT = re.compile(r"[(（](?P<name>[^()（）]*+)[)）]\s*+$")
_DEPARTMENT_MAX = 40

_TAG = re.compile(
    r"<!--.*?(?:-->|\Z)|<\s*+(?P<close>/?)\s*+(?P<name>[A-Za-z][\w:-]*+)[^<>]*+>",
    re.DOTALL,
)
# Inline tags join their text to the neighbours; every other tag separates words.
_INLINE_TAGS = frozenset(
    {"a", "b", "i", "u", "s", "em", "strong", "span", "font", "sup", "sub", "small"}
)
_TABLE_CELL = re.compile(r"<t[dh]\b[^<>]*+>(?P<text>[^<]*+)", re.IGNORECASE)
_WHITESPACE = re.compile(r"\s+")
_COUNT = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})*|[0-9]{1,9}")
_ZERO_MARKS = frozenset({"", "-", "－", "—", "–"})


# --- small helpers ----------------------------------------------------------------


def _collapse(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


def _squash(text: str) -> str:
    return _WHITESPACE.sub("", text)


class _TextBuilder:
    """Flattens cell markup to one line; a <table> becomes [표: a | b / c | d]."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._table: list[list[str]] | None = None
        self._depth = 0

    def text(self, chunk: str) -> None:
        if self._table is None:
            self._parts.append(chunk)
        else:
            self._cell_text(chunk)

    def tag(self, name: str, *, closing: bool) -> None:
        if name == "table":
            self._table_tag(closing=closing)
        elif self._table is not None and self._depth == 1 and not closing:
            if name == "tr":
                self._table.append([])
            elif name in ("td", "th"):
                self._row().append("")
            else:
                self._cell_text(" ")
        elif name not in _INLINE_TAGS:
            self.text(" ")

    def result(self) -> str:
        self._flush_table()
        return _collapse("".join(self._parts))

    def _table_tag(self, *, closing: bool) -> None:
        if not closing:
            self._depth += 1
            if self._depth == 1:
                self._table = []
        elif self._depth > 0:
            self._depth -= 1
            if self._depth == 0:
                self._flush_table()

    def _row(self) -> list[str]:
        assert self._table is not None
        if not self._table:
            self._table.append([])
        return self._table[-1]

    def _cell_text(self, chunk: str) -> None:
        row = self._row()
        if not row:
            if not chunk.strip():
                return  # layout white space between <tr> and its first cell
            row.append("")
        row[-1] += chunk

    def _flush_table(self) -> None:
        if self._table is None:
            return
        rows = [[_collapse(cell) for cell in row] for row in self._table]
        body = " / ".join(" | ".join(row) for row in rows if any(row))
        self._parts.append(f" [표: {body}] " if body else " ")
        self._table = None
        self._depth = 0


def _render(fragment: str) -> str:
    """Cell markup as text: tags stripped, entities decoded, white space collapsed."""
    if "<" not in fragment:  # plain text, as most 기타 cells: no markup to walk
        return _collapse(html.unescape(fragment) if "&" in fragment else fragment)
    unescape = html.unescape if "&" in fragment else str
    builder = _TextBuilder()
    position = 0
    for match in _TAG.finditer(fragment):
        builder.text(unescape(fragment[position : match.start()]))
        name = match.group("name")
        if name:
            builder.tag(name.lower(), closing=bool(match.group("close")))
        position = match.end()
    builder.text(unescape(fragment[position:]))
    return builder.result()


# --- decoding ---------------------------------------------------------------------


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


def looks_like_seed_report(text: str) -> bool:
    """Sniff content: a "N. YYYY년 행정사무감사 처리결과" heading, then a 총괄."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if _SECTION_HEADING.fullmatch(line.strip()):
            return any("처리결과총괄" in _squash(later) for later in lines[index + 1 :])
    return False


# --- front page -------------------------------------------------------------------


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


def _read_date(line: str, lineno: int) -> tuple[date | None, list[Problem]]:
    match = _FRONT_DATE.fullmatch(line.strip())
    if match is None:
        return None, []
    try:
        return date(int(match["y"]), int(match["m"]), int(match["d"])), []
    except ValueError:
        return None, [
            warning(
                lineno,
                "BAD_REPORT_DATE",
                f"보고일 '{line.strip()}'은(는) 없는 날짜입니다.",
                f"The report date '{line.strip()}' is not a calendar date.",
            )
        ]


def _read_metadata(lines: Sequence[str], year: int | None) -> tuple[ReportMetadata, list[Problem]]:
    """Session, committee, report date and audited body, found by their shape."""
    problems: list[Problem] = []
    session = council = committee = body = None
    report_date: date | None = None
    date_index: int | None = None
    front = _front_page(lines)
    for index, line in enumerate(front):
        if session is None and _SESSION.fullmatch(line.strip()) and "\t" not in line:
            session = _collapse(line)
            match = _SESSION_COUNCIL.search(session + " ")
            if match and match["council"] not in _GENERIC_COUNCILS:
                council = match["council"]
        elif committee is None and _is_label(line) and line.strip().endswith("위원회"):
            committee = _collapse(line)
        elif date_index is None and _FRONT_DATE.fullmatch(line.strip()):
            date_index = index
            report_date, found = _read_date(line, index + 1)
            problems += found
    if date_index is not None:
        # The audited body is named on the first line after the report date.
        following = [line for line in front[date_index + 1 :] if line.strip()]
        if following and _is_label(following[0]) and not following[0][:1].isdigit():
            body = _collapse(following[0])
    for value, ko, en in (
        (committee, "위원회를", "committee"),
        (report_date, "보고일을", "report date"),
        (body, "피감기관을", "audited body"),
    ):
        if value is None:
            problems.append(
                warning(
                    1,
                    "METADATA_NOT_FOUND",
                    f"표지에서 {ko} 찾지 못했습니다.",
                    f"No {en} found on the front page.",
                )
            )
    metadata = ReportMetadata(
        year=year,
        council=council,
        committee=committee,
        audited_body=body,
        report_date=report_date,
        session=session,
    )
    return metadata, problems


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
    cell = _squash(cell)
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
    total = next((i for i, c in enumerate(cells) if _squash(c) == "계"), None)
    return _Layout(statuses, total)


def _summary_problem(lineno: int, code: str, ko: str, en: str) -> Problem:
    return warning(lineno, code, f"처리결과 총괄: {ko}", f"처리결과 총괄: {en}")


def _summary_row(summary: _Summary, lineno: int, line: str, layout: _Layout) -> list[Problem]:
    """One kind's declared counts; the grand-total row (계) is not needed."""
    cells = line.split("\t") + [""] * (max(layout.columns) + 1)  # short rows
    labels = [c.strip() for c in cells[: min(layout.columns)] if c.strip()]
    label = labels[-1] if labels else ""
    if _squash(label) == "계":
        return []
    if (kind := normalise_kind(label)) is None:
        return [
            _summary_problem(
                lineno,
                "UNKNOWN_SUMMARY_ROW",
                f"구분을 알 수 없는 행입니다: '{_collapse(line)[:60]}'",
                f"a row of unknown kind: '{_collapse(line)[:60]}'.",
            )
        ]
    counts = {status: _count(cells[i]) for i, status in layout.statuses.items()}
    total = _count(cells[layout.total]) if layout.total is not None else None
    if any(value is None for value in counts.values()):
        return [
            _summary_problem(
                lineno,
                "BAD_SUMMARY_VALUE",
                f"{KIND_LABELS[kind]} 행에 건수가 아닌 값이 있습니다.",
                f"the {kind.value} row holds a value that is not a count.",
            )
        ]
    summary.counts[kind] = {s: n for s, n in counts.items() if n is not None}
    summary.lines[kind] = lineno
    if total is not None and total != sum(summary.counts[kind].values()):
        return [
            _summary_problem(
                lineno,
                "SUMMARY_INCONSISTENT",
                f"{KIND_LABELS[kind]}의 계 {total}건이 상태별 건수의 합과 다릅니다.",
                f"the {kind.value} total {total} is not the sum of its statuses.",
            )
        ]
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
    if len(cells) < 2 or not _squash(cells[1]).startswith("조치결과"):
        return None
    return normalise_kind(cells[0])


def _looks_like_row(line: str) -> bool:
    return _render(line.split("\t", 1)[0]).startswith("○") or "추진상황" in line


@dataclass
class _Result:
    """What a result cell says, gathered block by block."""

    status_raw: str | None = None
    texts: dict[str, list[str]] = field(default_factory=dict)
    headings: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def add(self, name: str, text: str) -> None:
        if text:
            self.texts.setdefault(name, []).append(text)

    def text(self, name: str) -> str | None:
        return " ".join(self.texts[name]) if name in self.texts else None


def _field_for(heading: str) -> str | None:
    """Which field a checkbox heading opens: 추진내용…, 향후계획, 부진사유."""
    key = _squash(heading)
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
    return _collapse(html.unescape(heading)), rest


def _read_result(cell: str, lineno: int) -> _Result:
    """Status, status note and the checkbox-headed blocks of a result cell."""
    result = _Result()
    current = "status_note"  # text under no heading yet
    for segment in _CHECKBOX.split(cell):
        if status := _STATUS_LINE.match(segment):
            if result.status_raw is not None:
                result.problems.append(_duplicate_status(lineno))
            result.status_raw = _collapse(html.unescape(status["raw"]))
            current = "status_note"
            result.add(current, _render(status["rest"]))
            continue
        heading, body = _split_heading(segment)
        name = _field_for(heading) if heading else None
        if name is None:
            if heading:
                result.problems.append(_unknown_heading(lineno, heading))
            result.add(current, _render(segment))
            continue
        current = name
        result.headings.setdefault(name, heading)
        result.add(name, _render(body))
    return result


def _split_department(request: str) -> tuple[str, str | None]:
    """The department is the last parenthesised group at the end of the request."""
    match = _DEPARTMENT.search(request)
    if match is None:
        return request, None
    name = _collapse(match["name"])
    if not name or "," in name or len(name) > _DEPARTMENT_MAX:
        return request, None  # a remark in brackets, not a department
    return request[: match.start()].strip(), name


def _check_extra_cells(cells: Sequence[str], lineno: int) -> list[Problem]:
    """Cells after the second must be a flattened copy of the result cell's table.

    Anything else would be text cut off the row by a stray tab: say so, as it is
    not read.
    """
    extra = {_squash(c) for c in cells[2:] if c.strip()}
    table = {_squash(html.unescape(m["text"])) for m in _TABLE_CELL.finditer(cells[1])}
    if extra <= table:
        return []
    return [
        warning(
            lineno,
            "EXTRA_CELLS",
            "조치결과 칸 뒤의 탭 칸은 읽지 않았습니다(표의 사본이 아닙니다).",
            "Tab cells after the result cell were not read (not a copy of its table).",
        )
    ]


def _parse_row(
    line: str, lineno: int, kind: FindingKind, seq: int
) -> tuple[ReportRow | None, list[Problem]]:
    cells = line.split("\t")
    if len(cells) < 2 or not _render(cells[1]):
        return None, [_broken_row(lineno)]
    request, department = _split_department(_render(cells[0]).removeprefix("○").strip())
    result = _read_result(cells[1], lineno)
    problems = list(result.problems) + _check_extra_cells(cells, lineno)
    if department is None:
        problems.append(_missing_department(lineno))
    if not request:
        problems.append(missing_request(lineno))
    status = None
    if not result.status_raw:
        problems.append(_missing_status(lineno))
    elif (status := normalise_status(result.status_raw)) is None:
        problems.append(unknown_status(lineno, result.status_raw))
    if any(p.severity is Severity.ERROR for p in problems):
        return None, problems
    assert department is not None and status is not None and result.status_raw
    row = ReportRow(
        line=lineno,
        kind=kind,
        seq=seq,
        department=department,
        request=request,
        status_raw=result.status_raw,
        status=status,
        actions=result.text("actions"),
        plans=result.text("plans"),
        delay_reason=result.text("delay_reason"),
        actions_heading=result.headings.get("actions"),
        plans_heading=result.headings.get("plans"),
        status_note=result.text("status_note"),
    )
    return row, problems


# --- problems of a row ------------------------------------------------------------


def _broken_row(lineno: int) -> Problem:
    return error(
        lineno,
        "BROKEN_ROW",
        "행이 잘렸습니다: 요구사항 칸 뒤에 탭으로 구분된 조치결과 칸이 없습니다.",
        "Broken row: no tab-separated result cell after the request cell.",
    )


def _missing_department(lineno: int) -> Problem:
    return error(
        lineno,
        "MISSING_DEPARTMENT",
        "요구사항 끝에 괄호로 쓴 담당부서가 없습니다.",
        "No responsible department in brackets at the end of the request.",
    )


def _missing_status(lineno: int) -> Problem:
    return error(
        lineno,
        "MISSING_STATUS",
        "조치결과에 '추진상황 : …'이 없습니다.",
        "The result cell has no '추진상황 : …' status line.",
    )


def _duplicate_status(lineno: int) -> Problem:
    return error(
        lineno,
        "DUPLICATE_STATUS",
        "한 행에 추진상황이 두 번 있습니다.",
        "The row states its status twice.",
    )


def _unknown_heading(lineno: int, heading: str) -> Problem:
    return warning(
        lineno,
        "UNKNOWN_HEADING",
        f"알 수 없는 항목 '{heading}'은(는) 앞 항목에 이어 붙였습니다.",
        f"Unknown heading '{heading}': its text was kept with the preceding block.",
    )


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
            self.problems.append(_row_without_kind(lineno))
            return
        self.seqs[self.kind] += 1
        row, problems = _parse_row(line, lineno, self.kind, self.seqs[self.kind])
        self.problems += problems
        if row is not None:
            self.rows.append(row)
        cells = line.split("\t")[2:]
        self.duplicates = frozenset(_squash(c) for c in cells if c.strip())

    def _other(self, lineno: int, line: str) -> None:
        cells = [_squash(c) for c in line.split("\t") if c.strip()]
        if "\t" in line and cells and set(cells) <= self.duplicates:
            return  # a flattened copy of the previous row's table (lines 1601-1602)
        if "\t" not in line and len(line.strip()) <= _SHORT_LINE:
            return  # a stray body heading ("4", "기타사항")
        self.problems.append(
            warning(
                lineno,
                "UNRECOGNISED_LINE",
                "행으로 읽지 않은 줄입니다.",
                "This line was not read as a row.",
            )
        )


def _row_without_kind(lineno: int) -> Problem:
    return error(
        lineno,
        "ROW_WITHOUT_KIND",
        "구분(시정·처리요구사항/건의사항/기타) 머리행보다 앞에 있는 행입니다.",
        "Row before any page header naming its kind (시정·건의·기타).",
    )


# --- counts -----------------------------------------------------------------------


# The 총괄 table's column order, for messages.
_SUMMARY_ORDER = (
    Status.COMPLETED,
    Status.IN_PROGRESS,
    Status.UNDER_REVIEW,
    Status.NOT_ADOPTED,
)


def _describe(counts: dict[Status, int], *, english: bool) -> str:
    total = sum(counts.values())
    parts = [
        f"{status.value if english else STATUS_LABELS[status]} {counts[status]}"
        for status in _SUMMARY_ORDER
        if counts.get(status)
    ]
    listed = f" ({', '.join(parts)})" if parts else ""
    return f"{total}{listed}" if english else f"{total}건{listed}"


def _count_mismatch(
    line: int, kind: FindingKind, declared: dict[Status, int], found: dict[Status, int]
) -> Problem:
    return warning(
        line,
        "COUNT_MISMATCH",
        f"{KIND_LABELS[kind]}: 처리결과 총괄은 {_describe(declared, english=False)}"
        f"인데 찾은 행은 {_describe(found, english=False)}입니다.",
        f"{kind.value}: the 처리결과 총괄 declares {_describe(declared, english=True)}"
        f" but {_describe(found, english=True)} rows were found.",
    )


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
        found = dict.fromkeys(Status, 0)
        for row in rows:
            if row.kind is kind:
                found[row.status] += 1
        if sum(found.values()) != candidates[kind]:
            mismatch = sum(declared.values()) != candidates[kind]
        else:
            mismatch = declared != found
        if mismatch:
            line = summary.lines.get(kind, summary.header_line)
            problems.append(_count_mismatch(line, kind, declared, found))
    return problems


# --- entry point ------------------------------------------------------------------


def _document_problem(code: str, ko: str, en: str, source_name: str) -> Problem:
    name = prefix(source_name)
    return error(1, code, name + ko, name + en)


def parse_seed_report(data: bytes, *, source_name: str = "") -> ParsedReport:
    """Parse the 처리결과 section of a seed-layout report; never raises on bad input."""
    digest = hashlib.sha256(data).hexdigest()
    decoded = decode_text(data, source_name)
    if isinstance(decoded, Problem):
        return ParsedReport(FORMAT, digest, "unknown", ReportMetadata(), (), (decoded,))
    text, encoding = decoded
    if not text.strip():
        problem = _document_problem(
            "EMPTY_DOCUMENT", "빈 파일입니다.", "The file is empty.", source_name
        )
        return ParsedReport(FORMAT, digest, encoding, ReportMetadata(), (), (problem,))
    # Physical lines, as an editor counts them; the last one may lack its newline.
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    section = _find_section(lines)
    metadata, problems = _read_metadata(lines, section.year if section else None)
    if section is None:
        # Not this layout at all: front-page gaps would only bury the one problem.
        problems = [
            _document_problem(
                "SECTION_NOT_FOUND",
                "'N. YYYY년 행정사무감사 처리결과' 절을 찾지 못했습니다.",
                "No section headed 'N. YYYY년 행정사무감사 처리결과' was found.",
                source_name,
            )
        ]
        return ParsedReport(FORMAT, digest, encoding, metadata, (), tuple(problems))
    walk = _Walk()
    for index in range(section.heading + 1, section.end):
        walk.read(index + 1, lines[index])
    summary, summary_problems = _read_summary(walk.preamble)
    problems += walk.problems + summary_problems
    heading_line = section.heading + 1
    if walk.candidates == 0:
        problems.append(
            error(
                heading_line,
                "NO_ROWS",
                "처리결과 절에 요구사항 행이 없습니다.",
                "The section holds no finding rows.",
            )
        )
    if summary is None:
        problems.append(
            warning(
                heading_line,
                "SUMMARY_NOT_FOUND",
                "처리결과 총괄 표를 찾지 못해 건수를 대조하지 못했습니다.",
                "No 처리결과 총괄 table: the row counts were not checked.",
            )
        )
    else:
        problems += _compare_counts(summary, walk.rows, walk.seqs)
    problems.sort(key=lambda p: p.line or 0)
    failed = any(p.severity is Severity.ERROR for p in problems)
    return ParsedReport(
        format=FORMAT,
        document_hash=digest,
        encoding=encoding,
        metadata=metadata,
        rows=() if failed else tuple(walk.rows),
        problems=tuple(problems),
        declared_counts=summary.counts if summary else None,
    )
