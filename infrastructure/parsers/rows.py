"""The report row, built in one place for every layout.

Each parser reads a row's place (line, kind, 연번), its request, department and status
its own way, and its free text from its own cells; this module turns them into the
neutral ``ReportRow``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from application.report import ReportRow
from domain.vocabulary import FindingKind, Status
from infrastructure.parsers.date_cells import DateCell

TextOf = Callable[[str], str | None]
"""A row's free text by field name (actions, plans, delay_reason, raised_by)."""


def report_row(
    line: int,
    kind: FindingKind,
    seq: int,
    department: str | None,
    request: str,
    status_raw: str,
    status: Status,
    *,
    text: TextOf,
    due: DateCell | date | None = None,
) -> ReportRow:
    """A report row from what every layout reads alike, and its free text.

    ``text`` gives each free-text field by name, None where the document has none.
    ``due`` is a 처리기한 cell, due by the last day it covers and kept as written, or a
    plain day.
    """
    due_date, as_written = (due.deadline, due.when) if isinstance(due, DateCell) else (due, None)
    return ReportRow(
        line=line,
        kind=kind,
        seq=seq,
        department=department,
        request=request,
        status_raw=status_raw,
        status=status,
        actions=text("actions"),
        plans=text("plans"),
        delay_reason=text("delay_reason"),
        raised_by=text("raised_by"),
        due_date=due_date,
        due_date_as_written=as_written,
    )
