"""Reports published as HTML tables (SPEC §6): fixtures, rules, bad input, fuzzing."""

from __future__ import annotations

import re
import time
from datetime import date
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.report import ParsedReport, Problem, ReportRow, Severity
from domain.dates import Precision
from domain.vocabulary import FindingKind, Status, normalise_status
from infrastructure.parsers.html_tables import (
    FORMAT,
    looks_like_html_report,
    parse_html_report,
)

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "html"
SEED = ROOT / "demo" / "seed_2018_business_report.txt"

DISTRICT = "district_council_summary_ok.html"
CITY = "city_committee_summary_mismatch.html"
CORPORATION = "corporation_statuses.html"
CP949 = "cp949_report.html"
ALL_FIXTURES = (DISTRICT, CITY, CORPORATION, CP949)

CORR, REC, ETC = FindingKind.CORRECTIVE, FindingKind.RECOMMENDATION, FindingKind.OTHER
DONE, DOING = Status.COMPLETED, Status.IN_PROGRESS
REVIEW, REFUSED = Status.UNDER_REVIEW, Status.NOT_ADOPTED


@cache
def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture_text(name: str) -> str:
    return fixture_bytes(name).decode("cp949" if name == CP949 else "utf-8")


@cache
def parsed(name: str) -> ParsedReport:
    return parse_html_report(fixture_bytes(name), source_name=name)


def line_of(text: str, needle: str, tag: str = "<tr") -> int:
    """The physical line of the last `tag` before `needle` (a row's <tr>)."""
    at = text.index(needle)
    start = text.lower().rindex(tag.lower(), 0, at)
    return text.count("\n", 0, start) + 1


def line_at(text: str, needle: str) -> int:
    return text.count("\n", 0, text.index(needle)) + 1


def codes(report: ParsedReport, severity: Severity | None = None) -> list[tuple[int | None, str]]:
    return [(p.line, p.code) for p in report.problems if severity is None or p.severity is severity]


def errors(report: ParsedReport) -> list[tuple[int | None, str]]:
    return codes(report, Severity.ERROR)


def row(report: ParsedReport, kind: FindingKind, seq: int) -> ReportRow:
    matches = [r for r in report.rows if r.kind is kind and r.seq == seq]
    assert len(matches) == 1, f"expected one {kind.value} #{seq}, found {len(matches)}"
    return matches[0]


# --- small documents for the rules --------------------------------------------------------

HEADER = "<tr><th>연번</th><th>요구사항</th><th>조치결과</th><th>추진상황</th></tr>"


def tr(seq: str, request: str, result: str, status: str) -> str:
    return f"<tr><td>{seq}</td><td>{request}</td><td>{result}</td><td>{status}</td></tr>"


def table(*rows: str, caption: str = "건의사항", header: str = HEADER) -> str:
    caption_tag = f"<caption>{caption}</caption>" if caption else ""
    return "\n".join(["<table>", caption_tag, header, *rows, "</table>"])


def page(*parts: str) -> str:
    return "\n".join(["<html><body>", *parts, "</body></html>"])


def parse(text: str) -> ParsedReport:
    return parse_html_report(text.encode("utf-8"))


ROW_1 = tr("1", "청년 일자리 확대 방안 마련", "○ 청년 인턴 30명 채용", "완료")
ROW_2 = tr("2", "노동권익센터 상담 확대", "○ 야간 상담 신설", "추진중")


# --- fixture 1: a district council's report on a public corporation -----------------------


def test_district_report_rows_by_kind_sequence_and_status() -> None:
    report = parsed(DISTRICT)
    assert report.format == FORMAT
    assert report.encoding == "utf-8"
    assert [(r.kind, r.seq, r.status) for r in report.rows] == [
        (CORR, 1, DONE),
        (CORR, 2, DONE),
        (CORR, 3, DOING),
        (CORR, 4, DONE),
        (CORR, 5, REVIEW),
        (REC, 1, DONE),
        (REC, 2, DOING),
        (REC, 3, REFUSED),
        (REC, 4, DONE),
        (ETC, 1, DONE),
        (ETC, 2, DONE),
    ]
    assert [r.status_raw for r in report.rows][:5] == ["완료", "완료", "추진중", "완료", "검토중"]


def test_district_report_has_no_problems_as_its_summary_lines_match() -> None:
    assert parsed(DISTRICT).problems == ()


def test_district_report_without_department_column_leaves_department_to_the_importer() -> None:
    report = parsed(DISTRICT)
    assert {r.department for r in report.rows} == {None}
    # A trailing bracket that names no office stays part of the request.
    assert row(report, CORR, 4).request.endswith("조속히 조치하기 바람(안전관리계획 포함)")
    # Offices named in the result text are not departments.
    assert "한빛구청 체육진흥과" in (row(report, CORR, 4).actions or "")


def test_district_report_lines_are_where_each_row_starts() -> None:
    text = fixture_text(DISTRICT)
    report = parsed(DISTRICT)
    assert row(report, CORR, 1).line == line_of(text, "한빛구민체육센터 수영장")
    assert row(report, REC, 3).line == line_of(text, "운영 수익의 일부를")
    assert row(report, ETC, 2).line == line_of(text, "겸직 허가 현황")


