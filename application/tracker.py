"""AuditTracker: the service layer. Get → aggregate method → save (+ views)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Recording

from application.access import (
    Principal,
    require_admin,
    require_council_staff,
    require_department,
    require_may_report,
)
from application.dto import (
    AuditRow,
    FindingDetails,
    FindingFilter,
    FindingRow,
    SummaryTable,
    TimelineEntry,
)
from application.errors import (
    AuditNotFoundError,
    FindingAlreadyRegisteredError,
    FindingNotFoundError,
    StaleVersionError,
)
from application.ports import Clock, Projections, ReadModel
from application.transcodings import register_transcodings
from domain.audit import Audit
from domain.department import Department, department_uuid
from domain.finding import Finding
from domain.values import DepartmentRef
from domain.vocabulary import FindingKind, Status

SEOUL = timezone(timedelta(hours=9), "Asia/Seoul")  # no DST in Korea since 1988


class UtcClock:
    """The real clock: UTC instants, Seoul calendar dates."""

    def now(self) -> datetime:
        return datetime.now(tz=UTC)

    def today(self) -> date:
        return self.now().astimezone(SEOUL).date()


class _NoProjections:
    """Domain tests on the in-memory store run without read models."""

    def write_transaction(self) -> AbstractContextManager[object]:
        return nullcontext()

    def catch_up(self, recorded: Sequence[Recording[UUID]] = ()) -> int:
        return 0


class AuditTracker(Application[UUID]):
    """Commands and single-finding queries of the follow-up (SPEC §3)."""

    # Fixed: it names the event tables and the env-variable prefix.
    name = "AuditTracker"
    env: ClassVar[dict[str, str]] = {}

    def __init__(self, env: dict[str, str] | None = None, *, clock: Clock | None = None) -> None:
        super().__init__(env)
        self.clock: Clock = clock or UtcClock()
        self._projections: Projections = _NoProjections()
        self._read_model: ReadModel | None = None

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_transcodings(transcoder)

    def attach_read_side(self, projections: Projections, read_model: ReadModel) -> None:
        """Wired by the composition root once the views exist on our datastore."""
        self._projections = projections
        self._read_model = read_model

    # -- writing -----------------------------------------------------------

    def save_and_project(self, *aggregates: Aggregate | None) -> None:
        """Save events and bring the views up to them in one transaction.

        A rollback removes both, and the caller reads its own write at once.
        """
        with self._projections.write_transaction():
            recorded = self.save(*aggregates)
            self._projections.catch_up(recorded)

    @contextmanager
    def _changing(
        self,
        finding_id: UUID,
        expected_version: int | None,
        authorise: Callable[[Finding], None],
    ) -> Iterator[Finding]:
        """Load, authorise, check the caller's version, let the body act, save."""
        finding = self._get_finding(finding_id)
        authorise(finding)  # before the version check: a 403 is not a retry
        if expected_version is not None and expected_version != finding.version:
            raise StaleVersionError(finding.version, expected_version)
        yield finding
        try:
            self.save_and_project(finding)
        except IntegrityError:
            # Another writer saved the same version first (optimistic concurrency).
            current = self._get_finding(finding_id).version
            raise StaleVersionError(current, expected_version) from None

    def register_audit(
        self,
        principal: Principal,
        *,
        council: str,
        committee: str,
        audited_body: str,
        year: int,
        business_date: date | None = None,
        **optional: Any,
    ) -> UUID:
        """Register an audit; registering the same natural key again is a no-op."""
        require_council_staff(principal)
        audit = Audit.register(
            council=council,
            committee=committee,
            audited_body=audited_body,
            year=year,
            actor=principal.actor,
            business_date=business_date or self.clock.today(),
            now=self.clock.now(),
            **optional,
        )
        if audit.id not in self.repository:
            # Registered concurrently by someone else: same id, same facts.
            with suppress(IntegrityError):
                self.save_and_project(audit)
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
        """Register a finding; its due date defaults to the audit's deadline.

        Raises:
            AuditNotFoundError, FindingAlreadyRegisteredError, InvalidFindingError.
        """
        require_council_staff(principal)
        audit = self.get_audit(audit_id)
        finding = Finding.register(
            audit_id=audit.id,
            kind=kind,
            seq=seq,
            request=request,
            department=self.resolve_department(department),
            raised_by=raised_by,
            due_date=due_date or audit.default_deadline,
            actor=principal.actor,
            business_date=business_date or self.clock.today(),
            now=self.clock.now(),
        )
        if finding.id in self.repository:
            raise FindingAlreadyRegisteredError(f"{kind.value} #{seq}")
        try:
            self.save_and_project(finding)
        except IntegrityError:
            raise FindingAlreadyRegisteredError(f"{kind.value} #{seq}") from None
        return finding.id

    def report_progress(
        self,
        principal: Principal,
        finding_id: UUID,
        *,
        status: Status,
        status_raw: str | None = None,
        actions: str | None = None,
        plans: str | None = None,
        delay_reason: str | None = None,
        expected_version: int | None = None,
        business_date: date | None = None,
    ) -> int:
        """Record a progress report; returns the finding's new version."""
        return self._act(
            principal,
            finding_id,
            expected_version,
            business_date,
            self._by_department(principal),
            lambda f, stamp: f.report_progress(
                status=status,
                status_raw=status_raw,
                actions=actions,
                plans=plans,
                delay_reason=delay_reason,
                **stamp,
            ),
        )

    def verify_claim(
        self,
        principal: Principal,
        finding_id: UUID,
        *,
        note: str | None = None,
        expected_version: int | None = None,
        business_date: date | None = None,
    ) -> int:
        return self._staff_change(
            principal,
            finding_id,
            expected_version,
            lambda f, stamp: f.verify_claim(note=note, **stamp),
            business_date,
        )

    def return_claim(
        self,
        principal: Principal,
        finding_id: UUID,
        *,
        reason: str,
        expected_version: int | None = None,
        business_date: date | None = None,
    ) -> int:
        return self._staff_change(
            principal,
            finding_id,
            expected_version,
            lambda f, stamp: f.return_claim(reason=reason, **stamp),
            business_date,
        )

    def reopen(
        self,
        principal: Principal,
        finding_id: UUID,
        *,
        reason: str,
        expected_version: int | None = None,
        business_date: date | None = None,
    ) -> int:
        return self._staff_change(
            principal,
            finding_id,
            expected_version,
            lambda f, stamp: f.reopen(reason=reason, **stamp),
            business_date,
        )

    def change_due_date(
        self,
        principal: Principal,
        finding_id: UUID,
        *,
        due_date: date | None,
        reason: str,
        expected_version: int | None = None,
        business_date: date | None = None,
    ) -> int:
        return self._staff_change(
            principal,
            finding_id,
            expected_version,
            lambda f, stamp: f.change_due_date(due_date=due_date, reason=reason, **stamp),
            business_date,
        )

    def reassign(
        self,
        principal: Principal,
        finding_id: UUID,
        *,
        department: str,
        reason: str,
        expected_version: int | None = None,
        business_date: date | None = None,
    ) -> int:
        ref = self.resolve_department(department)
        return self._staff_change(
            principal,
            finding_id,
            expected_version,
            lambda f, stamp: f.reassign(department=ref, reason=reason, **stamp),
            business_date,
        )

    def request_extension(
        self,
        principal: Principal,
        finding_id: UUID,
        *,
        due_date: date,
        reason: str,
        expected_version: int | None = None,
        business_date: date | None = None,
    ) -> int:
        """The department asks for a later due date; council staff then decide."""
        return self._act(
            principal,
            finding_id,
            expected_version,
            business_date,
            lambda f: require_department(principal, f.department.id),
            lambda f, stamp: f.request_extension(due_date=due_date, reason=reason, **stamp),
        )

    def grant_extension(
        self,
        principal: Principal,
        finding_id: UUID,
        *,
        reason: str,
        expected_version: int | None = None,
        business_date: date | None = None,
    ) -> int:
        return self._staff_change(
            principal,
            finding_id,
            expected_version,
            lambda f, stamp: f.grant_extension(reason=reason, **stamp),
            business_date,
        )

    def refuse_extension(
        self,
        principal: Principal,
        finding_id: UUID,
        *,
        reason: str,
        expected_version: int | None = None,
        business_date: date | None = None,
    ) -> int:
        return self._staff_change(
            principal,
            finding_id,
            expected_version,
            lambda f, stamp: f.refuse_extension(reason=reason, **stamp),
            business_date,
        )

    # -- departments (reference data) ------------------------------------------

    def resolve_department(self, name: str) -> DepartmentRef:
        """The stable id for a name as written: a renamed department keeps its id."""
        known = self._read_model.department_named(name) if self._read_model else None
        if known is None:
            return DepartmentRef.from_name(name)
        return DepartmentRef(id=known.id, name=" ".join(name.split()))

    def _department(self, name: str, principal: Principal) -> Department:
        ref = self.resolve_department(name)
        try:
            department: Department = self.repository.get(department_uuid(ref.id))
        except AggregateNotFoundError:
            # Departments come into being with the first finding that names them;
            # the aggregate is created when an administrator first changes one.
            department = Department.register(
                name=ref.name,
                actor=principal.actor,
                business_date=self.clock.today(),
                now=self.clock.now(),
            )
        return department

    def rename_department(
        self, principal: Principal, name: str, *, new_name: str, effective_on: date, reason: str
    ) -> DepartmentRef:
        require_admin(principal)
        department = self._department(name, principal)
        department.rename(
            name=new_name,
            effective_on=effective_on,
            reason=reason,
            actor=principal.actor,
            now=self.clock.now(),
        )
        self.save_and_project(department)
        return department.ref

    def merge_department(
        self, principal: Principal, name: str, *, into: str, effective_on: date, reason: str
    ) -> DepartmentRef:
        """Merge a department into another: its findings follow the target from then on."""
        require_admin(principal)
        department = self._department(name, principal)
        target = self._department(into, principal)
        department.merge_into(
            target=target.ref,
            effective_on=effective_on,
            reason=reason,
            actor=principal.actor,
            now=self.clock.now(),
        )
        self.save_and_project(department, target if target.pending_events else None)
        return target.ref

    def _staff_change(
        self,
        principal: Principal,
        finding_id: UUID,
        expected_version: int | None,
        change: Callable[[Finding, dict[str, Any]], None],
        business_date: date | None,
    ) -> int:
        return self._act(
            principal,
            finding_id,
            expected_version,
            business_date,
            lambda _: require_council_staff(principal),
            change,
        )

    @staticmethod
    def _by_department(principal: Principal) -> Callable[[Finding], None]:
        """Officers of the responsible department, or council staff on its behalf."""
        return lambda finding: require_may_report(principal, finding.department.id)

    def _act(
        self,
        principal: Principal,
        finding_id: UUID,
        expected_version: int | None,
        business_date: date | None,
        authorise: Callable[[Finding], None],
        change: Callable[[Finding, dict[str, Any]], None],
    ) -> int:
        """One command on one finding: load, authorise, check version, act, save."""
        with self._changing(finding_id, expected_version, authorise) as finding:
            change(finding, self._stamp(principal, business_date))
        return finding.version

    def _stamp(self, principal: Principal, business_date: date | None) -> dict[str, Any]:
        return {
            "actor": principal.actor,
            "business_date": business_date or self.clock.today(),
            "now": self.clock.now(),
        }

    # -- reading -----------------------------------------------------------

    def _get_finding(self, finding_id: UUID) -> Finding:
        try:
            finding: Finding = self.repository.get(finding_id)
        except AggregateNotFoundError:
            raise FindingNotFoundError(str(finding_id)) from None
        return finding

    def get_audit(self, audit_id: UUID) -> Audit:
        try:
            audit: Audit = self.repository.get(audit_id)
        except AggregateNotFoundError:
            raise AuditNotFoundError(str(audit_id)) from None
        return audit

    def load_finding(self, finding_id: UUID) -> Finding:
        """The aggregate itself, for application services that act on many at once."""
        return self._get_finding(finding_id)

    def find_finding(self, finding_id: UUID) -> Finding | None:
        """The aggregate itself, for the importer's comparisons; None if absent."""
        try:
            return self._get_finding(finding_id)
        except FindingNotFoundError:
            return None

    def get_finding(self, finding_id: UUID) -> FindingDetails:
        f = self._get_finding(finding_id)
        return FindingDetails(
            finding_id=f.id,
            audit_id=f.audit_id,
            kind=f.kind,
            seq=f.seq,
            request=f.request,
            department_id=f.department.id,
            department=f.department.name,
            raised_by=f.raised_by,
            due_date=f.due_date,
            registered_on=f.registered_on,
            status=f.status,
            status_raw=f.status_raw,
            actions=f.actions,
            plans=f.plans,
            delay_reason=f.delay_reason,
            verification=f.verification,
            is_closed=f.is_closed,
            version=f.version,
        )

    @property
    def read_model(self) -> ReadModel:
        if self._read_model is None:
            raise RuntimeError("no read model attached (composition root not run)")
        return self._read_model

    def summary(
        self,
        *,
        audit_id: UUID | None = None,
        committee: str | None = None,
        department: str | None = None,
        as_of: date | None = None,
        historical: bool = False,
    ) -> SummaryTable:
        """처리결과 총괄; a department filter follows merges unless ``historical``."""
        return self.read_model.summary(
            audit_id=audit_id,
            committee=committee,
            department=department,
            as_of=as_of,
            historical=historical,
        )

    def list_audits(self) -> list[AuditRow]:
        return self.read_model.list_audits()

    def list_findings(self, flt: FindingFilter | None = None) -> list[FindingRow]:
        return self.read_model.list_findings(flt or FindingFilter())

    def count_findings(self, flt: FindingFilter | None = None) -> int:
        return self.read_model.count_findings(flt or FindingFilter())

    def add_comment(
        self,
        principal: Principal,
        finding_id: UUID,
        *,
        text: str,
        expected_version: int | None = None,
        business_date: date | None = None,
    ) -> int:
        """Staff, and the officers of the responsible department, comment on a finding."""
        return self._act(
            principal,
            finding_id,
            expected_version,
            business_date,
            self._by_department(principal),
            lambda f, stamp: f.add_comment(text=text, **stamp),
        )

    def attach_evidence(
        self,
        principal: Principal,
        finding_id: UUID,
        *,
        file_name: str,
        content_type: str,
        size: int,
        sha256: str,
        note: str | None = None,
        expected_version: int | None = None,
        business_date: date | None = None,
    ) -> int:
        """Attach a stored file (증빙자료); the department or staff on its behalf."""
        return self._act(
            principal,
            finding_id,
            expected_version,
            business_date,
            self._by_department(principal),
            lambda f, stamp: f.attach_evidence(
                file_name=file_name,
                content_type=content_type,
                size=size,
                sha256=sha256,
                note=note,
                **stamp,
            ),
        )

    def timeline(self, finding_id: UUID) -> list[TimelineEntry]:
        self._get_finding(finding_id)
        return self.read_model.timeline(finding_id)
