"""Files the API and the web pages hand out: the export's answer, one place."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

from fastapi import Response

from application.exports import ExportFile, ExportFormat

# A downloaded page opened from disk runs nothing and fetches nothing.
_HTML_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def content_disposition(file_name: str, ascii_name: str) -> str:
    """RFC 6266 with RFC 5987 ``filename*``: the Korean name, and a plain fallback."""
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(file_name, safe='')}"


def attachment(
    data: bytes,
    media_type: str,
    file_name: str,
    ascii_name: str,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A file to save, never to render in place: a Korean name and a plain fallback."""
    return Response(
        content=data,
        media_type=media_type,
        headers={
            "Content-Disposition": content_disposition(file_name, ascii_name),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
            **(headers or {}),
        },
    )


def export_response(exported: ExportFile) -> Response:
    html = exported.format is ExportFormat.HTML
    extra = {"Content-Security-Policy": _HTML_POLICY} if html else {}
    return attachment(
        exported.data, exported.media_type, exported.file_name, exported.ascii_file_name, extra
    )
