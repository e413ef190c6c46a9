"""The 처리결과 report laid out once, as texts and tables every format draws.

Section V of the seed business report (demo/seed_2018_business_report.txt) is the
model: 처리결과 총괄 (구 분 | 계 | 조치내역: 완 료 · 추진중 · 검토중 · 미반영), then a
list per kind (연번 | 요구사항 | 조치결과 및 향후추진계획, the last a merged header
over 추진상황 · 추진내용 · 향후계획). A spanned-over slot holds no cell, as in HTML.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from application.clock import SEOUL
from application.dto import SUMMARY_COLUMNS
from application.exports import CARRIED_TITLE, ExportModel, ExportRow, ExportSection
from domain.vocabulary import KIND_LABELS, FindingKind

Align = Literal["center", "left"]

# Korean ordinals of the carried-over subsections.
_SUBSECTION_MARKS = "가나다라마바사아자차카타파하"
# List items inside a report's text start a line of their own when laid out.
_ITEM_START = re.compile(r"\s+(?=[○□※◦●▪■]|-\s|\d+\)\s)")


@dataclass(frozen=True)
class Cell:
    text: str
    row_span: int = 1
    col_span: int = 1
    header: bool = False
    align: Align = "center"


@dataclass(frozen=True)
class Grid:
    """A table: relative column widths, header rows (repeated on every printed
    page), body rows (each kept whole on one page)."""

    widths: tuple[float, ...]
    header: tuple[tuple[Cell, ...], ...]
    body: tuple[tuple[Cell, ...], ...]

    @property
    def columns(self) -> int:
        return len(self.widths)


@dataclass(frozen=True)
class Block:
    """A heading, lines of text under it, then (optionally) its table."""

    heading: str
    level: int  # 1: the report's numbered parts; 2: a part's subsections
    lines: tuple[str, ...] = ()
    grid: Grid | None = None
    sheet: str | None = None  # the XLSX sheet it starts (None: the one before)


@dataclass(frozen=True)
class Placed:
    row: int
    col: int
    cell: Cell


def placed(rows: Sequence[Sequence[Cell]]) -> Iterator[Placed]:
    """Each cell at its grid position, skipping the slots spans cover (HTML rules)."""
    taken: set[tuple[int, int]] = set()
    for r, cells in enumerate(rows):
        c = 0
        for cell in cells:
            while (r, c) in taken:
                c += 1
            yield Placed(r, c, cell)
            taken.update(
                (r + dr, c + dc) for dr in range(cell.row_span) for dc in range(cell.col_span)
            )
            c += cell.col_span


def dash(n: int) -> str:
    """The business report writes '-' for zero."""
    return str(n) if n else "-"


def report_text(text: str | None) -> str:
    """A report's text with each listed item on its own line: the lines as stored (an
    imported cell keeps its ○ / - / ※ structure and indentation), or, in a text of
    one line (typed in one, or imported before), broken before each item mark."""
    if not text or not text.strip():
        return ""
    if "\n" in text.strip():
        lines = (line.rstrip() for line in text.split("\n"))
        return "\n".join(line for line in lines if line.strip())
    return _ITEM_START.sub("\n", " ".join(text.split())).strip()


def title_lines(model: ExportModel) -> tuple[str, ...]:
    lines = [model.audit.title, f"기준일: {model.as_of.isoformat()}"]
    if model.department:
        lines.append(f"담당부서: {model.department}")
    return tuple(lines)


def footer_lines(model: ExportModel) -> tuple[str, ...]:
    made = model.generated_at.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M")
    lines = [f"작성: {made} (서울) · {model.as_of.isoformat()} 기준"]
    history = model.history_line()
    if history:
        lines.append(history)
    return tuple(lines)


# -- 처리결과 총괄 -------------------------------------------------------------------

_STATUS_HEADINGS = ("완 료", "추진중", "검토중", "미반영")
SUMMARY_HEADER: tuple[tuple[Cell, ...], ...] = (
    (
        Cell("구 분", row_span=2, col_span=2, header=True),
        Cell("계", row_span=2, header=True),
        Cell("조치내역", col_span=4, header=True),
    ),
    tuple(Cell(h, header=True) for h in _STATUS_HEADINGS),
)


def _counts(counts: dict[str, int]) -> tuple[Cell, ...]:
    return tuple(Cell(dash(counts[c])) for c in SUMMARY_COLUMNS)


def summary_grid(model: ExportModel) -> Grid:
    rows = model.summary.rows
    kinds = list(FindingKind)
    body: list[tuple[Cell, ...]] = [
        (Cell("계", row_span=len(kinds) + 1), Cell("계"), *_counts(rows["total"]))
    ]
    body += [(Cell(KIND_LABELS[k]), *_counts(rows[k.value])) for k in kinds]
    carried = model.carried_counts()
    if carried is not None:
        body.append((Cell(CARRIED_TITLE, col_span=2), *_counts(carried)))
    return Grid(widths=(6, 22, 10, 10, 10, 10, 10), header=SUMMARY_HEADER, body=tuple(body))


# -- the lists -----------------------------------------------------------------------

LIST_HEADER: tuple[tuple[Cell, ...], ...] = (
    (
        Cell("연번", row_span=2, header=True),
        Cell("요구사항", row_span=2, header=True),
        Cell("조치결과 및 향후추진계획", col_span=3, header=True),
    ),
    (Cell("추진상황", header=True), Cell("추진내용", header=True), Cell("향후계획", header=True)),
)
LIST_WIDTHS = (5.0, 33.0, 10.0, 32.0, 20.0)


def request_text(model: ExportModel, row: ExportRow) -> str:
    """As the report writes it: '○ 요구사항 (담당부서)', and how many years running."""
    request = " ".join(row.request.split())
    text = f"{'' if request.startswith('○') else '○ '}{request} ({row.department})"
    repeat = model.repeat_label(row.finding_id)
    return f"{text} [{repeat}]" if repeat else text


def status_text(row: ExportRow) -> str:
    lines = [row.status_text]
    if row.due_date is not None:
        lines.append(f"처리기한 {row.due_date.isoformat()}")
    return "\n".join(lines)


def plans_text(row: ExportRow) -> str:
    text = report_text(row.plans)
    if row.delay_reason and row.delay_reason.strip():
        reason = f"※ 부진사유: {' '.join(row.delay_reason.split())}"
        text = f"{text}\n{reason}" if text else reason
    return text


def row_cells(model: ExportModel, row: ExportRow) -> tuple[Cell, ...]:
    return (
        Cell(str(row.seq)),
        Cell(request_text(model, row), align="left"),
        Cell(status_text(row)),
        Cell(report_text(row.actions), align="left"),
        Cell(plans_text(row), align="left"),
    )


def list_grid(model: ExportModel, section: ExportSection) -> Grid:
    body = tuple(row_cells(model, r) for r in section.rows) or (
        (Cell("해당 없음", col_span=len(LIST_WIDTHS)),),
    )
    return Grid(widths=LIST_WIDTHS, header=LIST_HEADER, body=body)


def section_line(section: ExportSection) -> str:
    c = section.counts()
    done = f"완료 {c['completed']}건, 추진중 {c['in_progress']}건"
    rest = f"검토중 {c['under_review']}건, 미반영 {c['not_adopted']}건"
    return f"총 {c['total']}건 ({done}, {rest})"


def blocks(model: ExportModel) -> tuple[Block, ...]:
    """The report from top to bottom: 총괄, the three lists, then what was carried over."""
    total = model.summary.rows["total"]["total"]
    out = [
        Block(
            heading="1. 처리결과 총괄",
            level=1,
            lines=(f"수감결과 처리요구사항 등 총 {total}건",),
            grid=summary_grid(model),
            sheet="총괄",
        )
    ]
    for n, section in enumerate(model.sections, start=2):
        out.append(
            Block(
                heading=f"{n}. {section.label}",
                level=1,
                lines=(section_line(section),),
                grid=list_grid(model, section),
                sheet=section.label,
            )
        )
    if model.carried:
        n = len(model.sections) + 2
        out.append(Block(heading=f"{n}. {CARRIED_TITLE}", level=1, sheet="전년도 미완료(이월)"))
        for mark, section in zip(_SUBSECTION_MARKS, model.carried, strict=False):
            origin = f" — {section.origin}" if section.origin else ""
            out.append(
                Block(
                    heading=f"{mark}. {section.label}{origin}",
                    level=2,
                    lines=(section_line(section),),
                    grid=list_grid(model, section),
                )
            )
    return tuple(out)
