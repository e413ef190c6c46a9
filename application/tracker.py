"""AuditTracker: the event store of the follow-up (an eventsourcing Application).

It persists and loads aggregates and nothing else: commands live in the
services (``application/findings.py`` …), reads in ``application/queries.py``.
"""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import JSONTranscoder

from application.errors import AuditNotFoundError, FindingNotFoundError
from application.transcodings import register_transcodings
from domain.audit import Audit
from domain.finding import Finding


class AuditTracker(Application[UUID]):
    # Fixed: it names the event tables and the env-variable prefix.
    name = "AuditTracker"
    env: ClassVar[dict[str, str]] = {}

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_transcodings(transcoder)

    def finding(self, finding_id: UUID) -> Finding:
        try:
            finding: Finding = self.repository.get(finding_id)
        except AggregateNotFoundError:
            raise FindingNotFoundError(str(finding_id)) from None
        return finding

    def find_finding(self, finding_id: UUID) -> Finding | None:
        try:
            return self.finding(finding_id)
        except FindingNotFoundError:
            return None

    def audit(self, audit_id: UUID) -> Audit:
        try:
            audit: Audit = self.repository.get(audit_id)
        except AggregateNotFoundError:
            raise AuditNotFoundError(str(audit_id)) from None
        return audit
