"""Charts drawn on the server: inline SVG, each beside a table of its numbers.

No script and no third party (the pages' CSP allows neither): an ``<svg role="img">``
with its ``<title>`` and ``<desc>``, the page's own fonts (no font is named here),
colours as presentation attributes (no inline style: the CSP refuses those), and the
same numbers as an HTML table, for screen readers and for print. Every text is
escaped; coordinates are rounded to one decimal, so one input draws one output.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from html import escape
from uuid import UUID

from markupsafe import Markup

from application.dto import DepartmentCompletion, OpenFindingsPoint, OverdueAging
from application.queries import Queries

WIDTH = 360  # viewBox units: about as many CSS px wide on a laptop and on a phone
FONT = 14
BAR_COLOUR = "#1f5fbf"
LINE_COLOUR = "#1f5fbf"
GRID_COLOUR = "#d5dae1"
INK = "#1d2430"
MUTED = "#5b6472"
EMPTY_TEXT = "표시할 자료가 없습니다."


def _n(value: float) -> str:
    """A coordinate: one decimal, no '-0.0'."""
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def nice_ceiling(value: float) -> float:
    """The axis top: the smallest 1, 2 or 5 × 10^k not below ``value`` (1 for 0)."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


def format_count(value: int) -> str:
    return f"{value:,}건"


def format_rate(value: Decimal | None) -> str:
    return "-" if value is None else f"{value}%"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | int | Decimal | None  # None: nothing to draw (shown as "-")
    shown: str  # the value as written beside the bar and in the table


def _svg_open(chart_id: str, title: str, description: str, height: float) -> list[str]:
    return [
        f'<svg class="chart-svg" role="img" viewBox="0 0 {WIDTH} {_n(height)}" '
        f'width="{WIDTH}" height="{_n(height)}" font-size="{FONT}" '
        f'aria-labelledby="{_e(chart_id)}-title {_e(chart_id)}-desc" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{_e(chart_id)}-title">{_e(title)}</title>',
        f'<desc id="{_e(chart_id)}-desc">{_e(description)}</desc>',
    ]


def _table(title: str, headers: tuple[str, str], rows: Sequence[tuple[str, str]]) -> str:
    body = (
        "".join(
            f'<tr><th scope="row">{_e(label)}</th><td class="number">{_e(shown)}</td></tr>'
            for label, shown in rows
        )
        or f'<tr><td colspan="2" class="empty">{_e(EMPTY_TEXT)}</td></tr>'
    )
    return (
        '<div class="chart-data">'
        f'<table class="chart-table"><caption>{_e(title)} (수치)</caption>'
        f'<thead><tr><th scope="col">{_e(headers[0])}</th>'
        f'<th scope="col">{_e(headers[1])}</th></tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def _figure(chart_id: str, title: str, svg: list[str], table: str) -> Markup:
    # Every piece above was escaped where it was written.
    return Markup(
        f'<figure class="chart" id="{_e(chart_id)}">'
        f"<figcaption>{_e(title)}</figcaption>"
        f'<div class="chart-body"><div class="chart-drawing">{"".join(svg)}</div>'
        f"{table}</div></figure>"
    )


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    bars: Sequence[Bar],
    *,
    headers: tuple[str, str],
    scale_max: float | None = None,
) -> Markup:
    """Horizontal bars, each with its label above it (long Korean names fit a phone)
    and its value after it; ``scale_max`` fixes the axis (100 for rates)."""
    row_height, label_gap, bar_height, top = 46.0, 18.0, 18.0, 8.0
    values = [float(b.value) for b in bars if b.value is not None]
    top_value = scale_max if scale_max is not None else nice_ceiling(max(values, default=0))
    span = WIDTH - 8.0
    height = top + row_height * max(len(bars), 1) + 8
    svg = _svg_open(chart_id, title, description, height)
    if not bars:
        svg.append(f'<text x="0" y="{_n(top + 24)}" fill="{MUTED}">{_e(EMPTY_TEXT)}</text>')
    for i, bar in enumerate(bars):
        y = top + i * row_height
        length = 0.0 if bar.value is None else span * min(float(bar.value) / top_value, 1.0)
        value = "" if bar.value is None else _e(bar.value)
        svg += [
            f'<g class="bar" data-label="{_e(bar.label)}" data-value="{value}">',
            f'<text class="bar-label" x="0" y="{_n(y + FONT)}" fill="{INK}">'
            f"{_e(_fitted(bar.label))}</text>",
            f'<rect x="0" y="{_n(y + label_gap)}" width="{_n(span)}" height="{_n(bar_height)}" '
            f'fill="{GRID_COLOUR}" fill-opacity="0.45"/>',
            f'<rect x="0" y="{_n(y + label_gap)}" width="{_n(length)}" '
            f'height="{_n(bar_height)}" fill="{BAR_COLOUR}"/>',
            _bar_value(bar.shown, length, span, y + label_gap + FONT),
            "</g>",
        ]
    svg.append("</svg>")
    table = _table(title, headers, [(b.label, b.shown) for b in bars])
    return _figure(chart_id, title, svg, table)


def _fitted(label: str) -> str:
    """A label the drawing's width holds (Hangul is about one em wide); the table
    beside it keeps the whole name."""
    room = int(WIDTH / FONT) - 2
    return label if len(label) <= room else label[: room - 1] + "…"


def _bar_value(shown: str, length: float, span: float, baseline: float) -> str:
    """The value after a short bar; inside a long one, white on the bar's colour."""
    if length > span * 0.55:
        x, anchor, fill = length - 6, "end", "#ffffff"
    else:
        x, anchor, fill = length + 6, "start", INK
    return (
        f'<text class="bar-value" x="{_n(x)}" y="{_n(baseline)}" text-anchor="{anchor}" '
        f'fill="{fill}">{_e(shown)}</text>'
    )


