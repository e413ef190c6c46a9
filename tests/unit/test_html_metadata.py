"""HTML reports: metadata wherever the page states it, and the counts it declares
checked against its rows (parser only)."""

from __future__ import annotations

import time
from datetime import date
from functools import cache
from pathlib import Path

import pytest

from application.report import ParsedReport, ReportMetadata, Severity
from domain.dates import Precision
from domain.vocabulary import FindingKind, Status
from infrastructure.parsers.html_tables import parse_html_report

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "html"
ONE_LINE = "district_council_one_line_counts_mismatch.html"
DEFINITIONS = "corporation_definition_list.html"
KEY_VALUE = "city_council_key_value_table.html"

CORR, REC, ETC = FindingKind.CORRECTIVE, FindingKind.RECOMMENDATION, FindingKind.OTHER
DONE, DOING, REVIEW = Status.COMPLETED, Status.IN_PROGRESS, Status.UNDER_REVIEW


@cache
def parsed(name: str) -> ParsedReport:
    return parse_html_report((FIXTURES / name).read_bytes(), source_name=name)


def line_at(name: str, needle: str) -> int:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    return text.count("\n", 0, text.index(needle)) + 1


def codes(report: ParsedReport) -> list[tuple[int | None, str]]:
    return [(p.line, p.code) for p in report.problems]


def rows(report: ParsedReport) -> list[tuple[FindingKind, int, Status]]:
    return [(r.kind, r.seq, r.status) for r in report.rows]


# --- (a) council and committee on one line, counts as <li> under 감사결과 ----------------


def test_one_line_council_and_committee_and_the_rest_of_the_metadata() -> None:
    assert parsed(ONE_LINE).metadata == ReportMetadata(
        year=2019,  # the title's "2019년도 행정사무감사"
        council="서울특별시 새솔구의회",
        committee="복지건설위원회",  # "감사기관 : 서울특별시 새솔구의회 (복지건설위원회)"
        audited_body="새솔구 복지정책과",
        report_date=date(2020, 2, 14),
        audit_date=date(2019, 11, 18),  # the first day of 감사기간
    )


def test_counts_listed_under_the_results_heading_name_the_kinds_tables() -> None:
    report = parsed(ONE_LINE)
    assert rows(report) == [
        (CORR, 1, DONE),
        (CORR, 2, DOING),
        (CORR, 3, DONE),
        (REC, 1, DONE),
        (REC, 2, DONE),
        (REC, 3, DONE),
        (REC, 4, DOING),
        (ETC, 1, DONE),
    ]
    assert not report.has_errors


def test_the_one_disagreeing_count_is_a_warning_on_its_line_with_both_numbers() -> None:
    report = parsed(ONE_LINE)
    assert codes(report) == [(line_at(ONE_LINE, "<li>건의사항 5건"), "COUNT_MISMATCH")]
    (mismatch,) = report.problems
    assert mismatch.severity is Severity.WARNING
    declared, found = "5건 (완료 3, 추진중 2)", "4건 (완료 3, 추진중 1)"
    assert mismatch.message_ko.startswith("건의사항: ")
    assert f"{declared}인데 찾은 행은 {found}입니다" in mismatch.message_ko
    assert "declares 5 (completed 3, in_progress 2) but 4" in mismatch.message_en


def test_due_dates_of_the_one_line_report_keep_their_raw_text() -> None:
    due = {(r.kind, r.seq): r for r in parsed(ONE_LINE).rows}
    month = due[CORR, 2]
    assert month.due_date == date(2020, 6, 30)
    assert month.due_date_as_written is not None
    assert (month.due_date_as_written.raw, month.due_date_as_written.precision) == (
        "'20.6월",
        Precision.MONTH,
    )
    assert due[ETC, 1].due_date == date(2019, 11, 25)


# --- (b) a definition list, counts in a paragraph after the tables -----------------------


