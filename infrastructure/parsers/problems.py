"""Every problem a parser reports, in one catalogue keyed by code.

A code has one severity and one message in Korean and in English. Where layouts
differ only in where a thing is missing, the message takes that place as a field
(``where``, ``why``), given in both languages as a ``Say``. A field named ``raw``
quotes the document and is cut, so one absurd cell cannot flood a message.

Document-level problems name the file when the caller gave its name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from application.report import Problem, Severity
from domain.vocabulary import KIND_LABELS, STATUS_LABELS, FindingKind, Status

_MAX_QUOTE = 60


class Say(NamedTuple):
    """A message field that reads differently in each language."""

    ko: str
    en: str


NOWHERE = Say("", "")


@dataclass(frozen=True)
class Entry:
    severity: Severity
    ko: str
    en: str


_E, _W = Severity.ERROR, Severity.WARNING
_KINDS_KO = " / ".join(KIND_LABELS.values())
_KINDS_EN = " / ".join(kind.value for kind in FindingKind)
_STATUSES_KO = " / ".join(STATUS_LABELS.values())
_DATE_FORMS = "YYYY-MM-DD, YYYY.MM.DD."
_SUMMARY = "처리결과 총괄"

CATALOGUE: Mapping[str, Entry] = {
    # --- the document -------------------------------------------------------------------
    "EMPTY_DOCUMENT": Entry(_E, "빈 파일입니다.", "The file is empty."),
    "BINARY_DOCUMENT": Entry(
        _E,
        "텍스트 파일이 아닙니다(NUL 바이트가 있습니다).",
        "not a text file (it contains a NUL byte).",
    ),
    "NOT_UTF8_OR_CP949": Entry(
        _E,
        "UTF-8 또는 CP949(EUC-KR)로 읽을 수 없는 파일입니다.",
        "the file is neither UTF-8 nor CP949 (EUC-KR) text.",
    ),
    "UNKNOWN_FORMAT": Entry(
        _E,
        "처리결과 보고서로 읽을 수 없습니다 (지원: 주요업무보고 처리결과 절, HTML 표, "
        "가져오기 양식 XLSX/CSV).",
        "Not a supported report (supported: the business report's 처리결과 section, "
        "HTML tables, the import template as XLSX or CSV).",
    ),
    "CHARSET_MISMATCH": Entry(
        _W,
        "문서는 {written} 인코딩이라고 선언했지만 {used}(으)로 읽었습니다.",
        "The document declares {written} but was read as {used}.",
    ),
    "MALFORMED_HTML": Entry(
        _E,
        "HTML을 더 읽을 수 없는 잘못된 선언이 있습니다.",
        "A malformed declaration stops the HTML from being read further.",
    ),
    "NO_RESULT_TABLE": Entry(
        _E,
        "요구사항과 처리결과(추진상황) 칸이 있는 표를 찾지 못했습니다.",
        "No table with a request column and a result (status) column was found.",
    ),
    "SECTION_NOT_FOUND": Entry(
        _E,
        "'N. YYYY년 행정사무감사 처리결과' 절을 찾지 못했습니다.",
        "No section headed 'N. YYYY년 행정사무감사 처리결과' was found.",
    ),
    "NO_ROWS": Entry(_E, "{where.ko} 요구사항 행이 없습니다.", "No finding rows {where.en}."),
    "TOO_MANY_ROWS": Entry(
        _E,
        "행이 너무 많습니다({max:,}행 초과). 양식이 맞는지 확인하세요.",
        "Too many rows (more than {max:,}); is this the template?",
    ),
    "NOT_A_WORKBOOK": Entry(
        _E,
        "Excel 통합문서(.xlsx)로 읽을 수 없습니다{why.ko}. .xlsx 또는 CSV로 저장해 주세요.",
        "Not a readable Excel workbook (.xlsx){why.en}; save it as .xlsx or CSV.",
    ),
    "WORKBOOK_TOO_LARGE": Entry(
        _E,
        "통합문서의 압축을 풀면 {mb} MB를 넘습니다.",
        "The workbook inflates to more than {mb} MB.",
    ),
    "NOT_A_TEMPLATE": Entry(
        _E,
        "{why.ko}. 가져오기 양식(followup template)으로 작성해 주세요.",
        "{why.en}: fill in the import template.",
    ),
    "TRUNCATED_RECORD": Entry(
        _E,
        '이 줄에서 시작한 큰따옴표(")가 파일 끝까지 닫히지 않았습니다(파일이 잘렸습니다).',
        'A quote (") opened in the record starting here is never closed: the file is truncated.',
    ),
    "CSV_SYNTAX": Entry(
        _E,
        "CSV 형식이 잘못되었습니다(큰따옴표 등): {detail}",
        "Malformed CSV (quotes?): {detail}",
    ),
    # --- metadata -----------------------------------------------------------------------
    "METADATA_NOT_FOUND": Entry(
        _W, "표지에서 {what.ko} 찾지 못했습니다.", "No {what.en} found on the front page."
    ),
    "BAD_DATE": Entry(_W, "'{raw}'은(는) 없는 날짜입니다.", "'{raw}' is not a calendar date."),
    "BAD_REPORT_DATE": Entry(
        _W,
        "보고일 '{raw}'은(는) 없는 날짜입니다.",
        "The report date '{raw}' is not a calendar date.",
    ),
    "INVALID_DATE": Entry(
        _E,
        f"{{where}}{{field.ko}} '{{raw}}'은(는) 날짜가 아닙니다 (날짜 셀 또는 {_DATE_FORMS}).",
        f"{{where}}{{field.en}} '{{raw}}' is not a date (a date cell or {_DATE_FORMS}).",
    ),
    "INVALID_YEAR": Entry(
        _E,
        "{where}감사연도 '{raw}'은(는) 연도(예: 2017)가 아닙니다.",
        "{where}the audit year '{raw}' is not a year such as 2017.",
    ),
    "UNKNOWN_METADATA": Entry(
        _W,
        "{where}알 수 없는 항목 '{raw}'은(는) 읽지 않았습니다 (항목: {known.ko}).",
        "{where}unknown metadata key '{raw}' was ignored (keys: {known.en}).",
    ),
    "DUPLICATE_METADATA": Entry(
        _E,
        "{where}'{field}' 값이 {first}행과 다릅니다.",
        "{where}'{field}' differs from the value on line {first}.",
    ),
    # --- the template's header row ------------------------------------------------------
    "MISSING_COLUMN": Entry(
        _E,
        "필수 열 '{column}'이(가) 머리행에 없습니다.",
        "The header row lacks the required column '{column}'.",
    ),
    "DUPLICATE_COLUMN": Entry(
        _E,
        "'{column}' 열이 머리행에 두 번 있습니다.",
        "The column '{column}' appears twice in the header row.",
    ),
    "UNKNOWN_COLUMN": Entry(
        _W,
        "알 수 없는 열 '{raw}'({letter}열)은 읽지 않았습니다.",
        "Unknown column '{raw}' (column {letter}) was ignored.",
    ),
    # --- tables, sections and kinds -------------------------------------------------------
    "TABLE_WITHOUT_KIND": Entry(
        _E,
        "표의 구분(시정·처리요구사항/건의사항/기타)을 알 수 없습니다(표 제목·앞 제목 없음).",
        "The table's kind is unknown: no caption or preceding heading names it.",
    ),
    "ROW_WITHOUT_KIND": Entry(
        _E,
        "구분(시정·처리요구사항/건의사항/기타) 머리행보다 앞에 있는 행입니다.",
        "Row before any page header naming its kind (시정·건의·기타).",
    ),
    "NO_SEQUENCE_COLUMN": Entry(
        _W,
        "표에 연번 칸이 없어 구분 안의 순서를 연번으로 씁니다.",
        "The table has no number column: the order within the kind is used.",
    ),
    "UNRECOGNISED_LINE": Entry(
        _W, "행으로 읽지 않은 줄입니다.", "This line was not read as a row."
    ),
    # --- rows -----------------------------------------------------------------------------
    "BROKEN_ROW": Entry(_E, "행이 잘렸습니다: {why.ko}.", "Broken row: {why.en}."),
    "EXTRA_CELLS": Entry(
        _W, "{where.ko} 칸의 값은 읽지 않았습니다.", "Cells {where.en} were ignored."
    ),
    "MISSING_KIND": Entry(_E, "구분이 없습니다{where.ko}.", "No kind{where.en}."),
    "UNKNOWN_KIND": Entry(
        _E,
        f"알 수 없는 구분 '{{raw}}'입니다 ({_KINDS_KO}).",
        f"Unknown kind '{{raw}}' ({_KINDS_EN}).",
    ),
    # An error where a row cannot be numbered; see ``numbered_by_order`` for the warning.
    "MISSING_SEQUENCE": Entry(_E, "연번이 없습니다{where.ko}.", "No number{where.en}."),
    "BAD_SEQUENCE": Entry(
        _W, "연번 '{raw}'이(가) 숫자가 아닙니다.", "The number '{raw}' is not numeric."
    ),
    "INVALID_SEQUENCE": Entry(
        _E,
        "연번 '{raw}'은(는) 1 이상 {max} 이하의 정수가 아닙니다.",
        "The sequence number '{raw}' is not a whole number from 1 to {max}.",
    ),
    "DUPLICATE_SEQUENCE": Entry(
        _E,
        "{kind.ko}의 연번 {seq}이(가) {first}번째 줄에 이미 있습니다.",
        "{kind.en} number {seq} already appears on line {first}.",
    ),
    "MISSING_REQUEST": Entry(
        _E, "요구사항 내용이 없습니다{where.ko}.", "The request is empty{where.en}."
    ),
    "MISSING_DEPARTMENT": Entry(
        _E,
        "요구사항 끝에 괄호로 쓴 담당부서가 없습니다.",
        "No responsible department in brackets at the end of the request.",
    ),
    "MISSING_STATUS": Entry(_E, "추진상황이 없습니다{where.ko}.", "No status{where.en}."),
    "UNKNOWN_STATUS": Entry(
        _E,
        f"알 수 없는 추진상황 '{{raw}}'입니다 ({_STATUSES_KO} 등).",
        f"Unknown status '{{raw}}' (e.g. {_STATUSES_KO}).",
    ),
    "DUPLICATE_STATUS": Entry(
        _E, "한 행에 추진상황이 두 번 있습니다.", "The row states its status twice."
    ),
    "NOT_ADOPTED_WITHOUT_REASON": Entry(
        _E,
        "미반영 행에 사유(조치결과 내용)가 없습니다.",
        "A not-adopted row gives no reason (its result text is empty).",
    ),
    "UNKNOWN_HEADING": Entry(
        _W,
        "알 수 없는 항목 '{raw}'은(는) 앞 항목에 이어 붙였습니다.",
        "Unknown heading '{raw}': its text was kept with the preceding block.",
    ),
    "DUE_DATE_NOT_READ": Entry(
        _W,
        "처리기한 '{raw}'을(를) 날짜로 읽지 못해 비워 두었습니다.",
        "The due date '{raw}' names no day it is due by: left empty.",
    ),
    # --- counts -----------------------------------------------------------------------------
    "SUMMARY_NOT_FOUND": Entry(
        _W,
        f"{_SUMMARY} 표를 찾지 못해 건수를 대조하지 못했습니다.",
        f"No {_SUMMARY} table: the row counts were not checked.",
    ),
    "UNKNOWN_SUMMARY_ROW": Entry(
        _W,
        f"{_SUMMARY}: 구분을 알 수 없는 행입니다: '{{raw}}'",
        f"{_SUMMARY}: a row of unknown kind: '{{raw}}'.",
    ),
    "BAD_SUMMARY_VALUE": Entry(
        _W,
        f"{_SUMMARY}: {{kind.ko}} 행에 건수가 아닌 값이 있습니다.",
        f"{_SUMMARY}: the {{kind.en}} row holds a value that is not a count.",
    ),
    "SUMMARY_INCONSISTENT": Entry(
        _W,
        "{source.ko}: 총 {total}건이 상태별 건수의 합과 다릅니다.",
        "{source.en}: the total {total} is not the sum of the counts by status.",
    ),
    "COUNT_MISMATCH": Entry(
        _W,
        "{kind.ko}: {source.ko}은 {declared.ko}인데 찾은 행은 {found.ko}입니다.",
        "{kind.en}: {source.en} declares {declared.en} but {found.en} rows were found.",
    ),
}


def quote(raw: str) -> str:
    return raw if len(raw) <= _MAX_QUOTE else raw[: _MAX_QUOTE - 1] + "…"


def prefix(source_name: str) -> str:
    """Names the file in document-level messages, when the caller gave its name."""
    return f"{source_name}: " if source_name else ""


def problem(code: str, line: int | None, /, **fields: object) -> Problem:
    """The catalogue's problem ``code`` on ``line``, its messages filled in from ``fields``."""
    return _made(code, line, "", fields)