def test_district_report_joins_words_wrapped_by_br_but_keeps_spaced_breaks() -> None:
    report = parsed(DISTRICT)
    assert row(report, REC, 1).request == "사회적경제기업 제품 우선구매 비율을 높이기 바람"
    assert row(report, REC, 2).request.startswith("청년일자리 확대를 위해")
    assert row(report, CORR, 4).request.startswith("공공체육시설 노후 시설물")
    # "주차장 <br/>운영": a space before the break, so a space it stays.
    assert row(report, REC, 3).request.startswith("주차장 운영 수익의")


def test_district_report_splits_results_into_actions_and_plans() -> None:
    first = row(parsed(DISTRICT), CORR, 1)
    assert first.request.startswith("한빛구민체육센터")  # the row's bullet "○" is dropped
    assert first.actions == (
        "○ 수질검사 주기를 월 1회에서 월 2회로 강화('18.12월) "
        "○ 검사결과를 센터 누리집 및 안내게시판에 매월 공개"
    )
    assert first.plans == "○ 외부 전문기관 교차검사 분기별 실시"  # the headings are no text
    third = row(parsed(DISTRICT), CORR, 3)
    assert third.actions == (
        "○ 정규직 전환심의위원회 구성 및 1차 심의('19.2월) - 상시·지속 업무 종사자 14명 전환 결정"
    )
    # Without headings, the whole result is what was done.
    second = row(parsed(DISTRICT), CORR, 2)
    assert second.plans is None
    assert second.actions is not None and second.actions.endswith("출동 원칙 수립('19.1월)")


def test_district_report_not_adopted_row_keeps_its_reason_as_actions() -> None:
    refused = row(parsed(DISTRICT), REC, 3)
    assert refused.status is REFUSED
    assert refused.actions is not None and "재투자할 수 없음" in refused.actions


def test_district_report_metadata() -> None:
    metadata = parsed(DISTRICT).metadata
    assert metadata.year == 2018
    assert metadata.council == "서울특별시 한빛구의회"
    assert metadata.committee == "행정복지위원회"
    assert metadata.audited_body == "한빛구시설관리공단"
    assert metadata.audit_date == date(2018, 11, 12)  # the first day of 감사기간
    assert metadata.report_date == date(2019, 3, 31)
    assert metadata.session is None


def count_mismatches(name: str, old: str, new: str) -> list[str]:
    """The COUNT_MISMATCH messages once one summary line of a fixture says `new`."""
    text = fixture_text(name)
    assert old in text
    data = text.replace(old, new, 1).encode("cp949" if name == CP949 else "utf-8")
    report = parse_html_report(data)
    return [p.message_ko for p in report.problems if p.code == "COUNT_MISMATCH"]


@pytest.mark.parametrize(
    ("old", "new", "declared", "found"),
    [
        (
            "5건 (완료 3, 추진중 1, 검토중 1)",
            "5건 (완료 4, 추진중 1)",
            "5건 (완료 4, 추진중 1)",
            "5건 (완료 3, 추진중 1, 검토중 1)",
        ),
        (
            "4건 (완료 2, 추진중 1, 미반영 1)",
            "4건 (완료 1, 추진중 2, 미반영 1)",
            "4건 (완료 1, 추진중 2, 미반영 1)",
            "4건 (완료 2, 추진중 1, 미반영 1)",
        ),
        ("총 2건 (완료 2)", "총 2건 (완료 1, 추진중 1)", "2건 (완료 1, 추진중 1)", "2건 (완료 2)"),
    ],
)
def test_district_report_summary_lines_are_read_as_declared_counts(
    old: str, new: str, declared: str, found: str
) -> None:
    # The fixture's lines match its rows; changed, each one's counts are checked.
    (message,) = count_mismatches(DISTRICT, old, new)
    assert f"{declared}인데 찾은 행은 {found}입니다" in message


# --- fixture 2: a city committee's report with a department column ------------------------


def test_city_report_count_mismatch_is_a_warning_and_rows_are_kept() -> None:
    report = parsed(CITY)
    caption_line = line_of(fixture_text(CITY), "건의사항 (총 6건", tag="<caption")
    assert codes(report) == [(caption_line, "COUNT_MISMATCH")]
    assert report.problems[0].severity is Severity.WARNING
    assert "검토중 1" in report.problems[0].message_ko
    assert not report.has_errors
    assert len(report.rows) == 10


def test_city_report_declared_counts_are_as_written_never_fixed() -> None:
    (mismatch,) = parsed(CITY).problems
    declared, rows = "6건 (완료 3, 추진중 2, 검토중 1)", "6건 (완료 3, 추진중 3)"
    assert f"{declared}인데 찾은 행은 {rows}입니다" in mismatch.message_ko
    found = [r.status for r in parsed(CITY).rows if r.kind is REC]
    assert (found.count(DONE), found.count(DOING), found.count(REVIEW)) == (3, 3, 0)


def test_city_report_departments_from_column_including_merged_cells() -> None:
    report = parsed(CITY)
    assert [r.department for r in report.rows if r.kind is CORR] == [
        "청년정책과",
        "청년정책과",  # rowspan="2"
        "노동정책과",
        "사회적경제과",
    ]
    assert row(report, REC, 4).department == "일자리정책과"
    # 고용노동부 in the result text is another office, not the department.
    assert "고용노동부" in (row(report, CORR, 1).actions or "")


