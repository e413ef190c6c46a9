"""The workbook: one sheet for the 총괄 and one per list, each printable on its own.

Every sheet prints A4 landscape, one page wide, its header rows repeated on each
page; merged header cells as in the report; a Korean font throughout.
"""

from __future__ import annotations

import io
import math

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from application.exports import ExportModel
from infrastructure.exports.layout import Block, Grid, blocks, footer_lines, placed, title_lines

FONT = "맑은 고딕"
_SIZE = 10
_thin = Side(style="thin", color="000000")
_BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
_HEADER_FILL = PatternFill("solid", fgColor="E8E8E8")
# A table's columns share this width (in characters); the sheet prints one page wide.
_SHEET_WIDTH = 170
_LINE_HEIGHT = 14.5  # points per line of 10 pt text
_MAX_ROW_HEIGHT = 409  # Excel's limit


def _font(*, bold: bool = False, size: float = _SIZE) -> Font:
    return Font(name=FONT, size=size, bold=bold)


def _display_width(text: str) -> float:
    """Korean (and other wide) characters take about two columns of width."""
    return sum(1.9 if ord(ch) > 0x2E80 else 1.0 for ch in text)


def _lines_needed(text: str, width: float) -> int:
    usable = max(width - 1.5, 1.0)
    return sum(max(1, math.ceil(_display_width(line) / usable)) for line in text.split("\n"))


def _column_widths(grid: Grid) -> list[float]:
    total = sum(grid.widths)
    return [max(6.0, round(_SHEET_WIDTH * w / total, 1)) for w in grid.widths]


def _write_grid(ws: Worksheet, grid: Grid, top: int) -> tuple[int, int]:
    """Write the table with its first row at ``top``; returns (header end, last row)."""
    widths = _column_widths(grid)
    for i, w in enumerate(widths, start=1):
        letter = get_column_letter(i)
        current = ws.column_dimensions[letter].width or 0
        ws.column_dimensions[letter].width = max(current, w)
    rows = (*grid.header, *grid.body)
    heights: dict[int, int] = {}
    for p in placed(rows):
        r, c, cell = top + p.row, 1 + p.col, p.cell
        # Counts and 연번 as numbers, so the sheet can sum and sort them.
        value: str | int = int(cell.text) if cell.text.isdigit() else cell.text
        target = ws.cell(row=r, column=c, value=_cell_value(value))
        target.font = _font(bold=cell.header)
        target.alignment = Alignment(
            horizontal="center" if cell.header or cell.align == "center" else "left",
            vertical="center" if cell.header or cell.align == "center" else "top",
            wrap_text=True,
        )
        if cell.header:
            target.fill = _HEADER_FILL
        for rr in range(r, r + cell.row_span):
            for cc in range(c, c + cell.col_span):
                ws.cell(row=rr, column=cc).border = _BORDER
        if cell.row_span > 1 or cell.col_span > 1:
            ws.merge_cells(
                start_row=r,
                start_column=c,
                end_row=r + cell.row_span - 1,
                end_column=c + cell.col_span - 1,
            )
        if cell.row_span == 1:
            width = sum(widths[p.col : p.col + cell.col_span])
            heights[r] = max(heights.get(r, 1), _lines_needed(cell.text, width))
    # Excel does not grow a row to its wrapped text by itself in every viewer.
    for r, lines in heights.items():
        ws.row_dimensions[r].height = min(_MAX_ROW_HEIGHT, _LINE_HEIGHT * lines + 4)
    return top + len(grid.header) - 1, top + len(rows) - 1


def _print_setup(ws: Worksheet, model: ExportModel) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages tall as it takes
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.print_options.horizontalCentered = True
    footer = ws.oddFooter
    assert footer is not None  # openpyxl makes every sheet's
    footer.left.text = f"{model.title} ({model.as_of.isoformat()} 기준)"
    footer.left.font = FONT
    footer.right.text = "&P / &N"


def _text_row(ws: Worksheet, row: int, text: str, columns: int, **font: object) -> None:
    cell = ws.cell(row=row, column=1, value=_cell_value(text))
    cell.font = _font(**font)  # type: ignore[arg-type]
    cell.alignment = Alignment(horizontal="left", vertical="center", wrap_text=False)
    if columns > 1:
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=columns)


def _sheet_title(name: str) -> str:
    """Excel's sheet names: at most 31 characters, none of \\ / ? * [ ] :."""
    return "".join(c for c in name if c not in "\\/?*[]:")[:31]


def render_xlsx(model: ExportModel) -> bytes:
    wb = Workbook()
    sheets: list[Worksheet] = []
    row = 1
    header_rows: dict[str, tuple[int, int]] = {}
    for block in blocks(model):
        if block.sheet is not None or not sheets:
            ws = wb.active if not sheets else wb.create_sheet()
            assert ws is not None
            ws.title = _sheet_title(block.sheet or model.title)
            _print_setup(ws, model)
            # The report's title heads its first sheet only, as on its first page.
            row = _title(ws, model, block) if not sheets else 1
            sheets.append(ws)
        row = _block(sheets[-1], block, row, header_rows)
    for ws in sheets:
        first, last = header_rows.get(ws.title, (0, 0))
        if first:
            # The (first) table's header rows on every printed page.
            ws.print_title_rows = f"{first}:{last}"
        # Every sheet names the history it was made from (each may be printed alone).
        footer_at = ws.max_row + 2
        for i, line in enumerate(footer_lines(model)):
            _text_row(ws, footer_at + i, line.replace("`", ""), 1, size=8)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _title(ws: Worksheet, model: ExportModel, block: Block) -> int:
    columns = block.grid.columns if block.grid else 1
    _text_row(ws, 1, model.title, columns, bold=True, size=14)
    for i, line in enumerate(title_lines(model), start=2):
        _text_row(ws, i, line, columns)
    return len(title_lines(model)) + 3


def _block(ws: Worksheet, block: Block, row: int, header_rows: dict[str, tuple[int, int]]) -> int:
    columns = block.grid.columns if block.grid else 5
    _text_row(ws, row, block.heading, columns, bold=True, size=12 if block.level == 1 else 11)
    row += 1
    for line in block.lines:
        _text_row(ws, row, line, columns)
        row += 1
    if block.grid is not None:
        header_end, last = _write_grid(ws, block.grid, row)
        header_rows.setdefault(ws.title, (row, header_end))
        row = last + 2
    return row


def _cell_value(value: str | int) -> str | int:
    """Text without the control characters XLSX cannot hold (a vertical tab pasted
    from a word processor, say): a space in their place; numbers as they are."""
    return ILLEGAL_CHARACTERS_RE.sub(" ", value) if isinstance(value, str) else value
