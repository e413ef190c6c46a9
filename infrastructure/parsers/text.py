"""Text helpers every parser shares: reading bytes as Korean text, white space, line
wraps inside Hangul words, cells, brackets and statuses."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from application.report import Problem
from domain.vocabulary import Status, normalise_status
from infrastructure.parsers.problems import Say, document_problem, problem

# --- bytes ----------------------------------------------------------------------------


def decode_text(
    data: bytes, source_name: str = "", *, prefer_cp949: bool = False
) -> tuple[str, str] | Problem:
    """The text and the encoding it was read with, or the problem that stops us.

    A BOM declares UTF-8; without one, Korean offices still save CP949. EUC-KR
    needs no attempt of its own: it is a subset of CP949, which reads it as is.
    ``prefer_cp949`` when the document declares it (an HTML meta charset).
    """
    if b"\x00" in data:
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        return document_problem("BINARY_DOCUMENT", line, source_name)
    if data.startswith(codecs.BOM_UTF8):
        order: tuple[str, ...] = ("utf-8-sig",)
    elif prefer_cp949:
        order = ("cp949", "utf-8")
    else:
        order = ("utf-8", "cp949")
    for encoding in order:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    try:
        data.decode(order[0])
        bad_at = 0
    except UnicodeDecodeError as exc:
        bad_at = exc.start
    line = data.count(b"\n", 0, bad_at) + 1
    return document_problem("NOT_UTF8_OR_CP949", line, source_name)


# --- white space ----------------------------------------------------------------------

WHITESPACE = re.compile(r"\s+")
BULLETS = "○●◦◎◈□■▪▫◇◆▣▶▷►☐※·•∙\\-"
_LEADING_BULLET = re.compile(rf"^[{BULLETS}]\s*")


def collapse(text: str) -> str:
    """White space folded to single spaces, ends stripped."""
    return WHITESPACE.sub(" ", text).strip()


# The list marks of a report's cells, each starting a line of its own: ○ items, their
# "-" sub-items and "※" notes (indented under them), and circled numbers.
_ITEM = re.compile(r"\s*(○|●|■|①|②|③|④|⑤|⑥|⑦|⑧|⑨|⑩)\s+")
_SUB_ITEM = re.compile(r"\s+(-|※|·)\s+")


def list_lines(text: str) -> str:
    """A cell flattened to one line given its list structure back: a line per ○ item,
    indented lines for its "-", "·" and "※" parts (the marks as written)."""
    lined = _SUB_ITEM.sub(lambda m: f"\n  {m[1]} ", _ITEM.sub(lambda m: f"\n{m[1]} ", text))
    return "\n".join(line.rstrip() for line in lined.strip("\n").splitlines() if line.strip())


def squash(text: str) -> str:
    """Text without any white space: how headers and labels are compared."""
    return WHITESPACE.sub("", text)


def without_bullet(text: str) -> str:
    """One leading bullet of any kind ("○ 완료", "- 완료") dropped."""
    return _LEADING_BULLET.sub("", text, count=1)


def without_row_bullet(text: str) -> str:
    """A request's leading "○" is the row's bullet, not its text; other bullets stay."""
    return text.removeprefix("○").strip()


# --- lines wrapped inside words ---------------------------------------------------------


def is_hangul(char: str) -> bool:
    return "\uac00" <= char <= "\ud7a3"


@dataclass(frozen=True)
class Line:
    text: str
    # Follows a single line break with no white space on either side in the source.
    tight: bool = False


def join(lines: Iterable[Line]) -> str:
    """Lines as one text: a wrapped Hangul word is rejoined, other breaks become spaces.

    ``사회적`` + tight ``경제`` reads ``사회적경제``; a break with white space beside it,
    or between other characters, is a single space.
    """
    parts: list[str] = []
    for line in lines:
        if parts and not (line.tight and is_hangul(parts[-1][-1]) and is_hangul(line.text[0])):
            parts.append(" ")
        parts.append(line.text)
    return "".join(parts)


# --- cells ------------------------------------------------------------------------------


def cell_text(value: object) -> str:
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


def is_empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


_TRAILING_BRACKET = re.compile(r"[(（](?P<name>[^()（）]*+)[)）]\s*+$")


def trailing_bracket(text: str) -> tuple[str, str] | None:
    """``"요구 (담당과)"`` as the text before the bracket and what it holds, collapsed."""
    match = _TRAILING_BRACKET.search(text)
    if match is None:
        return None
    return text[: match.start()].rstrip(), collapse(match["name"])


# --- names -------------------------------------------------------------------------

# "시의회" alone names no council: which city's is for the caller to say.
GENERIC_COUNCILS = frozenset({"의회", "시의회", "도의회", "구의회", "군의회"})


# --- statuses ---------------------------------------------------------------------------


def read_status(line: int, raw: str, where: Say) -> tuple[Status | None, Problem | None]:
    """The status a row's raw text names (SPEC §2), or why it names none.

    ``where`` says where the status should have been, for a missing one.
    """
    if not raw:
        return None, problem("MISSING_STATUS", line, where=where)
    status = normalise_status(raw)
    return status, None if status is not None else problem("UNKNOWN_STATUS", line, raw=raw)