def test_city_report_status_from_the_result_cells_status_line() -> None:
    report = parsed(CITY)
    first = row(report, CORR, 1)
    assert (first.status_raw, first.status) == ("추진중", DOING)
    assert first.actions is not None and not first.actions.startswith(("추진상황", "추진내용"))
    assert first.plans == "○ 참여자 사후 취업실태 조사 ('19.12월)"
    assert row(report, CORR, 2).actions == "○ 상담인력 6명 무기계약직 전환 완료 ('19.1.1.)"


def test_city_report_due_dates_and_metadata() -> None:
    report = parsed(CITY)
    assert row(report, CORR, 1).due_date == date(2019, 12, 31)
    assert row(report, REC, 2).due_date == date(2019, 2, 28)
    metadata = report.metadata
    assert metadata.year == 2018
    assert metadata.council == "한빛시의회"  # from "제285회 한빛시의회 정례회"
    assert metadata.committee == "경제문화위원회"
    assert metadata.session == "제285회 한빛시의회 정례회"
    assert metadata.audited_body == "한빛시 일자리경제국"  # from a cover table's row
    assert metadata.audit_date == date(2018, 11, 5)
    assert metadata.report_date == date(2019, 1, 15)


# --- fixture 3: a corporation's statuses in a 비고 column --------------------------------


@pytest.mark.parametrize(
    ("kind", "seq", "status_raw", "status"),
    [
        (CORR, 1, "완료", DONE),
        (CORR, 2, "진행 중", DOING),
        (CORR, 3, "추진불가", REFUSED),  # "추진<br/>불가": one status, the wrapped word rejoined
        (CORR, 4, "추진검토", REVIEW),
        (REC, 1, "검토중", REVIEW),
        (REC, 2, "미반영", REFUSED),
        (REC, 3, "완료", DONE),
        (ETC, 1, "완료", DONE),
    ],
)
def test_corporation_statuses(kind: FindingKind, seq: int, status_raw: str, status: Status) -> None:
    found = row(parsed(CORPORATION), kind, seq)
    assert (found.status_raw, found.status) == (status_raw, status)


def test_corporation_report_has_no_problems_and_kinds_from_full_width_rows() -> None:
    report = parsed(CORPORATION)
    assert report.problems == ()
    assert [(r.kind, r.seq) for r in report.rows] == [
        (CORR, 1), (CORR, 2), (CORR, 3), (CORR, 4), (REC, 1), (REC, 2), (REC, 3), (ETC, 1),
    ]  # fmt: skip
    # "Ⅲ. 기타(자료제출 등) 1건" gives a total only, and it is checked.
    (message,) = count_mismatches(CORPORATION, "기타(자료제출 등) 1건", "기타(자료제출 등) 2건")
    assert "2건인데 찾은 행은 1건 (완료 1)입니다" in message


def test_corporation_a_bracket_after_the_status_is_no_part_of_it() -> None:
    found = row(parsed(CORPORATION), REC, 3)
    assert (found.status_raw, found.status) == ("완료", DONE)  # written "완료('18.12월)"
    assert "'18.12월" in fixture_text(CORPORATION)


def test_corporation_not_adopted_rows_carry_their_reasons() -> None:
    report = parsed(CORPORATION)
    heading_reason = row(report, REC, 2)
    assert heading_reason.delay_reason is not None
    assert heading_reason.delay_reason.startswith("관리비 세부 내역은 「공동주택관리법」에 따라")
    plain_reason = row(report, CORR, 3)
    assert plain_reason.actions is not None and "공사 일정에 차질" in plain_reason.actions


def test_corporation_departments_from_trailing_brackets() -> None:
    report = parsed(CORPORATION)
    assert [r.department for r in report.rows] == [
        "시설안전팀", "주거복지처", "자산관리처", "안전보건팀",
        "자산관리처", "주거복지처", "계약팀", "주거복지처",
    ]  # fmt: skip
    assert row(report, CORR, 1).request.endswith("즉시 보수하기 바람")


def test_corporation_metadata() -> None:
    metadata = parsed(CORPORATION).metadata
    assert (metadata.year, metadata.council, metadata.committee) == (
        2018,
        "한빛시의회",
        "도시안전건설위원회",
    )
    assert metadata.audited_body == "한빛도시공사"
    assert metadata.audit_date == date(2018, 11, 14)
    assert metadata.report_date == date(2019, 2, 28)  # "(2019. 2. 28. 현재)"


# --- fixture 4: CP949 ---------------------------------------------------------------------


def test_cp949_fixture_is_not_utf8() -> None:
    with pytest.raises(UnicodeDecodeError):
        fixture_bytes(CP949).decode("utf-8")
    assert b'<meta charset="euc-kr">' in fixture_bytes(CP949)


