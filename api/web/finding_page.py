"""One finding: its request, state and complete timeline, and the forms its reader may use.

Every form names the version it was shown at (``expected_version``); a refusal
(stale version, a missing reason, no permission) renders the page again with the
message in Korean and the user's text still in the form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from api.errors import status_for
from api.web.forms import (
    FormError,
    FormInputError,
    message_for,
    optional_text,
    parse_date,
    parse_int,
    parse_uuid,
    require_enum,
    texts,
    upload,
)
from api.web.pages import audit_title, not_found, services_of
from api.web.presenters import timeline_items
from api.web.rendering import render
from api.web.session import FormDep, WebUser, WebUserDep
from application.access import Principal
from application.dto import AuditRow, FindingDetails, TimelineEntry
from application.errors import FindingNotFoundError
from application.evidence import (
    ALLOWED_TYPES,
    MAX_EVIDENCE_BYTES,
    Upload,
    latest_report_evidence,
    media_type,
)
from application.findings import FindingCommands, available_commands
from application.queries import Queries
from application.writer import Target
from application.yearly import YearlyCycle, yearly_links
from domain.errors import DomainError
from domain.vocabulary import (
    KIND_LABELS,
    STATUS_LABELS,
    VERIFICATION_LABELS,
    Status,
    Verification,
)

router = APIRouter(include_in_schema=False)

# The fields of each form: what is kept and shown again after a refusal.
FORM_FIELDS: dict[str, tuple[str, ...]] = {
    "report": ("status", "actions", "plans", "delay_reason"),
    "verification": ("decision", "reason", "review_on"),
    "reopen": ("reason",),
    "due_date": ("due_date", "reason"),
    "reassign": ("department", "reason"),
    "extension_request": ("due_date", "reason"),
    "extension_decision": ("decision", "reason"),
    "comment": ("text",),
    "evidence": ("note",),
    "repeat": ("earlier_finding_id", "decision"),
}


@dataclass(frozen=True)
class Command:
    """What one posted form asks of the application."""

    findings: FindingCommands
    yearly: YearlyCycle
    principal: Principal
    finding_id: UUID
    version: int
    values: dict[str, str]
    form: FormData

    @property
    def target(self) -> Target:
        return Target(self.principal, self.finding_id, expected_version=self.version)

    def decision(self, yes: str, no: str) -> bool:
        """The form's choice between two decisions: True for ``yes``."""
        if self.values["decision"] not in (yes, no):
            raise FormInputError("처리 방법")
        return self.values["decision"] == yes


def _uploads(form: FormData, name: str) -> list[Upload]:
    """The files of a multiple file input (none chosen: none)."""
    return [
        Upload(
            file_name=f.filename or "",
            content_type=media_type(f.content_type),
            data=f.file.read(MAX_EVIDENCE_BYTES + 1),
        )
        for f in form.getlist(name)
        if isinstance(f, UploadFile) and f.filename
    ]


def _report(c: Command) -> str:
    # The files go with the report: its event references them (what they prove).
    c.findings.report_progress(
        c.target,
        status=require_enum(Status, c.values["status"], "추진상황"),
        actions=optional_text(c.values["actions"]),
        plans=optional_text(c.values["plans"]),
        delay_reason=optional_text(c.values["delay_reason"]),
        evidence=_uploads(c.form, "files"),
    )
    return "report"


def _verification(c: Command) -> str:
    verify = c.decision("verify", "return")
    c.findings.decide_claim(
        c.target,
        verify=verify,
        reason=optional_text(c.values["reason"]),
        review_on=parse_date(c.values["review_on"], "재검토일") if verify else None,
    )
    return "verify" if verify else "return"


def _reopen(c: Command) -> str:
    c.findings.reopen(c.target, reason=c.values["reason"])
    return "reopen"


def _due_date(c: Command) -> str:
    due_date = parse_date(c.values["due_date"], "처리기한")
    c.findings.change_due_date(c.target, due_date=due_date, reason=c.values["reason"])
    return "due_date"


def _reassign(c: Command) -> str:
    department = c.values["department"].strip()
    if not department:
        raise FormInputError("담당부서")
    c.findings.reassign(c.target, department=department, reason=c.values["reason"])
    return "reassign"


def _extension_request(c: Command) -> str:
    due_date = parse_date(c.values["due_date"], "연장 요청 기한")
    if due_date is None:
        raise FormInputError("연장 요청 기한")
    c.findings.request_extension(c.target, due_date=due_date, reason=c.values["reason"])
    return "extension_request"


