"""Parser for 처리결과 reports published as HTML tables (SPEC §6).

Councils, district councils and public corporations publish how each audit finding was
handled as one table per kind: ``연번 | 요구(건의)사항 | 추진실적 및 처리결과 | 추진상황``,
sometimes with 담당부서, 처리기한 or 비고 columns. A table's kind comes from its
``<caption>``, from a full-width row inside it ("Ⅱ. 건의사항"), or from the nearest
preceding heading or paragraph naming one; a kind heading covers every table below it
until the next, as a table split at a page break has no heading of its own. Result
tables laid out inside a page-layout table are read as if they stood alone.

Rules chosen here:

- ``<br>`` between two Hangul syllables with no white space on either side in the source
  is a visual wrap inside a word: ``사회적<br/>경제`` reads ``사회적경제``. Any other
  ``<br>`` or block boundary (a source line break next to the ``<br>`` counts as white
  space) is a single space in the final text. So ``추진<br/>불가`` has the status_raw
  ``추진불가`` and ``추진 <br/>불가`` has ``추진 불가``, both ``not_adopted``. A cell is split
  into lines before words are rejoined, so headings and status lines are still seen.
- The status comes from a 추진상황/처리상황 column, else from a ``추진상황 : X`` line in the
  result cell, else from a 비고 column. A trailing bracket (``완료('18.12월)``) or a
  further line after a known status is the status note. Spellings: SPEC §2 only.
- A summary line declares counts: ``건의사항 7건 (완료 4, 추진중 2, 미반영 1)``,
  ``총 12건 (…, 검토중 1)``, ``총 12건``, ``완료 4건, 추진중 2건``, ``건의사항(7건)``. It
  belongs to the table when it is in the caption, in a full-width row, or between the
  kind heading (itself included) and the table, and names no other kind. A mismatch
  with the rows is a COUNT_MISMATCH warning, never corrected.
- The department is a 담당부서/소관부서 column, else a trailing ``(부서명)`` of the request
  that reads as an office (ends in 과, 관, 팀, 센터 … with no digits); else None.
- Metadata is read from labelled lines (피감기관 :, 감사기관 :, 감사기간 :, 보고일자 :),
  title lines (``2018년도 행정사무감사 처리결과``, ``○○구의회``, ``○○위원회``) and a line
  holding only a date (the report date). The year is the title's; without one, the
  year of the first day of 감사기간, as an audit is named after the year it is held.

Bad input never raises: every problem names its 1-based physical line (the line where
a row's ``<tr>`` starts; line 1 for the whole document). Any error yields no rows, as an
import is all or nothing (SPEC §6).
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import Enum, auto
from functools import cached_property
from html.parser import HTMLParser

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

FORMAT = "html_tables"

# --- text -----------------------------------------------------------------------------

_WHITESPACE = re.compile(r"\s+")
_BR = "\x01"  # a <br>: a line break, or nothing inside a wrapped Hangul word
_BREAK = "\x02"  # a block boundary: <p>, <div>, <li>, a nested table's row
_NO_MARKERS = str.maketrans({_BR: " ", _BREAK: " "})  # the markers never come from input
_PIECES = re.compile(f"([{_BR}{_BREAK}])")
_BULLETS = "○●◦◎◈□■▪▫◇◆▣▶▷►☐※·•∙\\-"
_LEADING_BULLET = re.compile(rf"^[{_BULLETS}]\s*")


def _collapse(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


def _squash(text: str) -> str:
    return _WHITESPACE.sub("", text)


def _hangul(char: str) -> bool:
    return "\uac00" <= char <= "\ud7a3"


@dataclass(frozen=True)
class _Line:
    text: str
    # Follows a single <br> with no white space on either side in the source.
    tight: bool = False


def _lines(raw: str) -> tuple[_Line, ...]:
    """A cell's lines: split at every <br> and block boundary, white space collapsed."""
    lines: list[_Line] = []
    separators = ""
    previous = ""
    for index, piece in enumerate(_PIECES.split(raw)):
        text = "" if index % 2 else _collapse(piece)
        if not text:
            separators += piece  # also white space between two breaks: not a wrap
            continue
        tight = separators == _BR and not previous[-1:].isspace() and not piece[0].isspace()
        lines.append(_Line(text, tight and bool(previous)))
        separators, previous = "", piece
    return tuple(lines)


def _join(lines: Iterable[_Line]) -> str:
    """Lines as one text: a wrapped Hangul word is rejoined, other breaks become spaces."""
    parts: list[str] = []
    for line in lines:
        if parts and not (line.tight and _hangul(parts[-1][-1]) and _hangul(line.text[0])):
            parts.append(" ")
        parts.append(line.text)
    return "".join(parts)


# --- decoding -------------------------------------------------------------------------

_META_CHARSET = re.compile(rb"<meta\b[^<>]{0,300}?charset\s*=\s*[\"']?\s*([\w.:-]{1,40})", re.I)
_KOREAN_CHARSETS = frozenset(
    {"euc-kr", "euckr", "cp949", "ms949", "uhc", "windows-949", "x-windows-949", "korean"}
    | {"ks_c_5601-1987", "ks_c_5601", "ksc5601", "ksc_5601", "iso-2022-kr"}
)
_UTF8_CHARSETS = frozenset({"utf-8", "utf8"})


@dataclass(frozen=True)
class _Charset:
    codec: str
    written: str
    line: int


def _declared_charset(data: bytes) -> _Charset | None:
    """The encoding a <meta> declares near the top, if it is one we read."""
    head = data[:4096]
    match = _META_CHARSET.search(head)
    if match is None:
        return None
    written = match.group(1).decode("ascii", "replace")
    line = head.count(b"\n", 0, match.start()) + 1
    if written.lower() in _KOREAN_CHARSETS:
        return _Charset("cp949", written, line)  # EUC-KR is a subset of CP949
    if written.lower() in _UTF8_CHARSETS:
        return _Charset("utf-8", written, line)
    return None


def _decode(data: bytes, source_name: str) -> tuple[str, str, list[Problem]] | Problem:
    """The text, the encoding it was read with and warnings, or the problem that stops us."""
    declared = _declared_charset(data)
    decoded = decode_text(
        data, source_name, prefer_cp949=declared is not None and declared.codec == "cp949"
    )
    if isinstance(decoded, Problem):
        return decoded
    text, encoding = decoded
    problems = []
    if (
        declared is not None
        and declared.codec in ("utf-8", "cp949")
        and encoding != declared.codec
        and not data.startswith(codecs.BOM_UTF8)
    ):
        problems.append(_charset_mismatch(declared, encoding))
    return text, encoding, problems


