"""Named domain errors. Each has a stable ``code`` and a Korean and English message.

The API maps them to HTTP answers and the CLI prints them; the messages live
here, next to the rule they explain, so there is one place per message.
"""

from __future__ import annotations

from datetime import date


class DomainError(Exception):
    """A refused action: nothing was changed."""

    code = "DOMAIN_ERROR"
    message_ko = "요청을 처리할 수 없습니다."
    message_en = "The request cannot be carried out."

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(f"{self.code}: {self.message_en}" + (f" ({detail})" if detail else ""))
        self.detail = detail


class FindingClosedError(DomainError):
    code = "FINDING_CLOSED"
    message_ko = "이행이 확인되어 종결된 지적사항입니다. 재개한 뒤에만 변경할 수 있습니다."
    message_en = "The finding is closed (verified); reopen it before changing it."


class FindingNotClosedError(DomainError):
    code = "FINDING_NOT_CLOSED"
    message_ko = "종결되지 않은 지적사항은 재개할 수 없습니다."
    message_en = "Only a closed finding can be reopened."


class NoPendingClaimError(DomainError):
    code = "NO_PENDING_CLAIM"
    message_ko = "이행확인 대기 중인 완료·미반영 보고가 없습니다."
    message_en = "There is no completion or non-adoption claim pending verification."


class ReasonRequiredError(DomainError):
    code = "REASON_REQUIRED"
    message_ko = "사유를 입력해야 합니다."
    message_en = "A reason is required."


class NotAdoptedReasonRequiredError(ReasonRequiredError):
    code = "NOT_ADOPTED_REASON_REQUIRED"
    message_ko = "미반영으로 보고하려면 사유(추진내용 또는 부진사유)를 적어야 합니다."
    message_en = "Reporting 'not adopted' needs a reason (actions or delay reason)."


class InvalidFindingError(DomainError):
    code = "INVALID_FINDING"
    message_ko = "지적사항의 내용이 올바르지 않습니다."
    message_en = "The finding's data is not valid."


class InvalidAuditError(DomainError):
    code = "INVALID_AUDIT"
    message_ko = "행정사무감사 정보가 올바르지 않습니다."
    message_en = "The audit's data is not valid."


class ExtensionAlreadyRequestedError(DomainError):
    code = "EXTENSION_ALREADY_REQUESTED"
    message_ko = "이미 처리 중인 기한연장 요청이 있습니다."
    message_en = "A due-date extension request is already pending."


class NoPendingExtensionError(DomainError):
    code = "NO_PENDING_EXTENSION"
    message_ko = "처리할 기한연장 요청이 없습니다."
    message_en = "There is no pending due-date extension request."


class InvalidExtensionError(DomainError):
    code = "INVALID_EXTENSION"
    message_ko = "연장할 기한은 현재 처리기한보다 뒤여야 합니다."
    message_en = "The requested due date must be later than the current one."


class BusinessDateError(DomainError):
    """A business date outside the rules (SPEC §3 "Actors and dates")."""

    code = "INVALID_BUSINESS_DATE"
    message_ko = "기록할 수 없는 업무일입니다."
    message_en = "The business date is not allowed."


class BusinessDateInFutureError(BusinessDateError):
    code = "BUSINESS_DATE_IN_FUTURE"
    message_ko = "업무일은 오늘(서울 기준) 이후일 수 없습니다."
    message_en = "A business date cannot be later than today (Asia/Seoul)."


class BusinessDateBeforeRegistrationError(BusinessDateError):
    code = "BUSINESS_DATE_BEFORE_REGISTRATION"
    message_ko = "업무일은 지적사항의 등록일보다 앞설 수 없습니다."
    message_en = "A business date cannot be earlier than the finding's registration."


class BusinessDateBeforeLastEventError(BusinessDateError):
    """Dates only move forward on a finding, so its status as of any day is the one
    its history shows, and "as of today" is "now"."""

    code = "BUSINESS_DATE_BEFORE_LAST_EVENT"
    message_ko = "업무일은 이 지적사항의 마지막 기록일보다 앞설 수 없습니다."
    message_en = "A business date cannot be earlier than the finding's latest recorded date."


class BackdatingLimitError(BusinessDateError):
    code = "BACKDATING_LIMIT"
    message_ko = (
        "부서는 31일 이내의 날짜로만 보고할 수 있습니다."
        " 그보다 이전 날짜는 의회 담당자가 사유와 함께 기록합니다."
    )
    message_en = (
        "A department may date a report at most 31 days back; older dates are recorded"
        " by council staff, with a reason."
    )