def document_problem(code: str, line: int, source_name: str, /, **fields: object) -> Problem:
    """A problem with the whole document: its messages name the file, when given."""
    return _made(code, line, prefix(source_name), fields)


def _made(code: str, line: int | None, name: str, fields: dict[str, object]) -> Problem:
    entry = CATALOGUE[code]
    if isinstance(raw := fields.get("raw"), str):
        fields["raw"] = quote(raw)
    ko, en = entry.ko.format(**fields), entry.en.format(**fields)
    return Problem(line, entry.severity, code, name + ko, name + en)


def numbered_by_order(found: Problem, order: int) -> Problem:
    """A sequence problem the order within the kind makes good: a warning that says so."""
    return Problem(
        found.line,
        Severity.WARNING,
        found.code,
        f"{found.message_ko} 구분 안의 순서 {order}을(를) 연번으로 씁니다.",
        f"{found.message_en} Order {order} is used.",
    )


def kind_named(kind: FindingKind) -> Say:
    """A kind as messages name it: "건의사항", "recommendation"."""
    return Say(KIND_LABELS[kind], kind.value)


def duplicate_sequence(line: int, kind: FindingKind, seq: int, first: int) -> Problem:
    return problem("DUPLICATE_SEQUENCE", line, kind=kind_named(kind), seq=seq, first=first)


