"""What every parser shares: reading bytes as Korean text, and the row problems
whose wording does not depend on the layout."""

from __future__ import annotations

import codecs

from application.report import Problem, error

# Quoted raw text is cut so one absurd cell cannot flood a message.
_MAX_QUOTE = 60


def prefix(source_name: str) -> str:
    """Names the file in document-level messages, when the caller gave its name."""
    return f"{source_name}: " if source_name else ""


def decode_text(
    data: bytes, source_name: str = "", *, prefer_cp949: bool = False
) -> tuple[str, str] | Problem:
    """The text and the encoding it was read with, or the problem that stops us.

    A BOM declares UTF-8; without one, Korean offices still save CP949. EUC-KR
    needs no attempt of its own: it is a subset of CP949, which reads it as is.
    ``prefer_cp949`` when the document declares it (an HTML meta charset).
    """
    name = prefix(source_name)
    if b"\x00" in data:
        return error(
            data.count(b"\n", 0, data.index(b"\x00")) + 1,
            "BINARY_DOCUMENT",
            f"{name}텍스트 파일이 아닙니다(NUL 바이트가 있습니다).",
            f"{name}not a text file (it contains a NUL byte).",
        )
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
    return error(
        data.count(b"\n", 0, bad_at) + 1,
        "NOT_UTF8_OR_CP949",
        f"{name}UTF-8 또는 CP949(EUC-KR)로 읽을 수 없는 파일입니다.",
        f"{name}the file is neither UTF-8 nor CP949 (EUC-KR) text.",
    )


def quote(raw: str) -> str:
    return raw if len(raw) <= _MAX_QUOTE else raw[: _MAX_QUOTE - 1] + "…"


def missing_request(line: int) -> Problem:
    return error(line, "MISSING_REQUEST", "요구사항 내용이 없습니다.", "The request is empty.")


def unknown_status(line: int, raw: str) -> Problem:
    raw = quote(raw)
    return error(
        line, "UNKNOWN_STATUS", f"알 수 없는 추진상황 '{raw}'입니다.", f"Unknown status '{raw}'."
    )
