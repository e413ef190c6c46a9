"""The product's own import template: writing it, reading it back as XLSX and CSV."""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from application.report import ParsedReport, ReportMetadata, ReportRow, Severity
from domain.vocabulary import FindingKind, Status, normalise_kind, normalise_status
from infrastructure.exports.template import (
    KIND_SPELLINGS_SHOWN,
    SHEET_GUIDE,
    STATUS_SPELLINGS_SHOWN,
    write_template,
)
from infrastructure.parsers import parse_document, template_sources
from infrastructure.parsers.template import (
    FORMAT_CSV,
    FORMAT_XLSX,
    looks_like_template_csv,
    parse_template,
)
from infrastructure.parsers.template_layout import SHEET_AUDIT, SHEET_FINDINGS

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "demo" / "seed_2018_business_report.txt"

HEADER = [
    "구분 (kind)",
    "연번 (seq)",
    "요구사항 (request)",
    "담당부서 (department)",
    "추진상황 (status)",
    "추진내용 (actions)",
    "향후계획 (plans)",
    "부진사유 (delay_reason)",
    "요구의원 (raised_by)",
    "처리기한 (due_date)",
]
META_KEYS = {
    "council": "의회",
    "committee": "위원회",
    "audited_body": "피감기관",
    "year": "감사연도",
    "report_date": "보고일",
    "audit_date": "감사일",
    "session": "회기",
}
META: dict[str, Any] = {
    "council": "서울특별시의회",
    "committee": "기획경제위원회",
    "audited_body": "일자리노동정책관",
    "year": 2017,
    "report_date": date(2018, 11, 15),
    "audit_date": date(2017, 11, 8),
    "session": "제277회 정례회",
}
EXPECTED_META = ReportMetadata(
    year=2017,
    council="서울특별시의회",
    committee="기획경제위원회",
    audited_body="일자리노동정책관",
    report_date=date(2018, 11, 15),
    audit_date=date(2017, 11, 8),
    session="제277회 정례회",
)
META_ROWS = {key: 2 + index for index, key in enumerate(META_KEYS)}  # as the template writes them
Row = list[Any]
# kind, seq, request, department, status, actions, plans, delay_reason, raised_by, due_date
ROWS: list[Row] = [
    ["시정·처리요구사항", 1, "청년 일자리 사업 성과관리 강화", "일자리정책담당관", "추진완료",
     "성과지표 개선\n- 분기별 점검", None, None, "김의원", date(2018, 6, 30)],
    ["시정·처리요구사항", 2, "노동권익센터 운영 개선", None, "추진 중",
     "운영 개선안 마련", "2019년 상반기 시행", None, None, None],
    ["건의사항", 1, "사회적경제 기업 판로 지원", "사회적경제담당관", "추진 불가",
     None, None, "예산 미확보", "이의원", date(2019, 3, 31)],
    ["기타(자료제출 등)", 1, "업무추진비 자료 제출", "노동정책담당관", "검토중",
     None, None, None, None, None],
    ["recommendation", 2, "공정무역 도시 홍보", "공정경제과", "완료",
     "홍보물 제작·배포", None, None, None, date(2018, 12, 31)],
]  # fmt: skip


def expected_rows(first_line: int = 2) -> list[ReportRow]:
    kinds = [
        FindingKind.CORRECTIVE,
        FindingKind.CORRECTIVE,
        FindingKind.RECOMMENDATION,
        FindingKind.OTHER,
        FindingKind.RECOMMENDATION,
    ]
    statuses = [
        Status.COMPLETED,
        Status.IN_PROGRESS,
        Status.NOT_ADOPTED,
        Status.UNDER_REVIEW,
        Status.COMPLETED,
    ]
    rows = []
    for index, (values, kind, status) in enumerate(zip(ROWS, kinds, statuses, strict=True)):
        _, seq, request, department, raw, actions, plans, reason, member, due = values
        assert isinstance(seq, int) and isinstance(request, str) and isinstance(raw, str)
        rows.append(
            ReportRow(
                line=first_line + index,
                kind=kind,
                seq=seq,
                department=department if isinstance(department, str) else None,
                request=request,
                status_raw=raw,
                status=status,
                actions=actions if isinstance(actions, str) else None,
                plans=plans if isinstance(plans, str) else None,
                delay_reason=reason if isinstance(reason, str) else None,
                raised_by=member if isinstance(member, str) else None,
                due_date=due if isinstance(due, date) else None,
            )
        )
    return rows


