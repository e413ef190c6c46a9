"""Commands on a finding: reports by its department, decisions by council staff.

Each is one call of ``Writer.change_finding`` with its authorisation rule.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from uuid import UUID

from application.access import (
    Principal,
    require_council_staff,
    require_department,
    require_may_report,
)
from application.departments import DepartmentDirectory
from application.dto import FindingDetails
from application.errors import PermissionDeniedError
from application.evidence import Upload, check_upload
from application.ports import EvidenceStore
from application.writer import Stamp, Writer
from domain.finding import Finding
from domain.vocabulary import Status, Verification

Act = Callable[[Finding, Stamp], None]


def _allowed(check: Callable[[], None]) -> bool:
    try:
        check()
    except PermissionDeniedError:
        return False
    return True


def available_commands(
    principal: Principal, finding: FindingDetails, extension_pending: bool
) -> dict[str, bool]:
    """Which commands this caller may give on this finding now (what a UI offers);
    the commands themselves check again."""
    dept = finding.department_id
    staff = _allowed(lambda: require_council_staff(principal))
    may_report = _allowed(lambda: require_may_report(principal, dept))
    is_department = _allowed(lambda: require_department(principal, dept))
    is_open = not finding.is_closed
    return {
        "report": may_report and is_open,
        "verification": staff and finding.verification is Verification.PENDING,
        "reopen": staff and finding.is_closed,
        "due_date": staff and is_open,
        "reassign": staff and is_open,
        "extension_request": is_department and is_open and not extension_pending,
        "extension_decision": staff and extension_pending,
        "comment": may_report,
        "evidence": may_report and is_open,
    }


class FindingCommands:
    def __init__(
        self, writer: Writer, departments: DepartmentDirectory, evidence: EvidenceStore
    ) -> None:
        self.writer = writer
        self.departments = departments
        self.evidence = evidence

    # -- the responsible department (or council staff on its behalf) ------------

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

        def act(f: Finding, s: Stamp) -> None:
            f.report_progress(
                status=status,
                status_raw=status_raw,
                actions=actions,
                plans=plans,
                delay_reason=delay_reason,
                **s.fields,
            )

        return self._by_department(principal, finding_id, act, expected_version, business_date)

    def add_comment(
        self,
        principal: Principal,
        finding_id: UUID,
        *,
        text: str,
        expected_version: int | None = None,
        business_date: date | None = None,
    ) -> int:
        return self._by_department(
            principal,
            finding_id,
            lambda f, s: f.add_comment(text=text, **s.fields),
            expected_version,
            business_date,
        )

    def attach_evidence(
        self,
        principal: Principal,
        finding_id: UUID,
        upload: Upload,
        *,
        note: str | None = None,
        expected_version: int | None = None,
        business_date: date | None = None,
    ) -> int:
        """Attach a file (증빙자료): checked and authorised before it is stored, so a
        refused upload never reaches the store."""
        check_upload(upload)
        require_may_report(principal, self.writer.events.finding(finding_id).department.id)
        sha256 = self.evidence.put(upload.data)
        return self._by_department(
            principal,
            finding_id,
            lambda f, s: f.attach_evidence(
                file_name=upload.file_name or "evidence",
                content_type=upload.content_type,
                size=len(upload.data),
                sha256=sha256,
                note=note,
                **s.fields,
            ),
            expected_version,
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
        return self.writer.change_finding(
            principal,
            finding_id,
            lambda f: require_department(principal, f.department.id),
            lambda f, s: f.request_extension(due_date=due_date, reason=reason, **s.fields),
            expected_version=expected_version,
            business_date=business_date,
        )

    # -- council staff ------------------------------------------------------------

    def decide_claim(
        self,
        principal: Principal,
        finding_id: UUID,
        *,
        verify: bool,
        reason: str | None = None,
        expected_version: int | None = None,
        business_date: date | None = None,
    ) -> int:
        """Verify a claim (the reason is an optional note) or return it (reason required)."""
        if verify:
            return self.verify_claim(
                principal,
                finding_id,
                note=reason,
                expected_version=expected_version,
                business_date=business_date,
            )
        return self.return_claim(
            principal,
            finding_id,
            reason=reason or "",
            expected_version=expected_version,
            business_date=business_date,
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
        return self._by_staff(
            principal,
            finding_id,
            lambda f, s: f.verify_claim(note=note, **s.fields),
            expected_version,
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
        return self._by_staff(
            principal,
            finding_id,
            lambda f, s: f.return_claim(reason=reason, **s.fields),
            expected_version,
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
        return self._by_staff(
            principal,
            finding_id,
            lambda f, s: f.reopen(reason=reason, **s.fields),
            expected_version,
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
        return self._by_staff(
            principal,
            finding_id,
            lambda f, s: f.change_due_date(due_date=due_date, reason=reason, **s.fields),
            expected_version,
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
        ref = self.departments.resolve(department)
        return self._by_staff(
            principal,
            finding_id,
            lambda f, s: f.reassign(department=ref, reason=reason, **s.fields),
            expected_version,
            business_date,
        )

    def decide_extension(
        self,
        principal: Principal,
        finding_id: UUID,
        *,
        grant: bool,
        reason: str,
        expected_version: int | None = None,
        business_date: date | None = None,
    ) -> int:
        """Grant or refuse the pending extension request."""

        def act(f: Finding, s: Stamp) -> None:
            decide = f.grant_extension if grant else f.refuse_extension
            decide(reason=reason, **s.fields)

        return self._by_staff(principal, finding_id, act, expected_version, business_date)

    # -------------------------------------------------------------------------------

    def _by_department(
        self,
        principal: Principal,
        finding_id: UUID,
        act: Act,
        expected_version: int | None,
        business_date: date | None,
    ) -> int:
        return self.writer.change_finding(
            principal,
            finding_id,
            lambda f: require_may_report(principal, f.department.id),
            act,
            expected_version=expected_version,
            business_date=business_date,
        )

    def _by_staff(
        self,
        principal: Principal,
        finding_id: UUID,
        act: Act,
        expected_version: int | None,
        business_date: date | None,
    ) -> int:
        return self.writer.change_finding(
            principal,
            finding_id,
            lambda _: require_council_staff(principal),
            act,
            expected_version=expected_version,
            business_date=business_date,
        )
