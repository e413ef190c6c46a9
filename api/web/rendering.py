"""Jinja2 rendering for the web UI: one environment, filters, and safe response headers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from application.clock import SEOUL
from domain.vocabulary import KIND_LABELS

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

# Everything is served by us: no inline script or style, no third party. A request
# text that slipped past escaping could still not run (defence in depth).
SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    # Pages show one user's view of live data: never from a shared cache or history.
    "Cache-Control": "no-store",
}

# Post/redirect/get: the redirect names what was done; the page says it in Korean.
DONE_MESSAGES: dict[str, str] = {
    "login": "로그인했습니다.",
    "logout": "로그아웃했습니다.",
    "report": "추진상황을 보고했습니다.",
    "verify": "이행을 확인했습니다.",
    "return": "보완요구(반려)했습니다.",
    "reopen": "지적사항을 재개했습니다.",
    "due_date": "처리기한을 변경했습니다.",
    "reassign": "담당부서를 변경했습니다.",
    "extension_request": "기한연장을 요청했습니다.",
    "extension_decision": "기한연장 요청을 처리했습니다.",
    "comment": "의견을 등록했습니다.",
    "evidence": "증빙자료를 첨부했습니다.",
    "audit_registered": "행정사무감사를 등록했습니다.",
    "audit_exists": "이미 등록된 행정사무감사입니다. 새로 기록하지 않았습니다.",
    "finding_registered": "지적사항을 등록했습니다.",
    "inbox_read": "알림을 읽음으로 표시했습니다.",
}


def dash(value: int | None) -> str:
    """The business report writes '-' for an empty cell."""
    return str(value) if value else "-"


def seoul_time(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M:%S")


def iso_date(value: date | None, empty: str = "") -> str:
    return value.isoformat() if value else empty


def file_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


# How the import page names the document formats the importer recognises.
FORMAT_LABELS = {
    "seed_text": "업무보고서 본문 (텍스트)",
    "html_tables": "업무보고서 표 (HTML)",
    "template_xlsx": "가져오기 서식 (XLSX)",
    "template_csv": "가져오기 서식 (CSV)",
}


def format_label(value: str | None) -> str:
    return FORMAT_LABELS.get(value or "", value or "-")


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        # Always on, whatever the template's extension: request texts are user data.
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        dash=dash,
        seoul_time=seoul_time,
        iso_date=iso_date,
        file_size=file_size,
        format_label=format_label,
        kind_label=lambda kind: KIND_LABELS[kind],
    )
    return env


templates = Jinja2Templates(env=_environment())


def render(
    request: Request,
    name: str,
    context: Mapping[str, Any],
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    done = request.query_params.get("done", "")
    page: dict[str, Any] = {
        "user": None,
        "nav": "",
        "flash": DONE_MESSAGES.get(done),
        "error": None,
        **context,
    }
    return templates.TemplateResponse(
        request,
        name,
        page,
        status_code=status_code,
        headers={**SECURITY_HEADERS, **(headers or {})},
    )