# --- building documents ---------------------------------------------------------------


@cache
def empty_template(suffix: str) -> bytes:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"template{suffix}"
        write_template(path)
        return path.read_bytes()


def xlsx(
    rows: Sequence[Row] = ROWS,
    meta: dict[str, Any] | None = None,
    edit: Callable[[Workbook], None] | None = None,
) -> bytes:
    """The written template, filled as staff would fill it."""
    workbook = openpyxl.load_workbook(io.BytesIO(empty_template(".xlsx")))
    audit = workbook[SHEET_AUDIT]
    for key, value in (META if meta is None else meta).items():
        audit.cell(row=META_ROWS[key], column=2, value=value)
    findings = workbook[SHEET_FINDINGS]
    for row_index, values in enumerate(rows, start=2):
        for column, value in enumerate(values, start=1):
            findings.cell(row=row_index, column=column, value=value)
    if edit is not None:
        edit(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_text(
    rows: Sequence[Row] = ROWS,
    meta: dict[str, Any] | None = None,
    header: Sequence[str] = HEADER,
) -> str:
    """The same content as CSV: ``# key: value`` lines, the header, the rows."""
    buffer = io.StringIO()
    for key, value in (META if meta is None else meta).items():
        buffer.write(f"# {META_KEYS[key]}: {value}\r\n")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for values in rows:
        writer.writerow(["" if value is None else value for value in values])
    return buffer.getvalue()


def patch_part(data: bytes, part: str, change: Callable[[str], str]) -> bytes:
    """The workbook with one XML part rewritten, as another program might write it."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == part:
                content = change(content.decode("utf-8")).encode("utf-8")
            target.writestr(info, content)
    return out.getvalue()


FINDINGS_PART = "xl/worksheets/sheet2.xml"


def errors(report: ParsedReport) -> list[tuple[int | None, str]]:
    return [(p.line, p.code) for p in report.problems if p.severity is Severity.ERROR]


def codes(report: ParsedReport) -> list[tuple[int | None, str]]:
    return [(p.line, p.code) for p in report.problems]


def without_lines(rows: Sequence[ReportRow]) -> list[ReportRow]:
    return [replace(row, line=0) for row in rows]


# --- writing the template -------------------------------------------------------------


def test_written_workbook_has_three_sheets_a_styled_header_and_validation_lists(
    tmp_path: Path,
) -> None:
    path = tmp_path / "양식.xlsx"
    write_template(path)
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == [SHEET_AUDIT, SHEET_FINDINGS, SHEET_GUIDE]
    findings = workbook[SHEET_FINDINGS]
    assert [c.value for c in findings[1]] == HEADER
    assert all(c.font.bold for c in findings[1])
    assert findings.freeze_panes == "A2"
    assert findings.column_dimensions["C"].width == 50
    lists = {
        str(v.sqref): v.formula1
        for v in findings.data_validations.dataValidation
        if v.type == "list"
    }
    assert lists == {
        "A2:A2001": '"시정·처리요구사항,건의사항,기타(자료제출 등)"',
        "E2:E2001": '"완료,추진중,검토중,미반영"',
    }
    audit = workbook[SHEET_AUDIT]
    keys = [audit.cell(row=r, column=1).value for r in range(2, 9)]
    assert keys == [f"{label} ({key})" for key, label in META_KEYS.items()]
    guide = "\n".join(
        str(c.value) for row in workbook[SHEET_GUIDE].iter_rows() for c in row if c.value
    )
    for needle in ("추진불가", "YYYY-MM-DD", "YYYY.MM.DD.", "건의사항"):
        assert needle in guide


def test_written_csv_has_a_bom_metadata_lines_and_the_header(tmp_path: Path) -> None:
    path = tmp_path / "template.CSV"
    write_template(path)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").split("\r\n")
    assert lines[1:8] == [f"# {label} ({key}): " for key, label in META_KEYS.items()]
    assert lines[8] == ",".join(HEADER)


def test_template_must_be_xlsx_or_csv(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.xlsx or \.csv"):
        write_template(tmp_path / "template.xls")


@pytest.mark.parametrize(
    ("suffix", "fmt", "header_line"), [(".xlsx", FORMAT_XLSX, 1), (".csv", FORMAT_CSV, 9)]
)
def test_the_empty_template_is_ours_and_yields_no_rows(
    suffix: str, fmt: str, header_line: int
) -> None:
    data = empty_template(suffix)
    report = parse_template(data)
    assert report.format == fmt
    assert report.rows == ()
    assert codes(report) == [(header_line, "NO_ROWS")]
    assert report.metadata == ReportMetadata()
    assert parse_document(data) == report  # picked by content, without a name
    assert looks_like_template_csv(data.decode("utf-8-sig", errors="replace")) is (suffix == ".csv")


def test_the_guide_lists_only_spellings_the_vocabulary_reads() -> None:
    for status, spellings in STATUS_SPELLINGS_SHOWN.items():
        assert all(normalise_status(s) is status for s in spellings)
    for kind, spellings in KIND_SPELLINGS_SHOWN.items():
        assert all(normalise_kind(s) is kind for s in spellings)


# --- reading a filled template ----------------------------------------------------------


def test_filled_workbook_yields_its_rows_and_metadata() -> None:
    data = xlsx()
    report = parse_template(data, source_name="감사.xlsx")
    assert report.problems == ()
    assert report.format == FORMAT_XLSX
    assert report.encoding == ""
    assert report.metadata == EXPECTED_META
    assert list(report.rows) == expected_rows()
    assert report.rows[2].status_raw == "추진 불가"
    assert parse_document(data, source_name="감사.xlsx") == report


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp949"])
def test_the_same_content_as_csv_parses_identically(encoding: str) -> None:
    text = csv_text()
    data = text.encode(encoding)
    report = parse_template(data)
    assert report.problems == ()
    assert (report.format, report.encoding) == (FORMAT_CSV, encoding)
    assert report.metadata == EXPECTED_META
    # Line 8 is the header; row 1's 추진내용 holds a line break, so row 2 starts on line 11.
    assert [row.line for row in report.rows] == [9, 11, 12, 13, 14]
    assert without_lines(report.rows) == without_lines(parse_template(xlsx()).rows)
    assert looks_like_template_csv(data.decode(encoding))


def test_csv_with_dotted_dates_and_english_headers() -> None:
    rows = [[*row[:9], row[9].strftime("%Y.%m.%d.") if row[9] else ""] for row in ROWS]
    header = [h.split(" ")[1].strip("()") for h in HEADER]
    report = parse_template(csv_text(rows, header=header).encode("utf-8"))
    assert report.problems == ()
    assert without_lines(report.rows) == without_lines(expected_rows())


@pytest.mark.parametrize(
    "kind_header",
    ["구분", "kind", "KIND", " 구 분 ( kind ) ", "구분\n(kind)", "kind(구분)", "구분*"],
)
def test_headers_accept_the_label_the_id_or_both(kind_header: str) -> None:
    report = parse_template(csv_text(header=[kind_header, *HEADER[1:]]).encode("utf-8"))
    assert report.problems == ()
    assert len(report.rows) == len(ROWS)


def test_optional_columns_may_be_left_out_and_columns_reordered() -> None:
    header = ["추진상황", "요구사항", "연번", "구분"]
    rows: list[Row] = [["완료", "요구", 1, "건의사항"]]
    report = parse_template(csv_text(rows, header=header).encode("utf-8"))
    assert report.problems == ()
    (row,) = report.rows
    assert (row.kind, row.seq, row.request, row.status) == (
        FindingKind.RECOMMENDATION,
        1,
        "요구",
        Status.COMPLETED,
    )
    assert row.department is None and row.due_date is None


def test_numbers_spaces_and_merged_cells_in_a_workbook() -> None:
    def merge(workbook: Workbook) -> None:
        findings = workbook[SHEET_FINDINGS]
        findings.merge_cells("A2:A3")  # one 구분 cell spanning two findings
        findings.merge_cells("D2:D3")  # and one 담당부서

    rows: list[Row] = [
        ["  건의사항 ", 3.0, 12345, "  예산과 ", " 완료\n", None, None, None, None, None],
        [None, "4", "요구", None, "추진\n불가", 1.5, None, None, None, "2019-01-02"],
    ]
    report = parse_template(xlsx(rows, edit=merge))
    assert report.problems == ()
    first, second = report.rows
    assert (first.kind, first.seq, first.request, first.department) == (
        FindingKind.RECOMMENDATION,
        3,
        "12345",
        "예산과",
    )
    assert (first.status_raw, first.status) == ("완료", Status.COMPLETED)
    assert (second.kind, second.seq, second.department) == (FindingKind.RECOMMENDATION, 4, "예산과")
    assert (second.status_raw, second.status) == ("추진\n불가", Status.NOT_ADOPTED)
    assert (second.actions, second.due_date) == ("1.5", date(2019, 1, 2))


def test_formulas_are_read_by_their_cached_values() -> None:
    rows: list[Row] = [["건의사항", "=1+2", "요구", None, "완료", *[None] * 5]]
    data = patch_part(  # an empty cached value, as ElementTree or lxml writes it
        xlsx(rows),
        FINDINGS_PART,
        lambda x: re.sub(r"<f>1\+2</f><v\s*(/>|></v>)", "<f>1+2</f><v>3</v>", x),
    )
    report = parse_template(data)
    assert report.problems == ()
    assert report.rows[0].seq == 3


def test_a_wrong_dimension_element_cuts_no_rows_off() -> None:
    data = patch_part(
        xlsx(), FINDINGS_PART, lambda x: re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1"', x)
    )
    assert len(parse_template(data).rows) == len(ROWS)


def test_titles_above_the_header_and_empty_rows_are_skipped() -> None:
    text = "2017 행정사무감사 지적사항,,\r\n,,,\r\n" + csv_text(meta={}) + ",,,,\r\n\r\n"
    report = parse_template(text.encode("utf-8"))
    assert report.problems == ()
    assert [row.line for row in report.rows] == [4, 6, 7, 8, 9]


def test_csv_metadata_as_excel_resaves_it() -> None:
    text = (
        "# 위원회: 기획경제위원회,,,,\r\n"
        "# 회기:,제277회 정례회\r\n"
        '"# 피감기관: 일자리노동정책관, 공정경제과",,\r\n'
        "# committee: 기획경제위원회\r\n"  # the same again, in English: no conflict
        "# 참고 자료 없음\r\n" + csv_text(meta={})  # a plain comment
    )
    report = parse_template(text.encode("cp949"))
    assert report.problems == ()
    assert report.metadata == ReportMetadata(
        committee="기획경제위원회",
        audited_body="일자리노동정책관, 공정경제과",
        session="제277회 정례회",
    )


def test_unknown_columns_and_metadata_are_warnings() -> None:
    rows = [[*row, "메모"] for row in ROWS[:2]]
    rows.append([*ROWS[2], "", "넘친 칸"])
    text = "# 비고: 없음\r\n" + csv_text(rows, meta={}, header=[*HEADER, "비고"])
    report = parse_template(text.encode("utf-8"))
    assert codes(report) == [(1, "UNKNOWN_METADATA"), (2, "UNKNOWN_COLUMN"), (6, "EXTRA_CELLS")]
    assert len(report.rows) == 3


# --- sniffing ---------------------------------------------------------------------------


def unrelated_xlsx(title: str = "Sheet") -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    sheet.title = title
    sheet.append(["이름", "나이", "부서"])
    sheet.append(["홍길동", 30, "예산과"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(SEED.read_bytes(), id="seed"),
        pytest.param(os.urandom(4096), id="random"),
        pytest.param(b"PK\x03\x04" + os.urandom(200), id="broken-zip"),
        pytest.param("이름,나이\n홍길동,30\n".encode(), id="unrelated-csv"),
        pytest.param(unrelated_xlsx(), id="unrelated-xlsx"),
        pytest.param(unrelated_xlsx(SHEET_FINDINGS), id="unrelated-xlsx-findings-sheet"),
        pytest.param(b"", id="empty"),
    ],
)
def test_sniffers_refuse_what_is_not_ours(data: bytes) -> None:
    assert not looks_like_template_csv(data.decode("utf-8", errors="replace"))
    report = parse_template(data)
    assert report.rows == ()
    assert report.has_errors


def test_sniffers_accept_ours() -> None:
    assert looks_like_template_csv(csv_text())
    assert not looks_like_template_csv(empty_template(".xlsx").decode("latin-1"))
    assert parse_document(xlsx()).format == FORMAT_XLSX
    assert parse_document(csv_text().encode("utf-8")).format == FORMAT_CSV


# --- bad input ----------------------------------------------------------------------------


def row_with(**changes: object) -> list[Row]:
    """The sample rows with the fourth (line 5 in a workbook) changed."""
    index = {h.split(" ")[1].strip("()"): i for i, h in enumerate(HEADER)}
    rows = [list(row) for row in ROWS]
    for key, value in changes.items():
        rows[3][index[key]] = value
    return rows


BAD_ROWS: list[tuple[str, list[Row], str]] = [
    ("no-request", row_with(request="  "), "MISSING_REQUEST"),
    ("no-kind", row_with(kind=None), "MISSING_KIND"),
    ("unknown-kind", row_with(kind="감사"), "UNKNOWN_KIND"),
    ("no-status", row_with(status=None), "MISSING_STATUS"),
    ("unknown-status", row_with(status="완료예정"), "UNKNOWN_STATUS"),
    ("no-seq", row_with(seq=None), "MISSING_SEQUENCE"),
    ("seq-zero", row_with(seq=0), "INVALID_SEQUENCE"),
    ("seq-fraction", row_with(seq=2.5), "INVALID_SEQUENCE"),
    ("seq-text", row_with(seq="둘"), "INVALID_SEQUENCE"),
    ("duplicate", row_with(kind="건의사항", seq=1), "DUPLICATE_SEQUENCE"),
    ("impossible-date", row_with(due_date="2018-02-30"), "INVALID_DATE"),
    ("not-a-date", row_with(due_date="내년 상반기"), "INVALID_DATE"),
    ("number-as-date", row_with(due_date=43404), "INVALID_DATE"),
]


@pytest.mark.parametrize(("rows", "code"), [p[1:] for p in BAD_ROWS], ids=[p[0] for p in BAD_ROWS])
def test_a_bad_row_refuses_the_workbook(rows: list[Row], code: str) -> None:
    report = parse_template(xlsx(rows))
    assert errors(report) == [(5, code)]
    assert report.rows == ()


@pytest.mark.parametrize(("rows", "code"), [p[1:] for p in BAD_ROWS], ids=[p[0] for p in BAD_ROWS])
def test_a_bad_row_refuses_the_csv(rows: list[Row], code: str) -> None:
    report = parse_template(csv_text(rows).encode("utf-8"))
    assert errors(report) == [(13, code)]
    assert report.rows == ()


def test_unknown_status_names_its_raw_text() -> None:
    report = parse_template(xlsx(row_with(status="완료 예정")))
    (problem,) = report.problems
    assert "완료 예정" in problem.message_ko and "완료 예정" in problem.message_en


def test_missing_column_is_named_and_no_row_is_read() -> None:
    header = [h for h in HEADER if not h.startswith("추진상황")]
    rows = [row[:4] + row[5:] for row in ROWS]
    report = parse_template(csv_text(rows, header=header).encode("utf-8"))
    assert codes(report) == [(8, "MISSING_COLUMN")]
    assert "추진상황 (status)" in report.problems[0].message_ko
    assert report.rows == ()


def test_duplicate_column_is_an_error() -> None:
    report = parse_template(csv_text(header=[*HEADER[:9], "요구사항"]).encode("utf-8"))
    assert errors(report) == [(8, "DUPLICATE_COLUMN")]


def remove_sheet(name: str) -> Callable[[Workbook], None]:
    def edit(workbook: Workbook) -> None:
        del workbook[name]

    return edit


def clear_header(workbook: Workbook) -> None:
    for cell in workbook[SHEET_FINDINGS][1]:
        cell.value = None


def drop_request_header(workbook: Workbook) -> None:
    workbook[SHEET_FINDINGS]["C1"] = "내용"


def set_meta(**values: Any) -> Callable[[Workbook], None]:
    def edit(workbook: Workbook) -> None:
        for key, value in values.items():
            workbook[SHEET_AUDIT].cell(row=META_ROWS[key], column=2, value=value)

    return edit


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        pytest.param(remove_sheet(SHEET_FINDINGS), [(1, "NOT_A_TEMPLATE")], id="no-findings-sheet"),
        pytest.param(clear_header, [(1, "NOT_A_TEMPLATE")], id="no-header"),
        pytest.param(drop_request_header, [(1, "MISSING_COLUMN")], id="missing-column"),
        pytest.param(set_meta(year="2017년도"), [(5, "INVALID_YEAR")], id="bad-year"),
        pytest.param(set_meta(year=17), [(5, "INVALID_YEAR")], id="short-year"),
        pytest.param(set_meta(report_date="2018-13-01"), [(6, "INVALID_DATE")], id="bad-date"),
    ],
)
def test_bad_workbooks(edit: Callable[[Workbook], None], expected: list[tuple[int, str]]) -> None:
    report = parse_template(xlsx(edit=edit))
    assert errors(report) == expected
    assert report.rows == ()


def test_metadata_problems_name_the_sheet() -> None:
    report = parse_template(xlsx(edit=set_meta(audit_date="어제")))
    (problem,) = report.problems
    assert problem.message_ko.startswith(f"{SHEET_AUDIT} 시트 ")
    assert report.metadata.audit_date is None


def test_metadata_in_text_and_a_missing_sheet() -> None:
    values = {"year": "2017", "report_date": "2018. 11. 15.", "audit_date": "2017-11-08"}
    report = parse_template(xlsx(meta=values))
    assert report.metadata == ReportMetadata(
        year=2017, report_date=date(2018, 11, 15), audit_date=date(2017, 11, 8)
    )
    report = parse_template(xlsx(meta={}, edit=remove_sheet(SHEET_AUDIT)))
    assert report.problems == ()
    assert report.metadata == ReportMetadata()


def test_conflicting_metadata_is_an_error() -> None:
    text = "# 위원회: 기획경제위원회\r\n# committee: 환경수자원위원회\r\n" + csv_text(meta={})
    assert errors(parse_template(text.encode("utf-8"))) == [(2, "DUPLICATE_METADATA")]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(b"", [(1, "EMPTY_DOCUMENT")], id="empty"),
        pytest.param(b" \r\n\t", [(1, "EMPTY_DOCUMENT")], id="blank"),
        pytest.param(b"\xef\xbb\xbf,,,\r\n", [(1, "EMPTY_DOCUMENT")], id="bom-and-commas"),
        pytest.param(b"a,b\nc\x00d", [(2, "BINARY_DOCUMENT")], id="nul"),
        pytest.param(b"\xff\xfe\xfd\n\xff", [(1, "NOT_UTF8_OR_CP949")], id="not-text"),
        pytest.param(b"PK\x03\x04garbage", [(1, "NOT_A_WORKBOOK")], id="broken-zip"),
        pytest.param(b"PK\x05\x06" + bytes(18), [(1, "NOT_A_WORKBOOK")], id="empty-zip"),
        pytest.param(
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), [(1, "NOT_A_WORKBOOK")], id="xls"
        ),
        pytest.param("이름,나이\n".encode(), [(1, "NOT_A_TEMPLATE")], id="unrelated-csv"),
    ],
)
def test_bad_documents(data: bytes, expected: list[tuple[int, str]]) -> None:
    report = parse_template(data, source_name="x.csv")
    assert errors(report) == expected
    assert report.rows == ()
    assert all(p.message_ko.startswith("x.csv: ") for p in report.problems)


def test_a_zip_that_is_not_a_workbook() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert errors(parse_template(buffer.getvalue())) == [(1, "NOT_A_WORKBOOK")]


def test_a_truncated_csv_record_names_the_line_it_starts_on() -> None:
    text = csv_text() + '건의사항,9,"잘린 요구\r\n계속되는 줄'
    report = parse_template(text.encode("utf-8"))
    assert errors(report) == [(15, "TRUNCATED_RECORD")]
    assert report.rows == ()


def test_a_stray_quote_is_a_csv_syntax_error() -> None:
    text = csv_text() + '건의사항,9,"요구"사항,,완료\r\n'
    assert errors(parse_template(text.encode("utf-8"))) == [(15, "CSV_SYNTAX")]


def test_row_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(template_sources, "_MAX_ROWS", 4)
    assert errors(parse_template(xlsx())) == [(5, "TOO_MANY_ROWS")]
    assert errors(parse_template(csv_text(meta={}).encode("utf-8"))) == [(6, "TOO_MANY_ROWS")]


def test_zip_bomb_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(template_sources, "_MAX_UNCOMPRESSED", 10_000)
    data = xlsx()
    assert errors(parse_template(data)) == [(1, "WORKBOOK_TOO_LARGE")]


def test_forged_row_numbers_and_merges_are_bounded() -> None:
    def forge(xml: str) -> str:
        far = '<row r="999999999"><c r="A999999999" t="inlineStr"><is><t>x</t></is></c></row>'
        merges = '<mergeCells count="2"><mergeCell ref="A2:A1048576"/>'
        merges += '<mergeCell ref="A1:XFD1048576"/></mergeCells>'
        xml = xml.replace("</sheetData>", far + "</sheetData>")
        return xml.replace("<dataValidations", merges + "<dataValidations")

    started = time.perf_counter()
    report = parse_template(patch_part(xlsx(), FINDINGS_PART, forge))
    assert errors(report) == [(1_048_577, "TOO_MANY_ROWS")]
    assert time.perf_counter() - started < 10


def test_entity_expansion_bomb_is_refused() -> None:
    entities = '<!ENTITY a0 "hahahahahahahahahaha">' + "".join(
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10)
    )

    def bomb(xml: str) -> str:
        return f"<!DOCTYPE worksheet [{entities}]>" + xml.replace("<t>완료</t>", "<t>&a9;</t>")

    report = parse_template(patch_part(xlsx(), FINDINGS_PART, bomb))
    assert errors(report) == [(1, "NOT_A_WORKBOOK")]


def test_every_problem_is_bilingual_and_well_coded() -> None:
    documents = [csv_text(rows).encode("utf-8") for _, rows, _ in BAD_ROWS]
    documents += [b"", b"\x00", b"PK\x03\x04", "# 비고: x\r\n이름,나이".encode()]
    for data in documents:
        for problem in parse_template(data).problems:
            assert re.search("[가-힣]", problem.message_ko)
            assert re.search("[A-Za-z]", problem.message_en)
            assert re.fullmatch("[A-Z][A-Z0-9_]*", problem.code)


# --- robustness ---------------------------------------------------------------------------


def assert_well_formed(report: ParsedReport) -> None:
    for problem in report.problems:
        assert isinstance(problem.line, int) and problem.line >= 1
    if report.has_errors:
        assert report.rows == ()
    for row in report.rows:
        assert row.request and row.status_raw and row.seq >= 1


@settings(max_examples=300, deadline=None)
@given(st.binary())
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    assert_well_formed(parse_template(data))
    looks_like_template_csv(data.decode("utf-8", errors="replace"))


@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=1, max_size=400))
def test_zip_looking_bytes_never_raise(tail: bytes) -> None:
    data = b"PK\x03\x04" + tail
    assert_well_formed(parse_template(data))


Mutation = tuple[str, float, str]
mutations = st.lists(
    st.tuples(
        st.sampled_from(["insert", "delete", "replace"]),
        st.floats(min_value=0, max_value=1),
        st.text(alphabet=st.sampled_from(list(',"\r\n#:  \t완료건의사항0123-.')), max_size=6)
        | st.text(max_size=4),
    ),
    min_size=1,
    max_size=8,
)


def mutate(text: str, changes: Sequence[Mutation]) -> str:
    for operation, where, piece in changes:
        at = int(where * len(text))
        if operation == "insert":
            text = text[:at] + piece + text[at:]
        elif operation == "delete":
            text = text[:at] + text[at + len(piece) + 1 :]
        else:
            text = text[:at] + piece + text[at + len(piece) :]
    return text


@settings(max_examples=300, deadline=None)
@given(mutations, st.sampled_from(["utf-8", "utf-8-sig", "cp949"]))
def test_mutated_csv_never_raises(changes: list[Mutation], encoding: str) -> None:
    text = mutate(csv_text(), changes)
    data = text.encode(encoding, errors="replace")
    report = parse_template(data)
    assert_well_formed(report)
    physical_lines = len(
        io.StringIO(data.decode(encoding, errors="replace"), newline="").readlines()
    )
    assert all(p.line is not None and p.line <= max(physical_lines, 1) for p in report.problems)
    looks_like_template_csv(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10**6), st.binary(max_size=3)), min_size=1, max_size=6))
def test_mutated_workbook_bytes_never_raise(changes: list[tuple[int, bytes]]) -> None:
    data = bytearray(xlsx_cached())
    for at, piece in changes:
        at %= len(data)
        data[at : at + len(piece)] = piece or b"\xff"
    assert_well_formed(parse_template(bytes(data)))


xml_pieces = st.sampled_from(
    [
        '<row r="999999999">',
        '<c r="A3" t="s"><v>99</v></c>',
        '<mergeCell ref="A2:A9"/>',
        'r="0"',
        "<v>1e400</v>",
        't="d"',
        '<c r="ZZZZ5">',
        '"',
        "<",
        "&amp;",
        "&#0;",
    ]
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["insert", "delete", "replace"]),
            st.floats(min_value=0, max_value=1),
            xml_pieces | st.text(max_size=5),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_mutated_sheet_xml_never_raises(changes: list[Mutation]) -> None:
    data = patch_part(xlsx_cached(), FINDINGS_PART, lambda xml: mutate(xml, changes))
    assert_well_formed(parse_template(data))


@cache
def xlsx_cached() -> bytes:
    return xlsx()


# Text openpyxl can write (it refuses XML control characters).
cell_text = st.text(
    st.characters(
        exclude_categories=["Cs"],
        exclude_characters=[chr(c) for c in range(32) if c not in (9, 10, 13)],
    ),
    max_size=12,
)
cell_values = st.one_of(
    st.none(),
    cell_text,
    st.sampled_from(
        ["완료", "추진\n불가", "건의사항", "corrective", "2018-02-30", "2018.1.2.", " 7 "]
    ),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2100, 1, 1)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.lists(cell_values, min_size=10, max_size=12), max_size=5),
    st.lists(cell_values, min_size=7, max_size=7),
)
def test_arbitrary_cell_values_never_raise(grid: list[Row], meta_values: list[object]) -> None:
    meta = dict(zip(META_KEYS, meta_values, strict=True))
    report = parse_template(xlsx(grid, meta=meta))
    assert_well_formed(report)
    assert report.format == FORMAT_XLSX
