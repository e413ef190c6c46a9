"""The 처리결과 report exported from the seed audit, every format opened back.

The formats are checked on SQLite (one module-scoped import, one PDF); one test
exports on both databases. Print previews go to test-artifacts/exports/.
"""

from __future__ import annotations

import io
import re
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import openpyxl
import pytest
from hwpx import HwpxDocument
from hwpx.layout import lint_layout

from application.access import Principal
from application.errors import AuditNotFoundError
from application.exports import (
    CARRIED_TITLE,
    ExportFormat,
    ExportModel,
    ExportSection,
    ExportUnavailableError,
    UnknownExportFormatError,
)
from application.importing import ImportOptions
from domain.department import UnknownDepartmentError
from domain.values import Actor
from domain.vocabulary import KIND_LABELS, FindingKind, Role
from infrastructure.bootstrap import Runtime, open_runtime
from infrastructure.exports.render import ExportRenderers
from infrastructure.parsers import parse_document
from infrastructure.settings import Settings
from tests.conftest import ROOT, SEED, FixedClock

ARTIFACTS = ROOT / "test-artifacts" / "exports"
AS_OF = date(2018, 11, 15)  # the seed report's date: its 총괄 is 56 = 54 + 2
SUMMARY_ROWS = ("total", *(k.value for k in FindingKind))
COLUMNS = ("total", "completed", "in_progress", "under_review", "not_adopted")
SOCIAL = "사회적경제담당관"


def _cells(counts: dict[str, int]) -> list[str]:
    return [str(counts[c]) if counts[c] else "-" for c in COLUMNS]


def _import_seed(runtime: Runtime) -> Any:
    outcome = runtime.services.importer.run(
        Principal.system(),
        parse_document(SEED.read_bytes()),
        ImportOptions(council="서울특별시의회"),
    )
    assert outcome.committed and outcome.audit_id is not None
    return outcome.audit_id


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Runtime, Any]]:
    """The seed imported once for the module, on SQLite."""
    tmp = tmp_path_factory.mktemp("exports")
    clock = FixedClock()
    clock.set_date(date(2020, 12, 31))
    runtime = open_runtime(
        Settings(database_url=f"sqlite:///{tmp}/followup.db", evidence_dir=str(tmp / "ev")),
        clock=clock,
    )
    try:
        yield runtime, _import_seed(runtime)
    finally:
        runtime.close()


@pytest.fixture(scope="module")
def model(seeded: tuple[Runtime, Any]) -> ExportModel:
    runtime, audit_id = seeded
    return runtime.services.exports.model(audit_id, as_of=AS_OF)


def _render(model: ExportModel, fmt: ExportFormat) -> bytes:
    return ExportRenderers().render(model, fmt)


def _all_findings(model: ExportModel) -> list[tuple[FindingKind, int, str]]:
    return [(s.kind, r.seq, r.request) for s in model.sections for r in s.rows]


def _flat(text: str) -> str:
    return "".join(text.split())


# -- the model -----------------------------------------------------------------------


def test_the_model_holds_the_summary_and_every_finding(
    seeded: tuple[Runtime, Any], model: ExportModel
) -> None:
    runtime, audit_id = seeded
    summary = runtime.services.queries.summary(audit_id=audit_id, as_of=AS_OF)
    assert model.summary.rows == summary.rows
    assert model.summary.rows["total"]["total"] == 56
    assert [s.kind for s in model.sections] == list(FindingKind)
    for section in model.sections:
        assert section.counts() == summary.rows[section.kind.value]
        assert [r.seq for r in section.rows] == list(range(1, len(section.rows) + 1))
    assert model.as_of == AS_OF and model.department is None
    assert model.generated_at.tzinfo is not None
    head = runtime.history.head()
    assert model.history == head and head is not None
    assert model.history_line() == (
        f"기록 체인: {head.head[:16]}… (이벤트 {head.events}건) — "
        f"`followup verify --expect-head {head.head}`로 확인"
    )
    # Today by default; a department filter narrows both the table and the lists.
    assert runtime.services.exports.model(audit_id).as_of == date(2020, 12, 31)
    social = runtime.services.exports.model(audit_id, as_of=AS_OF, department=SOCIAL)
    rows = [r for s in social.sections for r in s.rows]
    assert rows and {r.department for r in rows} == {SOCIAL}
    assert social.summary.rows["total"]["total"] == len(rows)


