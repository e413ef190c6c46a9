"""The real clock: UTC instants, Asia/Seoul calendar dates."""

from __future__ import annotations

from datetime import UTC, date, datetime

from domain.values import SEOUL, seoul_date

__all__ = ["SEOUL", "UtcClock"]


class UtcClock:
    def now(self) -> datetime:
        return datetime.now(tz=UTC)

    def today(self) -> date:
        return seoul_date(self.now())
