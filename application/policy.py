"""A council's default due dates (처리기한) per kind, and what a change of them moves."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from application.access import Principal, require_council_staff
from application.councils import CouncilMismatchError
from application.dto import FindingFilter
from application.ports import BusinessCalendar
from application.queries import Queries
from application.writer import Writer
from domain.finding import Finding
from domain.policy import DuePolicy
from domain.vocabulary import FindingKind, Verification


@dataclass(frozen=True)
class PolicyChange:
    """The policy as set, and the findings whose due date it moved (reason "policy")."""

    council: str
    days: dict[str, int]
    moved: list[UUID] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "council": self.council,
            "days": self.days,
            "moved": len(self.moved),
            "finding_ids": [str(i) for i in self.moved],
        }


@dataclass
class DuePolicies:
    writer: Writer
    calendar: BusinessCalendar
    queries: Queries
    # The council these use cases act for (None: any); "" then names it.
    scope: str | None = None

    def _council(self, council: str) -> str:
        if self.scope is None:
            return council
        if council.strip() not in ("", self.scope):
            raise CouncilMismatchError(council)
        return self.scope

    def days(self, council: str) -> dict[str, int]:
        """Business days per kind (its value) after the adoption; a kind absent has none.

        Raises:
            CouncilMismatchError: another council's than the scope's.
        """
        council = self._council(council)
        policy = self.writer.events.load(DuePolicy.create_id(council), DuePolicy)
        return dict(policy.days) if policy else {}

    def default_due(self, council: str, base: date, kind: FindingKind) -> date | None:
        """The policy's due date for a finding of ``kind`` of an audit whose 결과보고서
        was adopted (sent) on ``base``; None when the policy says nothing of the kind."""
        n = self.days(council).get(kind.value)
        return self.calendar.add_business_days(base, n) if n else None

    def set_policy(
        self, principal: Principal, council: str, days: dict[FindingKind, int]
    ) -> PolicyChange:
        """Set the council's policy and move the due dates it had set (nobody's by
        hand, on open findings) to the new ones, in one transaction.

        Raises:
            PermissionDeniedError, InvalidPolicyError, NothingChangedError.
        """
        require_council_staff(principal)
        council = self._council(council)
        if not principal.sees(council):
            raise CouncilMismatchError(council)
        stamp = self.writer.stamp(principal.actor)
        policy = self.writer.events.load(DuePolicy.create_id(council), DuePolicy)
        if policy is None:
            policy = DuePolicy.start(council=council, **stamp.fields)
        policy.change(days=days, **stamp.fields)
        moved: list[Finding] = []
        for audit_row in self.queries.list_audits():
            if audit_row.council != council:
                continue
            audit = self.writer.events.audit(audit_row.audit_id)
            base = audit.adoption_date or audit.registered_on
            for row in self.queries.list_findings(FindingFilter(audit_id=audit.id)):
                n = policy.days_for(row.kind)
                if n is None or row.verification is Verification.VERIFIED:
                    continue
                finding = self.writer.events.finding(row.finding_id)
                due = self.calendar.add_business_days(base, n)
                if finding.apply_due_policy(due_date=due, **stamp.fields):
                    moved.append(finding)
        self.writer.save(policy, *moved)
        return PolicyChange(council=council, days=dict(policy.days), moved=[f.id for f in moved])