def _charset_mismatch(declared: _Charset, used: str) -> Problem:
    return warning(
        declared.line,
        "CHARSET_MISMATCH",
        f"문서는 {declared.written} 인코딩이라고 선언했지만 {used}(으)로 읽었습니다.",
        f"The document declares {declared.written} but was read as {used}.",
    )


# --- the document: text blocks and tables ---------------------------------------------

_MAX_COLUMNS = 64  # wider "tables" are layout or garbage; bounds the work per row
_MAX_ROWSPAN = 50  # a merged cell is read again in every row it spans: bound the repeats
_MAX_NESTING = 8  # deeper tables are read as plain text: bounds copying of nested text
_SKIPPED = frozenset({"script", "style"})
_BREAK_TAGS = frozenset(
    {"p", "div", "li", "ul", "ol", "dl", "dt", "dd", "br", "hr", "pre", "blockquote"}
    | {"h1", "h2", "h3", "h4", "h5", "h6", "title", "center", "section", "article"}
    | {"header", "footer", "address", "form", "fieldset", "nav", "main", "aside"}
    | {"thead", "tbody", "tfoot"}
)


@dataclass(frozen=True)
class _Block:
    """A paragraph, heading or line of text outside any table."""

    line: int
    text: str


@dataclass(frozen=True)
class _Cell:
    lines: tuple[_Line, ...]
    colspan: int = 1
    rowspan: int = 1

    # Cached: a cell merged over several rows is read once per row.
    @cached_property
    def text(self) -> str:
        return _join(self.lines)

    @cached_property
    def key(self) -> str:
        """A header's text without any white space or line break ("추진<br/>상황")."""
        return "".join(_squash(line.text) for line in self.lines)


@dataclass
class _Row:
    line: int
    cells: list[_Cell] = field(default_factory=list)


@dataclass
class _Table:
    line: int
    caption: str = ""
    caption_line: int = 0
    rows: list[_Row] = field(default_factory=list)


class _BlockBuffer:
    """Text outside any table, gathered into blocks that end at block tags and <br>."""

    def __init__(self, flow: list[_Block | _Table]) -> None:
        self._flow = flow
        self._parts: list[str] = []
        self._line = 0

    def add(self, chunk: str, line: int) -> None:
        """Add text that starts on `line`; markers (<br>, block boundaries) end a block."""
        for index, piece in enumerate(_PIECES.split(chunk)):
            if index % 2:
                self.flush()
            elif self._parts or piece.strip():
                if not self._parts:
                    blank = len(piece) - len(piece.lstrip())
                    self._line = line + piece.count("\n", 0, blank)
                self._parts.append(piece)
            line += piece.count("\n")

    def flush(self) -> None:
        text = _collapse("".join(self._parts))
        if text:
            self._flow.append(_Block(self._line, text))
        self._parts = []


@dataclass
class _OpenTable:
    """A table being read: the row and cell (or caption) that are still open."""

    table: _Table
    row: _Row | None = None
    cell: list[tuple[str, int]] | None = None  # text chunks and the lines they start on
    spans: tuple[int, int] = (1, 1)
    caption: list[str] | None = None

    def text(self, chunk: str, line: int) -> None:
        if self.caption is not None:
            self.caption.append(chunk)
        elif self.cell is not None:
            self.cell.append((chunk, line))
        # Text loose between cells is dropped, as it belongs to no row.

    def start_row(self, line: int) -> None:
        self.end_row()
        self.row = _Row(line)
        self.table.rows.append(self.row)

    def start_cell(self, line: int, spans: tuple[int, int]) -> None:
        self.end_cell()
        if self.row is None:
            self.start_row(line)  # <td> without <tr>: the row starts here
        self.cell, self.spans = [], spans

    def end_cell(self) -> None:
        self.end_caption()
        if self.cell is not None and self.row is not None:
            raw = "".join(chunk for chunk, _ in self.cell)
            self.row.cells.append(_Cell(_lines(raw), *self.spans))
        self.cell = None

    def end_row(self) -> None:
        self.end_cell()
        self.row = None

    def start_caption(self, line: int) -> None:
        self.end_row()
        self.caption = []
        self.table.caption_line = self.table.caption_line or line

    def end_caption(self) -> None:
        if self.caption is not None and not self.table.caption:
            self.table.caption = _join(_lines("".join(self.caption)))
        self.caption = None

    def hoist(self, blocks: _BlockBuffer) -> None:
        """The open cell's text so far, read as text outside tables (see _end_table)."""
        for chunk, line in self.cell or ():
            blocks.add(chunk, line)
        blocks.flush()
        if self.cell is not None:
            self.cell = []


def _span(attrs: list[tuple[str, str | None]], name: str, cap: int) -> int:
    value = next((v for k, v in attrs if k == name and v), "")
    match = re.match(r"\s*([0-9]{1,6})", value)
    return min(max(int(match.group(1)), 1), cap) if match else 1


def _render_nested(table: _Table) -> str:
    """A table inside a cell as text, every cell in order: [표: a | b / c | d]."""
    rows = [" | ".join(cell.text for cell in row.cells) for row in table.rows]
    body = " / ".join(row for row in [table.caption, *rows] if row.strip(" |"))
    return f"{_BREAK}[표: {body}]{_BREAK}" if body else _BREAK