def _extension_decision(c: Command) -> str:
    grant = c.decision("grant", "refuse")
    c.findings.decide_extension(c.target, grant=grant, reason=c.values["reason"])
    return "extension_decision"


def _comment(c: Command) -> str:
    c.findings.add_comment(c.target, text=c.values["text"])
    return "comment"


def _evidence(c: Command) -> str:
    # The application checks type, size and permission before anything is stored.
    file = upload(c.form, "file")
    if file is None:
        raise FormInputError("증빙자료 파일")
    c.findings.attach_evidence(
        c.target,
        upload=Upload(
            file_name=file.filename or "",
            content_type=media_type(file.content_type),
            data=file.file.read(MAX_EVIDENCE_BYTES + 1),
        ),
        note=optional_text(c.values["note"]),
    )
    return "evidence"


def _repeat(c: Command) -> str:
    earlier = parse_uuid(c.values["earlier_finding_id"])
    if earlier is None:
        raise FormInputError("이전 지적사항")
    decide = (
        c.yearly.confirm_repeat if c.decision("confirm", "dismiss") else c.yearly.dismiss_repeat
    )
    decide(c.target, earlier_finding_id=earlier)
    return "repeat"


COMMANDS: dict[str, Callable[[Command], str]] = {
    "report": _report,
    "verification": _verification,
    "reopen": _reopen,
    "due_date": _due_date,
    "reassign": _reassign,
    "extension_request": _extension_request,
    "extension_decision": _extension_decision,
    "comment": _comment,
    "evidence": _evidence,
    "repeat": _repeat,
}
# URL segment of each form (hyphens in URLs, underscores in names).
FORM_PATHS = {name: name.replace("_", "-") for name in COMMANDS}
_BY_PATH = {path: name for name, path in FORM_PATHS.items()}


def _defaults(finding: FindingDetails, *, staff: bool) -> dict[str, dict[str, str]]:
    values = {name: dict.fromkeys(fields, "") for name, fields in FORM_FIELDS.items()}
    # A department's report restates the whole state: it starts from the last one. Staff
    # reporting on its behalf start from an empty form (the department's text is shown
    # beside it), so a claim under review is not overwritten by a stray click.
    if not staff:
        values["report"].update(
            status=finding.status.value,
            actions=finding.actions or "",
            plans=finding.plans or "",
            delay_reason=finding.delay_reason or "",
        )
    values["due_date"]["due_date"] = finding.due_date.isoformat() if finding.due_date else ""
    return values


