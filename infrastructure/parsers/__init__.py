"""Report parsers, picked by content (not by file name)."""

from __future__ import annotations

import hashlib

from application.report import ParsedReport, ReportMetadata, error
from infrastructure.parsers.seed_text import FORMAT as SEED_FORMAT
from infrastructure.parsers.seed_text import looks_like_seed_report, parse_seed_report


def parse_document(data: bytes, *, source_name: str = "") -> ParsedReport:
    """Parse a document in any supported layout; problems name their lines."""
    text = _sniff_text(data)
    if text is not None and looks_like_seed_report(text):
        return parse_seed_report(data, source_name=source_name)
    if not data.strip():
        code, ko, en = "EMPTY_DOCUMENT", "빈 파일입니다.", "The file is empty."
    else:
        code = "UNKNOWN_FORMAT"
        ko = "처리결과 표가 있는 보고서 형식이 아닙니다 (지원 형식: 주요업무보고 처리결과 절)."
        en = (
            "Not a supported report: no 처리결과 section was found "
            "(supported: the business report layout)."
        )
    return ParsedReport(
        format="unknown",
        document_hash=hashlib.sha256(data).hexdigest(),
        encoding="",
        metadata=ReportMetadata(),
        problems=(error(None, code, ko, en),),
    )


def _sniff_text(data: bytes) -> str | None:
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


__all__ = ["SEED_FORMAT", "parse_document"]
