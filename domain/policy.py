"""A council's due-date policy: default 처리기한 per kind of finding.

Each kind's due date defaults to a number of business days after the audit's
결과보고서 was adopted and sent (the audit's adoption date; its registration
date when none is known). Where a row or a person states a due date, that one
stands; the policy fills only the others, and a change of the policy moves only
those (``Finding.apply_due_policy``).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Unpack
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidPolicyError, NothingChangedError
from domain.values import Actor, StampFields, natural_id, stamped
from domain.vocabulary import FindingKind

# Longer than any council gives: a typing mistake, not a policy.
MAX_POLICY_DAYS = 750


class DuePolicy(Aggregate):
    """One per council (by name; the empty name for an installation without one)."""

    class Event(Aggregate.Event):
        actor: Actor
        business_date: date

    class Created(Aggregate.Created):
        council: str
        actor: Actor
        business_date: date

    class Changed(Event):
        # Kind (its value) -> business days after the adoption; a kind absent: none.
        days: dict[str, int]

        def apply(self, policy: DuePolicy) -> None:
            policy.days = dict(self.days)

    @event(Created)
    def __init__(self, council: str, actor: Actor, business_date: date) -> None:
        self.council = council
        self.days: dict[str, int] = {}

    @staticmethod
    def create_id(council: str) -> UUID:
        return natural_id("due-policy", council)

    @classmethod
    def start(cls, *, council: str, **stamp: Unpack[StampFields]) -> DuePolicy:
        return cls._create(
            cls.Created, id=cls.create_id(council), council=council, **stamped(**stamp)
        )

    def change(self, *, days: dict[FindingKind, int], **stamp: Unpack[StampFields]) -> None:
        """Set the business days per kind (a kind left out gets no default).

        Raises:
            InvalidPolicyError: a negative or implausibly large number,
            NothingChangedError: the policy already says this.
        """
        for kind, n in days.items():
            if not 0 < n <= MAX_POLICY_DAYS:
                raise InvalidPolicyError(f"{kind.value}: {n}")
        wanted = {k.value: n for k, n in sorted(days.items(), key=lambda kv: kv[0].value)}
        if wanted == self.days:
            raise NothingChangedError(str(wanted))
        self.trigger_event(self.Changed, days=wanted, **stamped(**stamp))

    def days_for(self, kind: FindingKind) -> int | None:
        return self.days.get(kind.value)

    def as_dict(self) -> dict[str, Any]:
        return {"council": self.council, "days": dict(self.days)}
