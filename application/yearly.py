"""The council's year: open findings carried into the next audit, repeats linked.

Carrying over (이월) is an event on each finding's own aggregate: the same id, its
whole history kept, its own audit still counting it. Repeat links are staff's
decisions on what ``application.repeats`` suggests.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from application.access import Principal, require_council_staff
from application.dto import FindingDetails, FindingFilter, TimelineEntry
from application.errors import AuditNotFoundError, FindingNotFoundError
from application.queries import Queries
from application.writer import Target, Writer
from domain.errors import InvalidCarryOverError, InvalidRepeatError
from domain.finding import Finding

# Another writer saved one of the findings first: plan again, this many times.
CARRY_ATTEMPTS = 3


@dataclass(frozen=True)
class CarryOver:
    """What carrying an audit's open findings into a later one did (or would do)."""

    carried: int
    finding_ids: list[UUID] = field(default_factory=list)
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"carried": self.carried, "finding_ids": [str(i) for i in self.finding_ids]}


@dataclass(frozen=True)
class YearlyLinks:
    """A finding's links to other years as its timeline (up to some day) shows them."""

    carried_into: tuple[UUID, ...] = ()
    repeat_of: UUID | None = None


def yearly_links(entries: Sequence[TimelineEntry]) -> YearlyLinks:
    """Carry-overs and the confirmed repeat, from a finding's timeline entries in order
    (a timeline cut at a day gives the links as of that day)."""
    carried: list[UUID] = []
    repeat_of: UUID | None = None
    for e in entries:
        if e.event == "CarriedOver":
            carried.append(UUID(str(e.data["to_audit_id"])))
        elif e.event == "RepeatConfirmed":
            repeat_of = UUID(str(e.data["earlier_finding_id"]))
        elif e.event == "RepeatDismissed" and repeat_of == UUID(str(e.data["earlier_finding_id"])):
            repeat_of = None
    return YearlyLinks(carried_into=tuple(carried), repeat_of=repeat_of)


@dataclass
class YearlyCycle:
    writer: Writer
    queries: Queries

    def carry_over(
        self, principal: Principal, from_audit_id: UUID, to_audit_id: UUID, *, dry_run: bool = False
    ) -> CarryOver:
        """Carry every finding of FROM still open (not verified 완료/미반영) into TO,
        a later year's audit of the same council: FROM's own, and those carried into
        FROM from earlier years. Findings already carried there are left alone:
        carrying twice does nothing.

        Raises:
            PermissionDeniedError, AuditNotFoundError,
            InvalidCarryOverError: TO is FROM, not of a later year, or another council's.
        """
        require_council_staff(principal)
        source, target = (
            self.writer.events.audit(from_audit_id),
            self.writer.events.audit(to_audit_id),
        )
        tenant = self.writer.audit_councils.tenant
        for audit in (source, target):
            if not principal.sees(tenant(audit.council)):
                raise AuditNotFoundError(str(audit.id))  # another council's: as if none
        if source.id == target.id or target.year <= source.year:
            raise InvalidCarryOverError(f"{source.year} → {target.year}")
        if source.council != target.council:
            raise InvalidCarryOverError(f"{source.council} → {target.council}")
        for _ in range(CARRY_ATTEMPTS):
            stamp = self.writer.stamp(principal.actor)
            findings = []
            # Its own findings, and those carried into it from earlier years still open.
            own = self.queries.list_findings(FindingFilter(audit_id=source.id))
            carried_in = self.queries.list_findings(FindingFilter(carried_into=source.id))
            for row in (*own, *carried_in):
                finding = self.writer.events.finding(row.finding_id)
                if finding.is_closed or target.id in finding.carried_into:
                    continue
                finding.carry_over(to_audit_id=target.id, **stamp.fields)
                findings.append(finding)
            ids = sorted((f.id for f in findings), key=str)
            if dry_run or not findings:
                return CarryOver(carried=len(ids), finding_ids=ids, dry_run=dry_run)
            try:
                self.writer.save(*findings)
            except IntegrityError:
                continue  # a finding moved on meanwhile: nothing was written; again
            return CarryOver(carried=len(ids), finding_ids=ids)
        raise IntegrityError(f"carry-over kept colliding ({CARRY_ATTEMPTS} attempts)")

    def confirm_repeat(self, target: Target, *, earlier_finding_id: UUID) -> FindingDetails:
        """Staff confirm the finding repeats an earlier year's finding.

        Raises:
            PermissionDeniedError, FindingNotFoundError, InvalidRepeatError: not of
            an earlier year, SameRepeatDecisionError.
        """
        return self._decide(target, earlier_finding_id, Finding.confirm_repeat)

    def dismiss_repeat(self, target: Target, *, earlier_finding_id: UUID) -> FindingDetails:
        """Staff dismiss a suggested earlier finding: this one does not repeat it."""
        return self._decide(target, earlier_finding_id, Finding.dismiss_repeat)

    def _decide(
        self, target: Target, earlier_finding_id: UUID, decide: Callable[..., None]
    ) -> FindingDetails:
        finding = self.writer.checked(target, lambda p, _: require_council_staff(p))
        earlier = self.writer.events.find_finding(earlier_finding_id)
        if earlier is None:
            raise FindingNotFoundError(str(earlier_finding_id))
        if earlier.id == finding.id:
            raise InvalidRepeatError(str(earlier.id))
        audits = {
            a.audit_id: a
            for a in self.queries.list_audits()
            if a.audit_id in (finding.audit_id, earlier.audit_id)
        }
        mine, theirs = audits.get(finding.audit_id), audits.get(earlier.audit_id)
        if mine is None or theirs is None or theirs.year >= mine.year:
            raise InvalidRepeatError("the earlier finding's audit is not of an earlier year")
        if theirs.council != mine.council:
            raise InvalidRepeatError("the earlier finding is another council's")
        return self.writer.save_change(
            target, finding, lambda f, s: decide(f, earlier_finding_id=earlier.id, **s.fields)
        )