class _DocumentBuilder(HTMLParser):
    """Reads the document into text blocks and top-level tables, in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.flow: list[_Block | _Table] = []
        self._blocks = _BlockBuffer(self.flow)
        self._open: list[_OpenTable] = []
        self._flattened = 0  # <table> tags nested too deep, read as line breaks
        self._skipping: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skipping:
            return
        line = self.getpos()[0]
        if tag in _SKIPPED:
            self._skipping = tag
        elif tag == "table":
            self._start_table(line)
        elif not self._open:
            if tag in _BREAK_TAGS:
                self._blocks.flush()
        elif self._flattened:
            self._open[-1].text(" " if tag in ("td", "th") else _BREAK, line)
        elif tag == "tr":
            self._open[-1].start_row(line)
        elif tag in ("td", "th"):
            spans = (_span(attrs, "colspan", _MAX_COLUMNS), _span(attrs, "rowspan", _MAX_ROWSPAN))
            self._open[-1].start_cell(line, spans)
        elif tag == "caption":
            self._open[-1].start_caption(line)
        elif tag == "br":
            self._open[-1].text(_BR, line)
        elif tag in _BREAK_TAGS:
            self._open[-1].text(_BREAK, line)

    def handle_endtag(self, tag: str) -> None:
        if self._skipping:
            if tag == self._skipping:
                self._skipping = None
            return
        line = self.getpos()[0]
        if tag == "table":
            self._end_table(line)
        elif not self._open:
            if tag in _BREAK_TAGS:
                self._blocks.flush()
        elif self._flattened:
            self._open[-1].text(" " if tag in ("td", "th") else _BREAK, line)
        elif tag in ("td", "th"):
            self._open[-1].end_cell()
        elif tag == "tr":
            self._open[-1].end_row()
        elif tag == "caption":
            self._open[-1].end_caption()
        elif tag in _BREAK_TAGS and tag != "br":  # </br> is no second break
            self._open[-1].text(_BREAK, line)

    def handle_data(self, data: str) -> None:
        if self._skipping:
            return
        data = data.translate(_NO_MARKERS)
        if self._open:
            self._open[-1].text(data, self.getpos()[0])
        else:
            self._blocks.add(data, self.getpos()[0])

    def finish(self) -> None:
        """Close what a truncated document left open."""
        line = self.getpos()[0]
        while self._open:
            self._flattened = 0
            self._end_table(line)
        self._blocks.flush()

    def _start_table(self, line: int) -> None:
        if self._flattened or len(self._open) >= _MAX_NESTING:
            self._flattened += 1
            self._open[-1].text(_BREAK, line)
            return
        if not self._open:
            self._blocks.flush()
        self._open.append(_OpenTable(_Table(line)))

    def _end_table(self, line: int) -> None:
        if self._flattened:
            self._flattened -= 1
            self._open[-1].text(_BREAK, line)
            return
        if not self._open:
            return  # a stray </table>
        done = self._open.pop()
        done.end_row()
        done.end_caption()
        if not self._open:
            self.flow.append(done.table)
        elif _layout(_grid(done.table.rows)) is not None:
            # A result table inside a page-layout table: read it, and the headings before
            # it in the same cell, as if they stood alone.
            self._open[-1].hoist(self._blocks)
            self.flow.append(done.table)
        else:
            self._open[-1].text(_render_nested(done.table), line)


# html.parser (3.11) rescans to the end of the input for every "<" it cannot close, which
# is quadratic on long malformed input, and it raises on "<![foo[". A "<" with no ">"
# after it (or "<!--" with no "-->") can only be text, so it is escaped first.
_MARKUP_OPEN = re.compile(r"<!--|<!\[[^<>\[\]]{0,40}\]>|<!\[|<")


def _defuse(text: str) -> str:
    last_close = text.rfind(">")
    last_comment_close = text.rfind("-->")

    def replace(match: re.Match[str]) -> str:
        token, start = match.group(), match.start()
        if token == "<!--":
            return token if start + 4 <= last_comment_close else "&lt;!--"
        if token.startswith("<!["):
            # Word's conditional markers (<![if !supportLists]>, <![endif]>) hold no text.
            return "" if token.endswith("]>") else "&lt;!["
        return token if start < last_close else "&lt;"

    return _MARKUP_OPEN.sub(replace, text)


def _read_html(text: str) -> tuple[list[_Block | _Table], Problem | None]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # lines as an editor counts them
    builder = _DocumentBuilder()
    problem = None
    try:
        builder.feed(_defuse(text))
        builder.close()
    except AssertionError:  # html.parser's way of refusing a malformed declaration
        problem = error(
            builder.getpos()[0],
            "MALFORMED_HTML",
            "HTML을 더 읽을 수 없는 잘못된 선언이 있습니다.",
            "A malformed declaration stops the HTML from being read further.",
        )
    builder.finish()
    return builder.flow, problem


# --- table layout ---------------------------------------------------------------------


class _Column(Enum):
    SEQ = auto()
    REQUEST = auto()
    RESULT = auto()
    PLANS = auto()
    STATUS = auto()
    REMARK = auto()
    DEPARTMENT = auto()
    DUE = auto()
    RAISED_BY = auto()


@dataclass(frozen=True)
class _GridRow:
    """A row with colspan and rowspan resolved: slot -> cell (None: under a colspan)."""

    line: int
    slots: dict[int, _Cell | None]
    own: tuple[_Cell, ...]

    def lines(self, slot: int | None) -> tuple[_Line, ...]:
        cell = self.slots.get(slot) if slot is not None else None
        return cell.lines if cell is not None else ()

    def text(self, slot: int | None) -> str:
        return _join(self.lines(slot))

    def texts(self) -> list[str]:
        return [text for cell in self.slots.values() if cell is not None and (text := cell.text)]


def _grid(rows: Sequence[_Row]) -> list[_GridRow]:
    """Place cells in slots as a browser does; a merged 담당부서 cell repeats below."""
    grid: list[_GridRow] = []
    carried: dict[int, tuple[int, _Cell | None]] = {}
    for row in rows:
        slots: dict[int, _Cell | None] = {slot: cell for slot, (_, cell) in carried.items()}
        carried = {slot: (left - 1, cell) for slot, (left, cell) in carried.items() if left > 1}
        column = 0
        for cell in row.cells:
            while column in slots:
                column += 1
            if column >= _MAX_COLUMNS:
                break
            for offset in range(cell.colspan):
                slot = column + offset
                if slot >= _MAX_COLUMNS or slot in slots:
                    break  # overlapping spans: the earlier cell keeps the slot
                slots[slot] = cell if offset == 0 else None
                if cell.rowspan > 1:
                    carried[slot] = (cell.rowspan - 1, slots[slot])
            column += cell.colspan
        grid.append(_GridRow(row.line, slots, tuple(row.cells)))
    return grid


_PARENTHESES = re.compile(r"[(（][^()（）]*[)）]")
_SEQ_HEADERS = frozenset({"연번", "번호", "순번", "순서", "no", "no."})
_STATUS_HEADER = re.compile(r"(?:추진|처리|조치|진행|이행)(?:상황|상태|여부|구분)|상황|상태")
_DEPARTMENT_HEADER = re.compile(r"(?:담당|소관|처리|주관)(?:과|팀|실|국|기관)?명?")
_MEMBER_HEADER = re.compile(r"(?:요구|질의|지적|제안|발언)?(?:위원|의원)명?")
_RESULT_WORDS = ("결과", "실적", "조치내용", "추진내용", "처리내용", "조치사항", "추진사항")
_RESULT_WORDS_2 = ("추진현황", "처리현황", "조치현황")
_REQUEST_WORDS = ("요구", "건의", "지적", "사항", "질의", "감사내용")
_MAX_HEADER = 24  # "조치결과및향후추진계획" and the like, white space removed


def _column_of(key: str) -> _Column | None:
    """What a header cell names, tolerant of spaces and line breaks."""
    if len(key) > _MAX_HEADER:
        return None  # a data cell that happens to say "요구" or "결과"
    key = _PARENTHESES.sub("", key) or key  # "요구(건의)사항" → "요구사항"
    if key.casefold() in _SEQ_HEADERS:
        return _Column.SEQ
    if _STATUS_HEADER.fullmatch(key):
        return _Column.STATUS
    if key == "비고":
        return _Column.REMARK
    if "부서" in key or _DEPARTMENT_HEADER.fullmatch(key):
        return _Column.DEPARTMENT
    if "기한" in key or "예정일" in key:
        return _Column.DUE
    if _MEMBER_HEADER.fullmatch(key):
        return _Column.RAISED_BY
    if any(word in key for word in _RESULT_WORDS + _RESULT_WORDS_2):
        return _Column.RESULT
    if "계획" in key:
        return _Column.PLANS
    if any(word in key for word in _REQUEST_WORDS):
        return _Column.REQUEST
    return None


def _columns(row: _GridRow) -> dict[_Column, int]:
    columns: dict[_Column, int] = {}
    for slot in sorted(row.slots):
        cell = row.slots[slot]
        column = _column_of(cell.key) if cell is not None else None
        if column is _Column.RESULT and column in columns:
            # "조치내용 | 처리결과": the second may hold the status, read as a 비고 would be.
            column = _Column.REMARK
        if column is not None and column not in columns:
            columns[column] = slot
    return columns


def _is_header(columns: dict[_Column, int]) -> bool:
    return _Column.REQUEST in columns and (_Column.RESULT in columns or _Column.STATUS in columns)


@dataclass(frozen=True)
class _Layout:
    columns: dict[_Column, int]
    header_line: int
    first_row: int  # index of the first data row in the grid

    def slot(self, column: _Column) -> int | None:
        return self.columns.get(column)

    @property
    def status_slot(self) -> int | None:
        return self.columns.get(_Column.STATUS)

    @property
    def required(self) -> set[int]:
        """Slots a row must reach; 비고 beside a real status column is optional."""
        optional = {_Column.REMARK} if _Column.STATUS in self.columns else set()
        return {slot for column, slot in self.columns.items() if column not in optional}


_HEADER_ROWS = 10  # a header further down is no header of this table


def _layout(grid: Sequence[_GridRow]) -> _Layout | None:
    """The header row (and a sub-header row under a colspan), if this is a result table."""
    for index, row in enumerate(grid[:_HEADER_ROWS]):
        columns = _columns(row)
        if not _is_header(columns):
            continue
        first = index + 1
        if first < len(grid) and _is_subheader(row, grid[first]):
            columns = {**columns, **_columns(grid[first])}
            first += 1
        return _Layout(columns, row.line, first)
    return None


def _is_subheader(header: _GridRow, row: _GridRow) -> bool:
    """A header cell spanning columns named below it: 조치결과 over 추진실적 | 향후계획."""
    if all(cell.colspan == 1 for cell in header.own):
        return False  # a full-width row under a plain header is a kind row, not a header
    own = [cell for cell in row.own if cell.text]
    return len(own) > 1 and all(_column_of(cell.key) is not None for cell in own)


# --- kinds and summary lines ------------------------------------------------------------

_NUMBERING = re.compile(
    rf"(?:[{_BULLETS}\u2460-\u2473]|[(（]?[0-9]{{1,2}}\s*[.)）]|[(（]?[가-하]\s*[.)）]"
    r"|[ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ]+\s*\.?|[IVX]{1,4}\s*\.|[<\[【〈《])\s*"
)
_YEAR_PREFIX = re.compile(r"(?:19|20)[0-9]{2}\s*년\s*도?\s*(?:행정\s*사무\s*감사\s*)?")
_LABEL_END = re.compile(r"\s*(?:[0-9]|총\s*[0-9]|[:：]|[(（]\s*(?:총|계|[0-9]))")
# "건의사항 처리결과", "시정요구사항 조치결과 및 향후계획": the kind is what comes before.
_RESULT_SUFFIX = re.compile(r"\s*(?:처리|조치|추진)\s*(?:결과|현황|상황|내역|실적).*$")
_MAX_HEADING = 80


def _kind_of(text: str) -> FindingKind | None:
    """The kind a heading names: "2. 건의사항", "□ 건의사항 7건 (…)", "기타(자료제출 등)"."""
    label = _collapse(text)
    if len(label) > _MAX_HEADING:
        return None  # prose, not a heading
    for _ in range(3):
        label = _NUMBERING.sub("", label, count=1) if _NUMBERING.match(label) else label
    label = _YEAR_PREFIX.sub("", label, count=1) if _YEAR_PREFIX.match(label) else label
    if end := _LABEL_END.search(label):
        label = label[: end.start()]
    label = _RESULT_SUFFIX.sub("", label).rstrip(" >]】〉》")
    return normalise_kind(label) if label else None


@dataclass(frozen=True)
class _Summary:
    """A line declaring a table's counts: "건의사항 7건 (완료 4, 추진중 2, 미반영 1)"."""

    line: int
    text: str
    kind: FindingKind | None
    total: int | None
    counts: dict[Status, int]


