"""Reminders that chase by themselves (SPEC §4).

``reminders_due`` is pure: given the open findings, a date and the Korean
business calendar, which reminders are due. ``ReminderJob`` records them as
events in each finding's reminder log, beside the finding (each once, whatever the
number of runs or processes; the finding's version never moves), turns the inbox
into one digest per recipient and day in the outbox, and delivers the outbox.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import KW_ONLY, dataclass, field
from datetime import date, datetime, timedelta
from uuid import UUID

from eventsourcing.persistence import RecordConflictError

from application.digests import department_digest, staff_digest, staff_message_key, topic_label
from application.dto import FindingFilter, FindingRow, ReminderCandidate
from application.notifications import DeliveryError, DigestItem, MailSender
from application.ports import (
    BusinessCalendar,
    Clock,
    Outbox,
    ReadModel,
    ReminderObserver,
    ReminderReadModel,
)
from application.writer import Writer
from domain.finding import Finding, reminder_key
from domain.reminders import ReminderLog
from domain.values import Actor
from domain.vocabulary import KIND_LABELS, ActorKind, ReminderRule, Verification

log = logging.getLogger(__name__)

SCHEDULER = Actor(kind=ActorKind.SCHEDULER, id="scheduler")
STAFF = "staff"  # the inbox recipient for council staff


@dataclass(frozen=True)
class ReminderPolicy:
    due_soon_days: int = 5  # business days before the due date
    claim_wait_days: int = 10  # business days a claim may wait for verification
    escalation_levels: tuple[int, ...] = (0, 10, 20)  # business days overdue


@dataclass(frozen=True)
class DueReminder:
    finding_id: UUID
    rule: ReminderRule
    reference_date: date
    level: int = 0
    detail: str | None = None


def reminders_due(
    candidates: Sequence[ReminderCandidate],
    today: date,
    calendar: BusinessCalendar,
    policy: ReminderPolicy = ReminderPolicy(),
) -> list[DueReminder]:
    """Which reminders are due on ``today`` (a Seoul calendar date)."""
    due: list[DueReminder] = []
    for c in candidates:
        if c.verification is Verification.VERIFIED:
            # Closed; a 미반영 comes up again on its re-review date (once: the key).
            if c.review_on is not None and today >= c.review_on:
                due.append(DueReminder(c.finding_id, ReminderRule.REVIEW_DUE, c.review_on))
            continue
        if c.verification is Verification.PENDING:
            # A claim stops the department's clock, never the council's.
            if c.claimed_on and (
                calendar.business_days_after(c.claimed_on, today) > policy.claim_wait_days
            ):
                due.append(DueReminder(c.finding_id, ReminderRule.CLAIM_WAITING, c.claimed_on))
            continue
        if c.due_date is not None:
            due.extend(_due_date_reminders(c, today, calendar, policy))
        due.extend(_stale_plans(c, today))
    return due


def _due_date_reminders(
    c: ReminderCandidate, today: date, calendar: BusinessCalendar, policy: ReminderPolicy
) -> list[DueReminder]:
    assert c.due_date is not None
    if today > c.due_date:
        overdue_days = calendar.business_days_after(c.due_date, today)
        # Only the highest level reached: a run after downtime does not replay the ladder.
        level = max(lv for lv in policy.escalation_levels if overdue_days >= lv)
        return [DueReminder(c.finding_id, ReminderRule.OVERDUE, c.due_date, level)]
    if calendar.business_days_after(today, c.due_date) <= policy.due_soon_days:
        return [DueReminder(c.finding_id, ReminderRule.DUE_SOON, c.due_date)]
    return []


def _stale_plans(c: ReminderCandidate, today: date) -> list[DueReminder]:
    found: dict[date, DueReminder] = {}
    for deadline, text in c.milestones:
        passed = deadline < today
        no_newer_report = c.last_reported_on is None or c.last_reported_on <= deadline
        if passed and no_newer_report and deadline not in found:
            found[deadline] = DueReminder(
                c.finding_id, ReminderRule.STALE_PLAN, deadline, detail=text
            )
    return list(found.values())


@dataclass
class DueReminders:
    """Which reminders are due today, from the read model: the one place that
    computes it for the job, the API and the web pages."""

    read_model: ReminderReadModel
    calendar: BusinessCalendar
    clock: Clock
    policy: ReminderPolicy = field(default_factory=ReminderPolicy)

    def due(
        self, today: date | None = None, departments: frozenset[str] | None = None
    ) -> list[DueReminder]:
        """Due on ``today`` (default: the Seoul date), optionally for some department ids."""
        candidates = [
            c
            for c in self.read_model.reminder_candidates()
            if departments is None or c.department_id in departments
        ]
        return reminders_due(candidates, today or self.clock.today(), self.calendar, self.policy)

    def finding_ids(
        self,
        rule: ReminderRule,
        today: date | None = None,
        departments: frozenset[str] | None = None,
    ) -> tuple[UUID, ...]:
        """Findings ``rule`` applies to, each once, in the order the rules found them."""
        due = self.due(today, departments)
        return tuple(dict.fromkeys(r.finding_id for r in due if r.rule is rule))


@dataclass(frozen=True)
class Recipients:
    """E-mail addresses: per department id, and council staff's (of every council,
    and per council by name: each council's staff get their council's digest)."""

    departments: dict[str, tuple[str, ...]] = field(default_factory=dict)
    staff: tuple[str, ...] = ()
    council_staff: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass
class ReminderRun:
    raised: int = 0
    already_raised: int = 0
    digests_queued: int = 0
    digests_sent: int = 0
    delivery_failures: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "raised": self.raised,
            "already_raised": self.already_raised,
            "digests_sent": self.digests_sent,
            "digests_queued": self.digests_queued,
            "delivery_failures": self.delivery_failures,
        }


@dataclass
class ReminderJob:
    """The daily job: raise → compose → deliver. Every step may run again safely."""

    writer: Writer
    read_model: ReadModel
    outbox: Outbox
    rules: DueReminders
    _: KW_ONLY
    sender: MailSender | None = None
    recipients: Recipients = field(default_factory=Recipients)
    app_url: str | None = None
    # Given, the recipients of a day, asked at each run: departments registered or
    # merged since the job was built are mailed too.
    recipients_on: Callable[[date], Recipients] | None = None
    observer: ReminderObserver | None = None  # the server's metrics

    @property
    def clock(self) -> Clock:
        return self.writer.clock

    def run(self, today: date | None = None) -> ReminderRun:
        today = today or self.clock.today()
        run = ReminderRun()
        run.raised, run.already_raised = self.raise_due(today)
        run.digests_queued = self.compose_digests(today)
        run.digests_sent, run.delivery_failures = self.deliver()
        return run

    def raise_due(self, today: date, attempts: int = 5) -> tuple[int, int]:
        """Record every due reminder once; returns (raised now, raised before).

        Each goes into the finding's reminder log, never into the finding: its version
        stays what the people who read it saw. A key is raised before when the log
        holds it, or the finding's own stream does (stores written before the log).
        """
        due = self.rules.due(today)
        for attempt in range(attempts):
            logs: dict[UUID, tuple[ReminderLog, Finding]] = {}
            changed: dict[UUID, ReminderLog] = {}  # a log opened and nothing raised: unsaved
            raised = 0
            by_rule: Counter[str] = Counter()
            for reminder in due:
                if reminder.finding_id not in logs:
                    logs[reminder.finding_id] = self._log_of(reminder.finding_id, today)
                log_, finding = logs[reminder.finding_id]
                key = reminder_key(reminder.rule, reminder.reference_date, reminder.level)
                if key in finding.reminders:
                    continue  # a legacy ReminderRaised in the finding's own stream
                if log_.raise_reminder(
                    finding_version=finding.version,
                    rule=reminder.rule,
                    reference_date=reminder.reference_date,
                    level=reminder.level,
                    detail=reminder.detail,
                    actor=SCHEDULER,
                    business_date=today,
                    now=self.clock.now(),
                ):
                    raised += 1
                    by_rule[reminder.rule.value] += 1
                    changed[reminder.finding_id] = log_
            try:
                if changed:
                    self.writer.save(*changed.values())
            except RecordConflictError:
                # Another process saved some of these logs first: reload and try
                # again; what it raised is now "already raised".
                log.info("reminders raced another process (attempt %d); retrying", attempt + 1)
                continue
            if raised:
                log.info("reminders raised", extra={"raised": dict(sorted(by_rule.items()))})
            if self.observer is not None:
                for rule, count in sorted(by_rule.items()):
                    self.observer.reminders_raised(rule, count)
            return raised, len(due) - raised
        raise RuntimeError("reminders could not be saved after repeated conflicts")

    def _log_of(self, finding_id: UUID, today: date) -> tuple[ReminderLog, Finding]:
        """The finding's reminder log (a new one, unsaved, if it has none) and the finding."""
        finding = self.writer.events.finding(finding_id)
        found = self.writer.events.reminder_log(finding_id)
        if found is None:
            found = ReminderLog.open(
                finding_id, actor=SCHEDULER, business_date=today, now=self.clock.now()
            )
        return found, finding

    def compose_digests(self, today: date) -> int:
        """One digest per recipient and day, carrying what no digest carried yet."""
        queued = 0
        now = self.clock.now()
        if self.recipients_on is not None:
            self.recipients = self.recipients_on(today)
        for department_id, addresses in sorted(self.recipients.departments.items()):
            if self.outbox.has_digest(department_id, today):
                continue  # today's went out: later entries wait for tomorrow's
            entries = self.outbox.undigested(department_id)
            if not entries or not addresses:
                continue
            mail = department_digest(
                recipient_key=department_id,
                department_name=entries[-1].department,
                day=today,
                items=[e.as_digest_item() for e in entries],
                recipients=addresses,
                app_url=self.app_url,
            )
            queued += self.outbox.enqueue(
                mail, recipient_key=department_id, day=today, items=entries, now=now
            )
        if self.recipients.staff and not self.outbox.has_digest(STAFF, today):
            queued += self._compose_staff_digest(today, now, self.recipients.staff)
        for council, addresses in sorted(self.recipients.council_staff.items()):
            key = staff_message_key(council)
            if addresses and not self.outbox.has_digest(key, today):
                queued += self._compose_staff_digest(today, now, addresses, council)
        return queued

    def _compose_staff_digest(
        self, today: date, now: datetime, addresses: tuple[str, ...], council: str | None = None
    ) -> int:
        """Staff's digest: of every council, or (``council``) of that council alone."""
        due = self.rules.due(today)
        listed = self.read_model.list_findings(FindingFilter(council=council))
        rows = {f.finding_id: f for f in listed}

        def items(rule: ReminderRule) -> list[DigestItem]:
            return [
                _digest_item(rows[r.finding_id], r)
                for r in due
                if r.rule is rule and r.finding_id in rows
            ]

        overdue, waiting = items(ReminderRule.OVERDUE), items(ReminderRule.CLAIM_WAITING)
        entries = self.outbox.undigested(STAFF, council)
        if not (overdue or waiting or entries):
            return 0
        key = STAFF if council is None else staff_message_key(council)
        mail = staff_digest(
            day=today,
            overdue=overdue,
            waiting_claims=waiting,
            recipients=addresses,
            app_url=self.app_url,
            council=council,
            recipient_key=staff_message_key(council),
        )
        return int(self.outbox.enqueue(mail, recipient_key=key, day=today, items=entries, now=now))

    def deliver(self, lease: timedelta = timedelta(minutes=5)) -> tuple[int, int]:
        """Send what the outbox holds; a failure stays there for a later retry."""
        if self.sender is None:
            return 0, 0
        sent = failed = 0
        for mail in self.outbox.claim_due(self.clock.now(), lease):
            try:
                self.sender.send(mail)
            except DeliveryError as e:
                failed += 1
                self.outbox.mark_failed(mail.message_id, self.clock.now(), str(e))
                # What the outbox keeps as last_error: the server's answer, no credentials.
                log.warning(
                    "digest delivery failed; retried later",
                    extra={"message_id": mail.message_id, "error": str(e)},
                )
                if self.observer is not None:
                    self.observer.digest_failed()
                continue
            # A crash right here resends the mail later, with the same Message-ID.
            self.outbox.mark_sent(mail.message_id, self.clock.now())
            sent += 1
            log.info("digest sent", extra={"message_id": mail.message_id})
            if self.observer is not None:
                self.observer.digest_sent()
        return sent, failed


def _digest_item(row: FindingRow, reminder: DueReminder) -> DigestItem:
    return DigestItem(
        finding_id=row.finding_id,
        kind_label=KIND_LABELS[row.kind],
        seq=row.seq,
        request=row.request,
        topic=reminder.rule.value,
        topic_label=topic_label(reminder.rule.value),
        level=reminder.level,
        reference_date=reminder.reference_date,
        detail=reminder.detail,
        department=row.department,
    )