def test_metadata_from_a_definition_list() -> None:
    assert parsed(DEFINITIONS).metadata == ReportMetadata(
        year=2020,  # <dt>감사연도</dt><dd>2020년</dd>
        council="새솔구의회",
        committee="행정재무위원회",
        audited_body="새솔시설관리공단",
        report_date=date(2021, 1, 29),  # 작성일 2021.01.29.
        audit_date=date(2020, 10, 20),  # 감사일 '20.10.20.
    )


def test_counts_after_the_tables_that_match_give_no_warning() -> None:
    report = parsed(DEFINITIONS)
    assert report.problems == ()
    assert rows(report) == [
        (CORR, 1, DONE),
        (CORR, 2, DOING),
        (REC, 1, DONE),
        (REC, 2, DONE),
        (REC, 3, REVIEW),
    ]
    assert [r.department for r in report.rows][:2] == ["인사팀", "주차사업팀"]


@pytest.mark.parametrize(
    ("old", "new", "kind", "declared", "found"),
    [
        (
            "건의사항 3건 : 완료 2건, 검토중 1건",
            "건의사항 3건 : 완료 3건",
            "건의사항",
            "3건 (완료 3)",
            "3건 (완료 2, 검토중 1)",
        ),
        ("총 5건 중 완료 3건", "총 6건 중 완료 3건", "전체", "6건 (완료 3)", "5건 (완료 3"),
        ("총 5건 중 완료 3건", "총 5건 중 완료 4건", "전체", "5건 (완료 4)", "5건 (완료 3"),
    ],
)
def test_each_count_after_the_tables_is_checked(
    old: str, new: str, kind: str, declared: str, found: str
) -> None:
    text = (FIXTURES / DEFINITIONS).read_text(encoding="utf-8")
    assert old in text
    report = parse_html_report(text.replace(old, new, 1).encode("utf-8"))
    assert codes(report) == [(line_at(DEFINITIONS, old), "COUNT_MISMATCH")]
    message = report.problems[0].message_ko
    assert message.startswith(f"{kind}: ")
    assert f"{declared}인데 찾은 행은 {found}" in message
    assert len(report.rows) == 5  # a mismatch never stops the import


# --- (c) a key/value table, counts listed before the tables, mixed 처리기한 -------------


def test_metadata_from_a_key_value_table() -> None:
    assert parsed(KEY_VALUE).metadata == ReportMetadata(
        year=2018,  # 감사년도 | 2018년
        council="한빛시의회",  # 감사기관 | 한빛시의회 도시안전위원회
        committee="도시안전위원회",
        audited_body="한빛시 도시교통국",
        report_date=date(2019, 2, 28),  # 기준일
        audit_date=date(2018, 11, 13),
    )


def test_counts_listed_before_the_tables_match_and_the_total_is_the_documents() -> None:
    report = parsed(KEY_VALUE)
    assert report.problems == ()  # "계 5건" is all five rows, not the first table's two
    assert rows(report) == [
        (CORR, 1, DONE),
        (CORR, 2, DOING),
        (REC, 1, DOING),
        (REC, 2, DONE),
        (REC, 3, DOING),
    ]


def test_a_wrong_document_total_before_the_tables_is_a_warning() -> None:
    text = (FIXTURES / KEY_VALUE).read_text(encoding="utf-8")
    report = parse_html_report(text.replace("<li>계 5건</li>", "<li>계 6건</li>").encode())
    assert codes(report) == [(line_at(KEY_VALUE, "<li>계 5건"), "COUNT_MISMATCH")]
    assert "전체: '계 6건' 줄은 6건인데 찾은 행은 5건" in report.problems[0].message_ko
    assert report.problems[0].message_en.startswith("all kinds: ")


