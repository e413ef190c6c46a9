"""The Korean business-day calendar (the `holidays` package's KR calendar)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _holidays_of(year: int) -> frozenset[date]:
    # Includes substitute holidays, temporary holidays and election days.
    return frozenset(holidays.country_holidays("KR", years=year))


@lru_cache(maxsize=256)
def _year_prefix(year: int) -> tuple[int, ...]:
    """``prefix[i]``: business days among the year's first ``i`` days (so a count over
    any span is two look-ups, not a walk over its days)."""
    first, counts, running = date(year, 1, 1), [0], 0
    day = first
    while day.year == year:
        running += day.weekday() < 5 and day not in _holidays_of(year)
        counts.append(running)
        day += timedelta(days=1)
    return tuple(counts)


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
        """Business days in (start, end]; O(years spanned): the overdue scan asks it
        for every open finding."""
        if end <= start:
            return 0
        total = 0
        for year in range(start.year, end.year + 1):
            prefix = _year_prefix(year)
            low = (start - date(year, 1, 1)).days + 1 if year == start.year else 0
            high = (end - date(year, 1, 1)).days + 1 if year == end.year else len(prefix) - 1
            total += prefix[high] - prefix[low]
        return total
