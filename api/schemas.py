"""Request and response schemas of the JSON API (identifiers English, labels Korean)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from application.dto import FindingDetails, FindingRow, TimelineEntry
from domain.vocabulary import (
    KIND_LABELS,
    STATUS_LABELS,
    VERIFICATION_LABELS,
    FindingKind,
    Status,
    Verification,
)


class ErrorPublic(BaseModel):
    code: str
    message_ko: str
    message_en: str
    detail: Any = None


class Versioned(BaseModel):
    """Every write on a finding names the version it acts on (or sends If-Match)."""

    expected_version: int | None = Field(default=None, ge=1)


class FindingSummaryPublic(BaseModel):
    finding_id: UUID
    audit_id: UUID
    kind: FindingKind
    kind_label: str
    seq: int
    request: str
    department: str
    department_id: str
    status: Status
    status_label: str
    status_raw: str
    verification: Verification | None
    verification_label: str | None
    due_date: date | None
    registered_on: date
    last_business_date: date
    version: int

    @classmethod
    def of(cls, f: FindingRow) -> FindingSummaryPublic:
        return cls(
            finding_id=f.finding_id,
            audit_id=f.audit_id,
            kind=f.kind,
            kind_label=KIND_LABELS[f.kind],
            seq=f.seq,
            request=f.request,
            department=f.department,
            department_id=f.department_id,
            status=f.status,
            status_label=STATUS_LABELS[f.status],
            status_raw=f.status_raw,
            verification=f.verification,
            verification_label=VERIFICATION_LABELS[f.verification] if f.verification else None,
            due_date=f.due_date,
            registered_on=f.registered_on,
            last_business_date=f.last_business_date,
            version=f.version,
        )


class FindingsPublic(BaseModel):
    data: list[FindingSummaryPublic]
    count: int


class FindingPublic(BaseModel):
    finding_id: UUID
    audit_id: UUID
    kind: FindingKind
    kind_label: str
    seq: int
    request: str
    department: str
    department_id: str
    raised_by: str | None
    due_date: date | None
    registered_on: date
    status: Status
    status_label: str
    status_raw: str
    actions: str | None
    plans: str | None
    delay_reason: str | None
    verification: Verification | None
    verification_label: str | None
    is_closed: bool
    version: int

    @classmethod
    def of(cls, f: FindingDetails) -> FindingPublic:
        return cls(
            **{k: getattr(f, k) for k in cls.model_fields if hasattr(f, k)},
            kind_label=KIND_LABELS[f.kind],
            status_label=STATUS_LABELS[f.status],
            verification_label=VERIFICATION_LABELS[f.verification] if f.verification else None,
        )


class TimelineEntryPublic(BaseModel):
    version: int
    event: str
    business_date: date
    recorded_at: datetime
    actor_kind: str
    actor_id: str
    actor_role: str | None
    data: dict[str, Any]

    @classmethod
    def of(cls, e: TimelineEntry) -> TimelineEntryPublic:
        return cls(**e.__dict__)


class RegisterAuditRequest(BaseModel):
    council: str = ""
    committee: str = Field(min_length=1, max_length=200)
    audited_body: str = Field(min_length=1, max_length=200)
    year: int = Field(ge=1991, le=2100)
    session: str | None = None
    audit_date: date | None = None
    adoption_date: date | None = None
    default_deadline: date | None = None


class AuditPublic(BaseModel):
    audit_id: UUID
    council: str
    year: int
    committee: str
    audited_body: str
    findings: int
    default_deadline: date | None = None


class RegisterFindingRequest(BaseModel):
    audit_id: UUID
    kind: FindingKind
    seq: int = Field(ge=1, le=99999)
    request: str = Field(min_length=1, max_length=20000)
    department: str = Field(min_length=1, max_length=200)
    raised_by: str | None = Field(default=None, max_length=200)
    due_date: date | None = None


class ReportProgressRequest(Versioned):
    status: Status
    status_raw: str | None = Field(default=None, max_length=200)
    actions: str | None = Field(default=None, max_length=50000)
    plans: str | None = Field(default=None, max_length=50000)
    delay_reason: str | None = Field(default=None, max_length=20000)
    business_date: date | None = None


class VerificationRequest(Versioned):
    """The council's judgement of a claim: verify it, or return it with a reason."""

    decision: Literal["verify", "return"]
    reason: str | None = Field(default=None, max_length=20000)


class ReasonRequest(Versioned):
    reason: str = Field(min_length=1, max_length=20000)


class DueDateRequest(ReasonRequest):
    due_date: date | None


class ReassignRequest(ReasonRequest):
    department: str = Field(min_length=1, max_length=200)


class ExtensionRequestBody(ReasonRequest):
    due_date: date


class ExtensionDecisionRequest(ReasonRequest):
    decision: Literal["grant", "refuse"]


class CommentRequest(Versioned):
    text: str = Field(min_length=1, max_length=20000)


class InboxEntryPublic(BaseModel):
    finding_id: UUID
    department: str
    rule: str
    label: str
    level: int
    raised_on: date
    reference_date: date | None
    detail: str | None
    kind_label: str
    seq: int
    request: str


class SessionUser(BaseModel):
    name: str
    role: str
    departments: list[str]
