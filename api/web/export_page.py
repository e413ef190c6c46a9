"""The 처리결과 report as a download from the 총괄 and list pages (signed-in users)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api.downloads import export_response
from api.errors import status_for
from api.web.forms import parse_date, parse_uuid
from api.web.pages import services_of
from api.web.rendering import render
from api.web.session import WebUserDep
from application.errors import AuditNotFoundError
from application.exports import ExportFormat
from domain.errors import DomainError

router = APIRouter(include_in_schema=False)


@router.get("/export")
def download_export(request: Request, user: WebUserDep) -> Response:
    """The same application call as GET /api/v1/audits/{id}/export, answered in HTML
    when it is refused."""
    services = services_of(request)
    q = request.query_params
    try:
        audit_id = parse_uuid(q.get("audit"))
        if audit_id is None:
            raise AuditNotFoundError(q.get("audit") or "")
        exported = services.exports.export(
            audit_id,
            ExportFormat.parse(q.get("format") or ""),
            as_of=parse_date(q.get("as_of") or "", "기준일"),
            department=(q.get("department") or "").strip() or None,
            principal=user.principal,
        )
    except DomainError as exc:
        return render(
            request,
            "error.html",
            {"user": user, "title": "내려받을 수 없습니다", "message": exc.message_ko},
            status_code=status_for(exc),
        )
    return export_response(exported)