def test_cp949_report() -> None:
    report = parsed(CP949)
    assert report.encoding == "cp949"
    assert report.problems == ()
    assert [(r.kind, r.seq, r.status_raw) for r in report.rows] == [
        (CORR, 1, "완료"), (CORR, 2, "추진중"), (CORR, 3, "검토중"),
        (REC, 1, "완료"), (REC, 2, "완료"),
    ]  # fmt: skip
    assert row(report, REC, 1).request.startswith("사회적경제기업 판로 지원을")
    assert row(report, CORR, 1).actions == (
        "○ 구 누리집, 대학 취업지원센터 및 SNS를 통한 홍보 실시 ○ 이용 실적 : 월 평균 12건 → 35건"
    )
    # CRLF line ends: lines are still physical lines.
    assert row(report, CORR, 2).line == line_of(fixture_text(CP949), "노동권익센터 상담 인력이")
    metadata = report.metadata
    assert (metadata.council, metadata.committee) == ("한빛구의회", "복지건설위원회")
    assert metadata.audited_body == "한빛구 일자리경제과"
    assert (metadata.audit_date, metadata.report_date) == (date(2018, 11, 26), date(2019, 3, 8))
    # Its summary lines are read (they match: no problems above).
    (message,) = count_mismatches(CP949, "완료 2)", "완료 1, 검토중 1)")
    assert "2건 (완료 1, 검토중 1)인데 찾은 행은 2건 (완료 2)입니다" in message


# --- content sniffing -------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_looks_like_html_report_for_the_fixtures(name: str) -> None:
    assert looks_like_html_report(fixture_text(name))


def test_does_not_look_like_html_report_for_the_seed_text() -> None:
    assert not looks_like_html_report(SEED.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "<html><body><p>건의사항</p></body></html>",
        "<table><tr><th>구분</th><th>계</th><th>완료</th></tr></table>",
        "요구사항\t조치결과\n청년\t완료",
    ],
)
def test_does_not_look_like_html_report(text: str) -> None:
    assert not looks_like_html_report(text)


def test_a_fragment_with_a_result_table_looks_like_a_report() -> None:
    assert looks_like_html_report(table(ROW_1))


# --- encodings ----------------------------------------------------------------------------


def test_utf8_bom_is_stripped() -> None:
    report = parse_html_report(b"\xef\xbb\xbf" + page(table(ROW_1)).encode("utf-8"))
    assert report.encoding == "utf-8-sig"
    assert not report.has_errors and len(report.rows) == 1


def test_http_equiv_euc_kr_declaration_is_honoured() -> None:
    meta = '<meta http-equiv="Content-Type" content="text/html; charset=EUC-KR">'
    report = parse_html_report(page(meta, table(ROW_1)).encode("cp949"))
    assert report.encoding == "cp949"
    assert row(report, REC, 1).request == "청년 일자리 확대 방안 마련"


def test_cp949_without_declaration_is_read_as_cp949() -> None:
    report = parse_html_report(page(table(ROW_1)).encode("cp949"))
    assert report.encoding == "cp949" and len(report.rows) == 1


def test_a_stale_euc_kr_declaration_on_utf8_text_is_a_warning() -> None:
    text = page('<meta charset="euc-kr">', table(ROW_1))
    report = parse(text)
    assert report.encoding == "utf-8"
    assert codes(report) == [(2, "CHARSET_MISMATCH")]
    assert len(report.rows) == 1


# --- bad input: an error with a line, and no rows --------------------------------------------


def assert_refused(report: ParsedReport, expected: list[tuple[int, str]]) -> None:
    assert errors(report) == expected
    assert report.rows == ()


@pytest.mark.parametrize("data", [b"", b"   \n\t\n", "\ufeff".encode()])
def test_empty_document(data: bytes) -> None:
    assert_refused(parse_html_report(data), [(1, "EMPTY_DOCUMENT")])


def test_binary_document() -> None:
    data = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    assert_refused(parse_html_report(data), [(3, "BINARY_DOCUMENT")])


def test_undecodable_document() -> None:
    data = "<p>청년</p>\n".encode() + b"<p>\xff\xfe\xff</p>"
    report = parse_html_report(data)
    assert_refused(report, [(2, "NOT_UTF8_OR_CP949")])


def test_html_without_result_table() -> None:
    text = page(
        "<h1>2018년도 행정사무감사</h1>", "<table><tr><td>구분</td><td>계</td></tr></table>"
    )
    assert_refused(parse(text), [(1, "NO_RESULT_TABLE")])


def test_result_table_without_rows() -> None:
    assert_refused(parse(page(table())), [(2, "NO_ROWS")])


def test_truncated_row_is_broken() -> None:
    text = page(table(ROW_1, "<tr><td>2</td><td>노동권익센터 상담 확대</td>", ROW_2))
    report = parse(text)
    assert ("BROKEN_ROW" in [c for _, c in errors(report)]) and report.rows == ()
    assert errors(report)[0] == (line_of(text, "<td>2</td>"), "BROKEN_ROW")


def test_document_cut_in_the_middle_of_a_row() -> None:
    text = page(table(ROW_1, ROW_2))
    cut = text[: text.index("야간 상담")]
    report = parse(cut)
    assert_refused(report, [(line_of(cut, "<td>2</td>"), "BROKEN_ROW")])


def test_row_without_status() -> None:
    text = page(table(ROW_1, tr("2", "노동권익센터 상담 확대", "○ 야간 상담 신설", "")))
    assert_refused(parse(text), [(line_of(text, "<td>2</td>"), "MISSING_STATUS")])


def test_unknown_status_names_its_line_and_raw_text() -> None:
    text = page(table(ROW_1, tr("2", "노동권익센터 상담 확대", "○ 야간 상담 신설", "일부완료")))
    report = parse(text)
    assert_refused(report, [(line_of(text, "<td>2</td>"), "UNKNOWN_STATUS")])
    assert "'일부완료'" in report.problems[0].message_ko