@pytest.mark.parametrize(
    ("kind", "seq", "raw", "precision", "due"),
    [
        (CORR, 1, "'19.3월", Precision.MONTH, date(2019, 3, 31)),
        (CORR, 2, "~'19.12.", Precision.OPEN_ENDED, date(2019, 12, 31)),
        (REC, 1, "2019.06.30.", Precision.DAY, date(2019, 6, 30)),
        (REC, 2, "'19.3월", Precision.MONTH, date(2019, 3, 31)),
        (REC, 3, "~'19.12.", Precision.OPEN_ENDED, date(2019, 12, 31)),
    ],
)
def test_due_dates_in_mixed_notations_keep_their_raw_text(
    kind: FindingKind, seq: int, raw: str, precision: Precision, due: date
) -> None:
    (found,) = [r for r in parsed(KEY_VALUE).rows if (r.kind, r.seq) == (kind, seq)]
    assert found.due_date == due
    written = found.due_date_as_written
    assert written is not None
    assert (written.raw, written.precision, written.deadline) == (raw, precision, due)


# --- shapes of metadata -------------------------------------------------------------------

TABLE = (
    "<table><caption>건의사항</caption>"
    "<tr><th>연번</th><th>요구사항</th><th>조치결과</th><th>추진상황</th></tr>"
    "<tr><td>1</td><td>청년 일자리 확대</td><td>○ 인턴 채용</td><td>완료</td></tr></table>"
)


def metadata_of(*parts: str) -> ReportMetadata:
    text = "\n".join(["<html><body>", *parts, TABLE, "</body></html>"])
    return parse_html_report(text.encode("utf-8")).metadata


@pytest.mark.parametrize(
    "parts",
    [
        ["<h3>한빛시의회 도시안전위원회</h3>"],
        ["<p>감사기관 : 한빛시의회 (도시안전위원회)</p>"],
        ["<p>감사기관: 한빛시의회(도시안전위원회)</p>"],
        ["<ul><li>의회 : 한빛시의회</li><li>소관위원회: 도시안전위원회</li></ul>"],
        ["<dl><dt>의회</dt><dd>한빛시의회</dd><dt>위원회</dt><dd>도시안전위원회</dd></dl>"],
        ["<table><tr><th>감사기관</th><td>한빛시의회 도시안전위원회</td></tr></table>"],
        ["<table><tr><th>감사기관 :</th><td>한빛시의회 도시안전위원회</td></tr></table>"],
        [
            "<table><tr><th>감사기관</th><th>피감기관</th></tr>"
            "<tr><td>한빛시의회 (도시안전위원회)</td><td>한빛시 교통정책과</td></tr></table>"
        ],
        ['<div class="k">감사기관</div><div class="v">한빛시의회 도시안전위원회</div>'],
    ],
)
def test_council_and_committee_in_every_shape(parts: list[str]) -> None:
    metadata = metadata_of(*parts)
    assert (metadata.council, metadata.committee) == ("한빛시의회", "도시안전위원회")


@pytest.mark.parametrize(
    ("line", "field", "value"),
    [
        ("감사대상기관 : 한빛도시공사", "audited_body", "한빛도시공사"),
        ("피감기관: 한빛도시공사", "audited_body", "한빛도시공사"),
        ("감사연도 : 2019년", "year", 2019),
        ("감사년도 : 2019년도", "year", 2019),
        ("연도 : 2019", "year", 2019),
        ("감사기간 : '19.10.15.~10.24.", "audit_date", date(2019, 10, 15)),
        ("감사일 : 2019. 10. 15.", "audit_date", date(2019, 10, 15)),
        ("보고일 : '20.2.14.", "report_date", date(2020, 2, 14)),
        ("작성일 : 2020.02.14.", "report_date", date(2020, 2, 14)),
        ("기준일 : 2020. 2. 14.", "report_date", date(2020, 2, 14)),
    ],
)
def test_metadata_keys_seen_in_practice(line: str, field: str, value: object) -> None:
    key, _, rest = line.partition(":")
    for shape in (f"<p>{line}</p>", f"<li>{line}</li>", f"<dl><dt>{key}</dt><dd>{rest}</dd></dl>"):
        assert getattr(metadata_of(shape), field) == value, shape


def test_a_labelled_year_wins_over_the_titles() -> None:
    metadata = metadata_of("<h1>2019년도 행정사무감사 처리결과</h1>", "<p>감사연도 : 2018</p>")
    assert metadata.year == 2018


