"""The seed layout's cell markup flattened to one line of text.

The seed's cells hold HTML-ish markup (``<p>``, ``<b>``, ``<input type=checkbox>``,
whole ``<table>``s). Inline tags join their text to the neighbours; every other tag
separates words; a table becomes ``[표: a | b / c | d]``. Scanning is linear: the
patterns never rescan an unclosed ``<tag``.
"""

from __future__ import annotations

import html
import re

from infrastructure.parsers.text import collapse

# Possessive quantifiers keep an unclosed "<tag" from being rescanned (linear time).
_TAG = re.compile(
    r"<!--.*?(?:-->|\Z)|<\s*+(?P<close>/?)\s*+(?P<name>[A-Za-z][\w:-]*+)[^<>]*+>",
    re.DOTALL,
)
# Inline tags join their text to the neighbours; every other tag separates words.
_INLINE_TAGS = frozenset(
    {"a", "b", "i", "u", "s", "em", "strong", "span", "font", "sup", "sub", "small"}
)


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
        return collapse("".join(self._parts))

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
        rows = [[collapse(cell) for cell in row] for row in self._table]
        body = " / ".join(" | ".join(row) for row in rows if any(row))
        self._parts.append(f" [표: {body}] " if body else " ")
        self._table = None
        self._depth = 0


def render(fragment: str) -> str:
    """Cell markup as text: tags stripped, entities decoded, white space collapsed."""
    if "<" not in fragment:  # plain text, as most 기타 cells: no markup to walk
        return collapse(html.unescape(fragment) if "&" in fragment else fragment)
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