def test_duplicate_sequence_within_a_kind() -> None:
    text = page(table(ROW_1, ROW_2.replace("<td>2</td>", "<td>1</td>")))
    report = parse(text)
    assert_refused(report, [(line_of(text, "노동권익센터"), "DUPLICATE_SEQUENCE")])
    assert f"{line_of(text, '청년 일자리')}" in report.problems[0].message_en


def test_same_sequence_in_two_kinds_is_fine() -> None:
    report = parse(page(table(ROW_1, caption="건의사항"), table(ROW_1, caption="시정요구사항")))
    assert [(r.kind, r.seq) for r in report.rows] == [(REC, 1), (CORR, 1)]


def test_table_whose_kind_cannot_be_told() -> None:
    text = page("<h2>처리결과</h2>", table(ROW_1, caption=""))
    assert_refused(parse(text), [(line_at(text, "<table"), "TABLE_WITHOUT_KIND")])


def test_not_adopted_without_any_reason() -> None:
    text = page(table(tr("1", "청년 일자리 확대", "", "미반영")))
    assert_refused(parse(text), [(line_of(text, "청년 일자리"), "NOT_ADOPTED_WITHOUT_REASON")])


def test_missing_request() -> None:
    text = page(table(tr("1", "", "○ 청년 인턴 채용", "완료")))
    assert_refused(parse(text), [(line_of(text, "청년 인턴"), "MISSING_REQUEST")])


def test_two_status_lines_in_one_result_cell() -> None:
    header = "<tr><th>연번</th><th>요구사항</th><th>조치결과</th></tr>"
    cells = "<tr><td>1</td><td>청년</td><td>추진상황 : 완료<br>추진상황 : 추진중</td></tr>"
    text = page(table(cells, header=header))
    assert_refused(parse(text), [(line_of(text, "청년"), "DUPLICATE_STATUS")])


# --- rules ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        ("사회적<br/>경제", "사회적경제"),  # a wrapped Hangul word: joined
        ("사회적 <br/>경제", "사회적 경제"),  # space before the break
        ("사회적<br/> 경제", "사회적 경제"),  # space after the break
        ("사회적<br/>\n경제", "사회적 경제"),  # a source line break counts as a space
        ("사회적<br><br>경제", "사회적 경제"),  # two breaks: a paragraph, not a wrap
        ("청년<br/>2019", "청년 2019"),  # not two Hangul syllables
        ("청년.<br>일자리", "청년. 일자리"),
        ("사회적<span>경제</span><br>기업", "사회적경제기업"),  # inline tags join
        ("청년</p><p>일자리", "청년 일자리"),  # a paragraph boundary is a break
        ("청년&nbsp;<br>일자리", "청년 일자리"),
    ],
)
def test_br_inside_a_word(cell: str, text: str) -> None:
    report = parse(page(table(tr("1", cell, "○ 조치", "완료"))))
    assert row(report, REC, 1).request == text


@pytest.mark.parametrize(
    ("status_cell", "status_raw"),
    [
        ("추진<br/>불가", "추진불가"),
        ("추진 <br/>불가", "추진 불가"),
        ("추진<br>\n불가", "추진 불가"),
        ("진행 중", "진행 중"),
        ("○ 완료", "완료"),
        ("완료<br>('19.3월)", "완료"),
        ("<p>추진중</p>", "추진중"),
    ],
)
def test_status_cells(status_cell: str, status_raw: str) -> None:
    report = parse(page(table(tr("1", "청년 일자리", "○ 검토 결과 반영 곤란", status_cell))))
    assert row(report, REC, 1).status_raw == status_raw
    assert normalise_status(status_raw) is row(report, REC, 1).status


@pytest.mark.parametrize(
    ("result", "status_raw", "actions"),
    [
        ("추진상황 : 추진<br/>불가<br/>○ 예산 미확보", "추진불가", "○ 예산 미확보"),
        ("□ 추진상황 : 추진<br>\n불가<br>○ 예산 미확보", "추진 불가", "○ 예산 미확보"),
        ("&lt;추진상황&gt; 완료<br>○ 조치 완료", "완료", "○ 조치 완료"),
        ("추진상황:<br>검토중<br>○ 검토 중", "검토중", "○ 검토 중"),
        ("추진상황 : 완료('18.12월)<br>○ 조치", "완료", "○ 조치"),
    ],
)
def test_status_line_in_the_result_cell(result: str, status_raw: str, actions: str) -> None:
    header = "<tr><th>연번</th><th>요구사항</th><th>추진실적 및 처리결과</th></tr>"
    report = parse(page(table(f"<tr><td>1</td><td>청년</td><td>{result}</td></tr>", header=header)))
    found = row(report, REC, 1)
    assert (found.status_raw, found.actions) == (status_raw, actions)


def test_status_column_wins_over_remark_column_which_is_a_note() -> None:
    header = (
        "<tr><th>연번</th><th>요구사항</th><th>조치결과</th><th>추진상황</th><th>비고</th></tr>"
    )
    cells = "<tr><td>1</td><td>청년</td><td>○ 조치</td><td>완료</td><td>예산 3억 확보</td></tr>"
    found = row(parse(page(table(cells, header=header))), REC, 1)
    assert (found.status_raw, found.actions) == ("완료", "○ 조치")


