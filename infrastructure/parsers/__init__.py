"""Report parsers, picked by content (never by the file name alone).

Order matters: a workbook is a zip (``PK``); of the text formats the seed layout
is the most specific, then HTML tables, then our CSV template.
"""

from __future__ import annotations

import hashlib

from application.report import ParsedReport, Problem, ReportMetadata, error
from infrastructure.parsers.common import decode_text
from infrastructure.parsers.html_tables import looks_like_html_report, parse_html_report
from infrastructure.parsers.seed_text import looks_like_seed_report, parse_seed_report
from infrastructure.parsers.template import (
    looks_like_template_csv,
    parse_template,
)

FORMATS = ("seed_text", "html_tables", "template_xlsx", "template_csv")


def parse_document(data: bytes, *, source_name: str = "") -> ParsedReport:
    """Parse a document in any supported layout; every problem names a line."""
    if data.startswith(b"PK"):
        # A workbook: the template parser says precisely what is wrong with a bad one.
        return parse_template(data, source_name=source_name)
    decoded = decode_text(data)
    if isinstance(decoded, Problem):
        return _refused(data, decoded)
    text = decoded[0]
    if not text.strip():
        return _refused(data, error(1, "EMPTY_DOCUMENT", "빈 파일입니다.", "The file is empty."))
    if looks_like_seed_report(text):
        return parse_seed_report(data, source_name=source_name)
    if looks_like_html_report(text):
        return parse_html_report(data, source_name=source_name)
    if looks_like_template_csv(text):
        return parse_template(data, source_name=source_name)
    return _refused(
        data,
        error(
            1,
            "UNKNOWN_FORMAT",
            "처리결과 보고서로 읽을 수 없습니다 (지원: 주요업무보고 처리결과 절, HTML 표, "
            "가져오기 양식 XLSX/CSV).",
            "Not a supported report (supported: the business report's 처리결과 section, "
            "HTML tables, the import template as XLSX or CSV).",
        ),
    )


def _refused(data: bytes, problem: Problem) -> ParsedReport:
    return ParsedReport(
        format="unknown",
        document_hash=hashlib.sha256(data).hexdigest(),
        encoding="",
        metadata=ReportMetadata(),
        problems=(problem,),
    )


__all__ = ["FORMATS", "parse_document"]
