"""The ``ExportRenderer`` port: the 처리결과 report in each format, from one model."""

from __future__ import annotations

from application.exports import ExportFormat, ExportModel
from infrastructure.exports.html_report import render_html
from infrastructure.exports.hwpx_report import render_hwpx
from infrastructure.exports.pdf_report import html_to_pdf
from infrastructure.exports.xlsx_report import render_xlsx


class ExportRenderers:
    def __init__(self, chromium: str | None = None) -> None:
        self.chromium = chromium  # None: found on PATH when a PDF is asked for

    def render(self, model: ExportModel, fmt: ExportFormat) -> bytes:
        if fmt is ExportFormat.HWPX:
            return render_hwpx(model)
        if fmt is ExportFormat.XLSX:
            return render_xlsx(model)
        if fmt is ExportFormat.HTML:
            return render_html(model)
        return html_to_pdf(render_html(model), self.chromium)
