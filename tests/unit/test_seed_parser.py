"""The seed report's section V against the reference items (SPEC §6)."""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections import Counter
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from application.report import ParsedReport, ReportRow, Severity
from domain.vocabulary import STATUS_LABELS, FindingKind, Status
from infrastructure.parsers.seed_text import (
    FORMAT,
    looks_like_seed_report,
    parse_seed_report,
)

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "demo" / "seed_2018_business_report.txt"
REFERENCE = ROOT / "tests" / "fixtures" / "items_2017_audit.json"

KINDS = {
    "시정·처리요구사항": FindingKind.CORRECTIVE,
    "건의사항": FindingKind.RECOMMENDATION,
    "기타": FindingKind.OTHER,
}
SECTION_LINES = range(1527, 1646)  # the 2017 section runs to the file's last line


@cache
def seed_bytes() -> bytes:
    return SEED.read_bytes()


@cache
def seed_text() -> str:
    return seed_bytes().decode("utf-8")


@cache
def parsed_seed() -> ParsedReport:
    return parse_seed_report(seed_bytes(), source_name=SEED.name)


def reference_items() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = json.loads(REFERENCE.read_text(encoding="utf-8"))
    return items


def row_at(report: ParsedReport, line: int) -> ReportRow:
    rows = [row for row in report.rows if row.line == line]
    assert len(rows) == 1, f"expected one row from line {line}, found {len(rows)}"
    return rows[0]


def collapse(text: str | None) -> str | None:
    return None if text is None else re.sub(r"\s+", " ", text).strip()


def with_line(line: int, old: str, new: str) -> bytes:
    """The seed with one replacement made in one physical line."""
    lines = seed_text().split("\n")
    assert old in lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    return "\n".join(lines).encode("utf-8")


def errors(report: ParsedReport) -> list[tuple[int | None, str]]:
    return [(p.line, p.code) for p in report.problems if p.severity is Severity.ERROR]


# --- the seed -----------------------------------------------------------------------


def test_seed_parses_without_problems() -> None:
    report = parsed_seed()
    assert report.format == FORMAT
    assert report.encoding == "utf-8"
    assert report.problems == ()
    assert len(report.rows) == 56


@pytest.mark.parametrize(
    "item",
    reference_items(),
    ids=lambda item: f"{item['category']}-{item['seq']}-line{item['source_line']}",
)
def test_row_matches_reference(item: dict[str, Any]) -> None:
    row = row_at(parsed_seed(), item["source_line"])
    assert row.kind is KINDS[item["category"]]
    assert row.seq == item["seq"]
    assert row.department == item["department"]
    assert row.request == item["request"]
    assert row.status_raw == item["status_raw"]
    assert STATUS_LABELS[row.status] == item["status"]
    assert collapse(row.actions) == collapse(item["actions"])
    assert collapse(row.plans) == collapse(item["plans"])
    assert row.delay_reason is None  # 부진사유 does not occur in section V
    assert row.raised_by is None  # no row names its member as requester


def test_rows_are_exactly_the_reference_rows_in_order() -> None:
    report = parsed_seed()
    expected = [(KINDS[i["category"]], i["seq"], i["source_line"]) for i in reference_items()]
    assert [(r.kind, r.seq, r.line) for r in report.rows] == expected
    # The flattened copies of the line-1600 table and the 총괄 rows are not rows.
    assert not {1543, 1544, 1545, 1546, 1547, 1601, 1602} & {r.line for r in report.rows}


def test_embedded_table_is_rendered_inline() -> None:
    actions = row_at(parsed_seed(), 1600).actions
    assert actions is not None
    table = "[표: 총계 | 동부 | 중부 | 북부 | 남부 / 39건 | 3건 | 22건 | 8건 | 6건]"
    assert f"  ※ 2017년 신청현황 {table}\n○ 입학식" in actions


def test_a_cells_list_structure_is_kept_as_lines() -> None:
    """○ items, their "-" parts and "※" notes each on a line, as the report lays them out
    (the page and the exports show the same lines)."""
    row = next(r for r in parsed_seed().rows if r.actions)
    assert row.actions is not None and row.plans is not None
    lines = row.actions.splitlines()
    assert lines[0].startswith("○ 재정지원사업") and lines[1].startswith("  - 공인회계사")
    assert any(line.startswith("  ※ 사업계획의 적정성") for line in lines)
    assert lines[-1].startswith("○ '18년 재정지원사업 서면·대면심사")  # "·" inside a word stays
    assert row.plans.splitlines()[1].startswith("○ 참여기업에 대한")


def test_metadata_comes_from_the_front_page_and_the_section_heading() -> None:
    metadata = parsed_seed().metadata
    assert metadata.year == 2017
    assert metadata.committee == "기획경제위원회"
    assert metadata.audited_body == "일자리노동정책관"
    assert metadata.report_date == date(2018, 11, 15)
    assert metadata.session == "제284회 시의회 정례회"
    assert metadata.council is None  # "시의회" names no council
    assert metadata.audit_date is None


