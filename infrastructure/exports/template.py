"""Writing the empty import template, as XLSX or CSV (docs/import-template.md).

The layout it writes is the one ``infrastructure.parsers.template`` reads: both take
it from ``infrastructure.parsers.template_layout``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from application.templates import TemplateFormat
from domain.vocabulary import KIND_LABELS, STATUS_LABELS, FindingKind, Status
from infrastructure.parsers.template_layout import (
    AUDIT_HEADER,
    COLUMNS,
    DATE_FIELDS,
    MAX_SEQ,
    META_FIELDS,
    SHEET_AUDIT,
    SHEET_FINDINGS,
    header_text,
    name_of,
)

SHEET_GUIDE = "작성요령"

# Shown in 작성요령; every spelling is checked against the vocabulary by the tests.
STATUS_SPELLINGS_SHOWN: dict[Status, tuple[str, ...]] = {
    Status.COMPLETED: ("완료", "추진완료", "조치완료", "처리완료", "진행완료"),
    Status.IN_PROGRESS: ("추진중", "진행중", "조치중"),
    Status.UNDER_REVIEW: ("검토중", "검토", "추진검토"),
    Status.NOT_ADOPTED: ("미반영", "추진불가", "반영불가", "수용불가", "불수용"),
}
KIND_SPELLINGS_SHOWN: dict[FindingKind, tuple[str, ...]] = {
    FindingKind.CORRECTIVE: ("시정요구", "처리요구", "개선요구", "주의"),
    FindingKind.RECOMMENDATION: ("건의",),
    FindingKind.OTHER: ("기타",),
}

_TITLE = "행정사무감사 지적사항 가져오기 양식"
_TITLE_EN = "audit-followup import template"


def write_template(path: Path) -> None:
    """Write an empty template; .xlsx or .csv by the path's suffix.

    Raises:
        ValueError: the path names neither an .xlsx nor a .csv file.
    """
    try:
        fmt = TemplateFormat(path.suffix.lower().lstrip("."))
    except ValueError:
        raise ValueError(f"template must be .xlsx or .csv, not {path.name!r}") from None
    path.write_bytes(template_bytes(fmt))


def template_bytes(fmt: TemplateFormat) -> bytes:
    """The empty template's bytes: what the CLI writes and the web page hands out."""
    if fmt is TemplateFormat.XLSX:
        buffer = io.BytesIO()
        _workbook().save(buffer)
        return buffer.getvalue()
    # A BOM makes Excel open UTF-8 Korean correctly; CRLF is what Excel writes.
    return _csv_template().encode("utf-8-sig")


class TemplateWriter:
    """The ``ImportTemplateWriter`` port."""

    def template(self, fmt: TemplateFormat) -> bytes:
        return template_bytes(fmt)


def _csv_template() -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(f"# {_TITLE} ({_TITLE_EN})\r\n")
    for item in META_FIELDS:
        buffer.write(f"# {header_text(item.label, item.id)}: \r\n")
    writer.writerow([header_text(c.label, c.id) for c in COLUMNS])
    return buffer.getvalue()


_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_WRAP = Alignment(wrap_text=True, vertical="top")
_DATE_FORMAT = "yyyy-mm-dd"
_VALIDATED_ROWS = 2000  # data validation and formats reach this far down


def _workbook() -> Workbook:
    workbook = Workbook()
    audit = workbook.active
    assert isinstance(audit, Worksheet)
    _audit_sheet(audit)
    _findings_sheet(workbook.create_sheet(SHEET_FINDINGS))
    _guide_sheet(workbook.create_sheet(SHEET_GUIDE))
    return workbook


def _header_row(sheet: Worksheet, titles: Sequence[str], widths: Sequence[int]) -> None:
    sheet.append(list(titles))
    for position, width in enumerate(widths, start=1):
        cell = sheet.cell(row=1, column=position)
        cell.font, cell.fill, cell.alignment = _BOLD, _HEADER_FILL, _WRAP
        sheet.column_dimensions[get_column_letter(position)].width = width
    sheet.freeze_panes = "A2"


def _audit_sheet(sheet: Worksheet) -> None:
    sheet.title = SHEET_AUDIT
    _header_row(sheet, [header_text(*names) for names in AUDIT_HEADER], [22, 30, 30])
    for item in META_FIELDS:
        sheet.append([header_text(item.label, item.id), None, item.example])
        if item.id in DATE_FIELDS:
            sheet.cell(row=sheet.max_row, column=2).number_format = _DATE_FORMAT


