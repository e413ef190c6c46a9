"""/import: upload → dry-run preview → confirm → result (council staff only).

The uploaded document is kept content-addressed (by its SHA-256, the hash the
import actor records) beside the evidence files, so the confirm step re-reads
exactly the bytes that were previewed, on whichever worker answers it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from api.web.forms import FormInputError, parse_date, parse_int, text, texts, upload
from api.web.pages import forbidden, tracker_of
from api.web.presenters import kind_label, status_label
from api.web.rendering import render
from api.web.session import FormDep, WebUser, WebUserDep
from application.dto import ReportSnapshot
from application.importing import ImportOptions, ImportOutcome, import_report
from application.report import ParsedReport, ReportRow
from application.tracker import AuditTracker
from domain.errors import DomainError
from domain.finding import Finding
from infrastructure.evidence import EvidenceStore
from infrastructure.parsers import parse_document

router = APIRouter(include_in_schema=False)

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
OPTION_FIELDS = (
    "council",
    "committee",
    "audited_body",
    "year",
    "report_date",
    "deadline",
    "verified",
)
_SHA256 = re.compile(r"[0-9a-f]{64}")


def _staging(request: Request) -> EvidenceStore:
    evidence: EvidenceStore = request.app.state.evidence
    return EvidenceStore(Path(evidence.root) / "imports")


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
    )


@dataclass(frozen=True)
class RowPlan:
    line: int
    kind: str
    seq: int
    department: str
    status: str
    status_raw: str
    request: str
    action: str  # 신규 / 변경 / 변경 없음


def _norm(value: str | None) -> str:
    return " ".join((value or "").split())


def _row_action(row: ReportRow, snapshot: ReportSnapshot | None) -> str:
    if snapshot is None:
        return "신규 등록"
    same = (
        snapshot.status is row.status
        and _norm(snapshot.status_raw) == _norm(row.status_raw)
        and _norm(snapshot.actions) == _norm(row.actions)
        and _norm(snapshot.plans) == _norm(row.plans)
        and _norm(snapshot.delay_reason) == _norm(row.delay_reason)
    )
    return "변경 없음" if same else "보고 추가(변경)"


def _row_plans(
    tracker: AuditTracker, parsed: ParsedReport, outcome: ImportOutcome, audited_body: str
) -> list[RowPlan]:
    """Row by row, what the commit would do (the totals come from the import itself)."""
    snapshots: dict[UUID, ReportSnapshot] = {}
    if outcome.audit_id is not None:
        try:
            tracker.get_audit(outcome.audit_id)
            snapshots = tracker.read_model.report_snapshots(outcome.audit_id)
        except DomainError:
            snapshots = {}
    plans = []
    for row in parsed.rows:
        snapshot = (
            snapshots.get(Finding.create_id(outcome.audit_id, row.kind, row.seq))
            if outcome.audit_id
            else None
        )
        plans.append(
            RowPlan(
                line=row.line,
                kind=kind_label(row.kind),
                seq=row.seq,
                department=row.department or audited_body,
                status=status_label(row.status),
                status_raw=row.status_raw,
                request=row.request,
                action=_row_action(row, snapshot),
            )
        )
    return plans


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
    tracker = tracker_of(request)
    try:
        options = _options(values)
    except DomainError as exc:
        return _form_page(request, user, values, exc.message_ko, status_code=422)
    parsed = parse_document(data, source_name=source_name)
    try:
        outcome = import_report(tracker, user.principal, parsed, options, dry_run=dry_run)
    except DomainError as exc:  # not council staff, or the database refused
        return _form_page(request, user, values, exc.message_ko, status_code=403)
    meta = parsed.metadata
    audited_body = options.audited_body or meta.audited_body or ""
    context: dict[str, Any] = {
        "user": user,
        "nav": "import",
        "outcome": outcome,
        "parsed": parsed,
        "source_name": source_name,
        "values": values,
        "meta": {
            "의회": options.council or meta.council or "",
            "위원회": options.committee or meta.committee or "",
            "피감기관": audited_body,
            "감사연도": options.year or meta.year or "",
            "보고일": options.report_date or meta.report_date or "",
        },
        "rows": _row_plans(tracker, parsed, outcome, audited_body) if dry_run else [],
        "error": "문서에 오류가 있어 가져올 수 없습니다." if outcome.refused else None,
    }
    template = "import_preview.html" if dry_run else "import_result.html"
    return render(request, template, context, status_code=422 if outcome.refused else 200)


@router.get("/import", response_class=HTMLResponse)
def import_form(request: Request, user: WebUserDep) -> HTMLResponse:
    if not user.is_staff:
        return forbidden(request, user)
    return _form_page(request, user)


def _values(form: FormData) -> dict[str, str]:
    values = texts(form, *OPTION_FIELDS)
    values["verified"] = "1" if values["verified"] in ("1", "on") else ""
    return values


@router.post("/import", response_class=HTMLResponse)
def preview(request: Request, user: WebUserDep, form: FormDep) -> HTMLResponse:
    if not user.is_staff:
        return forbidden(request, user)
    values = _values(form)
    file = upload(form, "file")
    if file is None:
        return _form_page(request, user, values, "가져올 파일을 고르세요.", status_code=422)
    data = file.file.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        return _form_page(request, user, values, "파일이 너무 큽니다 (최대 20MB).", status_code=413)
    _staging(request).put(data)
    return _run(request, user, data, file.filename or "", values, dry_run=True)


@router.post("/import/confirm", response_class=HTMLResponse)
def confirm(request: Request, user: WebUserDep, form: FormDep) -> HTMLResponse:
    if not user.is_staff:
        return forbidden(request, user)
    values = _values(form)
    digest = text(form, "document")
    data = _staging(request).get(digest) if _SHA256.fullmatch(digest) else None
    if data is None:
        return _form_page(
            request,
            user,
            values,
            "미리보기한 문서를 찾을 수 없습니다. 파일을 다시 올리세요.",
            status_code=410,
        )
    return _run(request, user, data, text(form, "source_name"), values, dry_run=False)