# The order of a 처리결과 총괄's columns, for messages.
_SUMMARY_ORDER = (Status.COMPLETED, Status.IN_PROGRESS, Status.UNDER_REVIEW, Status.NOT_ADOPTED)


def describe_counts(total: int, counts: Mapping[Status, int]) -> Say:
    """ "7건 (완료 4, 추진중 3)" and "7 (completed 4, in_progress 3)"."""

    def listed(english: bool) -> str:
        parts = [
            f"{status.value if english else STATUS_LABELS[status]} {counts[status]}"
            for status in _SUMMARY_ORDER
            if counts.get(status)
        ]
        return f" ({', '.join(parts)})" if parts else ""

    return Say(f"{total}건{listed(False)}", f"{total}{listed(True)}")


_ALL_KINDS = Say("전체", "all kinds")


def count_mismatch(
    line: int,
    kind: FindingKind | None,
    source: Say,
    declared: tuple[int, Mapping[Status, int]],
    found: tuple[int, Mapping[Status, int]],
) -> Problem:
    """The document declares other counts than its rows: reported, never corrected.

    ``kind`` None: a total over the whole document ("총 20건 중 완료 15건")."""
    return problem(
        "COUNT_MISMATCH",
        line,
        kind=_ALL_KINDS if kind is None else kind_named(kind),
        source=source,
        declared=describe_counts(*declared),
        found=describe_counts(*found),
    )
