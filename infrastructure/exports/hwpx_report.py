"""The HWPX document (한글, the format councils file in), with python-hwpx.

One section, A4 landscape. Each table flows across pages, repeats its (merged)
header rows on every page as 한글's "제목 줄 반복" does, and breaks between rows
only, unless one of its rows is taller than a page.
"""

from __future__ import annotations

import math
from typing import Any

from hwpx import HwpxDocument

from application.exports import ExportModel
from infrastructure.exports.layout import Block, Grid, blocks, footer_lines, placed, title_lines

_HEADER_SHADE = "#E8E8E8"
# A4 landscape less the margins, and 10 pt text at 160 % line spacing (바탕글).
_BODY_WIDTH_MM, _BODY_HEIGHT_MM = 297 - 30, 210 - 30 - 30
_LINE_MM, _CHAR_MM = 10 * 0.3528 * 1.6, 10 * 0.3528


def render_hwpx(model: ExportModel) -> bytes:
    doc = HwpxDocument.new()
    doc.page.setup(
        paper_size="A4",
        orientation="landscape",
        margins_mm={"left": 15, "right": 15, "top": 15, "bottom": 15},
    )
    bold = doc.styles.ensure_run(bold=True)
    title = doc.styles.ensure_run(bold=True, size=16)
    heading = doc.styles.ensure_run(bold=True, size=12)
    small = doc.styles.ensure_run(size=8)
    # A new document opens with an empty paragraph (the section's settings): the title.
    first = doc.paragraphs[0]
    first.text = model.title
    first.char_pr_id_ref = title
    centered = [first]
    centered += [doc.add_paragraph(line) for line in title_lines(model)]
    doc.styles.apply_paragraph_format(paragraphs=centered, alignment="CENTER")
    leading: list[Any] = []  # headings and count lines: kept with what follows them
    for block in blocks(model):
        leading += _block(doc, block, heading=heading, bold=bold)
    doc.styles.apply_paragraph_format(paragraphs=leading, keep_with_next=True)
    doc.add_paragraph("")
    for line in footer_lines(model):
        doc.add_paragraph(line.replace("`", ""), char_pr_id_ref=small)
    doc.page.set_page_number(format="page", align="CENTER", position="BOTTOM_CENTER")
    return bytes(doc.to_bytes())


def _block(doc: HwpxDocument, block: Block, *, heading: str, bold: str) -> list[Any]:
    leading = [doc.add_paragraph(block.heading, char_pr_id_ref=heading)]
    leading += [doc.add_paragraph(line) for line in block.lines]
    if block.grid is not None:
        _table(doc, block.grid, bold)
    return leading


def _table(doc: HwpxDocument, grid: Grid, bold: str) -> None:
    rows = (*grid.header, *grid.body)
    table = doc.add_table(len(rows), grid.columns)
    table.set_column_widths(list(grid.widths))
    # Flow across pages, keep rows whole where they fit, repeat the header rows.
    table.set_treat_as_char(False)
    element: Any = table.element
    element.set("pageBreak", "TABLE" if _rows_fit_a_page(grid) else "CELL")
    element.set("repeatHeader", "1")
    cells = list(placed(rows))
    for p in cells:  # merge first: merging keeps the anchor cell, drops the others
        if p.cell.row_span > 1 or p.cell.col_span > 1:
            table.merge_cells(
                p.row, p.col, p.row + p.cell.row_span - 1, p.col + p.cell.col_span - 1
            )
    # One grid lookup for the table: each cell() rebuilds the grid (slow on long lists).
    anchors = {(g.row, g.column): g.cell for row in table.get_cell_map() for g in row}
    aligned: dict[str, list[Any]] = {"CENTER": [], "LEFT": []}
    for p in cells:
        cell = anchors[(p.row, p.col)]
        cell.set_text(p.cell.text, split_paragraphs=True)
        if p.row < len(grid.header):
            cell.element.set("header", "1")
            table.set_cell_shading(p.row, p.col, _HEADER_SHADE)
            for paragraph in cell.paragraphs:
                paragraph.char_pr_id_ref = bold
        align = "CENTER" if p.cell.header or p.cell.align == "center" else "LEFT"
        aligned[align].extend(cell.paragraphs)
    for align, paragraphs in aligned.items():
        if paragraphs:
            doc.styles.apply_paragraph_format(paragraphs=paragraphs, alignment=align)


def _rows_fit_a_page(grid: Grid) -> bool:
    """Does every row fit one page? Then the table breaks between rows only; else a
    row may break inside (한글 does not draw what runs past the page's end)."""
    total = sum(grid.widths)
    header_lines = len(grid.header) * 2  # the repeated header rows on each page
    budget = _BODY_HEIGHT_MM / _LINE_MM - header_lines - 2

    def lines(text: str, width_mm: float) -> int:
        per_line = max(1.0, (width_mm - 3.6) / _CHAR_MM)  # less the cell's margins
        wide = [sum(1.0 if ord(ch) > 0x2E80 else 0.55 for ch in line) for line in text.split("\n")]
        return sum(max(1, math.ceil(w / per_line)) for w in wide)

    for p in placed(grid.body):
        width = _BODY_WIDTH_MM * sum(grid.widths[p.col : p.col + p.cell.col_span]) / total
        if p.cell.row_span == 1 and lines(p.cell.text, width) > budget:
            return False
    return True