# "완료 4", "추진 중 2건", "총 12건", "건의사항(7건)"; never a date's "2018. 11".
_COUNT_PAIR = re.compile(
    r"(?:(?P<label>[가-힣]+(?:\s[가-힣]+)?)\s*[)）]?\s*[:：(（]?\s*)?"
    r"(?<![0-9])(?P<n>[0-9]{1,4})(?![0-9])(?!\s*\.\s*[0-9])\s*(?P<unit>건)?"
)
_TOTAL_WORDS = ("총", "계", "전체")
_MAX_SUMMARY = 120


def _summary_of(text: str, line: int) -> _Summary | None:
    text = _collapse(text)
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
    return _Summary(line, text, _kind_of(text), total, counts)


def _is_total(label: str, before: str) -> bool:
    """A total: "총 12건", "계 7건", or a count right after a kind ("기타(자료제출 등) 1건")."""
    return _squash(label).endswith(_TOTAL_WORDS) or _kind_of(before.rstrip(" (（:：")) is not None


# --- result cells ---------------------------------------------------------------------


def _spaced(*words: str) -> str:
    """An alternation tolerant of spaces inside each word ("추진 실적")."""
    return "|".join(r"\s*".join(word) for word in words)


_OPEN = r"[<\[【〈《(（]?"
_CLOSE = r"[>\]】〉》)）]?"
_STATUS_LABEL = rf"(?:{_spaced('추진', '처리', '조치', '진행', '이행')})\s*(?:상\s*황|상\s*태)"
_STATUS_LINE = re.compile(
    rf"[{_BULLETS}\s]*{_OPEN}\s*{_STATUS_LABEL}\s*(?:[>\]】〉》)）]\s*[:：]?|[:：])\s*(?P<raw>.*)"
)
_STATUS_BARE = re.compile(rf"[{_BULLETS}\s]*{_STATUS_LABEL}\s+(?P<raw>.+)")
_FIELDS = {
    "actions": _spaced(
        "추진실적", "조치결과", "처리결과", "추진내용", "조치내용", "처리내용", "조치사항"
    ),
    "plans": r"향\s*후\s*(?:추\s*진\s*|조\s*치\s*)?계\s*획|" + _spaced("추진계획", "조치계획"),
    "delay_reason": rf"(?:{_spaced('부진', '미반영', '미추진', '추진불가', '불가')})\s*사\s*유",
}
_HEADING = re.compile(
    rf"[{_BULLETS}\s]*{_OPEN}\s*(?P<name>{'|'.join(f'(?P<{k}>{v})' for k, v in _FIELDS.items())})"
    rf"(?:\s*및\s*(?:{_FIELDS['plans']}|{_FIELDS['actions']}))?\s*{_CLOSE}\s*"
    r"(?:[:：]\s*(?P<rest>.*))?"
)