def test_refusals(seeded: tuple[Runtime, Any]) -> None:
    runtime, audit_id = seeded
    exports = runtime.services.exports
    with pytest.raises(AuditNotFoundError):
        exports.model(UUID(int=0))
    with pytest.raises(UnknownDepartmentError) as refused:
        exports.model(audit_id, department="사회적경제담당")
    assert SOCIAL in refused.value.message_ko  # the closest names offered
    with pytest.raises(UnknownExportFormatError):
        ExportFormat.parse("docx")
    assert ExportFormat.parse(".XLSX") is ExportFormat.XLSX
    # A viewer sees the head, not the installation-wide event count (SPEC §8).
    viewer = Principal(actor=Actor.user("viewer", Role.VIEWER))
    shown = exports.model(audit_id, as_of=AS_OF, principal=viewer)
    assert shown.history is not None
    line = shown.history_line()
    assert line is not None and "이벤트" not in line and shown.history.head in line


def test_without_chromium_a_pdf_is_refused_in_both_languages(model: ExportModel) -> None:
    with pytest.raises(ExportUnavailableError) as refused:
        ExportRenderers(chromium="/nonexistent/chromium").render(model, ExportFormat.PDF)
    assert refused.value.message_ko and refused.value.message_en
    assert "chromium" in (refused.value.detail or "")


# -- XLSX ----------------------------------------------------------------------------


def test_xlsx_sheets_cells_merges_and_print_setup(model: ExportModel) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(_render(model, ExportFormat.XLSX)))
    assert wb.sheetnames == ["총괄", *(KIND_LABELS[k] for k in FindingKind)]
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape"
        assert int(ws.page_setup.paperSize) == 9  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToWidth == 1
        assert ws["A1"].font.name == "맑은 고딕"

    ws = wb["총괄"]
    assert ws.print_title_rows == "$7:$8"
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A7:B8", "C7:C8", "D7:G7", "A9:A12"} <= merged
    assert (ws["A7"].value, ws["C7"].value, ws["D7"].value) == ("구 분", "계", "조치내역")
    assert [ws.cell(8, c).value for c in range(4, 8)] == ["완 료", "추진중", "검토중", "미반영"]
    for i, row in enumerate(SUMMARY_ROWS):
        values = [ws.cell(9 + i, c).value for c in range(3, 8)]
        assert [str(v) for v in values] == _cells(model.summary.rows[row]), row

    found: list[tuple[FindingKind, int, str]] = []
    for section in model.sections:
        ws = wb[section.label]
        assert ws.print_title_rows == "$3:$4"
        merged = {str(r) for r in ws.merged_cells.ranges}
        assert {"A3:A4", "B3:B4", "C3:E3"} <= merged
        assert ws["C3"].value == "조치결과 및 향후추진계획"
        assert [ws.cell(4, c).value for c in (3, 4, 5)] == ["추진상황", "추진내용", "향후계획"]
        assert ws.column_dimensions["B"].width > ws.column_dimensions["A"].width
        assert ws["B5"].alignment.wrap_text
        for r in range(5, 5 + len(section.rows)):
            seq, request = ws.cell(r, 1).value, str(ws.cell(r, 2).value)
            match = next(x for x in section.rows if x.seq == seq)
            assert _flat(match.request) in _flat(request)
            found.append((section.kind, match.seq, match.request))
    assert found == _all_findings(model)


# -- HWPX ----------------------------------------------------------------------------


def test_hwpx_tables_with_merged_headers(model: ExportModel) -> None:
    data = _render(model, ExportFormat.HWPX)
    doc = HwpxDocument.open(io.BytesIO(data))
    assert doc.validate().ok
    # No table structure fault, no row taller than a page.
    layout = lint_layout(data, check_overflow=False)
    assert layout.ok and "TABLE_TALLER_THAN_PAGE" not in {f.code for f in layout.findings}
    assert doc.paragraphs[0].text == model.title  # no empty first line
    tables = doc.tables.all
    assert len(tables) == 1 + len(model.sections)

    summary = tables[0].get_cell_map()
    assert (summary[0][0].cell.text, summary[0][0].span) == ("구 분", (2, 2))
    assert (summary[0][3].cell.text, summary[0][3].span) == ("조치내역", (1, 4))
    for i, row in enumerate(SUMMARY_ROWS):
        assert [g.cell.text for g in summary[2 + i][2:]] == _cells(model.summary.rows[row])

    found = []
    for table, section in zip(tables[1:], model.sections, strict=True):
        assert table.element.get("repeatHeader") == "1"
        grid = table.get_cell_map()
        merged = grid[0][2]
        assert (merged.cell.text, merged.span, merged.anchor) == (
            "조치결과 및 향후추진계획",
            (1, 3),
            (0, 2),
        )
        assert [g.cell.element.get("header") for g in grid[1]] == ["1"] * 5
        assert [g.cell.text for g in grid[1][2:]] == ["추진상황", "추진내용", "향후계획"]
        for row in grid[2:]:
            seq = int(row[0].cell.text)
            match = next(x for x in section.rows if x.seq == seq)
            assert _flat(match.request) in _flat(row[1].cell.text)
            found.append((section.kind, match.seq, match.request))
    assert found == _all_findings(model)


