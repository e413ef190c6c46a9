"""The Korean business-day calendar (the `holidays` package's KR calendar)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _holidays_of(year: int) -> frozenset[date]:
    # Includes substitute holidays, temporary holidays and election days.
    return frozenset(holidays.country_holidays("KR", years=year))


class KoreanBusinessCalendar:
    """Weekends and Korean public holidays are not business days."""

    def is_business_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in _holidays_of(day.year)

    def add_business_days(self, day: date, count: int) -> date:
        step = 1 if count >= 0 else -1
        remaining = abs(count)
        while remaining:
            day += timedelta(days=step)
            if self.is_business_day(day):
                remaining -= 1
        return day

    def business_days_after(self, start: date, end: date) -> int:
        if end <= start:
            return 0
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_business_day(day)
        return count
