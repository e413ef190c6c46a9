"""/api/v1/findings: list, read, register, and every command on a finding.

Routes translate, never decide: permissions and rules live in the application
and the domain. Every write names the version it acts on (If-Match or
expected_version) and answers the finding as it is after the write.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile, status
from pydantic import BaseModel

from api.auth import PrincipalDep
from api.deps import ServicesDep
from api.openapi import errors
from api.schemas import (
    TEXT_PATTERN,
    CommentRequest,
    Dated,
    DueDateRequest,
    ExtensionDecisionRequest,
    ExtensionRequestBody,
    FindingPublic,
    FindingsPublic,
    FindingSummaryPublic,
    IsoDate,
    QueryName,
    ReasonRequest,
    ReassignRequest,
    RegisterFindingRequest,
    RepeatDecisionRequest,
    ReportProgressRequest,
    TimelineEntryPublic,
    VerificationRequest,
    Versioned,
)
from api.versioning import MAX_VERSION, expected_version
from application.dto import FindingDetails, FindingFilter
from application.evidence import (
    ALLOWED_TYPES,
    MAX_EVIDENCE_BYTES,
    EvidenceCountError,
    Upload,
    media_type,
)
from application.services import Followup
from application.writer import Target
from domain.vocabulary import FindingKind, Status, Verification

router = APIRouter(prefix="/findings", tags=["findings"])


def _answer(services: Followup, finding_id: UUID, response: Response) -> FindingPublic:
    return _public(services.queries.get_finding(finding_id), response)


def _public(finding: FindingDetails, response: Response) -> FindingPublic:
    response.headers["ETag"] = f'"{finding.version}"'
    return FindingPublic.of(finding)


@dataclass
class FindingCall:
    """One command on one finding: who, which finding, which version; then the answer."""

    finding_id: UUID
    request: Request
    response: Response
    services: ServicesDep
    principal: PrincipalDep

    def run(
        self, command: Callable[..., FindingDetails], body: Versioned, **arguments: Any
    ) -> FindingPublic:
        """Call ``command`` on the target the body names, and answer the finding as the
        command left it (no second load). The command's arguments are ``arguments`` when
        given, else every other field of the body (whose names are the command's: the
        schema tests hold them to it)."""
        # Only a progress report states its business date; other commands happen today.
        on = body.business_date if isinstance(body, Dated) else None
        fields = arguments or body.model_dump(exclude={"expected_version", "business_date"})
        version = expected_version(self.request, body.expected_version)
        written = command(Target(self.principal, self.finding_id, version, on), **fields)
        return _public(written, self.response)


CallDep = Annotated[FindingCall, Depends()]


@router.get("", response_model=FindingsPublic, responses=errors(403))
def list_findings(
    services: ServicesDep,
    principal: PrincipalDep,
    audit: UUID | None = None,
    department: QueryName = None,
    kind: FindingKind | None = None,
    status_: Annotated[Status | None, Query(alias="status")] = None,
    verification: Verification | None = None,
    overdue: Annotated[bool, Query(description="Due date passed, open, no pending claim")] = False,
    raised_by: Annotated[QueryName, Query(description="The council member who raised it")] = None,
    q: Annotated[
        str | None, Query(max_length=200, pattern=TEXT_PATTERN, description="Korean text search")
    ] = None,
    carried_into: Annotated[
        UUID | None,
        Query(description="Findings of earlier audits carried over into this audit (이월)"),
    ] = None,
    as_of: Annotated[
        IsoDate | None, Query(description="The list as of this business date (YYYY-MM-DD)")
    ] = None,
    recorded_on: Annotated[
        IsoDate | None,
        Query(description="As recorded: what the list showed at the end of this day (staff)"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> FindingsPublic:
    flt = FindingFilter(
        audit_id=audit,
        department=department,
        kind=kind,
        status=status_,
        verification=verification,
        raised_by=raised_by,
        overdue_on=services.clock.today() if overdue else None,
        text=q,
        carried_into=carried_into,
        as_of=as_of,
        limit=limit,
        offset=offset,
    )
    # An unknown department: 422 with the closest names; recorded_on: staff's.
    rows, count = services.queries.findings_for(principal, flt, recorded_on=recorded_on)
    return FindingsPublic(data=[FindingSummaryPublic.of(f) for f in rows], count=count)


@router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=FindingPublic, responses=errors(404)
)
def register_finding(
    body: RegisterFindingRequest, services: ServicesDep, principal: PrincipalDep, response: Response
) -> FindingPublic:
    finding_id = services.audits.register_finding(principal, **body.model_dump())
    response.headers["Location"] = f"/api/v1/findings/{finding_id}"
    return _answer(services, finding_id, response)


@router.get("/{finding_id}", response_model=FindingPublic)
def get_finding(
    finding_id: UUID, services: ServicesDep, _: PrincipalDep, response: Response
) -> FindingPublic:
    return _answer(services, finding_id, response)


@router.get(
    "/{finding_id}/timeline", response_model=list[TimelineEntryPublic], responses=errors(403)
)
def get_timeline(
    finding_id: UUID,
    services: ServicesDep,
    principal: PrincipalDep,
    as_of: Annotated[IsoDate | None, Query(description="Events dated on or before")] = None,
    recorded_on: Annotated[
        IsoDate | None, Query(description="Only events recorded by the end of this day (staff)")
    ] = None,
) -> list[TimelineEntryPublic]:
    entries = services.queries.timeline_for(
        principal, finding_id, as_of=as_of, recorded_on=recorded_on
    )
    return [TimelineEntryPublic.of(e) for e in entries]


class RepeatCandidatePublic(BaseModel):
    finding_id: UUID
    audit_id: UUID
    kind: FindingKind
    seq: int
    department: str
    request: str
    similarity: float


class RepeatsPublic(BaseModel):
    """The earlier finding this one is confirmed to repeat, how many years running it
    was raised, and earlier findings whose request reads alike (staff decide)."""

    repeat_of: UUID | None
    years: int
    suggestions: list[RepeatCandidatePublic]


@router.get("/{finding_id}/repeats", response_model=RepeatsPublic)
def get_repeats(finding_id: UUID, services: ServicesDep, principal: PrincipalDep) -> RepeatsPublic:
    queries = services.queries
    finding = queries.get_finding(finding_id)  # 404 for an unknown id
    suggestions = queries.repeat_suggestions(principal, [finding_id]).get(finding_id, [])
    return RepeatsPublic(
        repeat_of=finding.repeat_of,
        years=queries.repeat_streaks([finding_id]).get(finding_id, 1),
        suggestions=[
            RepeatCandidatePublic(
                finding_id=row.finding_id,
                audit_id=row.audit_id,
                kind=row.kind,
                seq=row.seq,
                department=row.department,
                request=row.request,
                similarity=round(score, 3),
            )
            for row, score in suggestions
        ],
    )


@router.post("/{finding_id}/repeats", response_model=FindingPublic)
def decide_repeat(body: RepeatDecisionRequest, call: CallDep) -> FindingPublic:
    """Council staff confirm (or dismiss) that the finding repeats an earlier year's one."""
    yearly = call.services.yearly
    command = yearly.confirm_repeat if body.decision == "confirm" else yearly.dismiss_repeat
    return call.run(command, body, earlier_finding_id=body.earlier_finding_id)


