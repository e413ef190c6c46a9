"""What each Finding event changes in a finding's read-side row, stated once.

A row is a plain dict of ``rm_findings`` columns as stored (enums as their
values, the department as ``department_id``/``department_name``). ``CHANGES``
maps every Finding event class to a pure function ``(event, row before) ->
{column: new value}``; the views merge the result into whatever subset of the
row they keep. The domain's ``apply`` is never run here: the read side states
the observable effect of each event itself, so a new domain attribute cannot
silently break a view, and a new event class without an entry fails loudly.

The functions read only ``verification`` from the row before (a report
withdraws a pending claim): a view keeping ``verification`` passes it, one that
keeps none may pass an empty row and ignore ``verification`` in the result.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from domain.finding import Finding
from domain.vocabulary import STATUS_LABELS, FindingKind, Status, Verification

Fields = dict[str, Any]  # rm_findings column -> value
Change = Callable[[Any, Mapping[str, Any]], Fields]

_PENDING = Verification.PENDING.value


class UnmappedEventError(LookupError):
    """A Finding event class the read side does not know: add it to ``CHANGES``."""


def registered_row(e: Finding.Registered, committee: str) -> Fields:
    """The whole row a finding starts with."""
    return {
        "finding_id": e.originator_id,
        "audit_id": e.audit_id,
        "committee": committee,
        "kind": FindingKind(e.kind).value,
        "seq": e.seq,
        "request": e.request,
        "department_id": e.department.id,
        "department_name": e.department.name,
        "raised_by": e.raised_by,
        "status": Status.UNDER_REVIEW.value,
        "status_raw": STATUS_LABELS[Status.UNDER_REVIEW],
        "verification": None,
        "due_date": e.due_date,
        "actions": None,
        "plans": None,
        "delay_reason": None,
        "registered_on": e.business_date,
        "last_business_date": e.business_date,
        "version": e.originator_version,
        "updated_at": e.timestamp,
        "claimed_on": None,
        "last_reported_on": None,
        "extension_due_date": None,
        "review_on": None,
    }


def _reported(e: Finding.ProgressReported, before: Mapping[str, Any]) -> Fields:
    status = Status(e.status)
    fields: Fields = {
        "status": status.value,
        "status_raw": e.status_raw,
        "actions": e.actions,
        "plans": e.plans,
        "delay_reason": e.delay_reason,
        "last_reported_on": e.business_date,
    }
    if status.is_claim:
        fields["verification"] = _PENDING
        fields["claimed_on"] = e.business_date
    elif before.get("verification") == _PENDING:
        fields["verification"] = None  # another status withdraws the pending claim
    return fields


def _verified(e: Finding.ClaimVerified, before: Mapping[str, Any]) -> Fields:
    return {"verification": Verification.VERIFIED.value, "review_on": e.review_on}


def _back_in_progress(verification: Verification | None) -> Fields:
    return {
        "verification": verification.value if verification else None,
        "status": Status.IN_PROGRESS.value,
        "status_raw": STATUS_LABELS[Status.IN_PROGRESS],
    }


def _returned(e: Finding.ClaimReturned, before: Mapping[str, Any]) -> Fields:
    return _back_in_progress(Verification.RETURNED)


def _reopened(e: Finding.Reopened, before: Mapping[str, Any]) -> Fields:
    return {**_back_in_progress(None), "review_on": None}


def _due_date_changed(e: Finding.DueDateChanged, before: Mapping[str, Any]) -> Fields:
    return {"due_date": e.due_date}


def _reassigned(e: Finding.Reassigned, before: Mapping[str, Any]) -> Fields:
    return {"department_id": e.department.id, "department_name": e.department.name}


def _extension_requested(e: Finding.ExtensionRequested, before: Mapping[str, Any]) -> Fields:
    return {"extension_due_date": e.requested_due_date}


def _extension_granted(e: Finding.ExtensionGranted, before: Mapping[str, Any]) -> Fields:
    return {"due_date": e.due_date, "extension_due_date": None}


def _extension_refused(e: Finding.ExtensionRefused, before: Mapping[str, Any]) -> Fields:
    return {"extension_due_date": None}


def _nothing_shown(e: Finding.Event, before: Mapping[str, Any]) -> Fields:
    """Reminders, comments and evidence live in the timeline and inbox, not the row."""
    return {}


CHANGES: Mapping[type[Finding.Event], Change] = {
    Finding.ProgressReported: _reported,
    Finding.ClaimVerified: _verified,
    Finding.ClaimReturned: _returned,
    Finding.Reopened: _reopened,
    Finding.DueDateChanged: _due_date_changed,
    Finding.Reassigned: _reassigned,
    # Legacy, in stores written before the reminder log: it moved the version. A
    # reminder of the log (``ReminderLog.Raised``) is no event of the finding: no change.
    Finding.ReminderRaised: _nothing_shown,
    Finding.ExtensionRequested: _extension_requested,
    Finding.ExtensionGranted: _extension_granted,
    Finding.ExtensionRefused: _extension_refused,
    Finding.CommentAdded: _nothing_shown,
    Finding.EvidenceAttached: _nothing_shown,
    # Kept in their own tables (rm_carried_over, rm_repeat_links), not the row.
    Finding.CarriedOver: _nothing_shown,
    Finding.RepeatConfirmed: _nothing_shown,
    Finding.RepeatDismissed: _nothing_shown,
}


def changes(e: Finding.Event, before: Mapping[str, Any]) -> Fields:
    """The columns ``e`` changes, given the row before it; every event also moves
    the row's version, business date and time.

    Raises:
        UnmappedEventError: ``e``'s class has no entry in ``CHANGES``.
    """
    change = CHANGES.get(type(e))
    if change is None:
        raise UnmappedEventError(
            f"no read-side change is stated for {type(e).__qualname__}: add it to CHANGES"
        )
    fields = change(e, before)
    fields["version"] = e.originator_version
    fields["last_business_date"] = e.business_date
    fields["updated_at"] = e.timestamp
    return fields
