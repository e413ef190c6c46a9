"""The import template's layout, which its reader and its writer share
(docs/import-template.md): the sheets, the findings columns and the metadata keys.

The workbook has the sheets 감사정보 (audit metadata as key | value rows), 지적사항 (a
header row, then one row per finding) and 작성요령 (how to fill it in). The CSV holds
the findings table, after optional ``# 위원회: 기획경제위원회`` metadata lines.
"""

from __future__ import annotations

from dataclasses import dataclass

from infrastructure.parsers.text import squash

SHEET_AUDIT = "감사정보"
SHEET_FINDINGS = "지적사항"
# The metadata sheet's own header row, which is no metadata.
AUDIT_HEADER = (("항목", "key"), ("값", "value"), ("작성 예", "example"))

MAX_SEQ = 99_999


@dataclass(frozen=True)
class Column:
    id: str
    label: str
    required: bool
    width: int
    note: str


COLUMNS: tuple[Column, ...] = (
    Column("kind", "구분", True, 20, "시정·처리요구사항 / 건의사항 / 기타(자료제출 등)"),
    Column("seq", "연번", True, 7, "구분별 일련번호, 1 이상의 정수"),
    Column("request", "요구사항", True, 50, "지적·요구 내용"),
    Column("department", "담당부서", False, 16, "비워 두면 피감기관이 담당"),
    Column("status", "추진상황", True, 11, "완료 / 추진중 / 검토중 / 미반영 (다른 표기는 아래)"),
    Column("actions", "추진내용", False, 50, "조치한 내용"),
    Column("plans", "향후계획", False, 40, "앞으로의 계획"),
    Column("delay_reason", "부진사유", False, 30, "미반영·부진 사유"),
    Column("raised_by", "요구의원", False, 12, "지적한 의원"),
    Column("due_date", "처리기한", False, 12, "날짜 셀 또는 YYYY-MM-DD"),
)
REQUIRED = tuple(c.id for c in COLUMNS if c.required)


@dataclass(frozen=True)
class Field:
    id: str
    label: str
    example: str


META_FIELDS: tuple[Field, ...] = (
    Field("council", "의회", "서울특별시의회"),
    Field("committee", "위원회", "기획경제위원회"),
    Field("audited_body", "피감기관", "일자리노동정책관"),
    Field("year", "감사연도", "2017"),
    Field("report_date", "보고일", "2018-11-15"),
    Field("audit_date", "감사일", "2017-11-08"),
    Field("session", "회기", "제277회 정례회"),
)
DATE_FIELDS = frozenset({"report_date", "audit_date"})

_LABELS = {c.id: c.label for c in COLUMNS} | {f.id: f.label for f in META_FIELDS}


def header_text(label: str, identifier: str) -> str:
    """A header cell as the template writes it: the Korean label and the English id."""
    return f"{label} ({identifier})"


def name_of(identifier: str) -> str:
    """A column or metadata key as messages and the guide name it: "연번 (seq)"."""
    return header_text(_LABELS[identifier], identifier)


_BRACKETS = str.maketrans({"（": "(", "）": ")", "[": "(", "]": ")", "*": None})


def key(text: str) -> str:
    """A header or metadata key compared without spaces, case or a required mark (*)."""
    return squash(text).translate(_BRACKETS).casefold()


def _names(label: str, identifier: str) -> dict[str, str]:
    spellings = (label, identifier, f"{label}({identifier})", f"{identifier}({label})")
    return {key(s): identifier for s in spellings}


# Every spelling a reader accepts for a column or key -> its id.
COLUMN_NAMES: dict[str, str] = {k: v for c in COLUMNS for k, v in _names(c.label, c.id).items()}
FIELD_NAMES: dict[str, str] = {k: v for f in META_FIELDS for k, v in _names(f.label, f.id).items()}
AUDIT_HEADER_KEYS = frozenset(_names(*AUDIT_HEADER[0]))