def test_header_matching_tolerates_spaces_and_breaks() -> None:
    header = (
        "<tr><th>연 번</th><th>요구<br/>(건의)<br/>사항</th><th>추진실적 및<br/>처리결과</th>"
        "<th>소관<br>부서</th><th>처리<br/>기한</th><th>추 진<br/>상 황</th></tr>"
    )
    cells = (
        "<tr><td>3</td><td>청년 일자리</td><td>○ 조치</td><td>청년정책과</td>"
        "<td>2019. 3. 31.</td><td>추진중</td></tr>"
    )
    found = row(parse(page(table(cells, header=header))), REC, 3)
    assert (found.department, found.due_date, found.status) == (
        "청년정책과",
        date(2019, 3, 31),
        DOING,
    )


def test_status_in_a_second_result_like_column() -> None:
    header = "<tr><th>번호</th><th>지적사항</th><th>조치내용</th><th>처리결과</th></tr>"
    cells = "<tr><td>1</td><td>청년</td><td>○ 인턴 채용</td><td>완료</td></tr>"
    found = row(parse(page(table(cells, header=header))), REC, 1)
    assert (found.actions, found.status_raw) == ("○ 인턴 채용", "완료")


def test_two_row_header_with_a_spanning_result_column() -> None:
    header = (
        '<tr><th rowspan="2">연번</th><th rowspan="2">건의사항</th><th colspan="2">조치결과</th>'
        '<th rowspan="2">추진상황</th></tr>\n<tr><th>추진실적</th><th>향후계획</th></tr>'
    )
    cells = (
        "<tr><td>1</td><td>청년</td><td>○ 인턴 채용</td><td>○ 확대 검토</td><td>추진중</td></tr>"
    )
    report = parse(page(table(cells, header=header)))
    found = row(report, REC, 1)
    assert (found.actions, found.plans) == ("○ 인턴 채용", "○ 확대 검토")


def test_repeated_header_after_a_page_break_is_skipped() -> None:
    report = parse(page(table(ROW_1, HEADER, ROW_2)))
    assert [r.seq for r in report.rows] == [1, 2] and report.problems == ()


def test_nested_table_in_a_result_cell_keeps_every_cell_in_order() -> None:
    nested = "<table><tr><th>구분</th><th>인원</th></tr><tr><td>청년</td><td>30명</td></tr></table>"
    report = parse(page(table(tr("1", "청년 일자리", f"○ 채용 실적{nested}", "완료"))))
    assert row(report, REC, 1).actions == "○ 채용 실적 [표: 구분 | 인원 / 청년 | 30명]"


def test_department_from_a_trailing_bracket_only_when_it_names_an_office() -> None:
    rows = [
        tr("1", "○ 청년 일자리 확대 (일자리정책과)", "○ 조치", "완료"),
        tr("2", "○ 청년 일자리 확대 (2019년 예산 반영)", "○ 조치", "완료"),
        tr("3", "○ 청년 일자리 확대 (계속)", "○ 조치", "완료"),
        tr("4", "○ 사업비 증액 (백만원)", "○ 조치", "완료"),
        tr("5", "○ 센터 운영 개선 (청년일자리센터)", "○ 조치", "완료"),
    ]
    report = parse(page(table(*rows)))
    assert [(r.request, r.department) for r in report.rows] == [
        ("청년 일자리 확대", "일자리정책과"),
        ("청년 일자리 확대 (2019년 예산 반영)", None),
        ("청년 일자리 확대 (계속)", None),
        ("사업비 증액 (백만원)", None),
        ("센터 운영 개선", "청년일자리센터"),
    ]


def test_missing_or_non_numeric_sequence_uses_the_order_with_a_warning() -> None:
    rows = [
        ROW_1,
        tr("", "노동권익센터 상담 확대", "○ 조치", "완료"),
        tr("가", "센터", "○ 조치", "완료"),
    ]
    text = page(table(*rows))
    report = parse(text)
    assert [r.seq for r in report.rows] == [1, 2, 3]
    assert codes(report) == [
        (line_of(text, "노동권익센터"), "MISSING_SEQUENCE"),
        (line_of(text, "<td>가</td>"), "BAD_SEQUENCE"),
    ]


def test_table_without_a_number_column_numbers_rows_in_order() -> None:
    header = "<tr><th>요구사항</th><th>조치결과</th><th>추진상황</th></tr>"
    rows = ["<tr><td>청년</td><td>○ 조치</td><td>완료</td></tr>"] * 2
    text = page(table(*rows, header=header))
    report = parse(text)
    assert [r.seq for r in report.rows] == [1, 2]
    assert codes(report) == [(line_of(text, "요구사항"), "NO_SEQUENCE_COLUMN")]


def test_kind_from_the_nearest_preceding_heading_covers_a_continued_table() -> None:
    text = page(
        "<h2>2. 시정 및 처리 요구사항</h2>",
        table(ROW_1, caption=""),
        "<p>- 다음 쪽에 계속 -</p>",
        table(ROW_2, caption=""),
        "<h3>3. 기타</h3>",
        table(ROW_1, caption=""),
    )
    assert [(r.kind, r.seq) for r in parse(text).rows] == [(CORR, 1), (CORR, 2), (ETC, 1)]


