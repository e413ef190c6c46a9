"""/import: upload → dry-run preview → confirm → result (council staff only).

The uploaded document is kept content-addressed (by its SHA-256, the hash the
import actor records) beside the evidence files, so the confirm step re-reads
exactly the bytes that were previewed, on whichever worker answers it.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from api.downloads import attachment
from api.errors import status_for
from api.web.forms import FormInputError, parse_date, parse_int, text, texts, upload
from api.web.pages import forbidden, services_of
from api.web.presenters import kind_label, status_label
from api.web.rendering import render
from api.web.session import FormDep, WebUser, WebUserDep
from application.importing import MAX_DOCUMENT_BYTES, ImportOptions, ImportOutcome, RowAction
from application.templates import TemplateFormat
from domain.errors import DomainError

router = APIRouter(include_in_schema=False)

OPTION_FIELDS = (
    "council",
    "committee",
    "audited_body",
    "year",
    "report_date",
    "deadline",
    "verified",
    "another_audit",
)
_SHA256 = re.compile(r"[0-9a-f]{64}")


def _options(values: dict[str, str]) -> ImportOptions:
    year = parse_int(values["year"], "감사연도")
    if year is not None and not 1900 <= year <= 2100:
        raise FormInputError("감사연도")
    return ImportOptions(
        council=values["council"].strip() or None,
        committee=values["committee"].strip() or None,
        audited_body=values["audited_body"].strip() or None,
        year=year,
        report_date=parse_date(values["report_date"], "보고일"),
        deadline=parse_date(values["deadline"], "처리기한"),
        verified=values["verified"] == "1",
        another_audit=values["another_audit"] == "1",
    )


ACTION_LABELS = {
    RowAction.CREATED: "신규 등록",
    RowAction.CHANGED: "보고 추가(변경)",
    RowAction.UNCHANGED: "변경 없음",
    RowAction.NEEDS_DECISION: "결정 필요 (종결된 지적사항)",
}


def _form_page(
    request: Request,
    user: WebUser,
    values: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "import.html",
        {
            "user": user,
            "nav": "import",
            "values": values or dict.fromkeys(OPTION_FIELDS, ""),
            "error": error,
        },
        status_code=status_code,
    )


def _run(
    request: Request,
    user: WebUser,
    data: bytes,
    source_name: str,
    values: dict[str, str],
    *,
    dry_run: bool,
) -> HTMLResponse:
    importer = services_of(request).importer
    try:
        options = _options(values)
    except DomainError as exc:
        return _form_page(request, user, values, exc.message_ko, status_code=422)
    try:
        parsed, outcome = importer.run_document(
            user.principal, data, options, source_name=source_name, dry_run=dry_run
        )
    except DomainError as exc:  # not council staff, or the database refused
        return _form_page(request, user, values, exc.message_ko, status_code=403)
    meta = outcome.metadata
    context: dict[str, Any] = {
        "user": user,
        "nav": "import",
        "outcome": outcome,
        "parsed": parsed,
        "source_name": source_name,
        "values": values,
        "meta": {
            "의회": meta.council or "",
            "위원회": meta.committee or "",
            "피감기관": meta.audited_body or "",
            "감사연도": meta.year or "",
            "보고일": meta.report_date or "",
        },
        "rows": [
            {
                "line": r.line,
                "kind": kind_label(r.kind),
                "seq": r.seq,
                "department": r.department,
                "status": status_label(r.status),
                "status_raw": r.status_raw,
                "request": r.request,
                "action": ACTION_LABELS[r.action] if r.action else "—",
            }
            for r in outcome.rows
        ]
        if dry_run
        else [],
        "error": "문서에 오류가 있어 가져올 수 없습니다." if outcome.refused else None,
        # Rows about closed findings the document contradicts: staff reopen or keep.
        "decisions": [
            {
                "line": r.line,
                "title": f"{kind_label(r.kind)} {r.seq}",
                "status": status_label(r.status),
                "finding_id": finding_id,
            }
            for r, finding_id in outcome.finding_ids(RowAction.NEEDS_DECISION)
        ],
        "repeats": _repeat_candidates(request, user, outcome) if outcome.committed else [],
    }
    template = "import_preview.html" if dry_run else "import_result.html"
    return render(request, template, context, status_code=422 if outcome.refused else 200)


def _repeat_candidates(
    request: Request, user: WebUser, outcome: ImportOutcome
) -> list[dict[str, Any]]:
    """New findings that read like an earlier year's (staff confirm on their pages)."""
    created = {i: row for row, i in outcome.finding_ids(RowAction.CREATED)}
    queries = services_of(request).queries
    found = queries.repeat_suggestions(user.principal, list(created)) if created else {}
    return [
        {
            "finding_id": finding_id,
            "title": f"{kind_label(created[finding_id].kind)} {created[finding_id].seq}",
            "earlier": f"{kind_label(best.kind)} {best.seq}",
            "earlier_id": best.finding_id,
        }
        for finding_id, suggestions in found.items()
        for best, _ in suggestions[:1]
    ]


@router.get("/import", response_class=HTMLResponse)
def import_form(request: Request, user: WebUserDep) -> HTMLResponse:
    if not user.is_staff:
        return forbidden(request, user)
    return _form_page(request, user)


@router.get("/import/template")
def download_template(request: Request, user: WebUserDep) -> Response:
    """The empty import template, as `followup template --out F` writes it (XLSX unless
    ?format=csv; the XLSX zip carries the time it was made). Any
    signed-in role: it holds no data (a department may fill it in for staff)."""
    try:
        fmt = TemplateFormat.parse(request.query_params.get("format") or "xlsx")  # the default
        file = services_of(request).templates.template(fmt)
    except DomainError as exc:
        return render(
            request,
            "error.html",
            {"user": user, "title": "내려받을 수 없습니다", "message": exc.message_ko},
            status_code=status_for(exc),
        )
    return attachment(file.data, file.media_type, file.file_name, file.ascii_file_name)


def _values(form: FormData) -> dict[str, str]:
    values = texts(form, *OPTION_FIELDS)
    for check in ("verified", "another_audit"):
        values[check] = "1" if values[check] in ("1", "on") else ""
    return values


@router.post("/import", response_class=HTMLResponse)
def preview(request: Request, user: WebUserDep, form: FormDep) -> HTMLResponse:
    if not user.is_staff:
        return forbidden(request, user)
    values = _values(form)
    try:
        file = upload(form, "file")
    except FormInputError as exc:  # two files: the form again, as sent
        return _form_page(request, user, values, exc.message_ko, status_code=422)
    if file is None:
        return _form_page(request, user, values, "가져올 파일을 고르세요.", status_code=422)
    data = file.file.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        return _form_page(request, user, values, "파일이 너무 큽니다 (최대 20MB).", status_code=413)
    services_of(request).importer.stage(data)
    return _run(request, user, data, file.filename or "", values, dry_run=True)


@router.post("/import/confirm", response_class=HTMLResponse)
def confirm(request: Request, user: WebUserDep, form: FormDep) -> HTMLResponse:
    if not user.is_staff:
        return forbidden(request, user)
    values = _values(form)
    digest = text(form, "document")
    data = services_of(request).importer.staged(digest) if _SHA256.fullmatch(digest) else None
    if data is None:
        return _form_page(
            request,
            user,
            values,
            "미리보기한 문서를 찾을 수 없습니다. 파일을 다시 올리세요.",
            status_code=410,
        )
    return _run(request, user, data, text(form, "source_name"), values, dry_run=False)
