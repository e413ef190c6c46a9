"""What a department may attach as 증빙자료: the policy the application applies
before anything is stored."""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import DomainError

# Limits a department's upload; the council's evidence is documents and pictures.
MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
ALLOWED_TYPES = frozenset(
    {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/gif",
        "text/plain",
        "text/csv",
        "application/zip",
        "application/haansofthwp",
        "application/x-hwp",
        "application/vnd.hancom.hwp",
        "application/vnd.hancom.hwpx",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    }
)


class EvidenceRejectedError(DomainError):
    code = "EVIDENCE_REJECTED"
    message_ko = "증빙자료를 받을 수 없습니다 (형식 또는 크기)."
    message_en = "The evidence file was refused (type or size)."

    def __init__(self, detail: str, *, status_code: int) -> None:
        super().__init__(detail)
        self.status_code = status_code


class EvidenceNotFoundError(DomainError):
    code = "EVIDENCE_NOT_FOUND"
    message_ko = "이 지적사항에 첨부된 증빙자료가 아닙니다."
    message_en = "No such evidence file on this finding."


@dataclass(frozen=True)
class Upload:
    """A file as the caller sent it; ``data`` holds at most MAX_EVIDENCE_BYTES + 1 bytes."""

    file_name: str  # as sent; blank: "evidence"
    content_type: str
    data: bytes


@dataclass(frozen=True)
class AttachedFile:
    file_name: str
    content_type: str


def media_type(declared: str | None) -> str:
    return (declared or "application/octet-stream").split(";")[0].strip()


def check_upload(upload: Upload) -> None:
    """Raises EvidenceRejectedError (415 type, 413 size)."""
    if upload.content_type not in ALLOWED_TYPES:
        raise EvidenceRejectedError(f"type {upload.content_type}", status_code=415)
    if len(upload.data) > MAX_EVIDENCE_BYTES:
        raise EvidenceRejectedError(f"larger than {MAX_EVIDENCE_BYTES} bytes", status_code=413)
