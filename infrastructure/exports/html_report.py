"""The printable page: standalone HTML with an A4 landscape print stylesheet.

No navigation, no script, nothing fetched: it prints (or becomes the PDF) as it
is. Table headers repeat on every page and a row is never cut across two.
"""

from __future__ import annotations

from collections.abc import Sequence

import jinja2
from markupsafe import Markup, escape

from application.exports import ExportModel
from infrastructure.exports.layout import (
    Cell,
    Grid,
    Placed,
    blocks,
    footer_lines,
    placed,
    title_lines,
)

_STYLE = """
@page { size: A4 landscape; margin: 12mm 10mm 14mm 10mm; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK KR", "Malgun Gothic", "맑은 고딕", sans-serif;
  font-size: 9.5pt; line-height: 1.45; color: #000; margin: 0; }
h1 { font-size: 16pt; text-align: center; margin: 0 0 4mm; }
h2 { font-size: 12pt; margin: 6mm 0 2mm; break-after: avoid; page-break-after: avoid; }
h3 { font-size: 10.5pt; margin: 4mm 0 2mm; break-after: avoid; page-break-after: avoid; }
p { margin: 0 0 1.5mm; }
/* A heading and its count line stay with the first rows of their table. */
section > p { break-after: avoid; page-break-after: avoid; }
.meta { text-align: center; margin-bottom: 4mm; }
.meta p { margin: 0; }
table { width: 100%; border-collapse: collapse; table-layout: fixed; margin-bottom: 3mm; }
thead { display: table-header-group; }
tr, th, td { break-inside: avoid; page-break-inside: avoid; }
th, td { border: 0.6pt solid #000; padding: 1.2mm 1.5mm; vertical-align: top;
  white-space: pre-wrap; overflow-wrap: anywhere; }
th { background: #e8e8e8; text-align: center; vertical-align: middle; font-weight: bold; }
td.center { text-align: center; }
table.summary td { text-align: center; vertical-align: middle; }
footer { margin-top: 6mm; font-size: 8.5pt; color: #333; }
footer code { font-size: 8pt; overflow-wrap: anywhere; }
@media screen { body { max-width: 277mm; margin: 8mm auto; } }
"""

_TEMPLATE = """<!doctype html>
<html lang="ko">
<head>
<meta charset="utf-8">
<title>{{ model.title }} — {{ model.audit.title }}</title>
<style>{{ style }}</style>
</head>
<body>
<header>
<h1>{{ model.title }}</h1>
<div class="meta">{% for line in title_lines %}<p>{{ line }}</p>{% endfor %}</div>
</header>
<main>
{% for block in blocks %}
<section>
<h{{ block.level + 1 }}>{{ block.heading }}</h{{ block.level + 1 }}>
{% for line in block.lines %}<p>{{ line }}</p>{% endfor %}
{% if block.grid %}{{ table(block.grid, loop.first) }}{% endif %}
</section>
{% endfor %}
</main>
<footer>{% for line in footer_lines %}<p>{{ line | code }}</p>{% endfor %}</footer>
</body>
</html>
"""

_env = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)


def _cell(tag: str, p: Placed) -> Markup:
    c = p.cell
    attrs = ""
    if c.row_span > 1:
        attrs += f' rowspan="{c.row_span}"'
    if c.col_span > 1:
        attrs += f' colspan="{c.col_span}"'
    if tag == "td" and c.align == "center":
        attrs += ' class="center"'
    return Markup(f"<{tag}{attrs}>{{}}</{tag}>").format(c.text)


def _rows(rows: Sequence[Sequence[Cell]]) -> list[list[Placed]]:
    out: list[list[Placed]] = [[] for _ in rows]
    for p in placed(rows):
        out[p.row].append(p)
    return out


def _table(grid: Grid, summary: bool) -> Markup:
    total = sum(grid.widths)
    cols = Markup("").join(
        Markup('<col style="width: {}%">').format(round(100 * w / total, 2)) for w in grid.widths
    )

    def rows(tag: str, cells: Sequence[Sequence[Cell]]) -> Markup:
        return Markup("").join(
            Markup("<tr>{}</tr>\n").format(Markup("").join(_cell(tag, p) for p in row))
            for row in _rows(cells)
        )

    return Markup(
        "<table{}>\n<colgroup>{}</colgroup>\n<thead>\n{}</thead>\n<tbody>\n{}</tbody>\n</table>"
    ).format(
        Markup(' class="summary"') if summary else "",
        cols,
        rows("th", grid.header),
        rows("td", grid.body),
    )


def _code(line: str) -> Markup:
    """The `followup …` command of a footer line as code."""
    parts = line.split("`")
    return Markup("").join(
        Markup("<code>{}</code>").format(part) if i % 2 else escape(part)
        for i, part in enumerate(parts)
    )


_env.filters["code"] = _code


def render_html(model: ExportModel) -> bytes:
    page = _env.from_string(_TEMPLATE).render(
        model=model,
        style=Markup(_STYLE),
        title_lines=title_lines(model),
        blocks=blocks(model),
        footer_lines=footer_lines(model),
        table=_table,
    )
    return page.encode("utf-8")
