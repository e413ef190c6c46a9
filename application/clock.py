"""The real clock: UTC instants, Asia/Seoul calendar dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

SEOUL = timezone(timedelta(hours=9), "Asia/Seoul")  # no DST in Korea since 1988


class UtcClock:
    def now(self) -> datetime:
        return datetime.now(tz=UTC)

    def today(self) -> date:
        return self.now().astimezone(SEOUL).date()