@dataclass
class _Result:
    """What a result cell says: its status line and its headed blocks."""

    status: tuple[_Line, ...] | None = None
    duplicate_status: bool = False
    texts: dict[str, list[_Line]] = field(default_factory=dict)
    headings: dict[str, str] = field(default_factory=dict)

    def text(self, name: str) -> str | None:
        return (_join(self.texts[name]) or None) if name in self.texts else None


def _status_line(lines: Sequence[_Line], index: int) -> tuple[tuple[_Line, ...], int] | None:
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
    raw = _Line(match["raw"].strip())
    following = lines[index + 1] if index + 1 < len(lines) else None
    if following is not None and normalise_status(raw.text) is None:
        joined = (raw, following) if raw.text else (following,)
        if normalise_status(_join(joined)) is not None:
            return joined, 2
    return ((raw,) if raw.text else ()), 1


def _read_result(lines: Sequence[_Line]) -> _Result:
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
        result.headings.setdefault(current, _collapse(heading["name"]))
        result.texts.setdefault(current, [])
        if heading["rest"]:
            result.texts[current].append(_Line(heading["rest"].strip()))
    return result


_TRAILING_NOTE = re.compile(r"(?P<status>.+?)\s*[(（](?P<note>[^()（）]*)[)）]")


def _split_status(lines: Sequence[_Line]) -> tuple[str, str | None]:
    """Status text and note: "완료('18.12월)", "추진중<br/>(예산 확보 중)"."""
    lines = [_Line(_LEADING_BULLET.sub("", lines[0].text, count=1), lines[0].tight), *lines[1:]]
    whole = _join(line for line in lines if line.text)
    if normalise_status(whole) is not None:
        return whole, None
    note = _TRAILING_NOTE.fullmatch(whole)
    if note and normalise_status(note["status"]) is not None:
        return note["status"], note["note"].strip() or None
    if len(lines) > 1 and normalise_status(lines[0].text) is not None:
        return lines[0].text, _join(lines[1:])
    return whole, None


# --- rows -------------------------------------------------------------------------------

_DEPARTMENT = re.compile(r"[(（](?P<name>[^()（）]*)[)）]\s*$")
_OFFICE_ENDINGS = (
    *("과", "관", "실", "국", "단", "팀", "소", "원", "처", "부", "청", "센터"),
    *("공사", "위원회", "담당", "기관", "본부"),
)
_MONEY = re.compile(r"(?:천|만|백만|억)원$")
_DEPARTMENT_MAX = 30
_SEQ = re.compile(r"\s*([0-9]{1,5})\s*[.)]?\s*")


def _office(name: str) -> str | None:
    """A trailing bracket names a department only if it reads as an office's name."""
    name = _collapse(name)
    key = _squash(name)
    if not 3 <= len(key) <= _DEPARTMENT_MAX or any(c.isdigit() for c in key) or "," in key:
        return None
    if not key.endswith(_OFFICE_ENDINGS) or _MONEY.search(key):
        return None
    return name


def _request_and_department(lines: Sequence[_Line], column: str) -> tuple[str, str | None]:
    # One leading "○" is the row's bullet, dropped as the seed parser does; others stay.
    request = _join(lines)
    request = request[1:].strip() if request.startswith("○") else request
    match = _DEPARTMENT.search(request)
    trailing = _office(match["name"]) if match else None
    if column:
        if match and trailing and _squash(trailing) == _squash(column):
            request = request[: match.start()].rstrip()
        return request, column
    if match and trailing:
        return request[: match.start()].rstrip(), trailing
    return request, None


_DATE = re.compile(
    r"(?P<y>(?:19|20)[0-9]{2}|['‘’][0-9]{2})\s*(?:\.|년|-|/)\s*(?P<m>[0-9]{1,2})\s*(?:\.|월|-|/)"
    r"\s*(?P<d>[0-9]{1,2})(?![0-9])\s*(?:일|\.)?"
)


def _date(match: re.Match[str]) -> date | None:
    year = match["y"]
    full_year = int(year) if year[0].isdigit() else 2000 + int(year[1:])
    try:
        return date(full_year, int(match["m"]), int(match["d"]))
    except ValueError:
        return None


@dataclass(frozen=True)
class _Read:
    """One data row as read: the row (None on an error), its status and its problems."""

    row: ReportRow | None
    status: Status | None
    problems: list[Problem]


def _status_source(row: _GridRow, layout: _Layout, result: _Result) -> tuple[_Line, ...]:
    """추진상황 column, else the "추진상황 :" line, else the 비고 column."""
    if lines := row.lines(layout.status_slot):
        return lines
    if result.status:
        return result.status
    if layout.status_slot is None:
        return row.lines(layout.slot(_Column.REMARK))
    return ()


def _read_row(row: _GridRow, layout: _Layout, kind: FindingKind, seq: int) -> _Read:
    line = row.line
    request, department = _request_and_department(
        row.lines(layout.slot(_Column.REQUEST)), row.text(layout.slot(_Column.DEPARTMENT))
    )
    result = _read_result(row.lines(layout.slot(_Column.RESULT)))
    problems: list[Problem] = []
    if not request:
        problems.append(missing_request(line))
    if result.duplicate_status:
        problems.append(_duplicate_status(line))
    status: Status | None = None
    status_raw, note = "", None
    if source := _status_source(row, layout, result):
        status_raw, note = _split_status(source)
    if not status_raw:
        problems.append(_missing_status(line))
    elif (status := normalise_status(status_raw)) is None:
        problems.append(unknown_status(line, status_raw))
    actions, reason = result.text("actions"), result.text("delay_reason")
    if status is Status.NOT_ADOPTED and not (actions or reason):
        problems.append(_no_reason(line))
    due, due_problems = _due(row.text(layout.slot(_Column.DUE)), line)
    problems += due_problems
    if layout.status_slot is not None:  # 비고 beside a real status column: a note
        note = " ".join(filter(None, [note, row.text(layout.slot(_Column.REMARK))])) or None
    if status is None or any(p.severity is Severity.ERROR for p in problems):
        return _Read(None, status, problems)
    plans = " ".join(filter(None, [result.text("plans"), row.text(layout.slot(_Column.PLANS))]))
    report_row = ReportRow(
        line=line,
        kind=kind,
        seq=seq,
        department=department,
        request=request,
        status_raw=status_raw,
        status=status,
        actions=actions,
        plans=plans or None,
        delay_reason=reason,
        actions_heading=result.headings.get("actions"),
        plans_heading=result.headings.get("plans"),
        status_note=note,
        raised_by=row.text(layout.slot(_Column.RAISED_BY)) or None,
        due_date=due,
    )
    return _Read(report_row, status, problems)