def step_chart(
    chart_id: str,
    title: str,
    description: str,
    points: Sequence[tuple[date, int]],
    *,
    headers: tuple[str, str],
    end: date | None = None,
) -> Markup:
    """A count over time as steps: it holds its value until the next day listed,
    and the last one up to ``end`` (the chart's right edge) when later."""
    height, left, right, top, bottom = 240.0, 48.0, 16.0, 12.0, 36.0
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    svg = _svg_open(chart_id, title, description, height)
    top_value = nice_ceiling(max((v for _, v in points), default=0))

    def y_of(value: float) -> float:
        return top + plot_h * (1 - value / top_value)

    for tick in (0.0, top_value / 2, top_value):
        y = y_of(tick)
        label = f"{tick:,.0f}" if tick == int(tick) else f"{tick:,.1f}"
        svg += [
            f'<line x1="{_n(left)}" y1="{_n(y)}" x2="{_n(WIDTH - right)}" y2="{_n(y)}" '
            f'stroke="{GRID_COLOUR}"/>',
            f'<text x="{_n(left - 6)}" y="{_n(y + FONT / 3)}" text-anchor="end" '
            f'fill="{MUTED}">{_e(label)}</text>',
        ]
    if not points:
        svg.append(
            f'<text x="{_n(left + plot_w / 2)}" y="{_n(top + plot_h / 2)}" '
            f'text-anchor="middle" fill="{MUTED}">{_e(EMPTY_TEXT)}</text>'
        )
    else:
        first = points[0][0]
        last = max(points[-1][0], end or points[-1][0])
        days = max((last - first).days, 1)

        def x_of(day: date) -> float:
            return left + plot_w * (day - first).days / days

        path = [f"M{_n(x_of(first))},{_n(y_of(points[0][1]))}"]
        for day, value in points[1:]:
            path.append(f"H{_n(x_of(day))}V{_n(y_of(value))}")
        path.append(f"H{_n(WIDTH - right)}")
        svg.append(
            f'<path class="step-line" d="{"".join(path)}" fill="none" '
            f'stroke="{LINE_COLOUR}" stroke-width="2.5"/>'
        )
        for day, value in points:
            svg.append(
                f'<circle class="point" cx="{_n(x_of(day))}" cy="{_n(y_of(value))}" r="3.5" '
                f'fill="{LINE_COLOUR}" data-day="{day.isoformat()}" data-value="{value}">'
                f"<title>{_e(day.isoformat())}: {_e(format_count(value))}</title></circle>"
            )
        baseline = top + plot_h + FONT + 6
        svg.append(
            f'<text x="{_n(left)}" y="{_n(baseline)}" text-anchor="start" '
            f'fill="{MUTED}">{_e(first.isoformat())}</text>'
        )
        if last != first:
            svg.append(
                f'<text x="{_n(WIDTH - right)}" y="{_n(baseline)}" text-anchor="end" '
                f'fill="{MUTED}">{_e(last.isoformat())}</text>'
            )
    svg.append("</svg>")
    table = _table(title, headers, [(d.isoformat(), format_count(v)) for d, v in points])
    return _figure(chart_id, title, svg, table)


# -- the product's charts -------------------------------------------------------------


def open_findings_chart(points: Sequence[OpenFindingsPoint], end: date | None = None) -> Markup:
    return step_chart(
        "chart-open",
        "미종결 지적사항 추이",
        "기록이 있었던 날마다 그날 끝의 미종결 지적사항 수(등록된 지적사항 중 완료·미반영이 "
        "확인되지 않은 것). 값은 다음 기록일까지 유지됩니다.",
        [(p.day, p.open) for p in points],
        headers=("일자", "미종결 지적사항"),
        end=end,
    )


def aging_label(low: int, high: int | None) -> str:
    return f"{low}일 이상" if high is None else f"{low}–{high}일"


def aging_chart(aging: OverdueAging) -> Markup:
    return bar_chart(
        "chart-aging",
        f"처리기한 경과 기간 ({aging.day.isoformat()} 기준)",
        f"처리기한이 지난 지적사항 {aging.total}건을 기한이 지난 날수로 나눈 막대그래프.",
        [Bar(aging_label(b.low, b.high), b.count, format_count(b.count)) for b in aging.buckets],
        headers=("기한 경과", "지적사항"),
    )


def completion_chart(completion: Sequence[DepartmentCompletion], chart_id: str) -> Markup:
    return bar_chart(
        chart_id,
        "부서별 완료율",
        "부서마다 지적사항 중 완료로 보고된 비율(완료 ÷ 계)을 나타낸 막대그래프.",
        [
            Bar(
                c.department,
                c.rate,
                f"{format_rate(c.rate)} ({c.completed}/{c.total})",
            )
            for c in completion
        ],
        headers=("담당부서", "완료율 (완료/계)"),
        scale_max=100,
    )


# -- the 총괄 page's charts ------------------------------------------------------------


@dataclass(frozen=True)
class SummaryCharts:
    open: Markup
    aging: Markup


def summary_charts(
    queries: Queries,
    *,
    audit_id: UUID | None,
    committee: str | None,
    department: str | None,
    as_of: date | None,
) -> SummaryCharts:
    """The 총괄 page's charts, for the findings its table counts."""
    aging = queries.overdue_aging(
        audit_id=audit_id, committee=committee, department=department, as_of=as_of
    )
    series = queries.open_findings_series(
        audit_id=audit_id, committee=committee, department=department, as_of=as_of
    )
    # The line runs to the table's day: the day asked for, else today.
    return SummaryCharts(open=open_findings_chart(series, end=aging.day), aging=aging_chart(aging))
