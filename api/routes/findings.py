"""/api/v1/findings: list, read, register, and every command on a finding.

Routes translate, never decide: permissions and rules live in the application
and the domain. Every write names the version it acts on (If-Match or
expected_version) and answers the finding as it is after the write.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile, status

from api.auth import PrincipalDep
from api.deps import EvidenceDep, TrackerDep
from api.errors import EvidenceRejectedError
from api.schemas import (
    CommentRequest,
    DueDateRequest,
    ExtensionDecisionRequest,
    ExtensionRequestBody,
    FindingPublic,
    FindingsPublic,
    FindingSummaryPublic,
    ReasonRequest,
    ReassignRequest,
    RegisterFindingRequest,
    ReportProgressRequest,
    TimelineEntryPublic,
    VerificationRequest,
)
from api.versioning import expected_version
from application.dto import FindingFilter
from application.tracker import AuditTracker
from domain.errors import ReasonRequiredError
from domain.vocabulary import FindingKind, Status, Verification
from infrastructure.evidence import ALLOWED_TYPES, MAX_EVIDENCE_BYTES

router = APIRouter(prefix="/findings", tags=["findings"])


def _answer(tracker: AuditTracker, finding_id: UUID, response: Response) -> FindingPublic:
    finding = tracker.get_finding(finding_id)
    response.headers["ETag"] = f'"{finding.version}"'
    return FindingPublic.of(finding)


@router.get("", response_model=FindingsPublic)
def list_findings(
    tracker: TrackerDep,
    _: PrincipalDep,
    audit: UUID | None = None,
    department: str | None = None,
    kind: FindingKind | None = None,
    status_: Annotated[Status | None, Query(alias="status")] = None,
    verification: Verification | None = None,
    overdue: Annotated[bool, Query(description="Due date passed, open, no pending claim")] = False,
    raised_by: Annotated[str | None, Query(description="The council member who raised it")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Korean text search")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> FindingsPublic:
    flt = FindingFilter(
        audit_id=audit,
        department=department,
        kind=kind,
        status=status_,
        verification=verification,
        raised_by=raised_by,
        overdue_on=tracker.clock.today() if overdue else None,
        text=q,
        limit=limit,
        offset=offset,
    )
    return FindingsPublic(
        data=[FindingSummaryPublic.of(f) for f in tracker.list_findings(flt)],
        count=tracker.count_findings(FindingFilter(**{**flt.__dict__, "limit": None, "offset": 0})),
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=FindingPublic)
def register_finding(
    body: RegisterFindingRequest, tracker: TrackerDep, principal: PrincipalDep, response: Response
) -> FindingPublic:
    finding_id = tracker.register_finding(principal, **body.model_dump())
    response.headers["Location"] = f"/api/v1/findings/{finding_id}"
    return _answer(tracker, finding_id, response)


@router.get("/{finding_id}", response_model=FindingPublic)
def get_finding(
    finding_id: UUID, tracker: TrackerDep, _: PrincipalDep, response: Response
) -> FindingPublic:
    return _answer(tracker, finding_id, response)


@router.get("/{finding_id}/timeline", response_model=list[TimelineEntryPublic])
def get_timeline(
    finding_id: UUID, tracker: TrackerDep, _: PrincipalDep
) -> list[TimelineEntryPublic]:
    return [TimelineEntryPublic.of(e) for e in tracker.timeline(finding_id)]


@router.post("/{finding_id}/reports", response_model=FindingPublic)
def report_progress(
    finding_id: UUID,
    body: ReportProgressRequest,
    request: Request,
    response: Response,
    tracker: TrackerDep,
    principal: PrincipalDep,
) -> FindingPublic:
    tracker.report_progress(
        principal,
        finding_id,
        status=body.status,
        status_raw=body.status_raw,
        actions=body.actions,
        plans=body.plans,
        delay_reason=body.delay_reason,
        business_date=body.business_date,
        expected_version=expected_version(request, body.expected_version),
    )
    return _answer(tracker, finding_id, response)


@router.post("/{finding_id}/verification", response_model=FindingPublic)
def decide_claim(
    finding_id: UUID,
    body: VerificationRequest,
    request: Request,
    response: Response,
    tracker: TrackerDep,
    principal: PrincipalDep,
) -> FindingPublic:
    version = expected_version(request, body.expected_version)
    if body.decision == "verify":
        tracker.verify_claim(principal, finding_id, note=body.reason, expected_version=version)
    else:
        if not (body.reason or "").strip():
            raise ReasonRequiredError()
        tracker.return_claim(
            principal, finding_id, reason=body.reason or "", expected_version=version
        )
    return _answer(tracker, finding_id, response)


@router.post("/{finding_id}/reopen", response_model=FindingPublic)
def reopen(
    finding_id: UUID,
    body: ReasonRequest,
    request: Request,
    response: Response,
    tracker: TrackerDep,
    principal: PrincipalDep,
) -> FindingPublic:
    tracker.reopen(
        principal,
        finding_id,
        reason=body.reason,
        expected_version=expected_version(request, body.expected_version),
    )
    return _answer(tracker, finding_id, response)


@router.post("/{finding_id}/due-date", response_model=FindingPublic)
def change_due_date(
    finding_id: UUID,
    body: DueDateRequest,
    request: Request,
    response: Response,
    tracker: TrackerDep,
    principal: PrincipalDep,
) -> FindingPublic:
    tracker.change_due_date(
        principal,
        finding_id,
        due_date=body.due_date,
        reason=body.reason,
        expected_version=expected_version(request, body.expected_version),
    )
    return _answer(tracker, finding_id, response)


@router.post("/{finding_id}/reassignment", response_model=FindingPublic)
def reassign(
    finding_id: UUID,
    body: ReassignRequest,
    request: Request,
    response: Response,
    tracker: TrackerDep,
    principal: PrincipalDep,
) -> FindingPublic:
    tracker.reassign(
        principal,
        finding_id,
        department=body.department,
        reason=body.reason,
        expected_version=expected_version(request, body.expected_version),
    )
    return _answer(tracker, finding_id, response)


@router.post("/{finding_id}/extension-requests", response_model=FindingPublic)
def request_extension(
    finding_id: UUID,
    body: ExtensionRequestBody,
    request: Request,
    response: Response,
    tracker: TrackerDep,
    principal: PrincipalDep,
) -> FindingPublic:
    tracker.request_extension(
        principal,
        finding_id,
        due_date=body.due_date,
        reason=body.reason,
        expected_version=expected_version(request, body.expected_version),
    )
    return _answer(tracker, finding_id, response)


@router.post("/{finding_id}/extension-decision", response_model=FindingPublic)
def decide_extension(
    finding_id: UUID,
    body: ExtensionDecisionRequest,
    request: Request,
    response: Response,
    tracker: TrackerDep,
    principal: PrincipalDep,
) -> FindingPublic:
    decide = tracker.grant_extension if body.decision == "grant" else tracker.refuse_extension
    decide(
        principal,
        finding_id,
        reason=body.reason,
        expected_version=expected_version(request, body.expected_version),
    )
    return _answer(tracker, finding_id, response)


@router.post("/{finding_id}/comments", response_model=FindingPublic)
def add_comment(
    finding_id: UUID,
    body: CommentRequest,
    request: Request,
    response: Response,
    tracker: TrackerDep,
    principal: PrincipalDep,
) -> FindingPublic:
    tracker.add_comment(
        principal,
        finding_id,
        text=body.text,
        expected_version=expected_version(request, body.expected_version),
    )
    return _answer(tracker, finding_id, response)


@router.post("/{finding_id}/evidence", response_model=FindingPublic)
def attach_evidence(
    finding_id: UUID,
    request: Request,
    response: Response,
    tracker: TrackerDep,
    principal: PrincipalDep,
    evidence: EvidenceDep,
    file: Annotated[UploadFile, File(description="증빙자료 (PDF, image, HWP, office, text)")],
    note: Annotated[str | None, Form(max_length=2000)] = None,
    expected_version_: Annotated[int | None, Form(alias="expected_version", ge=1)] = None,
) -> FindingPublic:
    version = expected_version(request, expected_version_)
    content_type = (file.content_type or "application/octet-stream").split(";")[0].strip()
    if content_type not in ALLOWED_TYPES:
        raise EvidenceRejectedError(f"type {content_type}", status_code=415)
    data = file.file.read(MAX_EVIDENCE_BYTES + 1)
    if len(data) > MAX_EVIDENCE_BYTES:
        raise EvidenceRejectedError(f"larger than {MAX_EVIDENCE_BYTES} bytes", status_code=413)
    digest = evidence.put(data)
    tracker.attach_evidence(
        principal,
        finding_id,
        file_name=file.filename or "evidence",
        content_type=content_type,
        size=len(data),
        sha256=digest,
        note=note,
        expected_version=version,
    )
    return _answer(tracker, finding_id, response)


@router.get("/{finding_id}/evidence/{sha256}", response_class=Response)
def download_evidence(
    finding_id: UUID, sha256: str, tracker: TrackerDep, _: PrincipalDep, evidence: EvidenceDep
) -> Response:
    """Those who may read the finding may download what was attached to it."""
    attached = {
        e.data.get("sha256"): e.data
        for e in tracker.timeline(finding_id)
        if e.event == "EvidenceAttached"
    }
    data = evidence.get(sha256) if sha256 in attached else None
    if data is None:
        raise EvidenceRejectedError("no such evidence on this finding", status_code=404)
    meta = attached[sha256]
    return Response(
        content=data,
        media_type=str(meta.get("content_type") or "application/octet-stream"),
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{_quote(str(meta['file_name']))}",
            "X-Content-Type-Options": "nosniff",
        },
    )


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")