def _due(text: str, line: int) -> tuple[date | None, list[Problem]]:
    """처리기한 as a calendar day; other notations are left to the date module."""
    if not text:
        return None, []
    match = _DATE.search(text)
    value = _date(match) if match else None
    if value is not None:
        return value, []
    return None, [
        warning(
            line,
            "DUE_DATE_NOT_READ",
            f"처리기한 '{text}'을(를) 날짜로 읽지 못해 비워 두었습니다.",
            f"The due date '{text}' is not a calendar day: left empty.",
        )
    ]


# --- problems ---------------------------------------------------------------------------


_MAX_QUOTE = 60  # a 비고 cell read as a status may hold a paragraph


def _broken_row(line: int) -> Problem:
    return error(
        line,
        "BROKEN_ROW",
        "행이 잘렸습니다: 머리행보다 칸이 적습니다.",
        "Broken row: it has fewer cells than the header row.",
    )


def _missing_status(line: int) -> Problem:
    return error(
        line,
        "MISSING_STATUS",
        "추진상황이 없습니다(추진상황·비고 칸에도, 조치결과의 '추진상황 :' 줄에도).",
        "No status: neither a status column nor a '추진상황 :' line in the result.",
    )


def _duplicate_status(line: int) -> Problem:
    return error(
        line,
        "DUPLICATE_STATUS",
        "한 행에 추진상황이 두 번 있습니다.",
        "The row states its status twice.",
    )


def _no_reason(line: int) -> Problem:
    return error(
        line,
        "NOT_ADOPTED_WITHOUT_REASON",
        "미반영 행에 사유(조치결과 내용)가 없습니다.",
        "A not-adopted row gives no reason (its result text is empty).",
    )


def _table_without_kind(line: int) -> Problem:
    return error(
        line,
        "TABLE_WITHOUT_KIND",
        "표의 구분(시정·처리요구사항/건의사항/기타)을 알 수 없습니다(표 제목·앞 제목 없음).",
        "The table's kind is unknown: no caption or preceding heading names it.",
    )


def _sequence_warning(line: int, code: str, ko: str, en: str, seq: int) -> Problem:
    return warning(
        line,
        code,
        f"{ko} 구분 안의 순서 {seq}을(를) 연번으로 씁니다.",
        f"{en}: order {seq} is used.",
    )


def _duplicate_sequence(line: int, kind: FindingKind, seq: int, first: int) -> Problem:
    return error(
        line,
        "DUPLICATE_SEQUENCE",
        f"{KIND_LABELS[kind]}의 연번 {seq}이(가) {first}번째 줄에 이미 있습니다.",
        f"{kind.value} number {seq} already appears on line {first}.",
    )


# The order of a 처리결과 총괄's columns, for messages.
_SUMMARY_ORDER = (Status.COMPLETED, Status.IN_PROGRESS, Status.UNDER_REVIEW, Status.NOT_ADOPTED)


def _describe(total: int, counts: dict[Status, int], *, english: bool) -> str:
    parts = [
        f"{status.value if english else STATUS_LABELS[status]} {counts[status]}"
        for status in _SUMMARY_ORDER
        if counts.get(status)
    ]
    listed = f" ({', '.join(parts)})" if parts else ""
    return f"{total}{listed}" if english else f"{total}건{listed}"


# --- walking the document ---------------------------------------------------------------


@dataclass
class _Section:
    """The rows under one kind heading (or caption), with the summary lines near them."""

    kind: FindingKind
    summaries: list[_Summary] = field(default_factory=list)
    statuses: list[Status | None] = field(default_factory=list)  # None: unread

    def attach(self, summaries: Iterable[_Summary]) -> None:
        self.summaries += [s for s in summaries if s.kind in (None, self.kind)]


@dataclass
class _TableState:
    table: _Table
    section: _Section | None
    kind_reported: bool = False


