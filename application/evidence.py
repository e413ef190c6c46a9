"""What a department may attach as 증빙자료: the policy the application applies
before anything is stored."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from eventsourcing.utils import get_topic

from domain.audit import Audit
from domain.errors import DomainError
from domain.finding import Finding
from domain.values import has_bidi_control, has_unstorable

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


@dataclass(frozen=True)
class ReportEvidence:
    """A file an event referenced, and which report (finding version) it supports."""

    sha256: str
    file_name: str
    content_type: str
    size: int
    report_version: int | None  # None: attached before files named their report
    note: str | None = None


def evidence_of(timeline: Sequence[Any]) -> list[ReportEvidence]:
    """Every file a finding's events reference, in order: those sent with a report,
    then those attached to it afterwards (``timeline``: its TimelineEntry list)."""
    files: list[ReportEvidence] = []
    for e in timeline:
        if e.event == "ProgressReported":
            for f in e.data.get("evidence") or ():
                files.append(
                    ReportEvidence(
                        f["sha256"], f["file_name"], f["content_type"], f["size"], e.version
                    )
                )
        elif e.event == "EvidenceAttached":
            d = e.data
            files.append(
                ReportEvidence(
                    d["sha256"],
                    d["file_name"],
                    d.get("content_type") or "application/octet-stream",
                    d["size"],
                    d.get("report_version"),
                    d.get("note"),
                )
            )
    return files


def latest_report_evidence(timeline: Sequence[Any]) -> list[ReportEvidence]:
    """The files supporting the finding's latest report (the claim, when one is pending)."""
    reports = [e.version for e in timeline if e.event == "ProgressReported"]
    if not reports:
        return []
    return [f for f in evidence_of(timeline) if f.report_version == reports[-1]]


class EvidenceNameError(EvidenceRejectedError):
    code = "EVIDENCE_FILE_NAME"
    message_ko = "파일 이름에 쓸 수 없는 문자(제어 문자, 방향 제어 문자)가 있습니다."
    message_en = "The file name holds control or bidirectional characters."

    def __init__(self, detail: str) -> None:
        super().__init__(detail, status_code=422)


class EvidenceCountError(EvidenceRejectedError):
    code = "EVIDENCE_ONE_FILE"
    message_ko = "증빙자료는 한 번에 파일 하나씩 올립니다."
    message_en = "Send one file per upload."

    def __init__(self, count: int) -> None:
        super().__init__(f"{count} files", status_code=422)


def media_type(declared: str | None) -> str:
    return (declared or "application/octet-stream").split(";")[0].strip()


def check_upload(upload: Upload) -> None:
    """Raises EvidenceRejectedError (415 type, 413 size)."""
    if has_unstorable(upload.file_name) or has_bidi_control(upload.file_name):
        # A file name is shown among other text and written into downloads' headers.
        raise EvidenceNameError(repr(upload.file_name))
    if upload.content_type not in ALLOWED_TYPES:
        raise EvidenceRejectedError(f"type {upload.content_type}", status_code=415)
    if len(upload.data) > MAX_EVIDENCE_BYTES:
        raise EvidenceRejectedError(f"larger than {MAX_EVIDENCE_BYTES} bytes", status_code=413)


class EvidenceDirectoryMismatchError(DomainError):
    code = "EVIDENCE_DIRECTORY_MISMATCH"
    message_ko = (
        "증빙자료 폴더가 다른 데이터베이스의 것입니다. FOLLOWUP_EVIDENCE_DIR를 확인하세요."
        " 아무 파일도 지우지 않았습니다."
    )
    message_en = (
        "The evidence directory belongs to another database; check FOLLOWUP_EVIDENCE_DIR."
        " Nothing was removed."
    )


class SweptStore(Protocol):
    """What the sweep needs of the content store (infrastructure implements it)."""

    def files(self) -> Iterator[tuple[str, int, datetime]]:
        """Every stored file: (SHA-256, size in bytes, last modified, UTC)."""

    def remove(self, sha256: str) -> None: ...


class EventSource(Protocol):
    """The event log, read in notification order (the library's recorder and mapper)."""

    def referencing_events(self, topics: Sequence[str]) -> Iterator[Any]:
        """The domain events of these topics, decoded, oldest first."""


# A file younger than this may belong to a request still saving its report, or to an
# import being previewed: never swept.
SWEEP_GRACE = timedelta(hours=24)
_TOPICS = tuple(
    get_topic(c) for c in (Finding.ProgressReported, Finding.EvidenceAttached, Audit.Registered)
)


@dataclass(frozen=True)
class SweepReport:
    removed: list[str]
    kept: int
    bytes_freed: int
    dry_run: bool


def referenced_files(events: EventSource) -> set[str]:
    """Every SHA-256 an event names: evidence of reports and attachments, and the
    documents imports were made from."""
    out: set[str] = set()
    for e in events.referencing_events(_TOPICS):
        if isinstance(e, Finding.ProgressReported):
            out.update(f.sha256 for f in e.evidence)
        elif isinstance(e, Finding.EvidenceAttached):
            out.add(e.sha256)
        document = getattr(getattr(e, "actor", None), "document_hash", None)
        if document:
            out.add(document)
    return out


def sweep_unreferenced(
    store: SweptStore, events: EventSource, now: datetime, *, dry_run: bool = False
) -> SweepReport:
    """Remove the stored files no event references (older than ``SWEEP_GRACE``): files
    of refused or abandoned uploads."""
    referenced = referenced_files(events)
    removed: list[str] = []
    kept = freed = 0
    for sha256, size, modified in store.files():
        if sha256 in referenced or now - modified < SWEEP_GRACE:
            kept += 1
            continue
        if not dry_run:
            store.remove(sha256)
        removed.append(sha256)
        freed += size
    return SweepReport(removed=removed, kept=kept, bytes_freed=freed, dry_run=dry_run)
