"""Every supported layout imports into the right 처리결과 총괄, on both databases."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from application.access import Principal
from application.importing import ImportOptions
from application.report import Severity
from infrastructure.bootstrap import Runtime
from infrastructure.exports.template import write_template
from infrastructure.parsers import parse_document
from tests.conftest import ROOT, SEED, FixedClock

HTML = ROOT / "tests" / "fixtures" / "html"
SYSTEM = Principal.system()


def counts(runtime: Runtime) -> dict[str, tuple[int, ...]]:
    rows = runtime.services.queries.summary().rows
    return {
        kind: (c["total"], c["completed"], c["in_progress"], c["under_review"], c["not_adopted"])
        for kind, c in rows.items()
    }


@pytest.mark.parametrize(
    ("fixture", "expected", "warnings"),
    [
        (
            "district_council_summary_ok.html",
            {
                "total": (11, 7, 2, 1, 1),
                "corrective": (5, 3, 1, 1, 0),
                "recommendation": (4, 2, 1, 0, 1),
                "other": (2, 2, 0, 0, 0),
            },
            set(),
        ),
        (
            "city_committee_summary_mismatch.html",
            {
                "total": (10, 5, 5, 0, 0),
                "corrective": (4, 2, 2, 0, 0),
                "recommendation": (6, 3, 3, 0, 0),
                "other": (0, 0, 0, 0, 0),
            },
            {"COUNT_MISMATCH"},
        ),
        (
            "corporation_statuses.html",
            {
                "total": (8, 3, 1, 2, 2),
                "corrective": (4, 1, 1, 1, 1),
                "recommendation": (3, 1, 0, 1, 1),
                "other": (1, 1, 0, 0, 0),
            },
            set(),
        ),
        (
            "cp949_report.html",
            {
                "total": (5, 3, 1, 1, 0),
                "corrective": (3, 1, 1, 1, 0),
                "recommendation": (2, 2, 0, 0, 0),
                "other": (0, 0, 0, 0, 0),
            },
            set(),
        ),
    ],
)
def test_html_reports_import_into_the_right_summary(
    runtime: Runtime, fixture: str, expected: dict[str, tuple[int, ...]], warnings: set[str]
) -> None:
    parsed = parse_document((HTML / fixture).read_bytes())
    assert parsed.format == "html_tables"
    outcome = runtime.services.importer.run(SYSTEM, parsed, ImportOptions())
    assert outcome.committed, outcome.problems
    assert {p.code for p in outcome.problems} == warnings
    assert all(p.severity is Severity.WARNING for p in outcome.problems)
    assert counts(runtime) == expected
    (audit,) = runtime.services.queries.list_audits()
    assert (audit.council, audit.committee) == (parsed.metadata.council, parsed.metadata.committee)
    # Without a department per row, the audited body is responsible.
    if all(r.department is None for r in parsed.rows):
        departments = {f.department for f in runtime.services.queries.list_findings()}
        assert departments == {parsed.metadata.audited_body}
    again = runtime.services.importer.run(
        SYSTEM, parse_document((HTML / fixture).read_bytes()), ImportOptions()
    )
    assert (again.created, again.changed, again.events) == (0, 0, 0)


def fill_template(path: Path) -> None:
    write_template(path)
    book = load_workbook(path)
    meta = book["감사정보"]
    values = {
        "council": "한빛시의회",
        "committee": "기획경제위원회",
        "audited_body": "한빛시 경제정책실",
        "year": 2019,
        "report_date": date(2020, 2, 14),
    }
    for row in meta.iter_rows(min_row=2):
        key = str(row[0].value)
        for identifier, value in values.items():
            if f"({identifier})" in key:
                row[1].value = value
    sheet = book["지적사항"]
    rows = [
        (
            "시정·처리요구사항",
            1,
            "청년 일자리 통계를 분리할 것",
            "일자리정책과",
            "추진완료",
            "○ 통계 분리 완료",
            None,
            None,
            None,
            date(2020, 3, 31),
        ),
        (
            "시정·처리요구사항",
            2,
            "노동권익센터 인력 보강",
            "노동정책과",
            "추진중",
            "○ 채용 공고",
            "○ 채용 완료 : '20.4월",
            None,
            "이OO 의원",
            None,
        ),
        (
            "건의사항",
            1,
            "사회적경제 기업 판로 지원",
            None,
            "추진 불가",
            "○ 예산 미확보",
            None,
            "예산 미확보",
            None,
            None,
        ),
        (
            "기타",
            1,
            "위탁기관 예산현황 자료",
            "사회적경제과",
            "완료",
            "- 자료 제출 완료 (2019.11.09.)",
            None,
            None,
            None,
            None,
        ),
    ]
    for values_row in rows:
        sheet.append(list(values_row))
    book.save(path)


@pytest.fixture(autouse=True)
def _today_after_the_documents(clock: FixedClock) -> None:
    """The documents here are dated up to 2020; an import's date is never in the future."""
    clock.set_date(date(2020, 12, 31))


