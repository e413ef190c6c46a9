"""An HTML report read into what the table parser walks: text blocks outside tables,
top-level tables of rows and cells, and each table's grid (spans resolved).

Rules chosen here:

- ``<br>`` between two Hangul syllables with no white space on either side in the source
  is a visual wrap inside a word: ``사회적<br/>경제`` reads ``사회적경제``. Any other
  ``<br>`` or block boundary (a source line break next to the ``<br>`` counts as white
  space) is a single space in the final text. A cell is kept as its lines, so headings
  and status lines are still seen when words are rejoined.
- A table nested in a cell is read as text, ``[표: a | b / c | d]``, unless it is itself
  a result table inside a page-layout table: then it is read as if it stood alone.
- A ``<meta>`` charset is honoured when it names UTF-8 or a Korean encoding.

Nothing here raises on bad input; bounds keep malformed input linear.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from html.parser import HTMLParser

from application.report import Problem
from infrastructure.parsers.problems import problem
from infrastructure.parsers.text import Line, collapse, join, squash

# --- markers: what the source's breaks leave in the text --------------------------------

_BR = "\x01"  # a <br>: a line break, or nothing inside a wrapped Hangul word
_BREAK = "\x02"  # a block boundary: <p>, <div>, <li>, a nested table's row
_NO_MARKERS = str.maketrans({_BR: " ", _BREAK: " "})  # the markers never come from input
_PIECES = re.compile(f"([{_BR}{_BREAK}])")


def _lines(raw: str) -> tuple[Line, ...]:
    """A cell's lines: split at every <br> and block boundary, white space collapsed."""
    lines: list[Line] = []
    separators = ""
    previous = ""
    for index, piece in enumerate(_PIECES.split(raw)):
        text = "" if index % 2 else collapse(piece)
        if not text:
            separators += piece  # also white space between two breaks: not a wrap
            continue
        tight = separators == _BR and not previous[-1:].isspace() and not piece[0].isspace()
        lines.append(Line(text, tight and bool(previous)))
        separators, previous = "", piece
    return tuple(lines)


# --- decoding -------------------------------------------------------------------------

_META_CHARSET = re.compile(rb"<meta\b[^<>]{0,300}?charset\s*=\s*[\"']?\s*([\w.:-]{1,40})", re.I)
_KOREAN_CHARSETS = frozenset(
    {"euc-kr", "euckr", "cp949", "ms949", "uhc", "windows-949", "x-windows-949", "korean"}
    | {"ks_c_5601-1987", "ks_c_5601", "ksc5601", "ksc_5601", "iso-2022-kr"}
)
_UTF8_CHARSETS = frozenset({"utf-8", "utf8"})


@dataclass(frozen=True)
class Charset:
    codec: str
    written: str
    line: int


def declared_charset(data: bytes) -> Charset | None:
    """The encoding a <meta> declares near the top, if it is one we read."""
    head = data[:4096]
    match = _META_CHARSET.search(head)
    if match is None:
        return None
    written = match.group(1).decode("ascii", "replace")
    line = head.count(b"\n", 0, match.start()) + 1
    if written.lower() in _KOREAN_CHARSETS:
        return Charset("cp949", written, line)  # EUC-KR is a subset of CP949
    if written.lower() in _UTF8_CHARSETS:
        return Charset("utf-8", written, line)
    return None


def charset_problem(data: bytes, declared: Charset | None, used: str) -> Problem | None:
    """A warning when the document was read otherwise than its <meta> declares."""
    if declared is None or used == declared.codec or data.startswith(codecs.BOM_UTF8):
        return None
    return problem("CHARSET_MISMATCH", declared.line, written=declared.written, used=used)


# --- the document: text blocks and tables ---------------------------------------------

MAX_COLUMNS = 64  # wider "tables" are layout or garbage; bounds the work per row
_MAX_ROWSPAN = 50  # a merged cell is read again in every row it spans: bound the repeats
_MAX_NESTING = 8  # deeper tables are read as plain text: bounds copying of nested text
_SKIPPED = frozenset({"script", "style"})
_CELL_TAGS = ("td", "th")
_BREAK_TAGS = frozenset(
    {"p", "div", "li", "ul", "ol", "dl", "dt", "dd", "br", "hr", "pre", "blockquote"}
    | {"h1", "h2", "h3", "h4", "h5", "h6", "title", "center", "section", "article"}
    | {"header", "footer", "address", "form", "fieldset", "nav", "main", "aside"}
    | {"thead", "tbody", "tfoot"}
)


@dataclass(frozen=True)
class Block:
    """A paragraph, heading or line of text outside any table."""

    line: int
    text: str


@dataclass(frozen=True)
class Cell:
    lines: tuple[Line, ...]
    colspan: int = 1
    rowspan: int = 1

    # Cached: a cell merged over several rows is read once per row.
    @cached_property
    def text(self) -> str:
        return join(self.lines)

    @cached_property
    def key(self) -> str:
        """A header's text without any white space or line break ("추진<br/>상황")."""
        return "".join(squash(line.text) for line in self.lines)


@dataclass
class Row:
    line: int
    cells: list[Cell] = field(default_factory=list)


@dataclass
class Table:
    line: int
    caption: str = ""
    caption_line: int = 0
    rows: list[Row] = field(default_factory=list)


