"""Server-drawn charts: the SVG's numbers are the table's, every text is escaped,
and one input always draws the same markup."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal

from api.web.charts import (
    aging_chart,
    completion_chart,
    nice_ceiling,
    open_findings_chart,
)
from application.dto import (
    DepartmentCompletion,
    OpenFindingsPoint,
    OverdueAging,
    completion_rate,
)

SVG = "{http://www.w3.org/2000/svg}"


def parsed(markup: str) -> ET.Element:
    """The figure is well-formed XML too: read it with the standard library."""
    return ET.fromstring(markup)


def table_rows(figure: ET.Element) -> list[tuple[str, str]]:
    return [
        (row.find("th").text or "", row.find("td").text or "")  # type: ignore[union-attr]
        for row in figure.iter("tr")
        if row.find("td") is not None
    ]


def test_completion_bars_show_the_numbers_of_their_table() -> None:
    completion = [
        DepartmentCompletion("노동정책담당관", 15, 15),
        DepartmentCompletion("사회적경제담당관", 14, 16),
        DepartmentCompletion("청년정책과", 1, 8),
    ]
    figure = parsed(completion_chart(completion, "chart-x"))
    svg = figure.find(f".//{SVG}svg")
    assert svg is not None and svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "chart-x-title chart-x-desc"
    assert svg.find(f"{SVG}title").text == "부서별 완료율"  # type: ignore[union-attr]
    bars = svg.findall(f"{SVG}g")
    drawn = [
        (g.get("data-label"), g.findall(f"{SVG}text")[1].text, g.get("data-value")) for g in bars
    ]
    assert drawn == [
        ("노동정책담당관", "100.0% (15/15)", "100.0"),
        ("사회적경제담당관", "87.5% (14/16)", "87.5"),
        ("청년정책과", "12.5% (1/8)", "12.5"),
    ]
    assert table_rows(figure) == [(label, shown) for label, shown, _ in drawn]
    # Bar lengths follow the rates on a 0–100 axis of 352 units.
    widths = [float(g.findall(f"{SVG}rect")[1].get("width") or 0) for g in bars]
    assert widths == [352.0, 308.0, 44.0]


def test_open_findings_steps_and_aging_bars_match_their_tables() -> None:
    points = [
        OpenFindingsPoint(date(2017, 11, 20), 56),
        OpenFindingsPoint(date(2018, 11, 15), 2),
    ]
    figure = parsed(open_findings_chart(points, end=date(2018, 12, 31)))
    circles = list(figure.iter(f"{SVG}circle"))
    assert [(c.get("data-day"), c.get("data-value")) for c in circles] == [
        ("2017-11-20", "56"),
        ("2018-11-15", "2"),
    ]
    assert table_rows(figure) == [("2017-11-20", "56건"), ("2018-11-15", "2건")]
    path = next(figure.iter(f"{SVG}path")).get("d")
    assert path is not None and path.startswith("M48.0,") and path.endswith("H344.0")

    aging = OverdueAging.of(date(2018, 9, 1), [1, 30, 31, 200, 213])
    figure = parsed(aging_chart(aging))
    values = [g.get("data-value") for g in figure.iter(f"{SVG}g")]
    assert values == ["2", "1", "0", "2"]
    assert table_rows(figure) == [
        ("1–30일", "2건"),
        ("31–90일", "1건"),
        ("91–180일", "0건"),
        ("181일 이상", "2건"),
    ]


def test_text_is_escaped_and_output_is_deterministic() -> None:
    hostile = '<script>alert("x")</script> & "부서"'
    completion = [DepartmentCompletion(hostile, 1, 2)]
    first = str(completion_chart(completion, 'id"><b>'))
    assert "<script>" not in first and "<b>" not in first
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;부서&quot;" in first
    figure = parsed(first)
    assert figure.get("id") == 'id"><b>'
    assert table_rows(figure) == [(hostile, "50.0% (1/2)")]
    assert str(completion_chart(completion, 'id"><b>')) == first


def test_empty_charts_say_so_and_axes_end_on_round_numbers() -> None:
    figure = parsed(open_findings_chart([]))
    assert "표시할 자료가 없습니다." in "".join(figure.itertext())
    assert not list(figure.iter(f"{SVG}circle"))
    assert "표시할 자료가 없습니다." in "".join(parsed(completion_chart([], "c")).itertext())
    assert [nice_ceiling(v) for v in (0, 1, 3, 7, 56, 100, 101)] == [1, 1, 5, 10, 100, 100, 200]


def test_completion_rates_round_half_up_from_the_counts() -> None:
    # 12.25 % as a float would print 12.2; the counts say 12.3.
    assert [completion_rate(*counts) for counts in ((49, 400), (1, 3), (2, 3), (0, 5))] == [
        Decimal("12.3"),
        Decimal("33.3"),
        Decimal("66.7"),
        Decimal("0.0"),
    ]
    assert completion_rate(0, 0) is None
