"""Reading posted forms and query strings, and what a refusal looks like in HTML."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import TypeVar
from uuid import UUID

from starlette.datastructures import FormData, UploadFile

from api.schemas import FIRST_YEAR, LAST_YEAR
from application.errors import (
    StaleVersionError,
)
from domain.errors import (
    DomainError,
)
from domain.values import has_bidi_control, has_unstorable

E = TypeVar("E", bound=Enum)
T = TypeVar("T")


class FormInputError(DomainError):
    """A field the browser sent that cannot be read (a bad date, an unknown choice)."""

    code = "INVALID_INPUT"
    message_en = "A field of the form is not valid."
    status_code = 422

    def __init__(self, field_label: str) -> None:
        super().__init__(field_label)
        self.message_ko = f"입력값이 올바르지 않습니다: {field_label}"


@dataclass(frozen=True)
class FormError:
    """A refused form: which one, and why, in Korean."""

    form: str
    message: str


def message_for(exc: DomainError) -> str:
    if isinstance(exc, StaleVersionError):
        return f"{exc.message_ko} (현재 버전 {exc.current_version})"
    return exc.message_ko


def whole_number(value: str | None, *, maximum: int) -> int | None:
    """A non-negative number of ASCII digits, at most ``maximum`` (None: anything else,
    "²" or "١" included, which str.isdigit would take)."""
    if not value or len(value) > 18 or not (value.isascii() and value.isdecimal()):
        return None
    n = int(value)
    return n if n <= maximum else None


def page_number(value: str | None, maximum: int) -> int:
    """A ?page= value: 1 unless a number, bounded to ``maximum`` (past the last page
    shows the last)."""
    if not value or not (value.isascii() and value.isdecimal()):
        return 1
    return min(max(1, int(value[:18])), maximum)


def filter_name(value: str | None) -> tuple[str, str | None]:
    """A department (or other name) typed into a filter, and the refusal to show when
    it holds what no name holds (a control or a bidi control character: never echoed)."""
    name = (value or "").strip()[:200]
    if has_unstorable(name) or has_bidi_control(name):
        return "", "이름에 쓸 수 없는 문자가 있습니다 (제어 문자 또는 방향 제어 문자)."
    return name, None


def text(form: FormData | Mapping[str, str], name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def texts(form: FormData, *names: str) -> dict[str, str]:
    """The user's text as sent: kept to fill the form again after a refusal."""
    return {name: text(form, name) for name in names}


def upload(form: FormData, name: str) -> UploadFile | None:
    """The one file of a single file input; two sent under its name are refused rather
    than one kept silently."""
    files = [v for v in form.getlist(name) if isinstance(v, UploadFile) and v.filename]
    if len(files) > 1:
        raise FormInputError("파일은 하나만 올릴 수 있습니다")
    return files[0] if files else None


def optional_text(value: str) -> str | None:
    value = value.strip()
    return value or None


def _parsed(value: str, label: str, convert: Callable[[str], T]) -> T | None:
    """None for a blank field; FormInputError (naming ``label``) for one that does not convert."""
    value = value.strip()
    if not value:
        return None
    try:
        return convert(value)
    except ValueError:
        raise FormInputError(label) from None


def parse_date(value: str, label: str) -> date | None:
    """A date field (YYYY-MM-DD), in the years the API takes (1900–2100)."""
    parsed = _parsed(value, label, date.fromisoformat)
    if parsed is not None and not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        raise FormInputError(f"{label} ({FIRST_YEAR}~{LAST_YEAR}년)")
    return parsed


def parse_int(value: str, label: str) -> int | None:
    return _parsed(value, label, int)


def parse_uuid(value: str | None) -> UUID | None:
    if not value or not value.strip():
        return None
    try:
        return UUID(value.strip())
    except ValueError:
        return None


def parse_enum(kind: type[E], value: str | None) -> E | None:
    if not value:
        return None
    try:
        return kind(value)
    except ValueError:
        return None


def require_enum(kind: type[E], value: str, label: str) -> E:
    parsed = parse_enum(kind, value)
    if parsed is None:
        raise FormInputError(label)
    return parsed
