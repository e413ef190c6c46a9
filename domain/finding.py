"""Finding (지적사항): one audit observation and its follow-up lifecycle."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Unpack
from uuid import UUID

from eventsourcing.domain import Aggregate, event
from eventsourcing.domain import Snapshot as AggregateSnapshot

from domain.dates import Milestone, extract_milestones
from domain.errors import (
    AlreadyCarriedError,
    BackdatingLimitError,
    BackdatingOnlyReportsError,
    BackdatingReasonRequiredError,
    BusinessDateBeforeLastEventError,
    BusinessDateBeforeRegistrationError,
    BusinessDateInFutureError,
    ExtensionAlreadyRequestedError,
    FindingClosedError,
    FindingNotClosedError,
    InvalidCarryOverError,
    InvalidExtensionError,
    InvalidFindingError,
    InvalidRepeatError,
    NoDueDateError,
    NoPendingClaimError,
    NoPendingExtensionError,
    NoReportError,
    NotAdoptedReasonRequiredError,
    ReviewDateError,
    SameDepartmentError,
    SameDueDateError,
    SameRepeatDecisionError,
    require_plausible,
)
from domain.values import (
    Actor,
    DepartmentRef,
    EvidenceFile,
    StampFields,
    natural_id,
    optional_text,
    required_reason,
    seoul_date,
    stamped,
)
from domain.vocabulary import (
    STATUS_LABELS,
    ActorKind,
    FindingKind,
    ReminderRule,
    Role,
    Status,
    Verification,
)

# How far back a department may date a report; older dates need council staff (or
# an import) and a reason (SPEC §3 "Actors and dates").
BACKDATING_DAYS = 31


# The reason recorded when the council's due-date policy moves a due date.
POLICY_REASON = "policy"


def reminder_key(rule: ReminderRule, reference_date: date, level: int) -> str:
    """The identity of a reminder on its finding (SPEC §4)."""
    return f"{rule.value}:{reference_date.isoformat()}:{level}"


class Finding(Aggregate):
    """Finding (지적사항): one audit observation and its follow-up lifecycle.

    Every change is an event that records its actor and its business date (the
    date the reported fact happened). Reporting 완료 or 미반영 makes a claim the
    council verifies; a verified finding is closed until staff reopen it.

    Business dates are never in the future nor before the registration, and on the
    events that place the finding in the 총괄 (``states_cell``) they never go back:
    so the finding's place as of any day is the one its history shows, and as of
    today it is where it is now.
    """

    class Event(Aggregate.Event):
        actor: Actor
        business_date: date

        # Whether the event may move the finding to another cell of the 총괄
        # (status, verification, department): the status history keeps these.
        states_cell = False  # not annotated: a class attribute, never a stored field

        def mutate(self, aggregate: Any) -> Any:
            finding = super().mutate(aggregate)
            assert finding is not None
            if self.states_cell:
                finding.cell_dated_on = max(finding.cell_dated_on, self.business_date)
            return finding

    class Registered(Aggregate.Created):
        # v2: whether the due date came from the council's due-date policy.
        class_version = 2

        audit_id: UUID
        kind: FindingKind
        seq: int
        request: str
        department: DepartmentRef
        raised_by: str | None
        due_date: date | None
        due_by_policy: bool
        actor: Actor
        business_date: date

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["due_by_policy"] = False

    class ProgressReported(Event):
        # v2 added the dated items of 향후계획 (milestones), for stale-plan reminders;
        # v3 whether the report was dated before the day it was recorded, and why,
        # and the evidence sent with it.
        class_version = 3
        states_cell = True

        status: Status
        status_raw: str
        actions: str | None
        plans: str | None
        delay_reason: str | None
        milestones: list[Milestone]
        backdated: bool
        backdate_reason: str | None
        evidence: list[EvidenceFile]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["milestones"] = []

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            # Known from the event itself: dated before the Seoul day it was recorded.
            state["backdated"] = state["business_date"] < seoul_date(state["timestamp"])
            state["backdate_reason"] = None
            state["evidence"] = []

        def apply(self, finding: Finding) -> None:
            finding.status = self.status
            finding.status_raw = self.status_raw
            finding.actions = self.actions
            finding.plans = self.plans
            finding.delay_reason = self.delay_reason
            if finding.status.is_claim:
                finding.verification = Verification.PENDING
                finding.claimed_on = self.business_date
            elif finding.verification is Verification.PENDING:
                # Reporting another status withdraws the pending claim.
                finding.verification = None
            finding.last_reported_on = self.business_date
            finding.last_report_version = self.originator_version
            finding.milestones = tuple(self.milestones)
            finding.evidence.extend(f.sha256 for f in self.evidence)

    class ClaimVerified(Event):
        # v2: the day a verified 미반영 comes up for review again (재검토일).
        class_version = 2
        states_cell = True

        note: str | None
        review_on: date | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["review_on"] = None

        def apply(self, finding: Finding) -> None:
            finding.verification = Verification.VERIFIED
            finding.review_on = self.review_on

    class ClaimReturned(Event):
        states_cell = True

        reason: str

        def apply(self, finding: Finding) -> None:
            finding.verification = Verification.RETURNED
            finding.status = Status.IN_PROGRESS
            finding.status_raw = STATUS_LABELS[Status.IN_PROGRESS]

    class Reopened(Event):
        states_cell = True

        reason: str

        def apply(self, finding: Finding) -> None:
            finding.verification = None
            finding.review_on = None
            finding.status = Status.IN_PROGRESS
            finding.status_raw = STATUS_LABELS[Status.IN_PROGRESS]

    class DueDateChanged(Event):
        # v2: set by the council's due-date policy (reason "policy"), not by a person.
        class_version = 2

        due_date: date | None
        previous_due_date: date | None
        reason: str
        by_policy: bool

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["by_policy"] = False

        def apply(self, finding: Finding) -> None:
            finding.due_date = self.due_date
            finding.due_by_policy = self.by_policy

    class Reassigned(Event):
        states_cell = True

        department: DepartmentRef
        previous_department: DepartmentRef
        reason: str

        def apply(self, finding: Finding) -> None:
            finding.department = self.department

    class ReminderRaised(Event):
        """Legacy: a reminder as stores written before the reminder log recorded it, in
        the finding's own stream. Still read (it fills ``reminders``, which the reminder
        job consults so that such a key is never raised again); no longer recorded:
        reminders go to ``domain.reminders.ReminderLog``."""

        rule: ReminderRule
        reference_date: date  # the due date, the claim's date or the milestone's deadline
        level: int
        detail: str | None

        def apply(self, finding: Finding) -> None:
            finding.reminders.add(reminder_key(self.rule, self.reference_date, self.level))

    class ExtensionRequested(Event):
        requested_due_date: date
        reason: str

        def apply(self, finding: Finding) -> None:
            finding.extension_request = (self.requested_due_date, self.reason)

    class ExtensionGranted(Event):
        due_date: date
        previous_due_date: date | None
        reason: str

        def apply(self, finding: Finding) -> None:
            finding.due_date = self.due_date
            finding.due_by_policy = False  # a person's decision now
            finding.extension_request = None

    class ExtensionRefused(Event):
        reason: str

        def apply(self, finding: Finding) -> None:
            finding.extension_request = None

    class CommentAdded(Event):
        text: str

        def apply(self, finding: Finding) -> None:
            finding.comments += 1

    class EvidenceAttached(Event):
        """증빙자료 sent after a report, for that report (or claim): the file itself is
        stored content-addressed, by its SHA-256."""

        # v2 names the report it supports (None: attached before reports were named).
        class_version = 2

        file_name: str
        content_type: str
        size: int
        sha256: str
        note: str | None
        report_version: int | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["report_version"] = None

        def apply(self, finding: Finding) -> None:
            finding.evidence.append(self.sha256)

    class CarriedOver(Event):
        """Still open, the finding is followed in a later year's audit too (이월): the
        same aggregate, its whole history kept; its own audit still counts it."""

        to_audit_id: UUID

        def apply(self, finding: Finding) -> None:
            finding.carried_into.append(self.to_audit_id)

    class RepeatConfirmed(Event):
        """Council staff confirm the finding repeats an earlier year's one (반복 지적)."""

        earlier_finding_id: UUID

        def apply(self, finding: Finding) -> None:
            finding.repeat_of = self.earlier_finding_id
            if self.earlier_finding_id in finding.dismissed_repeats:
                finding.dismissed_repeats.remove(self.earlier_finding_id)

    class RepeatDismissed(Event):
        """Council staff say a suggested earlier finding is not repeated by this one."""

        earlier_finding_id: UUID

        def apply(self, finding: Finding) -> None:
            finding.dismissed_repeats.append(self.earlier_finding_id)
            if finding.repeat_of == self.earlier_finding_id:
                finding.repeat_of = None

    class Snapshot(AggregateSnapshot):
        """The finding's state at a version, in the shapes JSON keeps.

        JSON has no set or tuple: ``take`` stores the reminder keys as a sorted
        list and ``mutate`` gives every attribute its own type back, so a finding
        loaded from a snapshot equals one replayed from its events.
        """

        @classmethod
        def take(cls, aggregate: Any) -> Any:
            snapshot = super().take(aggregate)
            snapshot.state["reminders"] = sorted(snapshot.state["reminders"])
            return snapshot

        def mutate(self, _: None) -> Any:
            finding = super().mutate(_)
            state = finding.__dict__
            state["reminders"] = set(state["reminders"])
            state["milestones"] = tuple(state["milestones"])
            if state["extension_request"] is not None:
                state["extension_request"] = tuple(state["extension_request"])
            # Snapshots taken before carry-overs and repeat links were recorded.
            state.setdefault("carried_into", [])
            state.setdefault("repeat_of", None)
            state.setdefault("dismissed_repeats", [])
            state.setdefault("due_by_policy", False)
            state.setdefault("review_on", None)
            return finding

    @event(Registered)
    def __init__(
        self,
        audit_id: UUID,
        kind: FindingKind,
        seq: int,
        request: str,
        department: DepartmentRef,
        raised_by: str | None,
        due_date: date | None,
        due_by_policy: bool,
        actor: Actor,
        business_date: date,
    ) -> None:
        self.audit_id = audit_id
        self.kind = kind
        self.seq = seq
        self.request = request
        self.department = department
        self.raised_by = raised_by
        self.due_date = due_date
        self.due_by_policy = due_by_policy  # the council's policy set it: it may move it
        self.review_on: date | None = None  # a verified 미반영's re-review date
        self.registered_on = business_date
        self.cell_dated_on = business_date  # the latest business date of a states_cell event
        self.status = Status.UNDER_REVIEW
        self.status_raw: str = STATUS_LABELS[Status.UNDER_REVIEW]
        self.actions: str | None = None
        self.plans: str | None = None
        self.delay_reason: str | None = None
        self.verification: Verification | None = None
        self.last_reported_on: date | None = None
        self.last_report_version: int | None = None
        self.milestones: tuple[Milestone, ...] = ()
        self.claimed_on: date | None = None
        self.reminders: set[str] = set()
        self.extension_request: tuple[date, str] | None = None
        self.comments = 0
        self.evidence: list[str] = []
        self.carried_into: list[UUID] = []  # later audits that follow it too (이월)
        self.repeat_of: UUID | None = None  # the earlier finding it repeats (confirmed)
        self.dismissed_repeats: list[UUID] = []  # suggestions staff said it does not repeat

    @staticmethod
    def create_id(audit_id: UUID, kind: FindingKind, seq: int) -> UUID:
        """'Finding #7 of this audit's corrective kind' exists at most once."""
        return natural_id("finding", audit_id, kind.value, seq)

    @property
    def is_closed(self) -> bool:
        return self.verification is Verification.VERIFIED

    @property
    def has_pending_claim(self) -> bool:
        return self.verification is Verification.PENDING

    @classmethod
    def register(
        cls,
        *,
        audit_id: UUID,
        kind: FindingKind,
        seq: int,
        request: str,
        department: DepartmentRef,
        raised_by: str | None = None,
        due_date: date | None = None,
        due_by_policy: bool = False,
        **stamp: Unpack[StampFields],
    ) -> Finding:
        """Register a finding of an audit (``due_by_policy``: its due date is the
        council's default, which a change of the policy may move).

        Raises:
            InvalidFindingError: no request text, no department, or seq < 1.
        """
        request_text = optional_text(request)
        if request_text is None:
            raise InvalidFindingError("request text is required")
        if not department.name.strip():
            raise InvalidFindingError("department is required")
        if seq < 1:
            raise InvalidFindingError(f"seq {seq} < 1")
        day, today = stamp["business_date"], seoul_date(stamp["now"])
        if day > today:
            raise BusinessDateInFutureError(f"{day} > {today}")
        require_plausible(due_date, today)
        return cls._create(
            cls.Registered,
            id=cls.create_id(audit_id, kind, seq),
            audit_id=audit_id,
            kind=kind,
            seq=seq,
            request=request_text,
            department=department,
            raised_by=optional_text(raised_by),
            due_date=due_date,
            due_by_policy=due_by_policy and due_date is not None,
            **stamped(**stamp),
        )

    def report_progress(
        self,
        *,
        status: Status,
        status_raw: str | None = None,
        actions: str | None = None,
        plans: str | None = None,
        delay_reason: str | None = None,
        backdate_reason: str | None = None,
        evidence: Sequence[EvidenceFile] = (),
        **stamp: Unpack[StampFields],
    ) -> None:
        """Record a progress report (추진상황, 추진내용, 향후계획, 부진사유) and the
        evidence sent with it (stored files, by their SHA-256).

        Its business date may be before today: by a department at most
        ``BACKDATING_DAYS`` back, older by council staff or an import with a reason
        (an import's reason is its document); the event records that it was
        back-dated and why (its actor says by whom).

        Raises:
            FindingClosedError: the finding was verified and not reopened.
            NotAdoptedReasonRequiredError: 미반영 without any reason text.
            BusinessDateError: a date outside those rules.
            InvalidFindingError: evidence without a name, a size or a SHA-256.
        """
        self._check_open()
        actions, plans = optional_text(actions), optional_text(plans)
        delay_reason = optional_text(delay_reason)
        if status is Status.NOT_ADOPTED and not (delay_reason or actions):
            raise NotAdoptedReasonRequiredError()
        backdate_reason = optional_text(backdate_reason)
        self._check_date(self.ProgressReported, stamp, backdate_reason)
        backdated = stamp["business_date"] < seoul_date(stamp["now"])
        self._record(
            self.ProgressReported,
            stamp,
            backdated=backdated,
            backdate_reason=backdate_reason if backdated else None,
            evidence=[_checked_file(f) for f in evidence],
            status=status,
            status_raw=optional_text(status_raw) or STATUS_LABELS[status],
            actions=actions,
            plans=plans,
            delay_reason=delay_reason,
            # Read once, at the report's own date, and kept: a later, better
            # parser never changes what was planned then.
            milestones=list(extract_milestones(plans, reference=stamp["business_date"])),
        )

    def verify_claim(
        self,
        *,
        note: str | None = None,
        review_on: date | None = None,
        **stamp: Unpack[StampFields],
    ) -> None:
        """Accept the pending 완료/미반영 claim; the finding is closed. A 미반영 may
        come up for review again on ``review_on`` (a reminder raises it then).

        Raises:
            NoPendingClaimError: nothing is waiting for verification.
            ReviewDateError: a review date on a 완료, or not after the business date.
        """
        self._check_pending_claim()
        if review_on is not None and (
            self.status is not Status.NOT_ADOPTED or review_on <= stamp["business_date"]
        ):
            raise ReviewDateError(str(review_on))
        self._record(self.ClaimVerified, stamp, note=optional_text(note), review_on=review_on)

    def return_claim(self, *, reason: str, **stamp: Unpack[StampFields]) -> None:
        """Send the claim back (보완요구): status 추진중, the department is told.

        Raises:
            NoPendingClaimError, ReasonRequiredError.
        """
        self._check_pending_claim()
        self._record(self.ClaimReturned, stamp, reason=required_reason(reason))

    def reopen(self, *, reason: str, **stamp: Unpack[StampFields]) -> None:
        """Reopen a closed finding: status 추진중, verification cleared.

        Raises:
            FindingNotClosedError, ReasonRequiredError.
        """
        if not self.is_closed:
            raise FindingNotClosedError()
        self._record(self.Reopened, stamp, reason=required_reason(reason))

    def change_due_date(
        self, *, due_date: date | None, reason: str, **stamp: Unpack[StampFields]
    ) -> None:
        """Set a new 처리기한 (or none).

        Raises:
            FindingClosedError, ReasonRequiredError, SameDueDateError.
        """
        reason = self._open_with_reason(reason)
        if due_date == self.due_date:
            raise SameDueDateError(str(due_date))
        require_plausible(due_date, seoul_date(stamp["now"]))
        self._replace(self.DueDateChanged, "due_date", due_date, reason, stamp, by_policy=False)

    def apply_due_policy(self, *, due_date: date, **stamp: Unpack[StampFields]) -> bool:
        """Move a due date the council's policy set to the policy's new one (reason
        "policy"); a due date a person or a document set stays. True if it moved."""
        if self.is_closed or not self.due_by_policy or due_date == self.due_date:
            return False
        require_plausible(due_date, seoul_date(stamp["now"]))
        self._replace(
            self.DueDateChanged, "due_date", due_date, POLICY_REASON, stamp, by_policy=True
        )
        return True

    def reassign(
        self, *, department: DepartmentRef, reason: str, **stamp: Unpack[StampFields]
    ) -> None:
        """Make another department responsible.

        Raises:
            FindingClosedError, ReasonRequiredError, SameDepartmentError.
        """
        reason = self._open_with_reason(reason)
        if department.id == self.department.id:
            raise SameDepartmentError(department.name)
        self._replace(self.Reassigned, "department", department, reason, stamp)

    def request_extension(
        self, *, due_date: date, reason: str, **stamp: Unpack[StampFields]
    ) -> None:
        """A department asks for a later due date (기한연장 요청).

        Raises:
            FindingClosedError, ReasonRequiredError, ExtensionAlreadyRequestedError,
            NoDueDateError: nothing to extend,
            InvalidExtensionError: not later than the current due date.
        """
        reason = self._open_with_reason(reason)
        if self.extension_request is not None:
            raise ExtensionAlreadyRequestedError()
        if self.due_date is None:
            raise NoDueDateError()
        if due_date <= self.due_date:
            raise InvalidExtensionError(f"{due_date} <= {self.due_date}")
        require_plausible(due_date, seoul_date(stamp["now"]))
        self._record(self.ExtensionRequested, stamp, requested_due_date=due_date, reason=reason)

    def grant_extension(self, *, reason: str, **stamp: Unpack[StampFields]) -> None:
        """Council staff grant the pending request: the due date becomes the requested one.

        Raises:
            NoPendingExtensionError, ReasonRequiredError, FindingClosedError.
        """
        reason = self._open_with_reason(reason)
        requested = self._pending_extension()
        self._record(
            self.ExtensionGranted,
            stamp,
            due_date=requested,
            previous_due_date=self.due_date,
            reason=reason,
        )

    def refuse_extension(self, *, reason: str, **stamp: Unpack[StampFields]) -> None:
        """Council staff refuse the pending request; the due date stays.

        Raises:
            NoPendingExtensionError, ReasonRequiredError.
        """
        reason = required_reason(reason)
        self._pending_extension()
        self._record(self.ExtensionRefused, stamp, reason=reason)

    def add_comment(self, *, text: str, **stamp: Unpack[StampFields]) -> None:
        """Staff and departments talk on the finding; closed findings too (read only otherwise).

        Raises:
            InvalidFindingError: an empty comment.
        """
        body = optional_text(text)
        if body is None:
            raise InvalidFindingError("empty comment")
        self._record(self.CommentAdded, stamp, text=body)

    def attach_evidence(
        self,
        *,
        file_name: str,
        content_type: str,
        size: int,
        sha256: str,
        note: str | None = None,
        **stamp: Unpack[StampFields],
    ) -> None:
        """Attach a stored file (증빙자료) to the latest report (or claim): what it proves.

        Raises:
            FindingClosedError, NoReportError: no report to support yet,
            InvalidFindingError: no name, a bad hash or size.
        """
        self.check_evidence_supported()
        file = _checked_file(EvidenceFile(sha256, file_name, content_type, size))
        self._record(
            self.EvidenceAttached,
            stamp,
            file_name=file.file_name,
            content_type=file.content_type,
            size=file.size,
            sha256=file.sha256,
            note=optional_text(note),
            report_version=self.last_report_version,
        )

    def check_evidence_supported(self) -> None:
        """A file attached now would support the latest report (asked before storing it).

        Raises:
            FindingClosedError, NoReportError: no report to support yet.
        """
        self._check_open()
        if self.last_report_version is None:
            raise NoReportError()

    def carry_over(self, *, to_audit_id: UUID, **stamp: Unpack[StampFields]) -> None:
        """Follow the still open finding in a later audit too (이월).

        Raises:
            FindingClosedError, InvalidCarryOverError: into its own audit,
            AlreadyCarriedError: into that audit already.
        """
        self._check_open()
        if to_audit_id == self.audit_id:
            raise InvalidCarryOverError(str(to_audit_id))
        if to_audit_id in self.carried_into:
            raise AlreadyCarriedError(str(to_audit_id))
        self._record(self.CarriedOver, stamp, to_audit_id=to_audit_id)

    def confirm_repeat(self, *, earlier_finding_id: UUID, **stamp: Unpack[StampFields]) -> None:
        """Record that this finding repeats an earlier one (closed findings too).

        Raises:
            InvalidRepeatError: itself, SameRepeatDecisionError: already confirmed.
        """
        if earlier_finding_id == self.id:
            raise InvalidRepeatError(str(earlier_finding_id))
        if self.repeat_of == earlier_finding_id:
            raise SameRepeatDecisionError(str(earlier_finding_id))
        self._record(self.RepeatConfirmed, stamp, earlier_finding_id=earlier_finding_id)

    def dismiss_repeat(self, *, earlier_finding_id: UUID, **stamp: Unpack[StampFields]) -> None:
        """Record that a suggested earlier finding is not repeated by this one.

        Raises:
            InvalidRepeatError: itself, SameRepeatDecisionError: already dismissed.
        """
        if earlier_finding_id == self.id:
            raise InvalidRepeatError(str(earlier_finding_id))
        if earlier_finding_id in self.dismissed_repeats:
            raise SameRepeatDecisionError(str(earlier_finding_id))
        self._record(self.RepeatDismissed, stamp, earlier_finding_id=earlier_finding_id)

    def _record(self, event_class: type[Finding.Event], stamp: StampFields, **facts: Any) -> None:
        if event_class is not self.ProgressReported:  # checked with its reason
            self._check_date(event_class, stamp, None)
        self.trigger_event(event_class, **facts, **stamped(**stamp))

    def _check_date(
        self, event_class: type[Finding.Event], stamp: StampFields, reason: str | None
    ) -> None:
        """The business date rules (SPEC §3); ``reason`` says why a date is old.

        Raises:
            BusinessDateError: in the future, before the registration, before the
            latest date that placed the finding in the 총괄, or too far back for
            this actor (or without a reason).
        """
        day, today = stamp["business_date"], seoul_date(stamp["now"])
        if day > today:
            raise BusinessDateInFutureError(f"{day} > {today}")
        if day < self.registered_on:
            raise BusinessDateBeforeRegistrationError(f"{day} < {self.registered_on}")
        if event_class.states_cell and day < self.cell_dated_on:
            raise BusinessDateBeforeLastEventError(f"{day} < {self.cell_dated_on}")
        if (today - day).days > BACKDATING_DAYS:
            actor = stamp["actor"]
            if actor.kind is ActorKind.IMPORT:
                return  # the document's date; the actor names the document
            if actor.role is Role.DEPARTMENT_OFFICER:
                raise BackdatingLimitError(f"{day}: more than {BACKDATING_DAYS} days back")
            if event_class is not self.ProgressReported:
                raise BackdatingOnlyReportsError(str(day))
            if reason is None:
                raise BackdatingReasonRequiredError(str(day))

    def _replace(
        self,
        event_class: type[Finding.Event],
        name: str,
        value: object,
        reason: str,
        stamp: StampFields,
        **more: Any,
    ) -> None:
        """Record that ``name`` becomes ``value`` (and what it was) for a reason."""
        previous = {f"previous_{name}": getattr(self, name)}
        self._record(event_class, stamp, **{name: value}, **previous, reason=reason, **more)

    def _open_with_reason(self, reason: str) -> str:
        """The stripped reason of a change to an open finding (checked in that order)."""
        self._check_open()
        return required_reason(reason)

    def _pending_extension(self) -> date:
        if self.extension_request is None:
            raise NoPendingExtensionError()
        return self.extension_request[0]

    def _check_open(self) -> None:
        if self.is_closed:
            raise FindingClosedError()

    def _check_pending_claim(self) -> None:
        if not self.has_pending_claim:
            raise NoPendingClaimError()


def _checked_file(file: EvidenceFile) -> EvidenceFile:
    """Raises InvalidFindingError: no name, a negative size, or not a SHA-256 in hex."""
    name = optional_text(file.file_name)
    digest = file.sha256
    if name is None or file.size < 0 or len(digest) != 64 or digest.strip("0123456789abcdef"):
        raise InvalidFindingError("evidence needs a name, a size and a SHA-256")
    return EvidenceFile(digest, name, file.content_type, file.size)