def test_declared_counts_are_read_from_the_summary_table() -> None:
    # One 완료 row fewer of each kind: every kind's declared counts are compared.
    lines = seed_text().split("\n")
    for line in (1644, 1599, 1551):  # a 기타, a 건의사항, a 시정·처리요구사항 row
        del lines[line - 1]
    report = parse_seed_report("\n".join(lines).encode("utf-8"))
    assert [(p.line, p.message_ko) for p in report.problems if p.code == "COUNT_MISMATCH"] == [
        (
            1545,
            "시정·처리요구사항: 처리결과 총괄은 25건 (완료 24, 추진중 1)인데 "
            "찾은 행은 24건 (완료 23, 추진중 1)입니다.",
        ),
        (
            1546,
            "건의사항: 처리결과 총괄은 8건 (완료 7, 추진중 1)인데 "
            "찾은 행은 7건 (완료 6, 추진중 1)입니다.",
        ),
        (
            1547,
            "기타(자료제출 등): 처리결과 총괄은 23건 (완료 23)인데 찾은 행은 22건 (완료 22)입니다.",
        ),
    ]  # "-" is none: no 검토중 or 미반영 is declared


def test_rows_found_match_the_declared_counts() -> None:
    report = parsed_seed()
    found = Counter((r.kind, r.status) for r in report.rows)
    assert found == {
        (FindingKind.CORRECTIVE, Status.COMPLETED): 24,
        (FindingKind.CORRECTIVE, Status.IN_PROGRESS): 1,
        (FindingKind.RECOMMENDATION, Status.COMPLETED): 7,
        (FindingKind.RECOMMENDATION, Status.IN_PROGRESS): 1,
        (FindingKind.OTHER, Status.COMPLETED): 23,
    }
    assert "COUNT_MISMATCH" not in {p.code for p in report.problems}


def test_last_line_without_newline_is_read() -> None:
    data = seed_bytes()
    assert not data.endswith(b"\n")
    assert data.count(b"\n") + 1 == SECTION_LINES[-1]
    last = parsed_seed().rows[-1]
    assert (last.line, last.kind, last.seq) == (1645, FindingKind.OTHER, 23)
    assert last.request == "사회성과보상사업 관련 2호 추진현황"


def test_trailing_newline_and_crlf_change_nothing() -> None:
    for data in (seed_bytes() + b"\n", seed_bytes().replace(b"\n", b"\r\n")):
        report = parse_seed_report(data)
        assert report.rows == parsed_seed().rows
        assert report.problems == ()


def test_cp949_copy_parses_identically(tmp_path: Path) -> None:
    # Only "•" (outside section V) has no CP949 code; "·" stands in for it.
    copy = tmp_path / "seed_cp949.txt"
    copy.write_bytes(seed_text().replace("•", "·").encode("cp949"))
    report = parse_seed_report(copy.read_bytes())
    assert report.encoding == "cp949"
    assert report.rows == parsed_seed().rows
    assert report.metadata == parsed_seed().metadata
    assert report.problems == ()


def test_utf8_bom_is_stripped() -> None:
    report = parse_seed_report(b"\xef\xbb\xbf" + seed_bytes())
    assert report.rows == parsed_seed().rows
    assert report.encoding == "utf-8-sig"


def test_document_hash_is_sha256_of_the_raw_bytes() -> None:
    assert parsed_seed().document_hash == hashlib.sha256(seed_bytes()).hexdigest()


def test_seed_is_recognised_by_its_content() -> None:
    assert looks_like_seed_report(seed_text())
    assert not looks_like_seed_report("V. 2018년 예산 집행현황\n연번\t사업개요\n")
    assert not looks_like_seed_report("")


# --- bad input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "code", "line"),
    [
        pytest.param(b"", "EMPTY_DOCUMENT", 1, id="empty"),
        pytest.param(b" \n\n", "EMPTY_DOCUMENT", 1, id="blank"),
        pytest.param(b"PK\x03\x04\n\x00\x01", "BINARY_DOCUMENT", 2, id="binary"),
        pytest.param(b"ok\n\xff\xfe\xfd\xff", "NOT_UTF8_OR_CP949", 2, id="undecodable"),
        pytest.param(
            "기획경제위원회\n\nI. 일반현황\n".encode(),
            "SECTION_NOT_FOUND",
            1,
            id="no-section",
        ),
    ],
)
def test_unreadable_documents_give_an_error_and_no_rows(data: bytes, code: str, line: int) -> None:
    report = parse_seed_report(data)
    assert errors(report) == [(line, code)]
    assert len(report.problems) == 1
    assert report.rows == ()


def test_unknown_status_names_its_line() -> None:
    data = seed_text().replace("추진완료", "완료됨", 1).encode("utf-8")
    report = parse_seed_report(data)
    assert errors(report) == [(1551, "UNKNOWN_STATUS")]
    [problem] = report.problems  # the 총괄 count still holds: the row is there
    assert "완료됨" in problem.message_ko
    assert "완료됨" in problem.message_en
    assert report.rows == ()


