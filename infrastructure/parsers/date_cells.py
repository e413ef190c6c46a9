"""Date cells, read with the domain's parser (``domain.dates``) in every layout.

A cell is one date expression ("'18.12월", "2018.12.31.", "(2019. 2. 28. 현재)"); a
cell of free text may also hold one among other words ("2019. 3. 31.(예정)"). The
numeric forms "2019-03-31" and "2019/3/31", which council documents do not use but
spreadsheets do, are read as "2019.03.31".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from domain.dates import KoreanDate, KoreanDateError, Precision, find_dates, try_parse_korean_date

_NUMERIC_DAY = re.compile(
    r"(?<![0-9])(?P<y>(?:19|20)[0-9]{2}|['‘’][0-9]{2})\s*(?P<sep>[-/])\s*(?P<m>[0-9]{1,2})"
    r"\s*(?P=sep)\s*(?P<d>[0-9]{1,2})(?![0-9])"
)


def _dotted(text: str) -> str:
    return _NUMERIC_DAY.sub(lambda m: f"{m['y']}.{m['m']}.{m['d']}", text)


@dataclass(frozen=True)
class DateCell:
    """What a cell says: its date (``raw`` is the whole cell), or that it names an
    impossible one ("2018. 11. 31."), or neither."""

    raw: str
    when: KoreanDate | None = None
    impossible: bool = False

    @property
    def day(self) -> date | None:
        """The calendar day the cell names, if it names one day."""
        when = self.when
        return when.start if when is not None and when.precision is Precision.DAY else None

    @property
    def deadline(self) -> date | None:
        """The last day the cell covers: "'18.12월" is due by 2018-12-31."""
        return self.when.deadline if self.when is not None else None

    @property
    def first_day(self) -> date | None:
        """The day a day or a period of days starts: a 감사기간 is named by its first."""
        when = self.when
        periods = (Precision.DAY, Precision.RANGE, Precision.OPEN_ENDED)
        return when.start if when is not None and when.precision in periods else None


def read_date_cell(raw: str, *, search: bool = False) -> DateCell:
    """The cell as one date expression; with ``search``, else the first one in it."""
    text = _dotted(raw)
    try:
        when = try_parse_korean_date(text)
    except KoreanDateError:
        return DateCell(raw, impossible=True)
    if when is None and search:
        when = next(iter(find_dates(text)), None)
    return DateCell(raw, None if when is None else replace(when, raw=raw))