def test_hwpx_a_row_taller_than_a_page_may_break(model: ExportModel) -> None:
    """한글 breaks a pageBreak="TABLE" table between rows only and does not draw what
    runs past the page: a row longer than a page lets its table break inside rows."""
    corrective, *others = model.sections
    long = replace(corrective.rows[0], actions="○ 추진내용 " * 400)
    sections = (replace(corrective, rows=(long, *corrective.rows[1:])), *others)
    doc = HwpxDocument.open(
        io.BytesIO(_render(replace(model, sections=sections), ExportFormat.HWPX))
    )
    assert [t.element.get("pageBreak") for t in doc.tables.all] == [
        "TABLE",
        "CELL",
        "TABLE",
        "TABLE",
    ]


# -- HTML and PDF --------------------------------------------------------------------


def test_the_printable_page(seeded: tuple[Runtime, Any], model: ExportModel) -> None:
    page = _render(model, ExportFormat.HTML).decode("utf-8")
    assert "@page { size: A4 landscape" in page
    assert re.search(r"tr, th, td \{ break-inside: avoid", page)
    assert "thead { display: table-header-group; }" in page
    assert "<nav" not in page and "<script" not in page and "<link" not in page
    assert model.audit.title in page and "기준일: 2018-11-15" in page
    assert model.history is not None and model.history.head in page
    assert page.count('<th colspan="3">조치결과 및 향후추진계획</th>') == len(model.sections)
    assert page.count("<tr>") == 2 + 4 + sum(2 + max(1, len(s.rows)) for s in model.sections)
    runtime, audit_id = seeded
    social = runtime.services.exports.model(audit_id, as_of=AS_OF, department=SOCIAL)
    assert f"담당부서: {SOCIAL}" in _render(social, ExportFormat.HTML).decode("utf-8")


def _marked(model: ExportModel) -> ExportModel:
    """Each row opens with S<kind><seq> and closes with E<kind><seq> (no break inside)."""
    sections = tuple(
        replace(
            s,
            rows=tuple(
                replace(
                    r,
                    request=f"S{s.kind.value[0]}{r.seq} {r.request}",
                    plans=f"{r.plans or ''} E{s.kind.value[0]}{r.seq}",
                )
                for r in s.rows
            ),
        )
        for s in model.sections
    )
    return replace(model, sections=sections)


