"""Stores written before the reminder log: reminders as events of the finding itself."""

from __future__ import annotations

from datetime import date, datetime

from domain.finding import Finding
from domain.values import Actor
from domain.vocabulary import ReminderRule


def record_legacy_reminder(
    finding: Finding,
    *,
    rule: ReminderRule,
    reference_date: date,
    level: int,
    actor: Actor,
    business_date: date,
    now: datetime,
    detail: str | None = None,
) -> None:
    """What the reminder job recorded then: a ``Finding.ReminderRaised``, in the
    finding's own stream (it moved the finding's version)."""
    finding.trigger_event(
        Finding.ReminderRaised,
        rule=rule,
        reference_date=reference_date,
        level=level,
        detail=detail,
        actor=actor,
        business_date=business_date,
        timestamp=now,
    )
