"""Registering by form (council staff): 감사 등록, an audit's page, 지적사항 등록.

Each form is read through the API's own request schema (``RegisterAuditRequest``,
``RegisterFindingRequest``), so the page and ``POST /api/v1/...`` accept exactly the
same input; the application then decides who may register and what the domain
allows. A refusal renders the form again (422) with the message beside its field
and everything typed kept; others than council staff get the 403 page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from uuid import UUID

from annotated_types import Ge, Le, MaxLen
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from starlette.datastructures import FormData

from api.errors import status_for
from api.schemas import FIRST_YEAR, LAST_YEAR, RegisterAuditRequest, RegisterFindingRequest
from api.web.forms import message_for, parse_uuid, texts
from api.web.pages import audit_title, forbidden, not_found, services_of
from api.web.rendering import render
from api.web.session import FormDep, WebUser, WebUserDep
from application.dto import AuditRow, FindingFilter
from application.errors import (
    AuditNotFoundError,
    FindingAlreadyRegisteredError,
    PermissionDeniedError,
)
from domain.errors import DomainError
from domain.vocabulary import KIND_LABELS, STATUS_LABELS, VERIFICATION_LABELS, FindingKind

router = APIRouter(include_in_schema=False)

# Each form's fields in the order shown, with their Korean labels: exactly the
# fields of the API's request (the audit id of a finding comes from the path).
AUDIT_FIELDS: dict[str, str] = {
    "council": "의회",
    "committee": "위원회",
    "audited_body": "피감기관",
    "year": "감사연도",
    "session": "회기",
    "audit_date": "감사일",
    "adoption_date": "결과보고서 채택일",
    "default_deadline": "처리기한 (기본값)",
}
FINDING_FIELDS: dict[str, str] = {
    "kind": "구분",
    "seq": "연번",
    "request": "요구사항",
    "department": "담당부서",
    "raised_by": "요구의원",
    "due_date": "처리기한",
}
_DATES = frozenset({"audit_date", "adoption_date", "default_deadline", "due_date"})
_CHOICES = frozenset({"kind", "department"})
_NAMES = frozenset({"council", "committee", "audited_body", "department"})
# The findings an audit's page lists; the full list is one link away.
AUDIT_PAGE_ROWS = 100

M = TypeVar("M", bound=BaseModel)


@dataclass
class Refusal:
    """What the form says after a refusal: per field, and for the form as a whole."""

    fields: dict[str, str] = field(default_factory=dict)
    form: str | None = None

    def __bool__(self) -> bool:
        return bool(self.fields or self.form)

    def summary(self, labels: Mapping[str, str]) -> str:
        if self.form and not self.fields:
            return self.form
        named = ", ".join(labels[name] for name in labels if name in self.fields)
        return f"입력한 내용을 확인하세요: {named}"


def _bounds(model: type[BaseModel], name: str) -> dict[str, int]:
    """A field's limits as the schema states them (max_length, ge, le)."""
    found: dict[str, int] = {}
    for item in model.model_fields[name].metadata:
        if isinstance(item, MaxLen):
            found["max_length"] = item.max_length
        elif isinstance(item, Ge) and isinstance(item.ge, int):
            found["ge"] = item.ge
        elif isinstance(item, Le) and isinstance(item.le, int):
            found["le"] = item.le
    return found


def _message(model: type[BaseModel], name: str, label: str, error: ErrorDetails) -> str:
    """One schema error in Korean, naming its field."""
    kind = error["type"]
    if name in _DATES:  # unparseable, a day that does not exist, or out of range
        return f"{label}은(는) 있는 날짜로 입력하세요 (YYYY-MM-DD, {FIRST_YEAR}~{LAST_YEAR}년)."
    if kind in ("missing", "string_too_short"):
        return f"{label}을(를) 고르세요." if name in _CHOICES else f"{label}을(를) 입력하세요."
    if kind == "string_too_long":
        return f"{label}은(는) {_bounds(model, name)['max_length']}자까지 입력할 수 있습니다."
    if kind in ("enum", "literal_error"):
        return f"{label}은(는) 목록에 있는 것으로 고르세요."
    if kind.startswith("int_") or kind in ("greater_than_equal", "less_than_equal"):
        limits = _bounds(model, name)
        if name == "year":  # the schema's bound is wide; the domain's is next year
            return f"{label}은(는) {limits['ge']}년부터 내년까지의 연도로 입력하세요."
        return f"{label}은(는) {limits['ge']}부터 {limits['le']}까지의 정수로 입력하세요."
    if kind == "value_error":  # clean_text: the characters no stored text keeps
        marks = " 또는 글자 방향 제어 문자" if name in _NAMES else ""
        return f"{label}에 쓸 수 없는 문자(제어 문자{marks})가 있습니다."
    return f"{label}의 값이 올바르지 않습니다."


