"""Date cells in every layout, read with the domain's parser."""

from __future__ import annotations

from datetime import date

import pytest

from domain.dates import Precision
from infrastructure.parsers.date_cells import read_date_cell


@pytest.mark.parametrize(
    ("raw", "day"),
    [
        ("2018.12.31.", date(2018, 12, 31)),
        ("2018. 12. 31", date(2018, 12, 31)),
        ("2018-12-31", date(2018, 12, 31)),
        ("2018 - 12 - 31", date(2018, 12, 31)),
        ("2018/12/31", date(2018, 12, 31)),
        ("'18.12.31.", date(2018, 12, 31)),
        ("2018년 12월 31일", date(2018, 12, 31)),
    ],
)
def test_a_day(raw: str, day: date) -> None:
    cell = read_date_cell(raw)
    assert (cell.day, cell.deadline, cell.first_day, cell.impossible) == (day, day, day, False)
    assert cell.when is not None and cell.when.raw == raw


def test_a_period_is_due_by_its_last_day_and_names_no_single_day() -> None:
    cell = read_date_cell("'18.12월")
    assert cell.when is not None and cell.when.precision is Precision.MONTH
    assert (cell.day, cell.deadline, cell.first_day) == (None, date(2018, 12, 31), None)


def test_a_range_of_days_starts_on_its_first() -> None:
    cell = read_date_cell("2018. 11. 12. ~ 11. 20.")
    assert (cell.first_day, cell.deadline) == (date(2018, 11, 12), date(2018, 11, 20))


@pytest.mark.parametrize("raw", ["2018-02-30", "2018.02.30.", "2018/13/01", "'19.13월"])
def test_an_impossible_date(raw: str) -> None:
    cell = read_date_cell(raw)
    assert cell.impossible and cell.when is None and cell.deadline is None


def test_a_date_among_other_words_only_when_searched() -> None:
    raw = "2019. 3. 31.(예정)"
    assert read_date_cell(raw).when is None
    cell = read_date_cell(raw, search=True)
    assert cell.deadline == date(2019, 3, 31)
    assert cell.when is not None and cell.when.raw == raw  # the whole cell, as written


@pytest.mark.parametrize("raw", ["", "미정", "내년 상반기", "43404", "청년정책과"])
def test_no_date(raw: str) -> None:
    cell = read_date_cell(raw, search=True)
    assert (cell.when, cell.impossible) == (None, False)