class _BlockBuffer:
    """Text outside any table, gathered into blocks that end at block tags and <br>."""

    def __init__(self, flow: list[Block | Table]) -> None:
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
        text = collapse("".join(self._parts))
        if text:
            self._flow.append(Block(self._line, text))
        self._parts = []


@dataclass
class _OpenTable:
    """A table being read: the row and cell (or caption) that are still open."""

    table: Table
    row: Row | None = None
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
        self.row = Row(line)
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
            self.row.cells.append(Cell(_lines(raw), *self.spans))
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
            self.table.caption = join(_lines("".join(self.caption)))
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


def _render_nested(table: Table) -> str:
    """A table inside a cell as text, every cell in order: [표: a | b / c | d]."""
    rows = [" | ".join(cell.text for cell in row.cells) for row in table.rows]
    body = " / ".join(row for row in [table.caption, *rows] if row.strip(" |"))
    return f"{_BREAK}[표: {body}]{_BREAK}" if body else _BREAK


class _DocumentBuilder(HTMLParser):
    """Reads the document into text blocks and top-level tables, in order.

    ``stands_alone`` tells a nested table to read as a top-level one (a result table
    inside a page-layout table) from one to render as text in its cell.
    """

    def __init__(self, stands_alone: Callable[[Table], bool]) -> None:
        super().__init__(convert_charrefs=True)
        self.flow: list[Block | Table] = []
        self._stands_alone = stands_alone
        self._blocks = _BlockBuffer(self.flow)
        self._open: list[_OpenTable] = []
        self._flattened = 0  # <table> tags nested too deep, read as line breaks
        self._skipping: str | None = None

    def _outside_or_flat(self, tag: str, line: int) -> bool:
        """What a tag does outside any table, or inside one read flat; False if neither."""
        if not self._open:
            if tag in _BREAK_TAGS:
                self._blocks.flush()
        elif self._flattened:
            self._open[-1].text(" " if tag in _CELL_TAGS else _BREAK, line)
        else:
            return False
        return True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skipping:
            return
        line = self.getpos()[0]
        if tag in _SKIPPED:
            self._skipping = tag
        elif tag == "table":
            self._start_table(line)
        elif self._outside_or_flat(tag, line):
            return
        elif tag == "tr":
            self._open[-1].start_row(line)
        elif tag in _CELL_TAGS:
            spans = (_span(attrs, "colspan", MAX_COLUMNS), _span(attrs, "rowspan", _MAX_ROWSPAN))
            self._open[-1].start_cell(line, spans)
        elif tag == "caption":
            self._open[-1].start_caption(line)
        elif tag in _BREAK_TAGS:
            self._open[-1].text(_BR if tag == "br" else _BREAK, line)

    def handle_endtag(self, tag: str) -> None:
        if self._skipping:
            if tag == self._skipping:
                self._skipping = None
            return
        line = self.getpos()[0]
        if tag == "table":
            self._end_table(line)
        elif self._outside_or_flat(tag, line):
            return
        elif tag in _CELL_TAGS:
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
        self._open.append(_OpenTable(Table(line)))

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
        elif self._stands_alone(done.table):
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


def read_html(
    text: str, stands_alone: Callable[[Table], bool]
) -> tuple[list[Block | Table], Problem | None]:
    """The document's blocks and top-level tables, in order, and what stopped reading."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # lines as an editor counts them
    builder = _DocumentBuilder(stands_alone)
    stopped = None
    try:
        builder.feed(_defuse(text))
        builder.close()
    except AssertionError:  # html.parser's way of refusing a malformed declaration
        stopped = problem("MALFORMED_HTML", builder.getpos()[0])
    builder.finish()
    return builder.flow, stopped


# --- the grid ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GridRow:
    """A row with colspan and rowspan resolved: slot -> cell (None: under a colspan)."""

    line: int
    slots: dict[int, Cell | None]
    own: tuple[Cell, ...]

    def lines(self, slot: int | None) -> tuple[Line, ...]:
        cell = self.slots.get(slot) if slot is not None else None
        return cell.lines if cell is not None else ()

    def text(self, slot: int | None) -> str:
        return join(self.lines(slot))

    def texts(self) -> list[str]:
        return [text for cell in self.slots.values() if cell is not None and (text := cell.text)]


def grid(rows: Sequence[Row]) -> list[GridRow]:
    """Place cells in slots as a browser does; a merged 담당부서 cell repeats below."""
    placed: list[GridRow] = []
    carried: dict[int, tuple[int, Cell | None]] = {}
    for row in rows:
        slots: dict[int, Cell | None] = {slot: cell for slot, (_, cell) in carried.items()}
        carried = {slot: (left - 1, cell) for slot, (left, cell) in carried.items() if left > 1}
        column = 0
        for cell in row.cells:
            while column in slots:
                column += 1
            if column >= MAX_COLUMNS:
                break
            for offset in range(cell.colspan):
                slot = column + offset
                if slot >= MAX_COLUMNS or slot in slots:
                    break  # overlapping spans: the earlier cell keeps the slot
                slots[slot] = cell if offset == 0 else None
                if cell.rowspan > 1:
                    carried[slot] = (cell.rowspan - 1, slots[slot])
            column += cell.colspan
        placed.append(GridRow(row.line, slots, tuple(row.cells)))
    return placed