def _validated(
    model: type[M], values: Mapping[str, str], labels: Mapping[str, str], **fixed: object
) -> tuple[M | None, Refusal]:
    """The form as the API's request: blank fields are left out (the schema's default,
    or 'required'); the field's text otherwise goes through as typed, less the spaces
    around it (never a control character: the schema refuses those)."""
    data: dict[str, object] = {
        name: value.strip(" \t\r\n") for name, value in values.items() if value.strip(" \t\r\n")
    }
    try:
        return model.model_validate({**data, **fixed}), Refusal()
    except ValidationError as exc:
        refusal = Refusal()
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else ""
            if name in labels and name not in refusal.fields:
                refusal.fields[name] = _message(model, name, labels[name], error)
            elif name not in labels:
                refusal.form = "입력값이 올바르지 않습니다."
        return None, refusal


def _limits(model: type[BaseModel], names: Mapping[str, str]) -> dict[str, int]:
    """Each text field's maxlength attribute, from the schema (one source)."""
    return {n: b["max_length"] for n in names if "max_length" in (b := _bounds(model, n))}


def _refused(exc: DomainError, refusal: Refusal, field_of: Mapping[type, str]) -> int:
    """Put an application's refusal beside its field (or over the form); its status."""
    name = next((n for cls, n in field_of.items() if isinstance(exc, cls)), None)
    if name is not None:
        refusal.fields[name] = message_for(exc)
        return 422
    refusal.form = message_for(exc)
    return status_for(exc)


# -- 감사 등록 ------------------------------------------------------------------------


