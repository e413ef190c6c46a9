"""The timeline (``rm_timeline``): every event of every finding, who, what and when.

A finding's reminders are events of its reminder log (``ReminderLog.Raised``): each is
shown as a legacy one in the finding's own stream (``ReminderRaised``, same data), after
the finding's event it was raised at (``version``), by its version in the log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from sqlalchemy import insert
from sqlalchemy.orm import Session

from domain.dates import KoreanDate, Milestone
from domain.finding import Finding
from domain.reminders import ReminderLog
from domain.values import Actor, DepartmentRef, EvidenceFile
from infrastructure.readmodel import tables
from infrastructure.readmodel.views.base import BatchView, Positioned

_PLAIN = (str, int, bool)

# What every event carries (ids, time, actor, business date): shown apart, not as data.
_BASE_FIELDS = frozenset(
    {*Finding.Event.__dataclass_fields__, *Aggregate.Created.__dataclass_fields__}
)
# A log's reminder names its finding and the finding's version: shown as the row's key.
_LOG_FIELDS = _BASE_FIELDS | {"finding_id", "finding_version"}


def jsonable(value: Any) -> Any:
    """Event field values as plain JSON for the timeline."""
    if value is None or type(value) in (str, int, bool):  # most fields: fast path
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Actor):
        return {"kind": value.kind.value, "id": value.id, "role": jsonable(value.role)}
    if isinstance(value, DepartmentRef):
        return {"id": value.id, "name": value.name}
    if isinstance(value, EvidenceFile):
        return {
            "sha256": value.sha256,
            "file_name": value.file_name,
            "content_type": value.content_type,
            "size": value.size,
        }
    if isinstance(value, Milestone):
        return {"text": value.text, "when": jsonable(value.when)}
    if isinstance(value, KoreanDate):
        return {
            "raw": value.raw,
            "precision": value.precision.value,
            "start": jsonable(value.start),
            "end": jsonable(value.end),
            "deadline": jsonable(value.deadline),
            "cadence": value.cadence,
        }
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


class TimelineView(BatchView):
    """Every event of every finding: who, what, when (business date and recorded at)."""

    # Read one finding at a time, after the list: it follows the commands.
    synchronous = False
    deferrable_in_bulk = True

    view_name = "rm_timeline_view"
    view_tables = (tables.timeline,)

    def apply_batch(self, session: Session, events: Sequence[Positioned]) -> None:
        rows = []
        for e, _ in events:
            if isinstance(e, ReminderLog.Raised):
                rows.append(reminder_row(e))
                continue
            if not isinstance(e, Finding.Event | Finding.Registered):
                continue
            actor: Actor = e.actor
            rows.append(
                {
                    "finding_id": e.originator_id,
                    "version": e.originator_version,
                    "log_version": 0,
                    "event": type(e).__name__,
                    "business_date": e.business_date,
                    "recorded_at": e.timestamp,
                    "actor_kind": actor.kind.value,
                    "actor_id": actor.id,
                    "actor_role": actor.role.value if actor.role else None,
                    "data": {
                        # Most fields are plain already: skip the call for them.
                        k: v if v is None or type(v) in _PLAIN else jsonable(v)
                        for k, v in e.__dict__.items()
                        if k not in _BASE_FIELDS
                    },
                }
            )
        if rows:
            session.execute(insert(tables.timeline), rows)


def reminder_row(e: ReminderLog.Raised) -> dict[str, Any]:
    """A reminder of the log as the timeline shows a legacy ``Finding.ReminderRaised``."""
    actor: Actor = e.actor
    return {
        "finding_id": e.finding_id,
        "version": e.finding_version,
        "log_version": e.originator_version,
        "event": "ReminderRaised",
        "business_date": e.business_date,
        "recorded_at": e.timestamp,
        "actor_kind": actor.kind.value,
        "actor_id": actor.id,
        "actor_role": actor.role.value if actor.role else None,
        "data": {k: jsonable(v) for k, v in e.__dict__.items() if k not in _LOG_FIELDS},
    }