def test_a_filled_template_imports_with_due_dates_and_milestones(
    runtime: Runtime, tmp_path: Path
) -> None:
    path = tmp_path / "filled.xlsx"
    fill_template(path)
    parsed = parse_document(path.read_bytes())
    assert parsed.format == "template_xlsx" and not parsed.problems
    outcome = runtime.services.importer.run(SYSTEM, parsed, ImportOptions())
    assert outcome.committed and outcome.created == 4
    assert counts(runtime)["total"] == (4, 2, 1, 0, 1)
    findings = {(f.kind.value, f.seq): f for f in runtime.services.queries.list_findings()}
    assert findings[("corrective", 1)].due_date == date(2020, 3, 31)
    # No department on the row: the audited body is responsible.
    assert findings[("recommendation", 1)].department == "한빛시 경제정책실"
    second = runtime.tracker.find_finding(findings[("corrective", 2)].finding_id)
    assert second is not None
    assert second.raised_by == "이OO 의원"
    assert [m.when.deadline for m in second.milestones] == [date(2020, 4, 30)]


def test_missing_metadata_is_asked_for_by_option_name(runtime: Runtime) -> None:
    html = (HTML / "district_council_summary_ok.html").read_text(encoding="utf-8")
    html = html.replace("행정복지위원회", "").replace("감사기관", "기관")
    parsed = parse_document(html.encode())
    if parsed.metadata.committee is not None:
        pytest.fail(f"fixture edit did not remove the committee: {parsed.metadata}")
    outcome = runtime.services.importer.run(SYSTEM, parsed, ImportOptions())
    assert not outcome.committed
    missing = [p for p in outcome.problems if p.code == "METADATA_MISSING"]
    assert any("--committee" in p.message_ko and "--committee" in p.message_en for p in missing)
    assert runtime.services.queries.list_audits() == []
    given_option = runtime.services.importer.run(
        SYSTEM, parsed, ImportOptions(committee="행정복지위원회")
    )
    assert given_option.committed


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "EMPTY_DOCUMENT"),
        (b"\x00\x01\x02binary\xff", "BINARY_DOCUMENT"),
        ("<html><body><p>행정사무감사 처리결과 없음</p></body></html>".encode(), "UNKNOWN_FORMAT"),
        (b"PK\x03\x04 not really a workbook", "NOT_A_WORKBOOK"),
    ],
)
def test_documents_that_are_not_reports_write_nothing(
    runtime: Runtime, data: bytes, code: str
) -> None:
    outcome = runtime.services.importer.run(
        SYSTEM,
        parse_document(data),
        ImportOptions(committee="c", audited_body="b", year=2018, report_date=date(2019, 1, 1)),
    )
    assert [p.code for p in outcome.problems if p.severity is Severity.ERROR] == [code]
    assert all(isinstance(p.line, int) for p in outcome.problems)
    assert runtime.tracker.recorder.max_notification_id() is None


def test_duplicate_sequence_and_absurd_due_date_in_a_csv_template(
    runtime: Runtime, tmp_path: Path
) -> None:
    path = tmp_path / "t.csv"
    write_template(path)
    text = path.read_text(encoding="utf-8-sig").replace(
        "# 위원회 (committee): ", "# 위원회 (committee): 기획경제위원회"
    )
    text += "건의사항,1,요구 하나,노동정책과,추진중,내용,,,,\r\n"
    text += "건의사항,1,요구 둘,노동정책과,완료,내용,,,,\r\n"
    text += "건의사항,2,요구 셋,노동정책과,완료,내용,,,,2019-02-30\r\n"
    parsed = parse_document(text.encode("utf-8"))
    codes = {(p.code, p.line) for p in parsed.problems if p.severity is Severity.ERROR}
    assert {c for c, _ in codes} >= {"DUPLICATE_SEQUENCE", "INVALID_DATE"}
    assert all(isinstance(line, int) and line > 1 for _, line in codes)
    outcome = runtime.services.importer.run(
        SYSTEM,
        parsed,
        ImportOptions(audited_body="b", year=2018, report_date=date(2019, 1, 1)),
    )
    assert not outcome.committed and runtime.services.queries.list_audits() == []


# -- fuzz: mutated copies of every layout -----------------------------------------

_SAMPLES = [SEED.read_bytes()[-30_000:], *(p.read_bytes() for p in sorted(HTML.glob("*.html")))]


def _mutate(data: bytes, seed: int) -> bytes:
    rng = random.Random(seed)
    lines = data.split(b"\n")
    for _ in range(rng.randint(1, 6)):
        op = rng.choice(["drop", "dup", "cut", "swap", "strip"])
        i = rng.randrange(len(lines))
        if op == "drop" and len(lines) > 1:
            del lines[i]
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "cut":
            lines[i] = lines[i][: rng.randrange(len(lines[i]) + 1)]
        elif op == "swap":
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        else:
            lines[i] = lines[i].replace(b"<", b"").replace(b"\t", b" ")
    return b"\n".join(lines)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sample=st.sampled_from(range(len(_SAMPLES))), seed=st.integers(0, 2**32))
def test_mutated_documents_never_crash_and_every_refusal_names_a_line(
    sample: int, seed: int
) -> None:
    parsed = parse_document(_mutate(_SAMPLES[sample], seed))
    for problem in parsed.problems:
        if problem.severity is Severity.ERROR:
            assert isinstance(problem.line, int) and problem.line >= 1
    if parsed.has_errors:
        assert parsed.rows == ()
    assert (
        Counter((r.kind, r.seq) for r in parsed.rows).most_common(1)[0][1] == 1
        if parsed.rows
        else True
    )
