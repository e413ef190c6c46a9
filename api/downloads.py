"""Files the API and the web pages hand out: the export's answer, one place."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Response

from application.exports import ExportFile, ExportFormat

# A downloaded page opened from disk runs nothing and fetches nothing.
_HTML_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def content_disposition(file_name: str, ascii_name: str) -> str:
    """RFC 6266 with RFC 5987 ``filename*``: the Korean name, and a plain fallback."""
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(file_name, safe='')}"


def export_response(exported: ExportFile) -> Response:
    headers = {
        "Content-Disposition": content_disposition(exported.file_name, exported.ascii_file_name),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
    }
    if exported.format is ExportFormat.HTML:
        headers["Content-Security-Policy"] = _HTML_POLICY
    return Response(content=exported.data, media_type=exported.media_type, headers=headers)