@router.post("/{finding_id}/reports", response_model=FindingPublic)
def report_progress(body: ReportProgressRequest, call: CallDep) -> FindingPublic:
    return call.run(call.services.findings.report_progress, body)


@router.post("/{finding_id}/verification", response_model=FindingPublic)
def decide_claim(body: VerificationRequest, call: CallDep) -> FindingPublic:
    verify = body.decision == "verify"
    return call.run(
        call.services.findings.decide_claim,
        body,
        verify=verify,
        reason=body.reason,
        review_on=body.review_on,
    )


@router.post("/{finding_id}/reopen", response_model=FindingPublic)
def reopen(body: ReasonRequest, call: CallDep) -> FindingPublic:
    return call.run(call.services.findings.reopen, body)


@router.post("/{finding_id}/due-date", response_model=FindingPublic)
def change_due_date(body: DueDateRequest, call: CallDep) -> FindingPublic:
    return call.run(call.services.findings.change_due_date, body)


@router.post("/{finding_id}/reassignment", response_model=FindingPublic)
def reassign(body: ReassignRequest, call: CallDep) -> FindingPublic:
    return call.run(call.services.findings.reassign, body)


@router.post("/{finding_id}/extension-requests", response_model=FindingPublic)
def request_extension(body: ExtensionRequestBody, call: CallDep) -> FindingPublic:
    return call.run(call.services.findings.request_extension, body)


