"""/api/v1/inbox and /api/v1/reminders: what reached me, and what is overdue or due soon."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from api.auth import PrincipalDep
from api.deps import TrackerDep
from api.schemas import FindingSummaryPublic, InboxEntryPublic
from application.digests import topic_label
from application.dto import FindingFilter
from application.reminders import STAFF, reminders_due
from domain.vocabulary import ReminderRule

router = APIRouter(tags=["reminders"])


@router.get("/inbox", response_model=list[InboxEntryPublic])
def inbox(
    request: Request,
    tracker: TrackerDep,
    principal: PrincipalDep,
    department: Annotated[
        str | None, Query(description="A department id; 'staff' for council staff")
    ] = None,
) -> list[InboxEntryPublic]:
    """My inbox: my departments' (an officer), or council staff's; or one named."""
    job = request.app.state.runtime.reminder_job()
    if department is not None:
        recipients = [department]
    elif principal.is_council_staff:
        recipients = [STAFF]
    else:
        recipients = sorted(principal.departments)
    entries = [e for r in recipients for e in job.read_model.inbox(r)]
    return [
        InboxEntryPublic(
            finding_id=e.finding_id,
            department=e.department,
            rule=e.topic,
            label=topic_label(e.topic),
            level=e.level,
            raised_on=e.raised_on,
            reference_date=e.reference_date,
            detail=e.detail,
            kind_label=e.kind_label,
            seq=e.seq,
            request=e.request,
        )
        for e in entries
    ]


@router.get("/reminders", response_model=list[FindingSummaryPublic])
def due_findings(
    request: Request,
    tracker: TrackerDep,
    _: PrincipalDep,
    rule: Literal["overdue", "due_soon", "claim_waiting", "stale_plan"] = "overdue",
) -> list[FindingSummaryPublic]:
    """Findings a reminder rule applies to today (Korean business days)."""
    job = request.app.state.runtime.reminder_job()
    due = reminders_due(
        job.read_model.reminder_candidates(), tracker.clock.today(), job.calendar, job.policy
    )
    ids = tuple(dict.fromkeys(r.finding_id for r in due if r.rule is ReminderRule(rule)))
    if not ids:
        return []
    return [
        FindingSummaryPublic.of(f) for f in tracker.list_findings(FindingFilter(finding_ids=ids))
    ]
