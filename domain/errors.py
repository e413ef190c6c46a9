"""Named domain errors. Each has a stable ``code`` and a Korean and English message.

The API maps them to HTTP answers and the CLI prints them; the messages live
here, next to the rule they explain, so there is one place per message.
"""

from __future__ import annotations


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
