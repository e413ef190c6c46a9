"""Errors of the application layer: not found, not allowed, stale version."""

from __future__ import annotations

from domain.errors import DomainError


class FindingNotFoundError(DomainError):
    code = "FINDING_NOT_FOUND"
    message_ko = "지적사항을 찾을 수 없습니다."
    message_en = "Finding not found."


class AuditNotFoundError(DomainError):
    code = "AUDIT_NOT_FOUND"
    message_ko = "행정사무감사를 찾을 수 없습니다."
    message_en = "Audit not found."


class FindingAlreadyRegisteredError(DomainError):
    code = "FINDING_ALREADY_REGISTERED"
    message_ko = "같은 감사·구분·연번의 지적사항이 이미 등록되어 있습니다."
    message_en = "A finding with this audit, kind and sequence is already registered."


class PermissionDeniedError(DomainError):
    code = "PERMISSION_DENIED"
    message_ko = "이 작업을 할 권한이 없습니다."
    message_en = "You are not allowed to do this."


class StaleVersionError(DomainError):
    """The caller acted on an older version than the stored one (HTTP 409)."""

    code = "STALE_VERSION"
    message_ko = "다른 사용자가 먼저 변경했습니다. 최신 내용을 확인한 뒤 다시 시도하세요."
    message_en = "The finding was changed meanwhile; reload it and try again."

    def __init__(self, current_version: int, expected_version: int | None = None) -> None:
        super().__init__(f"current version {current_version}, expected {expected_version}")
        self.current_version = current_version
        self.expected_version = expected_version