def test_an_impossible_date_under_a_key_is_a_warning_on_the_values_line() -> None:
    dates = "<dl><dt>보고일</dt>\n<dd>2019. 2. 30.</dd></dl>"
    text = "\n".join(["<html><body>", dates, TABLE, "</body></html>"])
    report = parse_html_report(text.encode("utf-8"))
    assert codes(report) == [(3, "BAD_DATE")]
    assert report.metadata.report_date is None and len(report.rows) == 1


def test_a_key_with_no_value_takes_nothing() -> None:
    metadata = metadata_of("<dl><dt>위원회</dt><dt>피감기관</dt><dd>한빛도시공사</dd></dl>")
    assert (metadata.committee, metadata.audited_body) == (None, "한빛도시공사")


# --- where declared counts are, and what they cover ----------------------------------------


HEADER = "<tr><th>연번</th><th>요구사항</th><th>조치결과</th><th>추진상황</th></tr>"


def result_table(caption: str, *statuses: str) -> str:
    cells = "".join(
        f"<tr><td>{n}</td><td>요구 {n}</td><td>○ 조치</td><td>{s}</td></tr>"
        for n, s in enumerate(statuses, 1)
    )
    caption_tag = f"<caption>{caption}</caption>" if caption else ""
    return f"<table>{caption_tag}{HEADER}{cells}</table>"


TWO_KINDS = (
    result_table("시정요구사항", "완료", "추진중"),
    result_table("건의사항", "완료"),
)


def counts(*parts: str) -> list[tuple[int | None, str]]:
    text = "\n".join(["<html><body>", *parts, "</body></html>"])
    report = parse_html_report(text.encode("utf-8"))
    assert len(report.rows) == 3
    return codes(report)


@pytest.mark.parametrize(
    ("before", "after", "found"),
    [
        ("<p>총 3건 중 완료 2건</p>", "", []),
        ("<p>총 3건 중 완료 1건</p>", "", [(2, "COUNT_MISMATCH")]),
        ("", "<p>총 3건 중 완료 2건</p>", []),
        ("", "<p>○ 총 4건</p>", [(4, "COUNT_MISMATCH")]),
        # "계" under the last table is that table's: one row.
        ("", "<p>계 1건</p>", []),
        (
            "<ul><li>시정·처리요구사항 2건: 완료 1건, 추진중 1건</li><li>건의사항 1건</li></ul>",
            "",
            [],
        ),
        (
            "<ul><li>시정·처리요구사항 2건: 완료 2건</li><li>건의사항 1건</li></ul>",
            "",
            [(2, "COUNT_MISMATCH")],
        ),
        ("", "<p>시정요구사항 2건 (완료 1, 추진중 1)<br>건의사항 1건 (완료 1)</p>", []),
        # No table of 기타: the page publishes others only.
        ("<ul><li>건의사항 1건</li><li>기타 4건</li></ul>", "", []),
    ],
)
def test_declared_counts_before_or_after_the_tables(
    before: str, after: str, found: list[tuple[int, str]]
) -> None:
    assert counts(*filter(None, [before, *TWO_KINDS, after])) == found


def test_a_total_under_a_table_before_the_next_is_that_tables() -> None:
    first, second = TWO_KINDS
    assert counts(first, "<p>계 2건</p>", second) == []
    assert counts(first, "<p>계 3건</p>", second) == [(3, "COUNT_MISMATCH")]


@pytest.mark.parametrize(
    "piece",
    [
        "<li>시정요구사항 1건</li><li>건의사항 1건</li>",
        "<p>계 1건</p>",
        "<dt>위원회</dt><dd>도시안전위원회</dd>",
    ],
)
def test_many_declarations_take_linear_time(piece: str) -> None:
    text = "<html><body>" + result_table("건의사항", "완료") + piece * 10_000 + "</body></html>"
    started = time.perf_counter()
    report = parse_html_report(text.encode("utf-8"))
    assert time.perf_counter() - started < 5.0
    assert len(report.rows) == 1
