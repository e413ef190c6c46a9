"""A demo audit that shows the product on the day it runs (`make run`).

The seed report is history: every claim was filed in 2018 and no finding has a due
date, so nothing would be overdue, due soon or waiting on anyone. Staging it, once,
as the demo staff account would: most claims verified, a few left in the queue, two of
the demo department's returned for more evidence, and due dates around today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from application.access import Principal
from application.dto import FindingFilter, FindingRow
from application.services import Followup
from application.writer import Target
from domain.vocabulary import Verification

# Claims left waiting in the verification queue: the demo department's, and others'.
OURS_WAITING, OTHERS_WAITING = 3, 5
RETURNED = 2
RETURN_REASON = "추진내용을 뒷받침하는 증빙자료(결과보고서 등)를 첨부하여 다시 보고하세요."
DUE_REASON = "데모: 처리기한 지정"
OVERDUE_BY = timedelta(days=12)
DUE_IN = timedelta(days=4)


@dataclass(frozen=True)
class DemoStage:
    staged: bool  # False: the audit was staged before (nothing done this time)
    verified: int
    returned: tuple[FindingRow, ...]
    waiting: int
    overdue: int
    due_soon: int


def stage_demo(services: Followup, staff: Principal, audit_id: UUID, department: str) -> DemoStage:
    """Stage the imported audit for the demo (rerunning changes nothing)."""
    queries = services.queries
    rows = sorted(
        queries.list_findings(FindingFilter(audit_id=audit_id)),
        key=lambda r: (r.kind.value, r.seq),
    )
    if any(r.due_date is not None for r in rows):
        return DemoStage(False, 0, (), 0, 0, 0)
    pending = [r for r in rows if r.verification is Verification.PENDING]
    ours = [r for r in pending if r.department == department]
    others = [r for r in pending if r.department != department]
    returned = tuple(ours[:RETURNED])
    for row in returned:
        services.findings.return_claim(Target(staff, row.finding_id), reason=RETURN_REASON)
    waiting = ours[RETURNED : RETURNED + OURS_WAITING] + others[:OTHERS_WAITING]
    kept = {r.finding_id for r in waiting} | {r.finding_id for r in returned}
    verified = [r for r in pending if r.finding_id not in kept]
    for row in verified:
        services.findings.verify_claim(Target(staff, row.finding_id))
    # Due dates on what is still to be done: half past due, half due in a few days.
    today = services.clock.today()
    # Open: no claim waiting and not closed (the seed's 추진중), and the claims returned.
    open_ids = [r.finding_id for r in rows if r.verification is None] + [
        r.finding_id for r in returned
    ]
    overdue = open_ids[::2]
    for finding_id in open_ids:
        due = today - OVERDUE_BY if finding_id in overdue else today + DUE_IN
        services.findings.change_due_date(
            Target(staff, finding_id), due_date=due, reason=DUE_REASON
        )
    return DemoStage(
        True,
        len(verified),
        returned,
        len(waiting),
        len(overdue),
        len(open_ids) - len(overdue),
    )
