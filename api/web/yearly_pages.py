"""The council's year, for staff: carry an audit's open findings into the next one's,
and the council's default due dates."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.errors import status_for
from api.web.forms import message_for, parse_int, parse_uuid, text
from api.web.pages import audit_title, forbidden, services_of
from api.web.rendering import render
from api.web.session import FormDep, WebUser, WebUserDep
from application.yearly import CarryOver
from domain.errors import DomainError
from domain.vocabulary import KIND_LABELS, FindingKind

router = APIRouter(include_in_schema=False)


def _page(
    request: Request,
    user: WebUser,
    *,
    values: dict[str, str] | None = None,
    result: CarryOver | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    queries = services_of(request).queries
    audits = queries.list_audits()
    values = values or {"from_audit": "", "to_audit": ""}
    carried = (
        queries.findings_by_ids(tuple(result.finding_ids)) if result and result.finding_ids else []
    )
    context: dict[str, Any] = {
        "user": user,
        "nav": "summary",
        "audits": sorted(audits, key=lambda a: (a.year, a.title)),
        "audit_title": audit_title,
        "titles": {a.audit_id: audit_title(a) for a in audits},
        "values": values,
        "result": result,
        "carried": carried,
        "error": error,
    }
    return render(request, "carry_over.html", context, status_code=status_code)


@router.get("/audits/carry-over", response_class=HTMLResponse)
def carry_over_form(request: Request, user: WebUserDep) -> HTMLResponse:
    if not user.is_staff:
        return forbidden(request, user)
    return _page(request, user)


@router.post("/audits/carry-over", response_class=HTMLResponse)
def carry_over(request: Request, user: WebUserDep, form: FormDep) -> HTMLResponse:
    """A preview first (nothing written), then the carry-over itself."""
    if not user.is_staff:
        return forbidden(request, user)
    values = {"from_audit": text(form, "from_audit"), "to_audit": text(form, "to_audit")}
    source, target = parse_uuid(values["from_audit"]), parse_uuid(values["to_audit"])
    if source is None or target is None:
        message = "이월할 감사(이전 연도)와 받을 감사(다음 연도)를 고르세요."
        return _page(request, user, values=values, error=message, status_code=422)
    dry_run = text(form, "confirm") != "1"
    try:
        result = services_of(request).yearly.carry_over(
            user.principal, source, target, dry_run=dry_run
        )
    except DomainError as exc:
        return _page(
            request, user, values=values, error=exc.message_ko, status_code=status_for(exc)
        )
    return _page(request, user, values=values, result=result)


__all__ = ["router"]


def _policy_page(
    request: Request,
    user: WebUser,
    council: str,
    *,
    values: dict[str, str] | None = None,
    moved: int | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    services = services_of(request)
    council = council or user.council or ""  # a council's staff: their council's policy
    try:
        days = services.policies.days(council)
    except DomainError as exc:  # another council's
        return render(
            request,
            "error.html",
            {"title": "볼 수 없습니다", "message": message_for(exc)},
            status_code=status_for(exc),
        )
    context: dict[str, Any] = {
        "user": user,
        "nav": "summary",
        "councils": sorted({a.council for a in services.queries.list_audits()} | {council}),
        "council": council,
        "kinds": [(k.value, KIND_LABELS[k]) for k in FindingKind],
        "values": values or {k.value: str(days.get(k.value, "")) for k in FindingKind},
        "moved": moved,
        "error": error,
    }
    return render(request, "policy.html", context, status_code=status_code)


@router.get("/policy", response_class=HTMLResponse)
def policy_form(request: Request, user: WebUserDep) -> HTMLResponse:
    """The council's default due dates; staff change them, everyone reads them."""
    return _policy_page(request, user, (request.query_params.get("council") or "").strip())


@router.post("/policy", response_class=HTMLResponse)
def set_policy(request: Request, user: WebUserDep, form: FormDep) -> HTMLResponse:
    council = text(form, "council").strip()
    values = {k.value: text(form, k.value).strip() for k in FindingKind}
    try:
        days = {
            k: n
            for k in FindingKind
            if (n := parse_int(values[k.value], f"{KIND_LABELS[k]} 영업일")) is not None
        }
        change = services_of(request).policies.set_policy(user.principal, council, days)
    except DomainError as exc:
        return _policy_page(
            request,
            user,
            council,
            values=values,
            error=message_for(exc),
            status_code=status_for(exc),
        )
    return _policy_page(request, user, council, moved=len(change.moved))