def test_row_without_department_is_an_error() -> None:
    report = parse_seed_report(with_line(1550, " (사회적경제담당관)</p>", "</p>"))
    assert errors(report) == [(1550, "MISSING_DEPARTMENT")]
    assert report.rows == ()


def test_row_without_status_is_an_error() -> None:
    report = parse_seed_report(with_line(1620, "추진상황 : 완료", ""))
    assert errors(report) == [(1620, "MISSING_STATUS")]
    assert report.rows == ()


@pytest.mark.parametrize("line", [1599, 1645])
def test_truncated_row_without_tab_is_an_error(line: int) -> None:
    lines = seed_text().split("\n")
    lines[line - 1] = lines[line - 1].split("\t")[0]
    report = parse_seed_report("\n".join(lines).encode("utf-8"))
    assert errors(report) == [(line, "BROKEN_ROW")]
    assert report.rows == ()


def test_dropped_row_gives_a_count_mismatch_warning() -> None:
    lines = seed_text().split("\n")
    del lines[1644 - 1]  # a 기타 row
    report = parse_seed_report("\n".join(lines).encode("utf-8"))
    assert not report.has_errors
    assert len(report.rows) == 55
    [mismatch] = report.problems
    assert mismatch.code == "COUNT_MISMATCH"
    assert mismatch.severity is Severity.WARNING
    assert mismatch.line == 1547  # the 기타 row of the 처리결과 총괄
    assert "23" in mismatch.message_ko and "22" in mismatch.message_ko


def test_text_cut_off_by_a_stray_tab_is_a_warning() -> None:
    report = parse_seed_report(with_line(1619, " - 자료 제출", "\t- 자료 제출"))
    assert [(p.line, p.code, p.severity) for p in report.problems] == [
        (1619, "EXTRA_CELLS", Severity.WARNING)
    ]
    assert row_at(report, 1619).actions is None


def test_summary_total_that_is_not_the_sum_of_its_statuses_is_a_warning() -> None:
    report = parse_seed_report(with_line(1545, "\t25\t", "\t26\t"))
    assert [(p.line, p.code, p.severity) for p in report.problems] == [
        (1545, "SUMMARY_INCONSISTENT", Severity.WARNING)
    ]
    assert len(report.rows) == 56


def test_every_problem_has_korean_and_english_messages() -> None:
    report = parse_seed_report(with_line(1550, " (사회적경제담당관)</p>", "</p>"))
    for problem in report.problems:
        assert re.search("[가-힣]", problem.message_ko)
        assert re.search("[A-Za-z]", problem.message_en)
        assert re.fullmatch("[A-Z][A-Z0-9_]*", problem.code)


# --- robustness ---------------------------------------------------------------------


def assert_well_formed(report: ParsedReport, data: bytes) -> None:
    physical_lines = data.count(b"\n") + 1
    for problem in report.problems:
        assert problem.line is not None
        assert 1 <= problem.line <= physical_lines
    if report.has_errors:
        assert report.rows == ()


@settings(max_examples=200, deadline=None)
@given(st.binary())
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    assert_well_formed(parse_seed_report(data), data)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_arbitrary_text_never_raises(text: str) -> None:
    data = text.encode("utf-8", errors="surrogatepass")
    assert_well_formed(parse_seed_report(data), data)
    looks_like_seed_report(text)


@cache
def seed_fragments() -> list[str]:
    lines = seed_text().split("\n")
    section = lines[SECTION_LINES[0] - 1 :]
    return [*section, *(part for line in section for part in line.split("\t"))]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(seed_fragments()),
            st.text(alphabet="○()<>/\t :-추진상황완료표p", max_size=30),
        ),
        max_size=30,
    )
)
def test_shuffled_seed_fragments_never_raise(parts: list[str]) -> None:
    text = "\n".join(["V. 2017년 행정사무감사 처리결과", *parts])
    data = text.encode("utf-8", errors="surrogatepass")
    assert_well_formed(parse_seed_report(data), data)


HEAD = "V. 2017년 행정사무감사 처리결과\n건의사항\t조치결과\n"
LONG = 200_000


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(HEAD + "○ a (b)\t추진상황 : 완료 <a" + "b" * LONG, id="open-tag"),
        pytest.param(HEAD + "○ a (b)\t<input " + "checkbox" * LONG, id="checkbox"),
        pytest.param(HEAD + "○ a (" + " " * LONG + "b\t추진상황 : 완료", id="bracket"),
        pytest.param("2018. 11. 15" + " " * LONG + "x\n" + HEAD, id="front-date"),
        pytest.param(HEAD + "○ a (b)\t추진상황 : 완료" + "<!--" * LONG, id="comments"),
    ],
)
def test_pathological_markup_is_read_in_linear_time(text: str) -> None:
    # A backtracking pattern would take minutes on these; linear scanning, milliseconds.
    started = time.perf_counter()
    data = text.encode("utf-8")
    assert_well_formed(parse_seed_report(data), data)
    assert time.perf_counter() - started < 5
