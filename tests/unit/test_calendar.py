"""Korean business days: weekends, 설날/추석 with substitutes, temporary and election holidays."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infrastructure.calendar import KoreanBusinessCalendar

CAL = KoreanBusinessCalendar()


@pytest.mark.parametrize(
    ("day", "business"),
    [
        (date(2018, 11, 15), True),  # Thursday
        (date(2018, 11, 17), False),  # Saturday
        (date(2018, 11, 18), False),  # Sunday
        (date(2018, 9, 23), False),  # 추석 연휴 (Sunday anyway)
        (date(2018, 9, 24), False),  # 추석
        (date(2018, 9, 25), False),  # 추석 다음날
        (date(2018, 9, 26), False),  # 대체공휴일 (substitute for 9-23)
        (date(2018, 9, 27), True),
        (date(2017, 10, 2), False),  # 임시공휴일
        (date(2017, 10, 6), False),  # 추석 대체공휴일
        (date(2018, 6, 13), False),  # 지방선거일
        (date(2018, 2, 15), False),  # 설날 연휴
        (date(2018, 2, 16), False),  # 설날
        (date(2018, 2, 17), False),  # 설날 연휴 (Saturday)
        (date(2018, 2, 19), True),
        (date(2018, 12, 25), False),  # 성탄절
        (date(2018, 12, 31), True),
        (date(2019, 1, 1), False),  # 신정
        (date(2019, 1, 2), True),
        (date(2024, 4, 10), False),  # 국회의원 선거일
    ],
)
def test_business_days(day: date, business: bool) -> None:
    assert CAL.is_business_day(day) is business


def test_adding_business_days_skips_chuseok_and_its_substitute() -> None:
    assert CAL.add_business_days(date(2018, 9, 21), 1) == date(2018, 9, 27)
    assert CAL.add_business_days(date(2018, 9, 27), -1) == date(2018, 9, 21)
    assert CAL.add_business_days(date(2018, 11, 15), 0) == date(2018, 11, 15)


def test_counting_across_the_year_boundary() -> None:
    # 12-31 (Mon) and 1-2 (Wed) are business days; 1-1 is 신정.
    assert CAL.business_days_after(date(2018, 12, 28), date(2019, 1, 2)) == 2
    assert CAL.add_business_days(date(2018, 12, 28), 2) == date(2019, 1, 2)
    assert CAL.business_days_after(date(2019, 1, 2), date(2018, 12, 28)) == 0


def test_counting_over_the_2017_october_holidays() -> None:
    # 9-29 (Fri) → 10-10 (Tue): 10-2 temporary, 10-3 개천절, 10-4..6 추석 + substitute,
    # 10-9 한글날: only 10-10 is a business day.
    assert CAL.business_days_after(date(2017, 9, 29), date(2017, 10, 10)) == 1


@given(
    st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31)),
    st.integers(min_value=-400, max_value=3000),
)
def test_counting_business_days_agrees_with_walking_them(start: date, span: int) -> None:
    calendar = KoreanBusinessCalendar()
    end = start + timedelta(days=span)
    walked, day = 0, start
    while day < end:
        day += timedelta(days=1)
        walked += calendar.is_business_day(day)
    assert calendar.business_days_after(start, end) == walked