def finding_page(
    request: Request,
    user: WebUser,
    finding_id: UUID,
    *,
    error: FormError | None = None,
    kept: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    services = services_of(request)
    queries = services.queries
    query = request.query_params
    try:
        # A past day (기준일): the state and the timeline as they stood then, read only.
        as_of = parse_date(query.get("as_of") or "", "기준일")
        # "As recorded" is council staff's (as on the 총괄 page): others see the 기준일 only.
        staff_only = query.get("recorded_on") if user.principal.is_council_staff else None
        recorded_on = parse_date(staff_only or "", "기록 시점")
    except DomainError as exc:
        as_of, recorded_on = None, None
        error = error or FormError("as_of", message_for(exc))
    past = as_of is not None or recorded_on is not None
    try:
        current = queries.get_finding(finding_id)
        entries, then = queries.history_for(
            user.principal, finding_id, as_of=as_of, recorded_on=recorded_on
        )
    except FindingNotFoundError as exc:
        return not_found(request, user, exc.message_ko)
    finding = then or current
    users = {u.id: u.name for u in request.app.state.accounts.list_users()}
    requested = finding.extension_request
    extension = (requested[0].isoformat(), requested[1]) if requested else None
    forms = available_commands(user.principal, finding)
    if past:  # the past is read, not acted on
        forms = dict.fromkeys(forms, False)
    values = _defaults(finding, staff=user.is_staff)
    if error is not None and kept is not None:
        forms[error.form] = True  # never lose what was typed, even if the state moved on
        values[error.form].update(kept)
    audit = queries.audit(finding.audit_id)
    departments: list[str] = []
    if forms["reassign"]:
        # Registered departments still in being (a reassignment names one of them).
        listed = queries.departments_list()
        departments = sorted(
            {d.name for d in listed if d.merged_into is None} - {finding.department}
        )
    last_return = next(
        (str(e.data.get("reason")) for e in reversed(entries) if e.event == "ClaimReturned"),
        None,
    )
    today = as_of or services.clock.today()
    suggestions = (
        [] if past else queries.repeat_suggestions(user.principal, [finding_id]).get(finding_id, [])
    )
    # Links between years as the (cut) timeline shows them: none made after the day.
    links = yearly_links(entries)
    repeat_of = queries.findings_by_ids((links.repeat_of,)) if links.repeat_of else []
    audits = {a.audit_id: a for a in queries.list_audits()}
    context: dict[str, Any] = {
        "as_of": as_of,
        "recorded_on": recorded_on,
        "past": past,
        "not_yet": past and then is None,
        "may_see_recorded": user.principal.is_council_staff,
        "repeat_years": queries.repeat_streaks([finding_id], as_of=as_of).get(finding_id),
        "repeat_of": repeat_of[0] if repeat_of else None,
        "repeat_suggestions": suggestions,
        "audit_titles": {i: audit_title(a) for i, a in audits.items()},
        "carried_into": [audits[i] for i in links.carried_into if i in audits],
        "user": user,
        "nav": "findings",
        "finding": finding,
        "kind_label": KIND_LABELS[finding.kind],
        "status_label": STATUS_LABELS[finding.status],
        "verification_label": (
            VERIFICATION_LABELS[finding.verification] if finding.verification else "없음"
        ),
        "audit_name": audit_title(audit) if audit else str(finding.audit_id),
        "overdue": bool(
            finding.due_date
            and finding.due_date < today
            and finding.verification not in (Verification.VERIFIED, Verification.PENDING)
        ),
        "last_return": last_return if finding.verification is Verification.RETURNED else None,
        "extension": extension,
        "timeline": timeline_items(finding_id, entries, users, _titles(queries, entries, audits)),
        "report_evidence": latest_report_evidence(entries),
        "forms": forms,
        "values": values,
        "form_error": error,
        # The message itself is announced once, beside the form (role=alert there).
        "error": None,
        "paths": FORM_PATHS,
        "statuses": [(s.value, STATUS_LABELS[s]) for s in Status],
        "departments": departments,
        "evidence_types": ",".join(sorted(ALLOWED_TYPES)),
    }
    return render(request, "finding.html", context, status_code=status_code)


def _titles(
    queries: Queries, entries: list[TimelineEntry], audits: dict[UUID, AuditRow]
) -> dict[str, str]:
    """Names of the audits and earlier findings a finding's events link to."""
    titles = {str(i): audit_title(a) for i, a in audits.items()}
    earlier = tuple(
        {UUID(str(e.data["earlier_finding_id"])) for e in entries if "earlier_finding_id" in e.data}
    )
    for row in queries.findings_by_ids(earlier):
        where = titles.get(str(row.audit_id), "")
        titles[str(row.finding_id)] = f"{where} · {KIND_LABELS[row.kind]} {row.seq}"
    return titles


@router.get("/findings/{finding_id}", response_class=HTMLResponse)
def show_finding(finding_id: str, request: Request, user: WebUserDep) -> HTMLResponse:
    parsed = parse_uuid(finding_id)
    if parsed is None:
        return not_found(request, user, FindingNotFoundError.message_ko)
    return finding_page(request, user, parsed)


@router.post("/findings/{finding_id}/{action}", response_class=HTMLResponse)
def act_on_finding(
    finding_id: str, action: str, request: Request, user: WebUserDep, form: FormDep
) -> Response:
    parsed = parse_uuid(finding_id)
    name = _BY_PATH.get(action)
    if parsed is None or name is None:
        return not_found(request, user, "없는 화면입니다.")
    values = texts(form, *FORM_FIELDS[name])
    try:
        version = parse_int(texts(form, "expected_version")["expected_version"], "버전")
        if version is None:
            raise FormInputError("버전")
        done = COMMANDS[name](
            Command(
                findings=services_of(request).findings,
                yearly=services_of(request).yearly,
                principal=user.principal,
                finding_id=parsed,
                version=version,
                values=values,
                form=form,
            )
        )
    except DomainError as exc:
        return finding_page(
            request,
            user,
            parsed,
            error=FormError(name, message_for(exc)),
            kept=values,
            status_code=status_for(exc),
        )
    return RedirectResponse(f"/findings/{parsed}?done={done}", status_code=303)