def test_result_tables_inside_a_page_layout_table() -> None:
    text = page(
        '<table class="layout"><tr><td class="menu">의회소개</td><td class="content">',
        "<h1>2018년도 행정사무감사 처리결과</h1>",
        "<h2>1. 시정요구사항</h2>",
        "<p>총 2건 (완료 2)</p>",
        table(ROW_1, caption=""),
        "<h2>2. 건의사항</h2>",
        table(ROW_2.replace("<td>2</td>", "<td>1</td>"), caption=""),
        "</td></tr></table>",
    )
    report = parse(text)
    assert [(r.kind, r.seq) for r in report.rows] == [(CORR, 1), (REC, 1)]
    assert codes(report) == [(line_at(text, "총 2건"), "COUNT_MISMATCH")]
    assert report.metadata.year == 2018


@pytest.mark.parametrize(
    ("summary", "problems"),
    [
        ("건의사항 2건 (완료 1, 추진중 1)", []),
        ("총 2건", []),
        ("총 2건 (완료 1, 추진 중 1)", []),
        ("완료 1건, 추진중 1건", []),
        ("건의사항(2건)", []),
        ("총 3건", ["COUNT_MISMATCH"]),
        ("건의사항 2건 (완료 1, 검토중 1)", ["COUNT_MISMATCH"]),
        ("총 2건 (완료 2, 추진중 1)", ["SUMMARY_INCONSISTENT", "COUNT_MISMATCH"]),
    ],
)
def test_summary_line_forms(summary: str, problems: list[str]) -> None:
    text = page("<h2>건의사항</h2>", f"<p>{summary}</p>", table(ROW_1, ROW_2, caption=""))
    report = parse(text)
    assert codes(report) == [(line_of(text, summary, tag="<p>"), code) for code in problems]
    assert len(report.rows) == 2  # a mismatch never stops the import


def test_summary_line_of_another_kind_is_not_this_tables() -> None:
    text = page("<p>시정요구사항 5건</p>", table(ROW_1, caption="건의사항"))
    assert parse(text).problems == ()


def test_summary_in_a_full_width_row_of_the_table() -> None:
    total_row = '<tr><td colspan="4">계 3건 (완료 2, 추진중 1)</td></tr>'
    text = page(table(ROW_1, ROW_2, total_row))
    report = parse(text)
    assert codes(report) == [(line_of(text, "계 3건"), "COUNT_MISMATCH")]
    declared, found = "3건 (완료 2, 추진중 1)", "2건 (완료 1, 추진중 1)"
    assert f"{declared}인데 찾은 행은 {found}입니다" in report.problems[0].message_ko


def test_metadata_that_is_not_written_stays_none() -> None:
    metadata = parse(page(table(ROW_1))).metadata
    assert metadata == type(metadata)()


def test_metadata_ignores_a_generic_council_and_takes_labelled_values_first() -> None:
    text = page(
        "<p>구의회</p>",
        "<p>보고일자 : 2019년 2월 1일</p>",
        "<p>2019. 3. 1.</p>",
        "<p>감사기간 : 2018.11.12 ~ 2018.11.20</p>",
        table(ROW_1),
    )
    metadata = parse(text).metadata
    assert metadata.council is None
    assert metadata.report_date == date(2019, 2, 1)
    # No "YYYY년도 행정사무감사" title: the year is that of the audit's first day.
    assert (metadata.audit_date, metadata.year) == (date(2018, 11, 12), 2018)


def test_other_bodies_ending_in_uihoe_are_not_councils() -> None:
    text = page("<p>노사민정협의회</p>", "<p>한빛시 노사민정협의회</p>", table(ROW_1))
    assert parse(text).metadata.council is None


def test_impossible_date_is_a_warning() -> None:
    text = page("<p>감사기간 : 2018. 11. 31. ~ 12. 5.</p>", table(ROW_1))
    report = parse(text)
    assert codes(report) == [(2, "BAD_DATE")]
    assert report.metadata.audit_date is None and len(report.rows) == 1


DUE_HEADER = (
    "<tr><th>연번</th><th>요구사항</th><th>조치결과</th><th>처리기한</th><th>추진상황</th></tr>"
)


def with_due(due: str) -> str:
    cells = f"<tr><td>1</td><td>청년</td><td>○ 조치</td><td>{due}</td><td>추진중</td></tr>"
    return page(table(cells, header=DUE_HEADER))


@pytest.mark.parametrize("due", ["추후 결정", "수시", "'19.12월~", "2019. 2. 30."])
def test_due_date_that_names_no_day_to_be_due_by_is_left_empty_with_a_warning(due: str) -> None:
    text = with_due(due)
    report = parse(text)
    found = row(report, REC, 1)
    assert (found.due_date, found.due_date_as_written) == (None, None)
    assert codes(report) == [(line_of(text, "청년"), "DUE_DATE_NOT_READ")]
    assert due in report.problems[0].message_ko


