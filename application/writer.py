"""How every command writes: save the events and project them in one transaction.

``Writer.change_finding`` is the one path of a command on a finding: load →
authorise → check the caller's version → act → save (+ views).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from application.access import Principal
from application.dto import FindingDetails
from application.errors import FindingNotFoundError, StaleVersionError
from application.ports import Clock, Projections
from application.reads import wrote
from application.tenancy import AuditCouncils
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


@dataclass(frozen=True)
class Target:
    """What a command on a finding names besides its own facts: who acts, on which
    finding, at which version (None: no check) and on which business date (None: today)."""

    principal: Principal
    finding_id: UUID
    expected_version: int | None = None
    business_date: date | None = None


@dataclass
class WriteMark:
    """How far in the event log the writes of one request (or job) went."""

    position: int = 0


_marks: ContextVar[WriteMark | None] = ContextVar("followup_write_mark", default=None)


def track_writes() -> WriteMark:
    """Mark the writes made from here on in this context (an HTTP request): the
    caller hands the position back later and reads its own writes."""
    mark = WriteMark()
    _marks.set(mark)
    return mark


@dataclass
class Writer:
    events: AuditTracker
    projections: Projections
    clock: Clock
    councils: AuditCouncils | None = None

    def __post_init__(self) -> None:
        if self.councils is None:
            self.councils = AuditCouncils(self.events)

    @property
    def audit_councils(self) -> AuditCouncils:
        assert self.councils is not None  # set in __post_init__
        return self.councils

    def stamp(self, actor: Actor, business_date: date | None = None) -> Stamp:
        return Stamp(actor, business_date or self.clock.today(), self.clock.now())

    def save(self, *aggregates: Aggregate | None) -> int:
        """Save, and bring the views a caller reads back at once up to the new
        events, atomically (a rollback removes both); the other views follow.

        Returns the event log position of the last event saved (0: none).
        """
        with self.projections.write_transaction():
            recorded = self.events.save(*aggregates)
            self.projections.catch_up(recorded)
        position = max((r.notification.id for r in recorded), default=0)
        if position:
            self._committed(position)
        return position

    @contextmanager
    def bulk(self) -> Iterator[Callable[[Sequence[Aggregate]], None]]:
        """One transaction for many saves (an import): the caller saves chunk by
        chunk, so memory stays flat however long the document, and an exception
        inside rolls every chunk back (all or nothing). The transaction (and the
        write lock) begins with the first chunk: planning before it blocks nobody."""
        last = 0
        transaction = ExitStack()

        def save_chunk(aggregates: Sequence[Aggregate]) -> None:
            nonlocal last
            if not last:
                transaction.enter_context(self.projections.write_transaction())
            recorded = self.events.save(*aggregates)
            self.projections.catch_up(recorded)
            last = max((r.notification.id for r in recorded), default=last)

        with transaction:
            yield save_chunk
        if last:
            self._committed(last)

    def _committed(self, position: int) -> None:
        wrote(position)  # later reads in this context must show it (a replica too)
        mark = _marks.get()
        if mark is not None:
            mark.position = max(mark.position, position)
        self.projections.committed(position)

    def change_finding(
        self,
        target: Target,
        authorise: Callable[[Principal, Finding], None],
        act: Callable[[Finding, Stamp], None],
    ) -> FindingDetails:
        """One command on one finding; returns the finding as it left it."""
        return self.save_change(target, self.checked(target, authorise), act)

    def checked(self, target: Target, authorise: Callable[[Principal, Finding], None]) -> Finding:
        """The target's finding, once the caller may act on it at the version it names."""
        finding = self.events.finding(target.finding_id)
        council = target.principal.council
        if council is not None and self.audit_councils.of(finding.audit_id) != council:
            raise FindingNotFoundError(str(target.finding_id))  # another council's: unseen
        authorise(target.principal, finding)  # before the version check: a 403 is no retry
        expected = target.expected_version
        if expected is not None and expected != finding.version:
            raise StaleVersionError(finding.version, expected)
        return finding

    def save_change(
        self, target: Target, finding: Finding, act: Callable[[Finding, Stamp], None]
    ) -> FindingDetails:
        """Act on a finding ``checked`` returned, and save; returns it as it left it
        (from the aggregate in hand: no second load)."""
        expected = target.expected_version
        act(finding, self.stamp(target.principal.actor, target.business_date))
        try:
            position = self.save(finding)
        except IntegrityError:
            # Another writer saved the same version first (optimistic concurrency).
            current = self.events.finding(target.finding_id).version
            raise StaleVersionError(current, expected) from None
        return FindingDetails.of(finding, position)
