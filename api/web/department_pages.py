"""The per-department 총괄 page, the 총괄 page's charts, and the opt-in public page."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from api.deps import installation_services
from api.web.charts import completion_chart
from api.web.forms import parse_date, parse_uuid
from api.web.pages import _labels, services_of
from api.web.presenters import SummaryRow, summary_rows
from api.web.rendering import render
from api.web.session import WebUserDep
from application.queries import completion_of
from domain.errors import DomainError

router = APIRouter(include_in_schema=False)


@router.get("/departments", response_class=HTMLResponse)
def departments(request: Request, user: WebUserDep) -> HTMLResponse:
    queries = services_of(request).queries
    query = request.query_params
    audit_id = parse_uuid(query.get("audit"))
    error = None
    try:
        as_of = parse_date(query.get("as_of") or "", "기준일")
    except DomainError as exc:
        as_of, error = None, exc.message_ko
    table = queries.department_summary(audit_id, as_of)
    return render(
        request,
        "departments.html",
        {
            "user": user,
            "nav": "departments",
            "audits": queries.list_audits(),
            "selected_audit": str(audit_id) if audit_id else "",
            "as_of": as_of,
            "table": table,
            "repeats": queries.repeat_counts(audit_id),
            "chart": completion_chart(completion_of(table), "chart-completion"),
            # Counts link to the list, which shows findings as they are now: only then.
            "link_base": None if as_of else ({"audit": str(audit_id)} if audit_id else {}),
            "error": error,
            **_labels(),
        },
        status_code=422 if error else 200,
    )


@dataclass(frozen=True)
class PublicAudit:
    title: str
    rows: list[SummaryRow]
    chart: Markup


@router.get("/public", response_class=HTMLResponse)
def public(request: Request) -> HTMLResponse:
    """Anonymous, and only when the installation opts in (FOLLOWUP_PUBLIC_SUMMARY):
    counts and department names, never a request text, a person or an account."""
    if not request.app.state.runtime.settings.public_summary:
        return render(
            request,
            "error.html",
            {"title": "찾을 수 없습니다", "message": "요청한 화면이 없습니다."},
            status_code=404,
        )
    everyone = installation_services(request)
    councils = everyone.councils.list()
    picked = request.query_params.get("council")
    council = next((c for c in councils if picked in (c.code, c.name)), None)
    if councils and council is None:
        # Each council publishes its own 총괄: the page first asks which.
        return render(
            request,
            "public.html",
            {"audits": [], "councils": councils, "as_of": None, **_labels()},
            status_code=200 if picked is None else 404,
        )
    scoped = everyone.for_council(council.name) if council else everyone
    summaries = scoped.queries.public_summaries()
    audits = [
        PublicAudit(
            title=s.title,
            rows=summary_rows(s.summary),
            chart=completion_chart(s.completion, f"chart-completion-{i}"),
        )
        for i, s in enumerate(summaries, start=1)
    ]
    return render(
        request,
        "public.html",
        {
            "audits": audits,
            "councils": [],  # one council's page: no list to choose from
            "council": council,
            "as_of": summaries[0].as_of if summaries else None,
            **_labels(),
        },
    )
