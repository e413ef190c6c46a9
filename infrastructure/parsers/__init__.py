"""Report parsers, picked by content (never by the file name alone).

Order matters: a workbook is a zip (``PK``); of the text formats the seed layout
is the most specific, then HTML tables, then our CSV template.
"""

from __future__ import annotations

from application.report import ParsedReport, Problem
from infrastructure.parsers.document import digest_of, refused
from infrastructure.parsers.html_tables import looks_like_html_report, parse_html_report
from infrastructure.parsers.problems import problem
from infrastructure.parsers.seed_text import looks_like_seed_report, parse_seed_report
from infrastructure.parsers.template import looks_like_template_csv, parse_template
from infrastructure.parsers.text import decode_text

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
        return _refused(data, problem("EMPTY_DOCUMENT", 1))
    if looks_like_seed_report(text):
        return parse_seed_report(data, source_name=source_name)
    if looks_like_html_report(text):
        return parse_html_report(data, source_name=source_name)
    if looks_like_template_csv(text):
        return parse_template(data, source_name=source_name)
    return _refused(data, problem("UNKNOWN_FORMAT", 1))


def _refused(data: bytes, found: Problem) -> ParsedReport:
    return refused("unknown", digest_of(data), "", found)


__all__ = ["FORMATS", "parse_document"]