class BackdatingReasonRequiredError(BusinessDateError):
    code = "BACKDATING_REASON_REQUIRED"
    message_ko = "31일보다 이전 날짜로 기록하려면 사유를 적어야 합니다."
    message_en = "Dating a record more than 31 days back needs a reason."


class BackdatingOnlyReportsError(BusinessDateError):
    code = "BACKDATING_ONLY_REPORTS"
    message_ko = "31일보다 이전 날짜로는 추진상황 보고만 (사유와 함께) 기록할 수 있습니다."
    message_en = "Only a progress report (with a reason) may be dated more than 31 days back."


class NothingChangedError(DomainError):
    """A change that would record the state the finding already has."""

    code = "NOTHING_CHANGED"
    message_ko = "바뀌는 내용이 없습니다."
    message_en = "Nothing would change."


class SameDepartmentError(NothingChangedError):
    code = "SAME_DEPARTMENT"
    message_ko = "이미 이 부서가 담당하고 있습니다."
    message_en = "The finding is already assigned to this department."


class SameDueDateError(NothingChangedError):
    code = "SAME_DUE_DATE"
    message_ko = "처리기한이 이미 그 날짜입니다."
    message_en = "The due date is already that date."


class NoDueDateError(DomainError):
    code = "NO_DUE_DATE"
    message_ko = "처리기한이 없는 지적사항은 기한연장을 요청할 수 없습니다."
    message_en = "A finding without a due date cannot have its due date extended."


class NoReportError(DomainError):
    code = "NO_REPORT"
    message_ko = (
        "증빙자료는 보고에 딸립니다. 먼저 추진상황을 보고하세요 (보고와 함께 첨부할 수 있습니다)."
    )
    message_en = "Evidence supports a report: report first (files may be sent with the report)."


class AlreadyCarriedError(NothingChangedError):
    code = "ALREADY_CARRIED_OVER"
    message_ko = "이미 그 감사로 이월된 지적사항입니다."
    message_en = "The finding is already carried over into that audit."


class InvalidCarryOverError(DomainError):
    code = "INVALID_CARRY_OVER"
    message_ko = "지적사항은 같은 의회의, 더 나중 연도의 다른 감사로만 이월할 수 있습니다."
    message_en = (
        "A finding is carried over only into another audit of the same council, of a later year."
    )


class InvalidRepeatError(DomainError):
    code = "INVALID_REPEAT"
    message_ko = "반복 지적은 같은 의회의 더 이전 연도 감사의 지적사항과만 연결할 수 있습니다."
    message_en = (
        "A repeat links a finding to a finding of an earlier year's audit of the same council."
    )


class SameRepeatDecisionError(NothingChangedError):
    code = "SAME_REPEAT_DECISION"
    message_ko = "그 반복 지적 연결은 이미 같은 결정으로 기록되어 있습니다."
    message_en = "That repeat link already has this decision."


class InvalidPolicyError(DomainError):
    code = "INVALID_DUE_POLICY"
    message_ko = "기본 처리기한은 1~750 영업일 사이로 정하세요."
    message_en = "A default due date is 1 to 750 business days."


class ReviewDateError(DomainError):
    code = "INVALID_REVIEW_DATE"
    message_ko = "재검토일은 미반영을 확인할 때만, 오늘 이후 날짜로 정할 수 있습니다."
    message_en = "A re-review date goes with a verified 미반영 only, on a day after today."


class ImplausibleDateError(DomainError):
    code = "IMPLAUSIBLE_DATE"
    message_ko = "날짜가 있을 수 있는 범위(1990년부터 올해 뒤 20년까지)를 벗어났습니다."
    message_en = "The date lies outside 1990 to twenty years after this year."


# Dates a follow-up can hold: none before local councils returned, none decades ahead
# (a year 9999 would overflow every later date computed from it).
FIRST_PLAUSIBLE_YEAR = 1990
YEARS_AHEAD = 20


def require_plausible(day: date | None, today: date) -> None:
    """Raises ImplausibleDateError for a date outside FIRST_PLAUSIBLE_YEAR to
    YEARS_AHEAD years after ``today``'s year."""
    if day is not None and not FIRST_PLAUSIBLE_YEAR <= day.year <= today.year + YEARS_AHEAD:
        raise ImplausibleDateError(day.isoformat())