def _audit_form(
    request: Request,
    user: WebUser,
    values: dict[str, str] | None = None,
    refusal: Refusal | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    refusal = refusal or Refusal()
    audits = services_of(request).queries.list_audits()
    context: dict[str, Any] = {
        "user": user,
        "nav": "audits",
        "labels": AUDIT_FIELDS,
        # A council's staff register their council's audits: the field says which.
        "values": values or {**dict.fromkeys(AUDIT_FIELDS, ""), "council": user.council or ""},
        "field_errors": refusal.fields,
        "error": refusal.summary(AUDIT_FIELDS) if refusal else None,
        "maxlength": _limits(RegisterAuditRequest, AUDIT_FIELDS),
        "year_bounds": _bounds(RegisterAuditRequest, "year"),
        "audits": sorted(audits, key=lambda a: (-a.year, a.title)),
        "audit_title": audit_title,
    }
    return render(request, "register_audit.html", context, status_code=status_code)


@router.get("/audits/new", response_class=HTMLResponse)
def audit_form(request: Request, user: WebUserDep) -> HTMLResponse:
    if not user.is_staff:
        return forbidden(request, user)
    return _audit_form(request, user)


@router.post("/audits/new", response_class=HTMLResponse)
def register_audit(request: Request, user: WebUserDep, form: FormDep) -> Response:
    """Register an audit, then show its page; the same natural key again is the same
    audit (said so on its page, nothing recorded twice)."""
    if not user.is_staff:
        return forbidden(request, user)
    values = texts(form, *AUDIT_FIELDS)
    body, refusal = _validated(RegisterAuditRequest, values, AUDIT_FIELDS)
    if body is None:
        return _audit_form(request, user, values, refusal, status_code=422)
    services = services_of(request)
    known = {a.audit_id for a in services.queries.list_audits()}
    try:
        audit_id = services.audits.register_audit(user.principal, **body.model_dump())
    except PermissionDeniedError as exc:
        return forbidden(request, user, exc.message_ko)
    except DomainError as exc:
        status = _refused(exc, refusal, {})
        return _audit_form(request, user, values, refusal, status_code=status)
    done = "audit_exists" if audit_id in known else "audit_registered"
    return RedirectResponse(f"/audits/{audit_id}?done={done}", status_code=303)


# -- one audit's page ---------------------------------------------------------------


def _audit_or_none(request: Request, audit_id: str) -> AuditRow | None:
    parsed = parse_uuid(audit_id)
    return services_of(request).queries.audit(parsed) if parsed else None


def _next_seqs(request: Request, audit_id: UUID) -> dict[str, int]:
    """The first free sequence number of each kind (a hint; the form may take any)."""
    rows = services_of(request).queries.list_findings(FindingFilter(audit_id=audit_id))
    return {
        kind.value: 1 + max((r.seq for r in rows if r.kind is kind), default=0)
        for kind in FindingKind
    }


@router.get("/audits/{audit_id}", response_class=HTMLResponse)
def audit_page(audit_id: str, request: Request, user: WebUserDep) -> HTMLResponse:
    """An audit as registered, its findings, and (for staff) 지적사항 등록."""
    audit = _audit_or_none(request, audit_id)
    if audit is None:
        return not_found(request, user, AuditNotFoundError.message_ko)
    services = services_of(request)
    flt = FindingFilter(audit_id=audit.audit_id, limit=AUDIT_PAGE_ROWS)
    context: dict[str, Any] = {
        "user": user,
        "nav": "audits" if user.is_staff else "summary",
        "audit": audit,
        "title": audit_title(audit),
        "rows": services.queries.list_findings(flt),
        "total": services.queries.count_findings(flt),
        "today": services.clock.today(),
        "kind_labels": {k.value: v for k, v in KIND_LABELS.items()},
        "status_labels": {k.value: v for k, v in STATUS_LABELS.items()},
        "verification_labels": {k.value: v for k, v in VERIFICATION_LABELS.items()},
        "next_seqs": _next_seqs(request, audit.audit_id) if user.is_staff else {},
    }
    return render(request, "audit.html", context)


# -- 지적사항 등록 --------------------------------------------------------------------


def _department_names(request: Request) -> list[str]:
    """The departments a finding may name: registered and not merged away."""
    listed = services_of(request).queries.departments_list()
    return sorted({d.name for d in listed if d.merged_into is None})


def _finding_form(
    request: Request,
    user: WebUser,
    audit: AuditRow,
    values: dict[str, str] | None = None,
    refusal: Refusal | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    refusal = refusal or Refusal()
    context: dict[str, Any] = {
        "user": user,
        "nav": "audits",
        "audit": audit,
        "title": audit_title(audit),
        "labels": FINDING_FIELDS,
        "values": values or dict.fromkeys(FINDING_FIELDS, ""),
        "field_errors": refusal.fields,
        "error": refusal.summary(FINDING_FIELDS) if refusal else None,
        "maxlength": _limits(RegisterFindingRequest, FINDING_FIELDS),
        "seq_bounds": _bounds(RegisterFindingRequest, "seq"),
        "kinds": [(k.value, KIND_LABELS[k]) for k in FindingKind],
        "departments": _department_names(request),
        "next_seqs": _next_seqs(request, audit.audit_id),
    }
    return render(request, "register_finding.html", context, status_code=status_code)


@router.get("/audits/{audit_id}/findings/new", response_class=HTMLResponse)
def finding_form(audit_id: str, request: Request, user: WebUserDep) -> HTMLResponse:
    if not user.is_staff:
        return forbidden(request, user)
    audit = _audit_or_none(request, audit_id)
    if audit is None:
        return not_found(request, user, AuditNotFoundError.message_ko)
    return _finding_form(request, user, audit)


def _finding_values(form: FormData) -> dict[str, str]:
    return texts(form, *FINDING_FIELDS)


@router.post("/audits/{audit_id}/findings/new", response_class=HTMLResponse)
def register_finding(audit_id: str, request: Request, user: WebUserDep, form: FormDep) -> Response:
    """Register a finding of the audit, then show the finding's page."""
    if not user.is_staff:
        return forbidden(request, user)
    audit = _audit_or_none(request, audit_id)
    if audit is None:
        return not_found(request, user, AuditNotFoundError.message_ko)
    values = _finding_values(form)
    body, refusal = _validated(
        RegisterFindingRequest, values, FINDING_FIELDS, audit_id=str(audit.audit_id)
    )
    # The form offers registered departments only (the API would register a new one).
    department = body.department if body else values["department"].strip()
    if department and department not in _department_names(request):
        refusal.fields.setdefault("department", "등록된 담당부서 중에서 고르세요.")
    if body is None or refusal:
        return _finding_form(request, user, audit, values, refusal, status_code=422)
    try:
        finding_id = services_of(request).audits.register_finding(
            user.principal, **body.model_dump()
        )
    except PermissionDeniedError as exc:
        return forbidden(request, user, exc.message_ko)
    except DomainError as exc:
        status = _refused(exc, refusal, {FindingAlreadyRegisteredError: "seq"})
        return _finding_form(request, user, audit, values, refusal, status_code=status)
    return RedirectResponse(f"/findings/{finding_id}?done=finding_registered", status_code=303)


__all__ = ["router"]
