"""/api/v1/inbox and /api/v1/reminders: what reached me, and what is overdue or due soon."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from api.auth import PrincipalDep
from api.deps import ServicesDep
from api.openapi import errors
from api.schemas import NAME_PATTERN, FindingSummaryPublic, InboxEntryPublic
from domain.vocabulary import ReminderRule

router = APIRouter(tags=["reminders"])


@router.get("/inbox", response_model=list[InboxEntryPublic], responses=errors(403))
def inbox(
    services: ServicesDep,
    principal: PrincipalDep,
    department: Annotated[
        str | None,
        Query(
            max_length=200,
            pattern=NAME_PATTERN,
            description="A department id (with those merged into it); 'staff' for council staff",
        ),
    ] = None,
) -> list[InboxEntryPublic]:
    """My inbox: my departments' (an officer), or council staff's; or one named."""
    queries = services.queries
    entries = queries.inbox_for(principal, department)
    return [InboxEntryPublic.of(e) for e in entries]


@router.get("/reminders", response_model=list[FindingSummaryPublic])
def due_findings(
    services: ServicesDep,
    _: PrincipalDep,
    rule: Literal["overdue", "due_soon", "claim_waiting", "stale_plan"] = "overdue",
) -> list[FindingSummaryPublic]:
    """Findings a reminder rule applies to today (Korean business days)."""
    return [FindingSummaryPublic.of(f) for f in services.queries.due_findings(ReminderRule(rule))]
