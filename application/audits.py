"""Registering audits and the findings they raise (council staff)."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from application.access import Principal, require_council_staff
from application.councils import CouncilMismatchError
from application.departments import DepartmentDirectory, new_department
from application.errors import AuditNotFoundError, FindingAlreadyRegisteredError
from application.policy import DuePolicies
from application.writer import Writer
from domain.audit import Audit
from domain.finding import Finding
from domain.values import DepartmentRef
from domain.vocabulary import FindingKind


@dataclass
class AuditRegistration:
    writer: Writer
    departments: DepartmentDirectory
    policies: DuePolicies

    def register_audit(
        self,
        principal: Principal,
        *,
        council: str,
        committee: str,
        audited_body: str,
        year: int,
        business_date: date | None = None,
        audit_date: date | None = None,
        adoption_date: date | None = None,
        default_deadline: date | None = None,
        session: str | None = None,
    ) -> UUID:
        """Register an audit; registering the same natural key again is a no-op. A
        council's staff register their council's audits (an empty council is theirs).

        Raises:
            PermissionDeniedError, CouncilMismatchError.
        """
        require_council_staff(principal)
        if principal.council is not None:
            if council.strip() not in ("", principal.council):
                raise CouncilMismatchError(council)
            council = principal.council
        audit = Audit.register(
            council=council,
            committee=committee,
            audited_body=audited_body,
            year=year,
            audit_date=audit_date,
            adoption_date=adoption_date,
            default_deadline=default_deadline,
            session=session,
            **self.writer.stamp(principal.actor, business_date).fields,
        )
        if audit.id not in self.writer.events.repository:
            # Registered concurrently by someone else: same id, same facts.
            with suppress(IntegrityError):
                self.writer.save(audit)
        return audit.id

    def register_finding(
        self,
        principal: Principal,
        *,
        audit_id: UUID,
        kind: FindingKind,
        seq: int,
        request: str,
        department: str,
        raised_by: str | None = None,
        due_date: date | None = None,
        business_date: date | None = None,
    ) -> UUID:
        """Register a finding; its due date defaults to the audit's deadline, else to
        the council's due-date policy for its kind.

        Raises:
            AuditNotFoundError, FindingAlreadyRegisteredError, InvalidFindingError.
        """
        require_council_staff(principal)
        audit = self.writer.events.audit(audit_id)
        if not principal.sees(self.writer.audit_councils.tenant(audit.council)):
            raise AuditNotFoundError(str(audit_id))
        stamp = self.writer.stamp(principal.actor, business_date)
        # Council staff register departments: a finding's registration registers its
        # department if no department has or had the name (saved with the finding).
        registered = None
        if self.departments.find(department) is None and department.strip():
            registered = new_department(self.writer, department, audit.council, stamp)
            ref = DepartmentRef(id=registered.ref.id, name=registered.name)
        else:
            ref = self.departments.resolve(department, on=stamp.business_date)
        # Stated, else the audit's deadline, else the council's policy for the kind.
        due = due_date or audit.default_deadline
        by_policy = due is None
        if by_policy:
            base = audit.adoption_date or audit.registered_on
            due = self.policies.default_due(audit.council, base, kind)
        finding = Finding.register(
            audit_id=audit.id,
            kind=kind,
            seq=seq,
            request=request,
            department=ref,
            raised_by=raised_by,
            due_date=due,
            due_by_policy=by_policy,
            **stamp.fields,
        )
        if finding.id in self.writer.events.repository:
            raise FindingAlreadyRegisteredError(f"{kind.value} #{seq}")
        try:
            self.writer.save(registered, finding)
        except IntegrityError:
            raise FindingAlreadyRegisteredError(f"{kind.value} #{seq}") from None
        return finding.id
