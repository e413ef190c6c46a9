"""How every command writes: save the events and project them in one transaction.

``Writer.change_finding`` is the one path of a command on a finding: load →
authorise → check the caller's version → act → save (+ views).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, Recording

from application.access import Principal
from application.errors import StaleVersionError
from application.ports import Clock, Projections
from application.tracker import AuditTracker
from domain.finding import Finding
from domain.values import Actor, StampFields


@dataclass(frozen=True)
class Stamp:
    """What every event records besides its own facts: who, the business date, when."""

    actor: Actor
    business_date: date
    now: datetime

    @property
    def fields(self) -> StampFields:
        """As keyword arguments of the aggregates' command methods."""
        return {"actor": self.actor, "business_date": self.business_date, "now": self.now}


class NoProjections:
    """For an event store without read models (the in-memory store of domain tests)."""

    def write_transaction(self) -> AbstractContextManager[object]:
        return nullcontext()

    def catch_up(self, recorded: Sequence[Recording[UUID]] = ()) -> int:
        return 0


class Writer:
    def __init__(self, events: AuditTracker, projections: Projections, clock: Clock) -> None:
        self.events = events
        self.projections = projections
        self.clock = clock

    def stamp(self, actor: Actor, business_date: date | None = None) -> Stamp:
        return Stamp(actor, business_date or self.clock.today(), self.clock.now())

    def save(self, *aggregates: Aggregate | None) -> None:
        """Save and bring the views up to the new events, atomically: a rollback
        removes both, and the caller reads its own write at once."""
        with self.projections.write_transaction():
            recorded = self.events.save(*aggregates)
            self.projections.catch_up(recorded)

    def change_finding(
        self,
        principal: Principal,
        finding_id: UUID,
        authorise: Callable[[Finding], None],
        act: Callable[[Finding, Stamp], None],
        *,
        expected_version: int | None,
        business_date: date | None,
    ) -> int:
        """One command on one finding; returns the finding's new version."""
        finding = self.events.finding(finding_id)
        authorise(finding)  # before the version check: a 403 is not a retry
        if expected_version is not None and expected_version != finding.version:
            raise StaleVersionError(finding.version, expected_version)
        act(finding, self.stamp(principal.actor, business_date))
        try:
            self.save(finding)
        except IntegrityError:
            # Another writer saved the same version first (optimistic concurrency).
            current = self.events.finding(finding_id).version
            raise StaleVersionError(current, expected_version) from None
        return finding.version
