"""Commands on a finding: reports by its department, decisions by council staff.

Each names its ``Target`` (who, which finding, which version, which business
date) and is one call of ``Writer.change_finding`` with its authorisation rule.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

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
from application.writer import Stamp, Target, Writer
from domain.errors import ReviewDateError
from domain.finding import Finding
from domain.values import EvidenceFile, required_reason
from domain.vocabulary import Status, Verification


def _may_report(principal: Principal, finding: Finding) -> None:
    """Officers of the responsible department, or council staff on its behalf."""
    require_may_report(principal, finding.department.id)


def _is_department(principal: Principal, finding: Finding) -> None:
    """Only the responsible department itself (asking for more time)."""
    require_department(principal, finding.department.id)


def _is_staff(principal: Principal, _: Finding) -> None:
    require_council_staff(principal)


def _allowed(check: Callable[[], None]) -> bool:
    try:
        check()
    except PermissionDeniedError:
        return False
    return True


def available_commands(principal: Principal, finding: FindingDetails) -> dict[str, bool]:
    """Which commands this caller may give on this finding now (what a UI offers);
    the commands themselves check again."""
    dept = finding.department_id
    staff = _allowed(lambda: require_council_staff(principal))
    may_report = _allowed(lambda: require_may_report(principal, dept))
    is_department = _allowed(lambda: require_department(principal, dept))
    is_open = not finding.is_closed
    extension_pending = finding.extension_request is not None
    return {
        "report": may_report and is_open,
        "verification": staff and finding.verification is Verification.PENDING,
        "reopen": staff and finding.is_closed,
        "due_date": staff and is_open,
        "reassign": staff and is_open,
        "extension_request": (
            is_department and is_open and not extension_pending and finding.due_date is not None
        ),
        "extension_decision": staff and extension_pending,
        "comment": may_report,
        "evidence": may_report and is_open,
        "repeat": staff,
    }


@dataclass
class FindingCommands:
    writer: Writer
    departments: DepartmentDirectory
    evidence: EvidenceStore

    # -- the responsible department (or council staff on its behalf) ------------

    def report_progress(
        self,
        target: Target,
        *,
        status: Status,
        status_raw: str | None = None,
        actions: str | None = None,
        plans: str | None = None,
        delay_reason: str | None = None,
        backdate_reason: str | None = None,
        evidence: Sequence[Upload] = (),
    ) -> FindingDetails:
        """Record a progress report (추진상황, 추진내용, 향후계획, 부진사유), dated on the
        target's business date (today when none; older than 31 days: council staff,
        with ``backdate_reason``), with the evidence files sent with it: checked and
        authorised before a byte is stored, then referenced by the report's event."""
        for upload in evidence:
            check_upload(upload)
        finding = self.writer.checked(target, _may_report)
        files = [self._store(upload) for upload in evidence]

        def act(f: Finding, s: Stamp) -> None:
            f.report_progress(
                status=status,
                status_raw=status_raw,
                actions=actions,
                plans=plans,
                delay_reason=delay_reason,
                backdate_reason=backdate_reason,
                evidence=files,
                **s.fields,
            )

        return self.writer.save_change(target, finding, act)

    def _store(self, upload: Upload) -> EvidenceFile:
        name = upload.file_name.strip() or "evidence"
        return EvidenceFile(
            self.evidence.put(upload.data), name, upload.content_type, len(upload.data)
        )

    def add_comment(self, target: Target, *, text: str) -> FindingDetails:
        act = _act(lambda f, s: f.add_comment(text=text, **s.fields))
        return self.writer.change_finding(target, _may_report, act)

    def attach_evidence(
        self, target: Target, *, upload: Upload, note: str | None = None
    ) -> FindingDetails:
        """Attach a file (증빙자료) to the latest report: checked and authorised before it
        is stored, so a refused upload never reaches the store."""
        check_upload(upload)
        finding = self.writer.checked(target, _may_report)
        finding.check_evidence_supported()  # before the file is stored
        file = self._store(upload)

        def act(f: Finding, s: Stamp) -> None:
            f.attach_evidence(
                file_name=file.file_name,
                content_type=file.content_type,
                size=file.size,
                sha256=file.sha256,
                note=note,
                **s.fields,
            )

        return self.writer.save_change(target, finding, act)

    def request_extension(self, target: Target, *, due_date: date, reason: str) -> FindingDetails:
        """The department asks for a later due date; council staff then decide."""
        act = _act(lambda f, s: f.request_extension(due_date=due_date, reason=reason, **s.fields))
        return self.writer.change_finding(target, _is_department, act)

    # -- council staff ------------------------------------------------------------

    def decide_claim(
        self,
        target: Target,
        *,
        verify: bool,
        reason: str | None = None,
        review_on: date | None = None,
    ) -> FindingDetails:
        """Verify a claim (the reason is an optional note; a 미반영 may get a re-review
        date) or return it (reason required)."""
        if verify:
            return self.verify_claim(target, note=reason, review_on=review_on)
        if review_on is not None:
            raise ReviewDateError("a returned claim has no re-review date")
        return self.return_claim(target, reason=reason or "")

    def verify_claim(
        self, target: Target, *, note: str | None = None, review_on: date | None = None
    ) -> FindingDetails:
        act = _act(lambda f, s: f.verify_claim(note=note, review_on=review_on, **s.fields))
        return self.writer.change_finding(target, _is_staff, act)

    def return_claim(self, target: Target, *, reason: str) -> FindingDetails:
        """Return a claim (보완요구); the reason is checked before anything else."""
        reason = required_reason(reason)
        act = _act(lambda f, s: f.return_claim(reason=reason, **s.fields))
        return self.writer.change_finding(target, _is_staff, act)

    def reopen(self, target: Target, *, reason: str) -> FindingDetails:
        act = _act(lambda f, s: f.reopen(reason=reason, **s.fields))
        return self.writer.change_finding(target, _is_staff, act)

    def change_due_date(
        self, target: Target, *, due_date: date | None, reason: str
    ) -> FindingDetails:
        act = _act(lambda f, s: f.change_due_date(due_date=due_date, reason=reason, **s.fields))
        return self.writer.change_finding(target, _is_staff, act)

    def reassign(self, target: Target, *, department: str, reason: str) -> FindingDetails:
        """Give the finding to a registered department (as it is on the business date:
        a department merged by then means its target).

        Raises:
            UnknownDepartmentError (with the closest names), InvalidDepartmentError.
        """
        on = target.business_date or self.writer.clock.today()
        ref = self.departments.resolve(department, on=on)
        act = _act(lambda f, s: f.reassign(department=ref, reason=reason, **s.fields))
        return self.writer.change_finding(target, _is_staff, act)

    def decide_extension(self, target: Target, *, grant: bool, reason: str) -> FindingDetails:
        """Grant or refuse the pending extension request."""

        def act(f: Finding, s: Stamp) -> None:
            decide = f.grant_extension if grant else f.refuse_extension
            decide(reason=reason, **s.fields)

        return self.writer.change_finding(target, _is_staff, act)


def _act(act: Callable[[Finding, Stamp], None]) -> Callable[[Finding, Stamp], None]:
    """Types a one-line act (a lambda) for ``Writer.change_finding``."""
    return act
