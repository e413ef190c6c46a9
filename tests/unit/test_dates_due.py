"""try_parse_korean_date: parse_korean_date for a cell that may hold no date at all."""

from __future__ import annotations

from datetime import date

import pytest

from domain.dates import KoreanDateError, Precision, parse_korean_date, try_parse_korean_date


@pytest.mark.parametrize(
    ("text", "precision", "deadline"),
    [
        ("'18.12월", Precision.MONTH, date(2018, 12, 31)),
        ("2018.12.31.", Precision.DAY, date(2018, 12, 31)),
        ("'18년 하반기", Precision.HALF_YEAR, date(2018, 12, 31)),
        ("(2019. 2. 28. 현재)", Precision.DAY, date(2019, 2, 28)),
        ("수시", Precision.CADENCE, None),
    ],
)
def test_a_date_reads_as_parse_korean_date_reads_it(
    text: str, precision: Precision, deadline: date | None
) -> None:
    found = try_parse_korean_date(text)
    assert found == parse_korean_date(text)
    assert found is not None and (found.precision, found.deadline) == (precision, deadline)


@pytest.mark.parametrize(
    "text", ["", "미정", "추후 결정", "3월", "2019. 3. 31.(예정)", "청년정책과"]
)
def test_no_date_expression_or_no_year_is_none(text: str) -> None:
    assert try_parse_korean_date(text) is None


def test_a_missing_year_comes_from_the_reference() -> None:
    found = try_parse_korean_date("3월", reference=date(2019, 1, 1))
    assert found is not None and found.deadline == date(2019, 3, 31)


@pytest.mark.parametrize(
    "text", ["2018. 11. 31.", "2019. 2. 30.", "'19.13월", "2018. 11. 31. ~ 12. 5.", "1985.1.1."]
)
def test_a_dated_expression_that_cannot_exist_raises(text: str) -> None:
    with pytest.raises(KoreanDateError):
        try_parse_korean_date(text)


def test_a_year_less_impossible_date_with_a_reference_raises() -> None:
    with pytest.raises(KoreanDateError):
        try_parse_korean_date("2월 30일", reference=date(2019, 1, 1))
