"""The parsers' one problem catalogue: every code they report is in it, bilingual."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from application.report import Severity
from domain.vocabulary import Status
from infrastructure.parsers.problems import (
    CATALOGUE,
    Say,
    describe_counts,
    document_problem,
    numbered_by_order,
    problem,
)

PARSERS = Path(__file__).resolve().parents[2] / "infrastructure" / "parsers"
# problem("CODE", …), or problem("CODE" if … else "OTHER", …).
USED = re.compile(r'problem\(\s*"([A-Z0-9_]+)"(?: if \w+ else "([A-Z0-9_]+)")?')


def used_codes() -> set[str]:
    codes = set()
    for path in PARSERS.glob("*.py"):
        for match in USED.finditer(path.read_text(encoding="utf-8")):
            codes |= {group for group in match.groups() if group}
    return codes


def fields(template: str) -> set[str]:
    return {name.split(".")[0] for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_code_a_parser_reports_is_in_the_catalogue() -> None:
    used = used_codes()
    assert len(used) > 40
    assert used <= set(CATALOGUE)
    assert set(CATALOGUE) - used == set()  # and the catalogue holds no dead entries


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_entries_are_bilingual_and_take_the_same_fields(code: str) -> None:
    entry = CATALOGUE[code]
    assert re.fullmatch("[A-Z][A-Z0-9_]*", code)
    assert re.search("[가-힣]", entry.ko) and re.search("[A-Za-z]", entry.en)
    assert fields(entry.ko) == fields(entry.en)


def test_a_raw_field_is_quoted_and_cut() -> None:
    found = problem("UNKNOWN_STATUS", 3, raw="완료" * 100)
    assert (found.line, found.severity, found.code) == (3, Severity.ERROR, "UNKNOWN_STATUS")
    assert "'" + "완료" * 29 + "완…'" in found.message_ko
    assert "완료" * 31 not in found.message_en


def test_a_document_problem_names_the_file() -> None:
    found = document_problem("EMPTY_DOCUMENT", 1, "보고.html")
    assert (found.message_ko, found.message_en) == (
        "보고.html: 빈 파일입니다.",
        "보고.html: The file is empty.",
    )
    assert document_problem("EMPTY_DOCUMENT", 1, "") == problem("EMPTY_DOCUMENT", 1)


def test_where_fields_read_in_each_language() -> None:
    where = Say("(추진상황 칸 없음)", ": no status column")
    found = problem("MISSING_STATUS", 7, where=where)
    assert (found.message_ko, found.message_en) == (
        "추진상황이 없습니다(추진상황 칸 없음).",
        "No status: no status column.",
    )


def test_a_sequence_problem_made_good_by_the_order_is_a_warning() -> None:
    found = numbered_by_order(problem("BAD_SEQUENCE", 4, raw="가"), 3)
    assert (found.severity, found.code) == (Severity.WARNING, "BAD_SEQUENCE")
    assert found.message_ko.endswith("구분 안의 순서 3을(를) 연번으로 씁니다.")
    assert found.message_en.endswith("Order 3 is used.")


def test_counts_are_described_in_the_summary_tables_order() -> None:
    counts = {Status.NOT_ADOPTED: 1, Status.COMPLETED: 4, Status.IN_PROGRESS: 0}
    assert describe_counts(5, counts) == Say(
        "5건 (완료 4, 미반영 1)", "5 (completed 4, not_adopted 1)"
    )