@dataclass
class _Walk:
    rows: list[ReportRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    sections: list[_Section] = field(default_factory=list)
    text_lines: list[tuple[int, str]] = field(default_factory=list)
    heading: _Section | None = None  # from the nearest heading or paragraph naming a kind
    pending: list[_Summary] = field(default_factory=list)  # summary lines since that heading
    order: Counter[FindingKind] = field(default_factory=Counter)
    seen: dict[tuple[FindingKind, int], int] = field(default_factory=dict)
    first_table_line: int | None = None
    candidates: int = 0  # data rows seen, read or not

    def read(self, item: _Block | _Table) -> None:
        if isinstance(item, _Block):
            self._block(item)
        else:
            self._table(item)

    def _section(self, kind: FindingKind) -> _Section:
        section = _Section(kind)
        self.sections.append(section)
        return section

    def _block(self, block: _Block) -> None:
        self.text_lines.append((block.line, block.text))
        if (kind := _kind_of(block.text)) is not None:
            self.heading, self.pending = self._section(kind), []
        if (summary := _summary_of(block.text, block.line)) is not None:
            self.pending.append(summary)

    def _table(self, table: _Table) -> None:
        grid = _grid(table.rows)
        layout = _layout(grid)
        if layout is None:  # a cover or 총괄 table: its rows may hold metadata
            self.text_lines += [(row.line, line) for row in grid for line in _row_as_text(row)]
            return
        if self.first_table_line is None:
            self.first_table_line = table.line
        state = _TableState(table, self.heading)
        if (kind := _kind_of(table.caption)) is not None:
            state.section = self._section(kind)
        if state.section is not None:
            state.section.attach(self.pending)
            if summary := _summary_of(table.caption, table.caption_line or table.line):
                state.section.attach([summary])
        self.pending = []
        if _Column.SEQ not in layout.columns:
            self.problems.append(_no_sequence_column(layout.header_line))
        for row in grid[layout.first_row :]:
            self._grid_row(row, layout, state)

    def _grid_row(self, row: _GridRow, layout: _Layout, state: _TableState) -> None:
        texts = row.texts()
        if not texts or _repeated_header(row, layout):
            return  # blank, or the header repeated after a page break
        if len(set(texts)) == 1 and self._section_row(texts[0], row.line, state):
            return
        self.candidates += 1
        if state.section is None:
            if not state.kind_reported:
                self.problems.append(_table_without_kind(state.table.line))
                state.kind_reported = True
            return
        self._data_row(row, layout, state.section)

    def _section_row(self, text: str, line: int, state: _TableState) -> bool:
        """A full-width row: "2. 건의사항" starts a kind, "계 7건 (…)" declares counts."""
        kind, summary = _kind_of(text), _summary_of(text, line)
        if kind is not None:
            state.section = self.heading = self._section(kind)
        if summary is not None and state.section is not None:
            state.section.attach([summary])
        return kind is not None or summary is not None

    def _data_row(self, row: _GridRow, layout: _Layout, section: _Section) -> None:
        kind = section.kind
        self.order[kind] += 1
        if any(slot not in row.slots for slot in layout.required):
            self.problems.append(_broken_row(row.line))
            section.statuses.append(None)
            return
        seq = self._sequence(row, layout, kind)
        read = _read_row(row, layout, kind, seq)
        section.statuses.append(read.status)
        self.problems += read.problems
        if read.row is not None:
            self.rows.append(read.row)

    def _sequence(self, row: _GridRow, layout: _Layout, kind: FindingKind) -> int:
        """연번 as written; else the order within the kind, with a warning."""
        order = self.order[kind]
        seq = order
        if (slot := layout.slot(_Column.SEQ)) is not None:
            text = row.text(slot)
            if match := _SEQ.fullmatch(text):
                seq = int(match.group(1))
            elif text:
                self.problems.append(
                    _sequence_warning(
                        row.line,
                        "BAD_SEQUENCE",
                        f"연번 '{text}'이(가) 숫자가 아니어서",
                        f"The number '{text}' is not numeric",
                        order,
                    )
                )
            else:
                self.problems.append(
                    _sequence_warning(
                        row.line, "MISSING_SEQUENCE", "연번이 비어 있어", "No number", order
                    )
                )
        if (kind, seq) in self.seen:
            self.problems.append(_duplicate_sequence(row.line, kind, seq, self.seen[kind, seq]))
        else:
            self.seen[kind, seq] = row.line
        return seq


def _repeated_header(row: _GridRow, layout: _Layout) -> bool:
    numbered = _SEQ.fullmatch(row.text(layout.slot(_Column.SEQ))) is not None
    return not numbered and _is_header(_columns(row))


def _no_sequence_column(line: int) -> Problem:
    return warning(
        line,
        "NO_SEQUENCE_COLUMN",
        "표에 연번 칸이 없어 구분 안의 순서를 연번으로 씁니다.",
        "The table has no number column: the order within the kind is used.",
    )


def _row_as_text(row: _GridRow) -> list[str]:
    """A cover table's row as lines; "감사기간 | 2018. 11. 12." reads "감사기간 : …"."""
    cells = [cell.text for cell in row.own if cell.text]
    return [" : ".join(cells)] if len(cells) == 2 else cells


# --- counts -----------------------------------------------------------------------------


def _check_summary(section: _Section, summary: _Summary) -> list[Problem]:
    """A mismatch is reported, never corrected: the document may be wrong either way."""
    rows = len(section.statuses)
    found = Counter(s for s in section.statuses if s is not None)
    problems: list[Problem] = []
    mismatch = summary.total is not None and summary.total != rows
    if summary.counts:
        declared = {status: summary.counts.get(status, 0) for status in Status}
        if None in section.statuses:  # a refused row's status is unknown: totals only
            mismatch |= sum(declared.values()) != rows
        else:
            mismatch |= declared != {status: found[status] for status in Status}
        if summary.total is not None and summary.total != sum(declared.values()):
            problems.append(_summary_inconsistent(summary))
    if mismatch:
        problems.append(_count_mismatch(section, summary, found))
    return problems


def _count_mismatch(section: _Section, summary: _Summary, found: Counter[Status]) -> Problem:
    declared_total = summary.total if summary.total is not None else sum(summary.counts.values())
    found_counts = dict(found)
    rows = len(section.statuses)
    label = KIND_LABELS[section.kind]
    return warning(
        summary.line,
        "COUNT_MISMATCH",
        f"{label}: '{summary.text}' 줄은 {_describe(declared_total, summary.counts, english=False)}"
        f"인데 표의 행은 {_describe(rows, found_counts, english=False)}입니다.",
        f"{section.kind.value}: the line '{summary.text}' declares "
        f"{_describe(declared_total, summary.counts, english=True)} but the table has "
        f"{_describe(rows, found_counts, english=True)} rows.",
    )


def _summary_inconsistent(summary: _Summary) -> Problem:
    return warning(
        summary.line,
        "SUMMARY_INCONSISTENT",
        f"'{summary.text}': 총 건수가 상태별 건수의 합과 다릅니다.",
        f"'{summary.text}': the total is not the sum of the counts by status.",
    )


def _declared_counts(sections: Sequence[_Section]) -> dict[FindingKind, dict[Status, int]] | None:
    """kind → status → count from the first summary with counts of each section."""
    declared: dict[FindingKind, dict[Status, int]] = {}
    for section in sections:
        summary = next((s for s in section.summaries if s.counts), None)
        if summary is None:
            continue
        counts = declared.setdefault(section.kind, dict.fromkeys(Status, 0))
        for status, count in summary.counts.items():
            counts[status] += count
    return declared or None


# --- metadata ---------------------------------------------------------------------------

_META_LABEL = re.compile(
    r"(?<![가-힣])(?P<label>피\s*감\s*(?:사\s*)?기\s*관|수\s*감\s*기\s*관|감\s*사\s*대\s*상(?:\s*기\s*관)?"
    r"|감\s*사\s*기\s*관|감\s*사\s*기\s*간|감\s*사\s*일\s*[자시]?"
    r"|(?:보\s*고|작\s*성|제\s*출)\s*(?:일\s*[자시]?|연\s*월\s*일)"
    r"|(?:소\s*관\s*)?위\s*원\s*회\s*(?:명)?|의\s*회\s*명)\s*[:：]"
)
_YEAR_TITLE = re.compile(
    r"(?P<y>(?:19|20)[0-9]{2})\s*년\s*도?[^0-9]{0,30}?행\s*정\s*사\s*무\s*감\s*사"
)
_COUNCIL_LINE = re.compile(
    r"(?P<council>(?:[^\s:：]+\s+){0,2}?[^\s:：]*[시구군도]의회)(?:\s+(?P<committee>[^\s:：]+위원회))?"
)
_COMMITTEE_LINE = re.compile(r"[^\s:：]{1,20}위원회")
_SESSION = re.compile(
    r"제\s*[0-9]+\s*회\s*(?:(?P<council>[^\s:：]{0,30}[시구군도]의회)\s*)?(?:제\s*[0-9]+\s*차\s*)?(?:정례회|임시회)"
)
_DATE_LINE = re.compile(rf"[(（]?\s*(?:{_DATE.pattern})\s*(?:현재|기준)?\s*[)）]?")
_GENERIC_COUNCILS = frozenset({"의회", "시의회", "도의회", "구의회", "군의회"})
_MAX_META_VALUE = 60


@dataclass
class _Metadata:
    """The first value of each field; labelled lines win over unlabelled ones."""

    labelled: dict[str, str] = field(default_factory=dict)
    loose: dict[str, str] = field(default_factory=dict)
    dates: dict[str, date] = field(default_factory=dict)
    loose_dates: dict[str, date] = field(default_factory=dict)
    year: int | None = None
    problems: list[Problem] = field(default_factory=list)

    def read(self, line: int, text: str) -> None:
        if self.year is None and (title := _YEAR_TITLE.search(text)):
            self.year = int(title["y"])
        labels = list(_META_LABEL.finditer(text))
        for index, label in enumerate(labels):
            end = labels[index + 1].start() if index + 1 < len(labels) else len(text)
            value = _collapse(text[label.end() : end]).strip(" ,/|·")
            if value:
                self._labelled(line, _squash(label["label"]), value)
        if not labels:
            self._unlabelled(line, _collapse(text))

    def _labelled(self, line: int, label: str, value: str) -> None:
        if label.startswith(("피감", "수감", "감사대상")):
            self.labelled.setdefault("audited_body", value[:_MAX_META_VALUE])
        elif label.startswith("감사기관"):
            self._bodies(value, self.labelled)
        elif label.endswith(("위원회", "위원회명")):
            self.labelled.setdefault("committee", value[:_MAX_META_VALUE])
        elif label.startswith("의회"):
            self.labelled.setdefault("council", value[:_MAX_META_VALUE])
        elif label.startswith("감사"):
            self._date(line, "audit_date", value, self.dates)
        else:
            self._date(line, "report_date", value, self.dates)

    def _unlabelled(self, line: int, text: str) -> None:
        if session := _SESSION.search(text):
            self.loose.setdefault("session", _collapse(session.group()))
            if session["council"] and session["council"] not in _GENERIC_COUNCILS:
                self.loose.setdefault("council", session["council"])
        if len(text) <= _MAX_META_VALUE:
            self._bodies(text, self.loose)
        if _DATE_LINE.fullmatch(text) and text.lstrip("(（ ")[:1].isdigit():
            self._date(line, "report_date", text, self.loose_dates)

    @staticmethod
    def _bodies(text: str, into: dict[str, str]) -> None:
        """A council, a committee or both: "서울특별시 ○○구의회 행정복지위원회"."""
        if match := _COUNCIL_LINE.fullmatch(text):
            if match["council"] not in _GENERIC_COUNCILS:
                into.setdefault("council", match["council"])
            if match["committee"]:
                into.setdefault("committee", match["committee"])
        elif _COMMITTEE_LINE.fullmatch(text):
            into.setdefault("committee", text)

    def _date(self, line: int, name: str, text: str, into: dict[str, date]) -> None:
        if name in into or (match := _DATE.search(text)) is None:
            return
        if (value := _date(match)) is not None:
            into[name] = value
        else:
            self.problems.append(
                warning(
                    line,
                    "BAD_DATE",
                    f"'{match.group().strip()}'은(는) 없는 날짜입니다.",
                    f"'{match.group().strip()}' is not a calendar date.",
                )
            )

    def result(self) -> ReportMetadata:
        def text(name: str) -> str | None:
            return self.labelled.get(name) or self.loose.get(name)

        audit_date = self.dates.get("audit_date")
        year = self.year or (audit_date.year if audit_date else None)
        return ReportMetadata(
            year=year,
            council=text("council"),
            committee=text("committee"),
            audited_body=text("audited_body"),
            report_date=self.dates.get("report_date") or self.loose_dates.get("report_date"),
            audit_date=audit_date,
            session=text("session"),
        )


def _read_metadata(lines: Iterable[tuple[int, str]]) -> tuple[ReportMetadata, list[Problem]]:
    metadata = _Metadata()
    for line, text in lines:
        metadata.read(line, text)
    return metadata.result(), metadata.problems


# --- entry points -----------------------------------------------------------------------


def _result_tables(flow: Iterable[_Block | _Table]) -> Iterable[_Table]:
    return (item for item in flow if isinstance(item, _Table) and _layout(_grid(item.rows)))


def looks_like_html_report(text: str) -> bool:
    """Sniff content: HTML with a table whose header has a request and a result column."""
    if "<table" not in text.lower():
        return False
    flow, _ = _read_html(text)
    return next(iter(_result_tables(flow)), None) is not None


def _document_problem(code: str, ko: str, en: str, source_name: str) -> Problem:
    name = prefix(source_name)
    return error(1, code, name + ko, name + en)


def parse_html_report(data: bytes, *, source_name: str = "") -> ParsedReport:
    """Parse a 처리결과 report published as HTML tables; never raises on bad input."""
    digest = hashlib.sha256(data).hexdigest()
    decoded = _decode(data, source_name)
    if isinstance(decoded, Problem):
        return ParsedReport(FORMAT, digest, "unknown", ReportMetadata(), (), (decoded,))
    text, encoding, problems = decoded
    if not text.strip():
        problem = _document_problem(
            "EMPTY_DOCUMENT", "빈 파일입니다.", "The file is empty.", source_name
        )
        return ParsedReport(FORMAT, digest, encoding, ReportMetadata(), (), (problem,))
    flow, malformed = _read_html(text)
    walk = _Walk()
    for item in flow:
        walk.read(item)
    metadata, meta_problems = _read_metadata(walk.text_lines)
    problems += [*filter(None, [malformed]), *meta_problems, *walk.problems]
    if walk.first_table_line is None:
        problems.append(
            _document_problem(
                "NO_RESULT_TABLE",
                "요구사항과 처리결과(추진상황) 칸이 있는 표를 찾지 못했습니다.",
                "No table with a request column and a result (status) column was found.",
                source_name,
            )
        )
    elif walk.candidates == 0:
        problems.append(
            error(
                walk.first_table_line,
                "NO_ROWS",
                "처리결과 표에 요구사항 행이 없습니다.",
                "The result tables hold no finding rows.",
            )
        )
    for section in walk.sections:
        for summary in section.summaries:
            problems += _check_summary(section, summary)
    problems.sort(key=lambda p: p.line or 0)
    failed = any(p.severity is Severity.ERROR for p in problems)
    return ParsedReport(
        format=FORMAT,
        document_hash=digest,
        encoding=encoding,
        metadata=metadata,
        rows=() if failed else tuple(walk.rows),
        problems=tuple(problems),
        declared_counts=_declared_counts(walk.sections),
    )
