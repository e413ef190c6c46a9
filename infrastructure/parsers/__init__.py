"""Report parsers, picked by content (never by the file name alone).

Order matters: a workbook is a zip (``PK``); of the text formats the seed layout
is the most specific, then HTML tables, then our CSV template.
"""

from __future__ import annotations

from collections.abc import Callable

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
    del decoded
    if not text.strip():
        return _refused(data, problem("EMPTY_DOCUMENT", 1))
    parser = _parser_for(text)
    # The parser decodes again; a large document is not held twice meanwhile.
    del text
    if parser is None:
        return _refused(data, problem("UNKNOWN_FORMAT", 1))
    return parser(data, source_name=source_name)


def _parser_for(text: str) -> Callable[..., ParsedReport] | None:
    if looks_like_seed_report(text):
        return parse_seed_report
    if looks_like_html_report(text):
        return parse_html_report
    if looks_like_template_csv(text):
        return parse_template
    return None


def _refused(data: bytes, found: Problem) -> ParsedReport:
    return refused("unknown", digest_of(data), "", found)


__all__ = ["FORMATS", "parse_document"]
