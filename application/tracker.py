"""AuditTracker: the event store of the follow-up (an eventsourcing Application).

It persists and loads aggregates and nothing else: commands live in the
services (``application/findings.py`` …), reads in ``application/queries.py``.
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import JSONTranscoder

from application.errors import AuditNotFoundError, FindingNotFoundError
from application.transcodings import register_transcodings
from domain.audit import Audit
from domain.finding import Finding

A = TypeVar("A", bound=Aggregate)


# A finding loads from its latest snapshot plus at most this many events.
SNAPSHOT_INTERVAL = 50


class AuditTracker(Application[UUID]):
    # Fixed: it names the event tables and the env-variable prefix.
    name = "AuditTracker"
    env: ClassVar[dict[str, str]] = {}
    # Taken inside the save's transaction, every SNAPSHOT_INTERVAL versions.
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {Finding: SNAPSHOT_INTERVAL}

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

    def audit(self, audit_id: UUID) -> Audit:
        found = self.load(audit_id, Audit)
        if found is None:
            raise AuditNotFoundError(str(audit_id))
        return found