@pytest.mark.parametrize(
    ("due", "precision", "day"),
    [
        ("'18.12월", Precision.MONTH, date(2018, 12, 31)),  # due by the end of the month
        ("2018.12.31.", Precision.DAY, date(2018, 12, 31)),
        ("'18년 하반기", Precision.HALF_YEAR, date(2018, 12, 31)),
        ("'18.12~'19.2월", Precision.RANGE, date(2019, 2, 28)),
        ("~'18.12월", Precision.OPEN_ENDED, date(2018, 12, 31)),
        ("2019. 3. 31.(예정)", Precision.DAY, date(2019, 3, 31)),
        ("2019-03-31", Precision.DAY, date(2019, 3, 31)),
    ],
)
def test_due_date_keeps_its_raw_text_and_precision_and_is_due_by_its_last_day(
    due: str, precision: Precision, day: date
) -> None:
    report = parse(with_due(due))
    assert report.problems == ()
    found = row(report, REC, 1)
    assert found.due_date == day
    written = found.due_date_as_written
    assert written is not None
    assert (written.raw, written.precision, written.deadline) == (due, precision, day)


def test_word_conditional_comments_and_scripts_are_ignored() -> None:
    text = page(
        "<script>document.write('<table><tr><td>요구사항</td><td>조치결과</td></tr></table>')</script>",
        "<!--[if gte mso 9]><xml>건의사항</xml><![endif]-->",
        table(ROW_1.replace("<td>완료", "<td><![if !supportLists]>완료<![endif]>")),
    )
    report = parse(text)
    assert report.problems == () and row(report, REC, 1).status is DONE


def test_malformed_marked_section_does_not_raise() -> None:
    report = parse(page("<![foo[ x ]]>", table(ROW_1)))
    assert len(report.rows) == 1


# --- robustness: no exception, every problem names a line -------------------------------------


def physical_lines(data: bytes) -> int:
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").count(b"\n") + 1


def assert_well_formed(data: bytes) -> ParsedReport:
    report = parse_html_report(data, source_name="fuzz.html")
    last = physical_lines(data)
    for problem in report.problems:
        assert isinstance(problem, Problem)
        assert isinstance(problem.line, int) and 1 <= problem.line <= last, problem
    if report.has_errors:
        assert report.rows == ()
    for found in report.rows:
        assert 1 <= found.line <= last and found.status_raw and found.request
    text = data.decode("utf-8", "replace")
    assert isinstance(looks_like_html_report(text), bool)
    return report


TAG = re.compile(rb"<[^<>]*>")


@st.composite
def mutated_fixture(draw: st.DrawFn) -> bytes:
    data = fixture_bytes(draw(st.sampled_from(ALL_FIXTURES)))
    for _ in range(draw(st.integers(1, 4))):
        operation = draw(st.sampled_from(["delete", "duplicate", "cut", "untag", "splice"]))
        lines = data.split(b"\n")
        at = draw(st.integers(0, max(len(lines) - 1, 0)))
        if operation == "delete":
            count = draw(st.integers(1, 5))
            data = b"\n".join(lines[:at] + lines[at + count :])
        elif operation == "duplicate":
            count = draw(st.integers(1, 5))
            data = b"\n".join(lines[: at + count] + lines[at : at + count] + lines[at + count :])
        elif operation == "cut":
            data = data[: draw(st.integers(0, len(data)))]
        elif operation == "untag":
            tags = list(TAG.finditer(data))
            chosen = draw(st.sets(st.integers(0, max(len(tags) - 1, 0)), max_size=20))
            for index in sorted(chosen, reverse=True):
                if index < len(tags):
                    data = data[: tags[index].start()] + data[tags[index].end() :]
        else:
            offset = draw(st.integers(0, len(data)))
            data = data[:offset] + draw(st.binary(max_size=20)) + data[offset:]
    return data


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_fixture())
def test_fuzz_mutated_fixtures(data: bytes) -> None:
    assert_well_formed(data)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2000))
def test_fuzz_random_bytes(data: bytes) -> None:
    assert_well_formed(data)


HTML_ALPHABET = st.sampled_from(
    [
        *("<", ">", "/", "!", "-", "[", "]", "=", '"', "'", "&", ";", "\n", "\r", " ", "\t"),
        *("table", "tr", "td", "th", "caption", "br", "p", "colspan=3", "rowspan=2", "<!--"),
        *("연번", "요구사항", "조치결과", "추진상황", "비고", "담당부서", "건의사항", "기타", "총"),
        *("완료", "추진", "불가", "중", "○", "1", "2", "7건", "(", ")", ":", "2018.", "년", "의회"),
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(HTML_ALPHABET, max_size=300).map("".join))
def test_fuzz_html_like_text(text: str) -> None:
    assert_well_formed(text.encode("utf-8"))


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=1000))
def test_fuzz_random_text(text: str) -> None:
    assert_well_formed(text.encode("utf-8", "surrogatepass"))


@pytest.mark.parametrize(
    "piece",
    [
        "<!--",
        '<a b="x" ',
        "<a\n",
        "<![x[",
        "<table>",
        "<tr><td colspan=64 rowspan=1000>x",
        "사회적<br>",
        "<p>건의사항 7건 (완료 1)</p>",
        "제1회",
        tr("1", "청년", "○ 조치", "완료"),
    ],
)
def test_long_malformed_input_takes_linear_time(piece: str) -> None:
    data = (piece * 20_000).encode("utf-8")
    started = time.perf_counter()
    assert_well_formed(data)
    assert time.perf_counter() - started < 5.0
