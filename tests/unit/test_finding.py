"""The Finding aggregate: emitted events and every refused action."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

import pytest

from domain import errors
from domain.finding import Finding
from domain.values import Actor, DepartmentRef, EvidenceFile
from domain.vocabulary import FindingKind, Role, Status, Verification

NOW = datetime(2018, 11, 15, 1, 0, tzinfo=UTC)
DAY = date(2018, 11, 15)
STAFF = Actor.user("staff-1", Role.COUNCIL_STAFF)
OFFICER = Actor.user("officer-1", Role.DEPARTMENT_OFFICER)
DEPT = DepartmentRef.from_name("사회적경제담당관")


def stamp(actor: Actor = OFFICER, day: date = DAY, now: datetime = NOW) -> dict[str, object]:
    return {"actor": actor, "business_date": day, "now": now}


def register(**given: Any) -> Finding:
    """A finding registered by council staff; ``given`` replaces any of its facts."""
    facts = {
        "audit_id": uuid4(),
        "kind": FindingKind.CORRECTIVE,
        "seq": 1,
        "request": "도덕적 해이 방지 방안을 마련하기 바람",
        "department": DEPT,
        **stamp(STAFF),
    }
    return Finding.register(**{**facts, **given})


def new_finding() -> Finding:
    finding = register()
    finding.collect_events()
    return finding


def claimed(status: Status = Status.COMPLETED) -> Finding:
    finding = new_finding()
    finding.report_progress(status=status, actions="조치함", **stamp())
    finding.collect_events()
    return finding


def test_registration_emits_registered_with_actor_and_business_date() -> None:
    finding = register(
        kind=FindingKind.RECOMMENDATION, seq=3, request="  검토 바람  ", due_date=date(2019, 1, 31)
    )
    (registered,) = finding.collect_events()
    assert isinstance(registered, Finding.Registered)
    assert registered.actor == STAFF
    assert registered.business_date == DAY
    assert registered.timestamp == NOW
    assert finding.request == "검토 바람"
    assert finding.status is Status.UNDER_REVIEW
    assert finding.verification is None
    assert finding.due_date == date(2019, 1, 31)


def test_finding_id_is_deterministic_from_audit_kind_and_seq() -> None:
    audit_id = uuid4()
    one = Finding.create_id(audit_id, FindingKind.CORRECTIVE, 7)
    assert one == Finding.create_id(audit_id, FindingKind.CORRECTIVE, 7)
    assert one != Finding.create_id(audit_id, FindingKind.RECOMMENDATION, 7)
    assert one != Finding.create_id(audit_id, FindingKind.CORRECTIVE, 8)


@pytest.mark.parametrize(
    ("request_text", "department", "seq"),
    [("  ", DEPT, 1), ("요청", DepartmentRef("dept-x", " "), 1), ("요청", DEPT, 0)],
)
def test_registration_refuses_invalid_data(
    request_text: str, department: DepartmentRef, seq: int
) -> None:
    with pytest.raises(errors.InvalidFindingError):
        register(kind=FindingKind.OTHER, seq=seq, request=request_text, department=department)


def test_progress_report_records_texts_and_raw_status() -> None:
    finding = new_finding()
    finding.report_progress(
        status=Status.IN_PROGRESS,
        status_raw="진행 중",
        actions="○ 심사 강화",
        plans="○ 합동점검 : '18년 하반기",
        delay_reason="예산 부족",
        **stamp(),
    )
    (event,) = finding.collect_events()
    assert isinstance(event, Finding.ProgressReported)
    assert (event.status, event.status_raw) == (Status.IN_PROGRESS, "진행 중")
    assert (event.actions, event.plans, event.delay_reason) == (
        "○ 심사 강화",
        "○ 합동점검 : '18년 하반기",
        "예산 부족",
    )
    assert finding.verification is None


@pytest.mark.parametrize("status", [Status.COMPLETED, Status.NOT_ADOPTED])
def test_reporting_completed_or_not_adopted_makes_a_pending_claim(
    status: Status,
) -> None:
    finding = claimed(status)
    assert finding.status is status
    assert finding.verification is Verification.PENDING
    assert not finding.is_closed


def test_reporting_another_status_withdraws_a_pending_claim() -> None:
    finding = claimed()
    finding.report_progress(status=Status.IN_PROGRESS, **stamp())
    assert finding.verification is None
    assert finding.status is Status.IN_PROGRESS


def test_not_adopted_needs_a_reason() -> None:
    finding = new_finding()
    with pytest.raises(errors.NotAdoptedReasonRequiredError):
        finding.report_progress(status=Status.NOT_ADOPTED, plans="계획만", **stamp())
    assert finding.collect_events() == []
    finding.report_progress(status=Status.NOT_ADOPTED, delay_reason="법령상 불가", **stamp())
    assert finding.verification is Verification.PENDING


def test_verify_closes_the_finding_and_refuses_further_reports() -> None:
    finding = claimed()
    finding.verify_claim(note="현장 확인", **stamp(STAFF))
    (event,) = finding.collect_events()
    assert isinstance(event, Finding.ClaimVerified)
    assert event.note == "현장 확인"
    assert finding.is_closed
    with pytest.raises(errors.FindingClosedError):
        finding.report_progress(status=Status.IN_PROGRESS, **stamp())
    with pytest.raises(errors.FindingClosedError):
        finding.change_due_date(due_date=DAY, reason="연장", **stamp(STAFF))
    with pytest.raises(errors.FindingClosedError):
        finding.reassign(
            department=DepartmentRef.from_name("노동정책담당관"),
            reason="이관",
            **stamp(STAFF),
        )
    assert finding.collect_events() == []


@pytest.mark.parametrize("status", [Status.UNDER_REVIEW, Status.IN_PROGRESS])
def test_verifying_or_returning_an_open_finding_is_refused(status: Status) -> None:
    finding = new_finding()
    finding.report_progress(status=status, **stamp())
    finding.collect_events()
    with pytest.raises(errors.NoPendingClaimError):
        finding.verify_claim(**stamp(STAFF))
    with pytest.raises(errors.NoPendingClaimError):
        finding.return_claim(reason="보완", **stamp(STAFF))
    assert finding.collect_events() == []


def test_return_puts_the_finding_back_in_progress() -> None:
    finding = claimed()
    finding.return_claim(reason="증빙 부족", **stamp(STAFF))
    (event,) = finding.collect_events()
    assert isinstance(event, Finding.ClaimReturned)
    assert event.reason == "증빙 부족"
    assert finding.status is Status.IN_PROGRESS
    assert finding.verification is Verification.RETURNED
    with pytest.raises(errors.NoPendingClaimError):
        finding.verify_claim(**stamp(STAFF))


def test_return_needs_a_reason() -> None:
    finding = claimed()
    with pytest.raises(errors.ReasonRequiredError):
        finding.return_claim(reason="  ", **stamp(STAFF))
    assert finding.verification is Verification.PENDING


def test_reopen_needs_a_closed_finding_and_a_reason() -> None:
    finding = claimed()
    with pytest.raises(errors.FindingNotClosedError):
        finding.reopen(reason="재점검", **stamp(STAFF))
    finding.verify_claim(**stamp(STAFF))
    with pytest.raises(errors.ReasonRequiredError):
        finding.reopen(reason="", **stamp(STAFF))
    finding.collect_events()
    finding.reopen(reason="재발 확인", **stamp(STAFF))
    (event,) = finding.collect_events()
    assert isinstance(event, Finding.Reopened)
    assert finding.status is Status.IN_PROGRESS
    assert finding.verification is None
    assert not finding.is_closed


def test_due_date_change_records_previous_date_and_reason() -> None:
    finding = new_finding()
    finding.change_due_date(due_date=date(2019, 3, 31), reason="기한 연장", **stamp(STAFF))
    (event,) = finding.collect_events()
    assert isinstance(event, Finding.DueDateChanged)
    assert (event.due_date, event.previous_due_date, event.reason) == (
        date(2019, 3, 31),
        None,
        "기한 연장",
    )
    # The same date again is no change: refused by name, no event.
    with pytest.raises(errors.SameDueDateError):
        finding.change_due_date(due_date=date(2019, 3, 31), reason="재확인", **stamp(STAFF))
    assert finding.collect_events() == []
    with pytest.raises(errors.ReasonRequiredError):
        finding.change_due_date(due_date=None, reason=" ", **stamp(STAFF))


def test_reassignment_keeps_previous_department_and_needs_reason() -> None:
    finding = new_finding()
    labour = DepartmentRef.from_name("노동정책담당관")
    with pytest.raises(errors.ReasonRequiredError):
        finding.reassign(department=labour, reason="", **stamp(STAFF))
    finding.reassign(department=labour, reason="업무 이관", **stamp(STAFF))
    (event,) = finding.collect_events()
    assert isinstance(event, Finding.Reassigned)
    assert event.previous_department == DEPT
    assert finding.department == labour
    with pytest.raises(errors.SameDepartmentError):
        finding.reassign(department=labour, reason="같은 부서", **stamp(STAFF))
    assert finding.collect_events() == []


def test_department_ids_are_stable_across_spacing() -> None:
    assert DepartmentRef.from_name("사회적경제 담당관").id == DEPT.id
    assert DepartmentRef.from_name(" 사회적경제담당관 ").name == "사회적경제담당관"


def test_extension_request_then_grant_changes_the_due_date() -> None:
    finding = new_finding()
    finding.change_due_date(due_date=date(2019, 1, 31), reason="기한 지정", **stamp(STAFF))
    finding.request_extension(due_date=date(2019, 4, 30), reason="용역 지연", **stamp())
    with pytest.raises(errors.ExtensionAlreadyRequestedError):
        finding.request_extension(due_date=date(2019, 5, 31), reason="다시", **stamp())
    finding.grant_extension(reason="사유 타당", **stamp(STAFF))
    assert finding.due_date == date(2019, 4, 30)
    assert finding.extension_request is None
    names = [type(e).__name__ for e in finding.collect_events()]
    assert names[-2:] == ["ExtensionRequested", "ExtensionGranted"]
    with pytest.raises(errors.NoPendingExtensionError):
        finding.grant_extension(reason="중복", **stamp(STAFF))


def test_extension_refusal_keeps_the_due_date_and_bad_requests_are_refused() -> None:
    finding = new_finding()
    with pytest.raises(errors.NoDueDateError):
        finding.request_extension(due_date=date(2019, 3, 1), reason="기한 없음", **stamp())
    finding.change_due_date(due_date=date(2019, 1, 31), reason="기한 지정", **stamp(STAFF))
    with pytest.raises(errors.InvalidExtensionError):
        finding.request_extension(due_date=date(2019, 1, 31), reason="같은 날", **stamp())
    with pytest.raises(errors.ReasonRequiredError):
        finding.request_extension(due_date=date(2019, 3, 1), reason=" ", **stamp())
    with pytest.raises(errors.NoPendingExtensionError):
        finding.refuse_extension(reason="없음", **stamp(STAFF))
    finding.request_extension(due_date=date(2019, 3, 1), reason="추가 협의", **stamp())
    finding.refuse_extension(reason="기한 내 처리 가능", **stamp(STAFF))
    assert finding.due_date == date(2019, 1, 31) and finding.extension_request is None


def test_the_claim_date_is_the_business_date_of_the_claim() -> None:
    finding = new_finding()
    later = datetime(2018, 12, 10, 1, 0, tzinfo=UTC)
    finding.report_progress(
        status=Status.COMPLETED, actions="완료", **stamp(day=date(2018, 12, 3), now=later)
    )
    assert finding.claimed_on == date(2018, 12, 3)


def test_comments_and_evidence_are_events() -> None:
    finding = new_finding()
    finding.add_comment(text=" 증빙 보완 바랍니다 ", **stamp(STAFF))
    with pytest.raises(errors.InvalidFindingError):
        finding.add_comment(text="  ", **stamp(STAFF))
    pdf = {"file_name": "결과보고.pdf", "content_type": "application/pdf", "size": 1024}
    # Evidence supports a report: none yet, so none can be attached.
    with pytest.raises(errors.NoReportError):
        finding.attach_evidence(sha256="a" * 64, **pdf, **stamp())  # type: ignore[arg-type]
    finding.report_progress(status=Status.COMPLETED, actions="완료", **stamp())
    finding.attach_evidence(sha256="a" * 64, **pdf, **stamp())  # type: ignore[arg-type]
    with pytest.raises(errors.InvalidFindingError):
        finding.attach_evidence(
            file_name="x", content_type="text/plain", size=1, sha256="zz", **stamp()
        )
    comment, report, evidence = finding.collect_events()
    assert isinstance(comment, Finding.CommentAdded) and comment.text == "증빙 보완 바랍니다"
    assert isinstance(evidence, Finding.EvidenceAttached) and evidence.size == 1024
    assert evidence.report_version == report.originator_version == 3
    assert finding.evidence == ["a" * 64]


def test_evidence_sent_with_a_claim_is_referenced_by_it() -> None:
    finding = new_finding()
    files = [
        EvidenceFile("b" * 64, "사진.png", "image/png", 10),
        EvidenceFile("c" * 64, " 공문.pdf ", "application/pdf", 20),
    ]
    finding.report_progress(status=Status.COMPLETED, actions="완료", evidence=files, **stamp())
    (event,) = finding.collect_events()
    assert isinstance(event, Finding.ProgressReported)
    assert [f.file_name for f in event.evidence] == ["사진.png", "공문.pdf"]
    assert finding.evidence == ["b" * 64, "c" * 64] and finding.has_pending_claim
    with pytest.raises(errors.InvalidFindingError):
        bad = EvidenceFile("B" * 64, "x.png", "image/png", 1)  # not lower-case hex
        finding.report_progress(status=Status.COMPLETED, evidence=[bad], **stamp())


# -- business dates (SPEC §3 "Actors and dates") -----------------------------------

LATER = datetime(2019, 3, 1, 1, 0, tzinfo=UTC)  # 2019-03-01 in Seoul


def test_a_business_date_is_never_in_the_future_in_seoul() -> None:
    finding = new_finding()
    # 2018-11-15 15:30 UTC is already 2018-11-16 in Seoul: that day is today there.
    evening = datetime(2018, 11, 15, 15, 30, tzinfo=UTC)
    finding.report_progress(status=Status.IN_PROGRESS, **stamp(day=date(2018, 11, 16), now=evening))
    with pytest.raises(errors.BusinessDateInFutureError):
        finding.report_progress(
            status=Status.COMPLETED, **stamp(day=date(2018, 11, 17), now=evening)
        )
    with pytest.raises(errors.BusinessDateInFutureError):
        register(business_date=date(2030, 1, 1))


def test_a_business_date_is_never_before_the_registration() -> None:
    finding = new_finding()
    with pytest.raises(errors.BusinessDateBeforeRegistrationError):
        finding.report_progress(status=Status.COMPLETED, **stamp(day=date(2018, 11, 14)))
    with pytest.raises(errors.BusinessDateBeforeRegistrationError):
        finding.add_comment(text="예전 메모", **stamp(STAFF, day=date(2018, 1, 1)))
    assert finding.collect_events() == []


def test_dates_that_place_the_finding_never_go_back() -> None:
    finding = new_finding()
    finding.report_progress(status=Status.IN_PROGRESS, **stamp(day=date(2019, 2, 20), now=LATER))
    with pytest.raises(errors.BusinessDateBeforeLastEventError):
        finding.report_progress(status=Status.COMPLETED, **stamp(day=date(2019, 2, 19), now=LATER))
    # A comment places nothing: a later report may still be dated before it.
    finding.add_comment(text="확인 중", **stamp(STAFF, day=date(2019, 3, 1), now=LATER))
    finding.report_progress(status=Status.COMPLETED, **stamp(day=date(2019, 2, 25), now=LATER))
    assert finding.cell_dated_on == date(2019, 2, 25)


def test_a_department_dates_a_report_at_most_31_days_back() -> None:
    finding = new_finding()
    with pytest.raises(errors.BackdatingLimitError):
        finding.report_progress(
            status=Status.COMPLETED,
            backdate_reason="늦은 보고",
            **stamp(day=date(2019, 1, 28), now=LATER),
        )
    finding.report_progress(status=Status.IN_PROGRESS, **stamp(day=date(2019, 1, 29), now=LATER))
    (event,) = finding.collect_events()
    assert isinstance(event, Finding.ProgressReported)
    assert event.backdated and event.backdate_reason is None


def test_older_dates_need_council_staff_and_a_reason_and_are_recorded_as_such() -> None:
    finding = new_finding()
    old = stamp(STAFF, day=date(2018, 12, 1), now=LATER)
    with pytest.raises(errors.BackdatingReasonRequiredError):
        finding.report_progress(status=Status.COMPLETED, backdate_reason=" ", **old)
    # Only a report states its reason: other commands cannot be dated that far back.
    with pytest.raises(errors.BackdatingOnlyReportsError):
        finding.add_comment(text="메모", **old)
    finding.report_progress(status=Status.COMPLETED, backdate_reason="공문 지연 접수", **old)
    (event,) = finding.collect_events()
    assert isinstance(event, Finding.ProgressReported)
    assert (event.backdated, event.backdate_reason, event.actor) == (True, "공문 지연 접수", STAFF)


def test_an_import_dates_its_facts_on_the_documents_date() -> None:
    importer = Actor.importer("ab" * 32)
    finding = register(**stamp(importer))
    finding.report_progress(status=Status.COMPLETED, **stamp(importer, now=LATER))
    finding.verify_claim(**stamp(importer, now=LATER))
    events = finding.collect_events()
    assert [type(e).__name__ for e in events] == ["Registered", "ProgressReported", "ClaimVerified"]
    assert events[1].backdated  # type: ignore[attr-defined]


def test_a_report_of_today_is_not_backdated() -> None:
    finding = new_finding()
    finding.report_progress(status=Status.IN_PROGRESS, **stamp())
    (event,) = finding.collect_events()
    assert isinstance(event, Finding.ProgressReported) and not event.backdated