@router.post("/{finding_id}/extension-decision", response_model=FindingPublic)
def decide_extension(body: ExtensionDecisionRequest, call: CallDep) -> FindingPublic:
    grant = body.decision == "grant"
    return call.run(call.services.findings.decide_extension, body, grant=grant, reason=body.reason)


@router.post("/{finding_id}/comments", response_model=FindingPublic)
def add_comment(body: CommentRequest, call: CallDep) -> FindingPublic:
    return call.run(call.services.findings.add_comment, body)


def _form_version(schema: dict[str, Any]) -> None:
    """A form field is absent or a number: there is no null to send in a form."""
    schema.pop("anyOf", None)
    schema.update(type="integer", minimum=1, maximum=MAX_VERSION)


# The file's part must carry one of the accepted media types (else 415).
_EVIDENCE_ENCODING = {"file": {"contentType": ", ".join(sorted(ALLOWED_TYPES))}}


async def one_file(request: Request, _: PrincipalDep) -> None:
    """Two ``file`` parts are refused, not one of them kept silently (the form is
    parsed once: FastAPI reads the same cached form). Like the file's type and size,
    it is judged once the caller is known (401 first)."""
    count = len((await request.form()).getlist("file"))
    if count > 1:
        raise EvidenceCountError(count)


@router.post(
    "/{finding_id}/evidence",
    dependencies=[Depends(one_file)],
    response_model=FindingPublic,
    responses=errors(415),
    openapi_extra={
        "requestBody": {"content": {"multipart/form-data": {"encoding": _EVIDENCE_ENCODING}}}
    },
)
def attach_evidence(
    call: CallDep,
    file: Annotated[UploadFile, File(description="증빙자료 (PDF, image, HWP, office, text)")],
    note: Annotated[str | None, Form(max_length=2000, pattern=TEXT_PATTERN)] = None,
    expected_version_: Annotated[
        int | None,
        Form(alias="expected_version", ge=1, le=MAX_VERSION, json_schema_extra=_form_version),
    ] = None,
) -> FindingPublic:
    upload = Upload(
        file_name=file.filename or "",
        content_type=media_type(file.content_type),
        data=file.file.read(MAX_EVIDENCE_BYTES + 1),
    )
    body = Versioned(expected_version=expected_version_)
    return call.run(call.services.findings.attach_evidence, body, upload=upload, note=note)


@router.get(
    "/{finding_id}/evidence/{sha256}",
    response_class=Response,
    responses={200: {"content": {"*/*": {}}, "description": "The attached file as it was sent."}},
)
def download_evidence(
    finding_id: UUID, sha256: str, services: ServicesDep, _: PrincipalDep
) -> Response:
    """Those who may read the finding may download what was attached to it."""
    data, attached = services.queries.evidence_file(finding_id, sha256)
    file_name = quote(attached.file_name, safe="")
    return Response(
        content=data,
        media_type=attached.content_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{file_name}",
            "X-Content-Type-Options": "nosniff",
        },
    )
