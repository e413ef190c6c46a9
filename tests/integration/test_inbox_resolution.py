"""The inbox empties as work is done: each entry is resolved by what it asks for, on
SQLite and PostgreSQL; read marks are each account's own; a rebuild gives the same."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from uuid import UUID

import pytest
from sqlalchemy import select

from application.access import Principal
from application.dto import FindingFilter, InboxEntry
from application.inbox import InboxFilter, InboxState
from application.writer import Target
from domain.values import Actor
from domain.vocabulary import Role, Status, Verification
from infrastructure.bootstrap import Runtime
from infrastructure.outbox import SqlOutbox
from infrastructure.readmodel import tables
from infrastructure.settings import Settings
from tests.conftest import FixedClock, seeded_runtime

DEADLINE = date(2019, 1, 15)
SOCIAL = "사회적경제담당관"


@pytest.fixture
def seeded(database_url: str, clock: FixedClock, tmp_path: Path) -> Iterator[Runtime]:
    settings = Settings(database_url=database_url, evidence_dir=str(tmp_path / "evidence"))
    runtime = seeded_runtime(settings, clock, DEADLINE)
    try:
        yield runtime
    finally:
        runtime.close()


def staff(name: str = "staff-1") -> Principal:
    return Principal(Actor.user(name, Role.COUNCIL_STAFF))


def officer(rt: Runtime) -> Principal:
    social = rt.services.queries.departments.id_of(SOCIAL)
    return Principal(Actor.user("officer-1", Role.DEPARTMENT_OFFICER), frozenset({social}))


def entries_of(rt: Runtime, finding_id: UUID, recipient: str | None = None) -> list[InboxEntry]:
    return [
        e
        for e in rt.services.queries.inbox()
        if e.finding_id == finding_id and (recipient is None or e.recipient == recipient)
    ]


def only(entries: list[InboxEntry], topic: str) -> InboxEntry:
    (entry,) = [e for e in entries if e.topic == topic]
    return entry


def test_each_entry_is_resolved_by_what_it_asks_for(seeded: Runtime, clock: FixedClock) -> None:
    rt, services = seeded, seeded.services
    queries, findings = services.queries, services.findings
    job = rt.reminder_job()
    claims = queries.list_findings(
        FindingFilter(verification=Verification.PENDING, department=SOCIAL)
    )
    a, b = claims[0].finding_id, claims[1].finding_id

    # 12-01: every claim waits past ten business days, a reminder to council staff each.
    day = date(2018, 12, 1)
    clock.set_date(day)
    job.run(day)
    assert only(entries_of(rt, a, "staff"), "claim_waiting").resolved_on is None
    page = queries.inbox_page_for(staff(), InboxFilter())
    assert page.open == page.unread == 54 and page.resolved == 0

    # 12-03: staff verify one claim and return another: both reminders are resolved.
    day = date(2018, 12, 3)
    clock.set_date(day)
    findings.decide_claim(Target(staff(), a), verify=True)
    findings.decide_claim(Target(staff(), b), verify=False, reason="증빙 보완")
    waiting_a = only(entries_of(rt, a, "staff"), "claim_waiting")
    assert (waiting_a.resolved_on, waiting_a.resolution) == (day, "closed")
    waiting_b = only(entries_of(rt, b, "staff"), "claim_waiting")
    assert (waiting_b.resolved_on, waiting_b.resolution) == (day, "decided")
    returned = only(entries_of(rt, b), "claim_returned")
    assert returned.resolved_on is None  # the department's to do now
    page = queries.inbox_page_for(staff(), InboxFilter())
    assert (page.open, page.resolved) == (52, 2)
    resolved = queries.inbox_page_for(staff(), InboxFilter(state=InboxState.RESOLVED))
    assert {g.finding_id for g in resolved.groups} == {a, b}

    # 12-04: the department reports B again: the return notice is resolved.
    day = date(2018, 12, 4)
    clock.set_date(day)
    findings.report_progress(
        Target(officer(rt), b), status=Status.COMPLETED, actions="증빙 첨부해 다시 보고"
    )
    returned = only(entries_of(rt, b), "claim_returned")
    assert (returned.resolved_on, returned.resolution) == (day, "reported")

    # The two findings still 추진중: plans stale 01-01, due soon 01-08, overdue 01-16.
    c, d = (
        f.finding_id
        for f in queries.list_findings(FindingFilter(status=Status.IN_PROGRESS))
        if f.department == SOCIAL
    )
    for day in (date(2019, 1, 1), date(2019, 1, 8), date(2019, 1, 16)):
        clock.set_date(day)
        job.run(day)
    assert {e.topic for e in entries_of(rt, c) if e.resolved_on is None} == {
        "stale_plan",
        "due_soon",
        "overdue",
    }
    mine = queries.inbox_page_for(officer(rt), InboxFilter(topic="overdue"))
    overdue = [i for g in mine.groups for i in g.items if g.finding_id == c]
    assert overdue[0].wording == "처리기한(2019-01-15) 1일 경과 — 추진상황을 보고하세요"

    # 01-17: C is reported on: all three are done. D gets a new due date: the due
    # reminders are done, the stale plan still asks for a report.
    day = date(2019, 1, 17)
    clock.set_date(day)
    findings.report_progress(
        Target(officer(rt), c), status=Status.IN_PROGRESS, actions="심사 진행", plans="'19.3월 완료"
    )
    assert {(e.topic, e.resolution) for e in entries_of(rt, c)} == {
        ("stale_plan", "reported"),
        ("due_soon", "reported"),
        ("overdue", "reported"),
    }
    findings.change_due_date(Target(staff(), d), due_date=date(2019, 3, 29), reason="일정 조정")
    by_topic = {e.topic: e for e in entries_of(rt, d)}
    assert by_topic["overdue"].resolution == by_topic["due_soon"].resolution == "due_changed"
    assert by_topic["stale_plan"].resolved_on is None
    assert by_topic["due_date_changed"].resolved_on is None

    # An extension asked of staff is done when they decide; the refusal is the
    # department's to read until it reports.
    findings.request_extension(Target(officer(rt), d), due_date=date(2019, 6, 28), reason="예산")
    assert only(entries_of(rt, d, "staff"), "extension_requested").resolved_on is None
    findings.decide_extension(Target(staff(), d), grant=False, reason="기한 내 처리")
    asked = only(entries_of(rt, d, "staff"), "extension_requested")
    assert (asked.resolved_on, asked.resolution) == (day, "extension_decided")
    assert only(entries_of(rt, d), "extension_refused").resolved_on is None

    # A rebuild replays the same resolutions.
    def inbox_rows() -> set[tuple[object, ...]]:
        i = tables.inbox
        with rt.datastore.transaction(commit=False) as session:
            return {
                tuple(r)
                for r in session.execute(
                    select(
                        i.c.finding_id,
                        i.c.version,
                        i.c.log_version,
                        i.c.recipient,
                        i.c.topic,
                        i.c.resolved_on,
                        i.c.resolution,
                    )
                )
            }

    before = inbox_rows()
    rt.projector.rebuild()
    assert inbox_rows() == before


def test_read_marks_are_each_accounts_own_and_only_for_its_inbox(
    seeded: Runtime, clock: FixedClock
) -> None:
    rt, queries = seeded, seeded.services.queries
    day = date(2018, 12, 1)
    clock.set_date(day)
    rt.reminder_job().run(day)
    first = queries.inbox_page_for(staff(), InboxFilter())
    group = first.groups[0]
    assert group.unread == len(group.items) == 1
    assert queries.mark_inbox_read(staff(), [i.key for i in group.items]) == 1
    assert queries.mark_inbox_read(staff(), [i.key for i in group.items]) == 0  # again
    mine = queries.inbox_page_for(staff(), InboxFilter())
    assert mine.unread == mine.open - 1
    assert queries.inbox_page_for(staff(), InboxFilter(unread_only=True)).findings == 53
    # Another member of staff has read nothing.
    assert queries.inbox_page_for(staff("staff-2"), InboxFilter()).unread == 54
    # An officer cannot mark staff's entries: not in the officer's inbox.
    assert queries.mark_inbox_read(officer(rt), [i.key for i in group.items]) == 0
    # Everything at once.
    assert queries.mark_inbox_read(staff("staff-2")) == 54
    assert queries.inbox_page_for(staff("staff-2"), InboxFilter()).unread == 0
    # Paging: 54 findings, 20 a page; past the last page is the last.
    assert [queries.inbox_page_for(staff(), InboxFilter(page=n)).page for n in (1, 3, 9)] == [
        1,
        3,
        3,
    ]
    assert len(queries.inbox_page_for(staff(), InboxFilter(page=3)).groups) == 14


def test_a_withdrawn_claim_an_extension_asked_and_a_review_comment_resolve_theirs(
    seeded: Runtime, clock: FixedClock
) -> None:
    rt, services = seeded, seeded.services
    queries, findings = services.queries, services.findings
    job = rt.reminder_job()
    claim = queries.list_findings(
        FindingFilter(verification=Verification.PENDING, department=SOCIAL)
    )[0].finding_id
    day = date(2018, 12, 1)
    clock.set_date(day)
    job.run(day)
    # The department withdraws its claim (reports 추진중): staff have nothing to decide.
    findings.report_progress(
        Target(officer(rt), claim), status=Status.IN_PROGRESS, actions="보완 중"
    )
    waiting = only(entries_of(rt, claim, "staff"), "claim_waiting")
    assert (waiting.resolved_on, waiting.resolution) == (day, "reported")
    assert all(e.finding_id != claim for e in SqlOutbox(rt.datastore).undigested("staff"))

    # Due soon: asking for an extension is one of the two things it asks for.
    c = next(
        f.finding_id
        for f in queries.list_findings(FindingFilter(status=Status.IN_PROGRESS))
        if f.department == SOCIAL and f.finding_id != claim
    )
    day = date(2019, 1, 8)
    clock.set_date(day)
    job.run(day)
    assert only(entries_of(rt, c), "due_soon").resolved_on is None
    findings.request_extension(Target(officer(rt), c), due_date=date(2019, 3, 29), reason="예산")
    due_soon = only(entries_of(rt, c), "due_soon")
    assert (due_soon.resolved_on, due_soon.resolution) == (day, "extension_asked")
    # Resolved before its digest left: not mailed (it stays in the inbox, resolved).
    social = queries.departments.id_of(SOCIAL)
    assert all(
        not (e.finding_id == c and e.topic == "due_soon")
        for e in SqlOutbox(rt.datastore).undigested(social)
    )


def test_a_review_date_is_answered_by_the_departments_comment(
    seeded: Runtime, clock: FixedClock
) -> None:
    rt, services = seeded, seeded.services
    queries, findings = services.queries, services.findings
    finding = queries.list_findings(
        FindingFilter(verification=Verification.PENDING, department=SOCIAL)
    )[0].finding_id
    findings.report_progress(
        Target(officer(rt), finding), status=Status.NOT_ADOPTED, delay_reason="예산 미확보"
    )
    findings.decide_claim(Target(staff(), finding), verify=True, review_on=date(2019, 3, 4))
    day = date(2019, 3, 4)
    clock.set_date(day)
    rt.reminder_job().run(day)
    review = only(entries_of(rt, finding), "review_due")
    assert review.resolved_on is None
    # A staff comment is no answer; the department's is (a closed finding takes no report).
    findings.add_comment(Target(staff(), finding), text="재검토 결과를 알려 주세요")
    assert only(entries_of(rt, finding), "review_due").resolved_on is None
    findings.add_comment(Target(officer(rt), finding), text="'19년 예산 재요구 예정")
    review = only(entries_of(rt, finding), "review_due")
    assert (review.resolved_on, review.resolution) == (day, "reviewed")