@pytest.fixture(scope="module")
def pdf(model: ExportModel, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One PDF for the module: the report with row markers."""
    out = tmp_path_factory.mktemp("pdf") / "report.pdf"
    out.write_bytes(_render(_marked(model), ExportFormat.PDF))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for n in (1, 2):  # the print preview of the first pages, for a human look
        subprocess.run(
            [
                *("pdftoppm", "-png", "-r", "60", "-f", str(n), "-l", str(n), "-singlefile"),
                *(str(out), str(ARTIFACTS / f"report-page{n}")),
            ],
            check=True,
            timeout=60,
        )
    return out


def _pages(pdf: Path) -> list[str]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    count = int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1))  # type: ignore[union-attr]
    return [
        subprocess.run(
            ["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for n in range(1, count + 1)
    ]


def test_pdf_a4_landscape_no_row_split_across_pages(pdf: Path, model: ExportModel) -> None:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info.stdout).groups())  # type: ignore[union-attr]
    assert width > height and abs(width - 841.9) < 2  # A4 landscape
    pages = _pages(pdf)
    assert len(pages) > 2
    for section in model.sections:
        for row in section.rows:
            key = f"{section.kind.value[0]}{row.seq}"
            start = [n for n, text in enumerate(pages) if re.search(rf"\bS{key}\b", text)]
            end = [n for n, text in enumerate(pages) if re.search(rf"\bE{key}\b", text)]
            assert len(start) == len(end) == 1, key
            assert start == end, f"row {key} is cut across pages {start[0] + 1}–{end[0] + 1}"
    # The header groups repeat: every page of a list has its column headings.
    assert sum("조치결과 및 향후추진계획" in p for p in pages) > len(model.sections)
    first = pages[0]
    assert "처리결과 총괄" in first and "수감결과 처리요구사항 등 총 56건" in first
    lines = {" ".join(line.split()) for line in first.splitlines()}
    for row, label in (("total", "계"), *((k.value, KIND_LABELS[k]) for k in FindingKind)):
        assert " ".join([label, *_cells(model.summary.rows[row])]) in lines, row
    assert model.history is not None and model.history.head[:16] in pages[-1]
    assert (ARTIFACTS / "report-page1.png").stat().st_size > 0


# -- carried-over findings and repeats -----------------------------------------------


def test_carried_over_and_repeated_findings_in_every_format(model: ExportModel) -> None:
    corrective = model.sections[0]
    open_rows = tuple(r for r in corrective.rows if r.status.value == "in_progress")
    carried = ExportSection(
        kind=FindingKind.CORRECTIVE, rows=open_rows, origin="2016년 행정사무감사"
    )
    twice = corrective.rows[1]
    extended = replace(model, carried=(carried,), repeats={twice.finding_id: 2})

    page = _render(extended, ExportFormat.HTML).decode("utf-8")
    assert f"5. {CARRIED_TITLE}" in page and "2016년 행정사무감사" in page
    assert f'<td colspan="2" class="center">{CARRIED_TITLE}</td>' in page
    assert "[2년 연속]" in page and page.count("년 연속") == 1

    wb = openpyxl.load_workbook(io.BytesIO(_render(extended, ExportFormat.XLSX)))
    assert wb.sheetnames[-1] == "전년도 미완료(이월)"
    ws = wb["총괄"]
    assert (ws["A13"].value, ws["C13"].value) == (CARRIED_TITLE, len(open_rows))
    assert "A13:B13" in {str(r) for r in ws.merged_cells.ranges}

    doc = HwpxDocument.open(io.BytesIO(_render(extended, ExportFormat.HWPX)))
    assert len(doc.tables.all) == 1 + len(model.sections) + 1
    text = doc.text.plain()
    assert CARRIED_TITLE in text and "[2년 연속]" in text


def test_control_characters_never_break_an_export(model: ExportModel) -> None:
    """Text pasted from a word processor carries a vertical tab, say: XLSX cannot hold
    it (a space stands in), the other formats still open."""
    first = model.sections[0].rows[0]
    odd = replace(first, request="자료 제출\x0b요구\x01 끝", actions="조치\x0c내용")
    sections = (replace(model.sections[0], rows=(odd, *model.sections[0].rows[1:])),)
    odd_model = replace(model, sections=sections + model.sections[1:])
    wb = openpyxl.load_workbook(io.BytesIO(_render(odd_model, ExportFormat.XLSX)))
    cells = [c for ws in wb for row in ws.iter_rows(values_only=True) for c in row]
    assert any(isinstance(c, str) and "자료 제출 요구  끝" in c for c in cells)
    assert HwpxDocument.open(io.BytesIO(_render(odd_model, ExportFormat.HWPX))).text.plain()
    assert "자료 제출" in _render(odd_model, ExportFormat.HTML).decode("utf-8")


# -- one round on each database ------------------------------------------------------


def test_export_on_each_database(runtime: Runtime, clock: FixedClock) -> None:
    clock.set_date(date(2020, 12, 31))
    audit_id = _import_seed(runtime)
    exported = runtime.services.exports.export(audit_id, ExportFormat.XLSX, as_of=AS_OF)
    assert exported.file_name.endswith("_2018-11-15.xlsx") and exported.file_name.isprintable()
    ws = openpyxl.load_workbook(io.BytesIO(exported.data))["총괄"]
    summary = runtime.services.queries.summary(audit_id=audit_id, as_of=AS_OF)
    assert [str(ws.cell(9, c).value) for c in range(3, 8)] == _cells(summary.rows["total"])
    assert summary.rows["total"]["total"] == 56


def test_the_imported_list_structure_is_kept_in_the_xlsx_and_hwpx_cells(
    model: ExportModel,
) -> None:
    """A cell of ○ items and - / ※ parts keeps a line per item: a line break in the
    XLSX cell (wrapped), a paragraph per line in the HWPX cell."""
    section = model.sections[0]
    index, row = next(
        (i, r) for i, r in enumerate(section.rows) if r.actions and r.actions.count("\n") >= 2
    )
    lines = row.actions.split("\n") if row.actions else []
    assert lines[0].startswith("○") and any(line.lstrip().startswith("-") for line in lines)

    wb = openpyxl.load_workbook(io.BytesIO(_render(model, ExportFormat.XLSX)))
    cell = wb[section.label].cell(5 + index, 4)
    assert str(cell.value).split("\n") == lines
    assert cell.alignment.wrap_text

    doc = HwpxDocument.open(io.BytesIO(_render(model, ExportFormat.HWPX)))
    table = doc.tables.all[1]  # the first kind's table
    grid = table.get_cell_map()
    actions = grid[2 + index][3].cell
    paragraphs = [p.text for p in actions.paragraphs]
    assert paragraphs == lines
