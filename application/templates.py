"""The empty import template (가져오기 양식) as a download: the same bytes
``followup template`` writes, through a port infrastructure implements."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from domain.errors import DomainError

if TYPE_CHECKING:  # the port names this module's format: annotations only
    from application.ports import ImportTemplateWriter

# How a download names it (Korean, RFC 5987 filename*), and for clients that cannot.
TEMPLATE_FILE_STEM = "행정사무감사_지적사항_가져오기_양식"
TEMPLATE_ASCII_STEM = "followup-import-template"


class TemplateFormat(Enum):
    XLSX = "xlsx"
    CSV = "csv"

    @property
    def media_type(self) -> str:
        return _MEDIA_TYPES[self]

    @classmethod
    def parse(cls, value: str) -> TemplateFormat:
        """A format as a caller writes it (``xlsx``, ``CSV``, ``.csv``).

        Raises:
            UnknownTemplateFormatError: neither xlsx nor csv.
        """
        try:
            return cls(value.strip().lower().lstrip("."))
        except ValueError:
            raise UnknownTemplateFormatError(value) from None


_MEDIA_TYPES = {
    TemplateFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    # The CSV starts with a BOM so that Excel opens the Korean as UTF-8.
    TemplateFormat.CSV: "text/csv; charset=utf-8",
}


class UnknownTemplateFormatError(DomainError):
    code = "UNKNOWN_TEMPLATE_FORMAT"
    message_ko = "양식 형식은 xlsx 또는 csv여야 합니다."
    message_en = "The template format must be xlsx or csv."
    status_code = 422


@dataclass(frozen=True)
class TemplateFile:
    data: bytes
    format: TemplateFormat

    @property
    def media_type(self) -> str:
        return self.format.media_type

    @property
    def file_name(self) -> str:
        return f"{TEMPLATE_FILE_STEM}.{self.format.value}"

    @property
    def ascii_file_name(self) -> str:
        return f"{TEMPLATE_ASCII_STEM}.{self.format.value}"


@dataclass(frozen=True)
class ImportTemplates:
    """Anyone signed in may take the empty template: it holds no data."""

    writer: ImportTemplateWriter

    def template(self, fmt: TemplateFormat) -> TemplateFile:
        return TemplateFile(data=self.writer.template(fmt), format=fmt)