def _findings_sheet(sheet: Worksheet) -> None:
    _header_row(sheet, [header_text(c.label, c.id) for c in COLUMNS], [c.width for c in COLUMNS])
    letters = {c.id: get_column_letter(i) for i, c in enumerate(COLUMNS, start=1)}
    last = _VALIDATED_ROWS + 1
    kinds = ",".join(KIND_LABELS.values())
    statuses = ",".join(STATUS_LABELS[s] for s in STATUS_SPELLINGS_SHOWN)
    # Warnings, not stops: the parser also reads other spellings (시정요구, 추진 불가 …).
    for identifier, options, prompt in (
        ("kind", kinds, "목록에서 고르세요 (시정요구·처리요구 등도 인정)"),
        ("status", statuses, "목록에서 고르세요 (추진완료·추진 불가 등도 인정)"),
    ):
        validation = DataValidation(
            type="list",
            formula1=f'"{options}"',
            allow_blank=True,
            errorStyle="warning",
            showErrorMessage=True,
            error=prompt,
            prompt=prompt,
            showInputMessage=True,
        )
        validation.add(f"{letters[identifier]}2:{letters[identifier]}{last}")
        sheet.add_data_validation(validation)
    whole = DataValidation(
        type="whole",
        operator="between",
        formula1="1",
        formula2=str(MAX_SEQ),
        allow_blank=True,
        showErrorMessage=True,
        error=f"연번은 1 이상 {MAX_SEQ} 이하의 정수입니다.",
    )
    whole.add(f"{letters['seq']}2:{letters['seq']}{last}")
    sheet.add_data_validation(whole)
    # A column style, not styled cells: empty cells would push appended rows down.
    sheet.column_dimensions[letters["due_date"]].number_format = _DATE_FORMAT


def _guide_sheet(sheet: Worksheet) -> None:
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 12
    sheet.column_dimensions["C"].width = 80
    for row in _guide_rows():
        sheet.append(row)
        if len(row) == 1 or row[1:2] == ["필수 (required)"]:
            for cell in sheet[sheet.max_row]:
                cell.font = _BOLD


def _guide_rows() -> list[list[str]]:
    rows: list[list[str]] = [
        [f"{_TITLE} 작성요령 ({_TITLE_EN})"],
        [],
        [f"'{SHEET_FINDINGS}' 시트의 열 (columns)", "필수 (required)", "설명 (notes)"],
    ]
    rows += [[header_text(c.label, c.id), "필수" if c.required else "", c.note] for c in COLUMNS]
    rows += [[], ["구분 (kind) 값"]]
    rows += [
        [KIND_LABELS[k], k.value, "다른 표기: " + ", ".join(KIND_SPELLINGS_SHOWN[k])]
        for k in FindingKind
    ]
    rows += [[], ["추진상황 (status) 값 — 쓴 그대로도 보관합니다"]]
    rows += [
        [STATUS_LABELS[s], s.value, "같은 뜻의 표기: " + ", ".join(STATUS_SPELLINGS_SHOWN[s])]
        for s in STATUS_SPELLINGS_SHOWN
    ]
    rows += [
        [],
        ["날짜 (dates)"],
        ["처리기한·보고일·감사일", "", "Excel 날짜 셀, 또는 글자로 YYYY-MM-DD / YYYY.MM.DD."],
        [],
        [f"'{SHEET_AUDIT}' 시트"],
        ["항목", "", ", ".join(name_of(f.id) for f in META_FIELDS)],
        ["", "", "비워 둔 항목은 가져오기 명령의 옵션(--committee 등)으로 지정합니다."],
        [],
        ["주의"],
        ["", "", "완전히 빈 행은 건너뜁니다. 구분별 연번은 겹칠 수 없습니다."],
        ["", "", "오류가 하나라도 있으면 아무 행도 가져오지 않습니다(전부 아니면 전무)."],
        [
            "",
            "",
            "수식은 마지막으로 계산된 값을 읽습니다. 병합 셀의 값은 병합된 모든 행에 적용됩니다.",
        ],
    ]
    return rows
