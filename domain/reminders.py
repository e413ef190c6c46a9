"""Reminder log (알림 기록): the reminders raised on one finding, kept beside it.

A reminder is the scheduler's doing, not a person's: it is recorded in an aggregate of
its own, one per finding, so raising one never changes the finding's version and never
makes a person's write stale (SPEC §4). Each key (rule, reference date, level) is
raised once.
"""

from __future__ import annotations

from datetime import date
from typing import Unpack
from uuid import UUID

from eventsourcing.domain import Aggregate, event
from eventsourcing.domain import Snapshot as AggregateSnapshot

from domain.finding import reminder_key
from domain.values import Actor, StampFields, natural_id, optional_text, stamped
from domain.vocabulary import ReminderRule


class ReminderLog(Aggregate):
    """The reminders raised on one finding (its id derives from the finding's)."""

    class Opened(Aggregate.Created):
        finding_id: UUID
        actor: Actor
        business_date: date

    class Raised(Aggregate.Event):
        """A reminder, raised once per key (rule, reference date, level)."""

        finding_id: UUID
        # The finding's version the reminder was raised at: the timeline shows it
        # after that event. Read only; the finding's version never moves for it.
        finding_version: int
        rule: ReminderRule
        reference_date: date  # the due date, the claim's date or the milestone's deadline
        level: int
        detail: str | None
        actor: Actor
        business_date: date

        def apply(self, log: ReminderLog) -> None:
            key = reminder_key(ReminderRule(self.rule), self.reference_date, self.level)
            log.raised[key] = self.originator_version

    class Snapshot(AggregateSnapshot):
        """The log's state as JSON keeps it: the keys are a dict (key -> the log's
        version that raised it), never a set."""

    @event(Opened)
    def __init__(self, finding_id: UUID, actor: Actor, business_date: date) -> None:
        self.finding_id = finding_id
        self.raised: dict[str, int] = {}

    @staticmethod
    def create_id(finding_id: UUID) -> UUID:
        """One log per finding, found from the finding's id alone."""
        return natural_id("reminder-log", finding_id)

    @classmethod
    def open(cls, finding_id: UUID, **stamp: Unpack[StampFields]) -> ReminderLog:
        return cls._create(
            cls.Opened, id=cls.create_id(finding_id), finding_id=finding_id, **stamped(**stamp)
        )

    def has(self, key: str) -> bool:
        return key in self.raised

    def raise_reminder(
        self,
        *,
        finding_version: int,
        rule: ReminderRule,
        reference_date: date,
        level: int,
        detail: str | None = None,
        **stamp: Unpack[StampFields],
    ) -> bool:
        """Record a reminder unless this key was raised before in this log.

        Returns whether an event was recorded.
        """
        if self.has(reminder_key(rule, reference_date, level)):
            return False
        self.trigger_event(
            self.Raised,
            finding_id=self.finding_id,
            finding_version=finding_version,
            rule=rule,
            reference_date=reference_date,
            level=level,
            detail=optional_text(detail),
            **stamped(**stamp),
        )
        return True
