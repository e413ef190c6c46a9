"""AuditTracker: the event store of the follow-up (an eventsourcing Application).

It persists and loads aggregates and nothing else: commands live in the
services (``application/findings.py`` …), reads in ``application/queries.py``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import JSONTranscoder

from application.errors import AuditNotFoundError, FindingNotFoundError
from application.transcodings import register_transcodings
from domain.audit import Audit
from domain.department import Department
from domain.finding import Finding
from domain.reminders import ReminderLog

A = TypeVar("A", bound=Aggregate)


# A finding loads from its latest snapshot plus at most this many events.
SNAPSHOT_INTERVAL = 50


class AuditTracker(Application[UUID]):
    # Fixed: it names the event tables and the env-variable prefix.
    name = "AuditTracker"
    env: ClassVar[dict[str, str]] = {}
    # Taken inside the save's transaction, every SNAPSHOT_INTERVAL versions.
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {
        Audit: SNAPSHOT_INTERVAL,
        Department: SNAPSHOT_INTERVAL,
        Finding: SNAPSHOT_INTERVAL,
        ReminderLog: SNAPSHOT_INTERVAL,
    }

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        super().__init__(env)
        # SNAPSHOT_INTERVAL in the env (the settings' snapshot_interval) sets the
        # interval of every aggregate kind; 0 takes no snapshots.
        interval = self.env.get("SNAPSHOT_INTERVAL")
        if interval is not None:
            every = int(interval)
            kinds = type(self).snapshotting_intervals
            # Per instance (the library reads it from the instance at each save).
            self.__dict__["snapshotting_intervals"] = {k: every for k in kinds} if every > 0 else {}

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_transcodings(transcoder)

    def load(self, aggregate_id: UUID, kind: type[A]) -> A | None:
        """The aggregate of this id and kind, or None if there is none."""
        try:
            aggregate: Aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        return aggregate if isinstance(aggregate, kind) else None

    def find_finding(self, finding_id: UUID) -> Finding | None:
        return self.load(finding_id, Finding)

    def finding(self, finding_id: UUID) -> Finding:
        found = self.load(finding_id, Finding)
        if found is None:
            raise FindingNotFoundError(str(finding_id))
        return found

    def referencing_events(self, topics: Sequence[str]) -> Iterator[Any]:
        """The domain events of these topics, decoded, oldest first (in pages)."""
        start: int | None = None
        while True:
            page = self.recorder.select_notifications(
                start, 1000, topics=topics, inclusive_of_start=start is None
            )
            if not page:
                return
            for notification in page:
                yield self.mapper.to_domain_event(notification)
            start = page[-1].id

    def reminder_log(self, finding_id: UUID) -> ReminderLog | None:
        """The finding's reminder log, or None while no reminder was raised into one."""
        return self.load(ReminderLog.create_id(finding_id), ReminderLog)

    def audit(self, audit_id: UUID) -> Audit:
        found = self.load(audit_id, Audit)
        if found is None:
            raise AuditNotFoundError(str(audit_id))
        return found
