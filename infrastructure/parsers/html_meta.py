"""Audit metadata of an HTML report, from its text outside the result tables.

Metadata is read from labelled lines (피감기관 :, 감사기관 :, 감사기간 :, 보고일자 :,
감사연도 :), title lines (``2018년도 행정사무감사 처리결과``, ``○○구의회``, ``○○위원회``)
and a line holding only a date (the report date), wherever the page has them: headings,
paragraphs, list items. A line holding only a key takes the next line as its value, so
``<dt>위원회</dt><dd>…</dd>`` and a key/value table's cells "감사기관 | … | 피감기관 | …"
read as "위원회 : …"; a cover table's row "감사기간 | 2018. 11. 12." reads as
"감사기간 : 2018. 11. 12.". Council and committee may share a line: "○○구의회
(△△위원회)", "○○시의회 △△위원회". The year is a labelled 감사연도, else the title's;
without either, the year of the first day of 감사기간, as an audit is named after the
year it is held. The first value of each field counts, and labelled lines win over
unlabelled ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from application.report import Problem, ReportMetadata
from infrastructure.parsers.date_cells import read_date_cell
from infrastructure.parsers.document import metadata_from
from infrastructure.parsers.problems import problem
from infrastructure.parsers.text import BULLETS, GENERIC_COUNCILS, collapse, squash

_KEYS = (
    r"피\s*감\s*(?:사\s*)?기\s*관|수\s*감\s*기\s*관|감\s*사\s*대\s*상(?:\s*기\s*관)?"
    r"|감\s*사\s*기\s*관|감\s*사\s*기\s*간|감\s*사\s*일\s*[자시]?|(?:감\s*사\s*)?[연년]\s*도"
    r"|(?:보\s*고|작\s*성|제\s*출|기\s*준)\s*(?:일\s*[자시]?|연\s*월\s*일)"
    r"|(?:소\s*관\s*)?위\s*원\s*회\s*(?:명)?|의\s*회\s*(?:명)?"
)
_META_LABEL = re.compile(rf"(?<![가-힣])(?P<label>{_KEYS})\s*[:：]")
_KEY_ONLY = re.compile(rf"[{BULLETS}\s]*(?:{_KEYS})\s*[:：]?\s*")
_YEAR = re.compile(r"(?<![0-9])(?:19|20)[0-9]{2}(?![0-9])")
_YEAR_TITLE = re.compile(
    r"(?P<y>(?:19|20)[0-9]{2})\s*년\s*도?[^0-9]{0,30}?행\s*정\s*사\s*무\s*감\s*사"
)
_COUNCIL_LINE = re.compile(
    r"(?P<council>(?:[^\s:：]+\s+){0,2}?[^\s:：]*[시구군도]의회)"
    r"(?:\s+(?P<committee>[^\s:：]+위원회)|\s*[(（]\s*(?P<bracketed>[^\s:：()（）]+위원회)\s*[)）])?"
)
_COMMITTEE_LINE = re.compile(r"[^\s:：]{1,20}위원회")
_SESSION = re.compile(
    r"제\s*[0-9]+\s*회\s*(?:(?P<council>[^\s:：]{0,30}[시구군도]의회)\s*)?(?:제\s*[0-9]+\s*차\s*)?(?:정례회|임시회)"
)
_MAX_META_VALUE = 60
_MAX_DATE_LINE = 40


@dataclass
class _Metadata:
    """The first value of each field; labelled lines win over unlabelled ones."""

    labelled: dict[str, str] = field(default_factory=dict)
    loose: dict[str, str] = field(default_factory=dict)
    dates: dict[str, date] = field(default_factory=dict)
    loose_dates: dict[str, date] = field(default_factory=dict)
    year: int | None = None
    labelled_year: int | None = None
    problems: list[Problem] = field(default_factory=list)

    def read(self, line: int, text: str) -> None:
        if self.year is None and (title := _YEAR_TITLE.search(text)):
            self.year = int(title["y"])
        labels = list(_META_LABEL.finditer(text))
        for index, label in enumerate(labels):
            end = labels[index + 1].start() if index + 1 < len(labels) else len(text)
            value = collapse(text[label.end() : end]).strip(" ,/|·:：")
            if value:
                self._labelled(line, squash(label["label"]), value)
        if not labels:
            self._unlabelled(line, collapse(text))

    def _labelled(self, line: int, label: str, value: str) -> None:
        if label.startswith(("피감", "수감", "감사대상")):
            self.labelled.setdefault("audited_body", value[:_MAX_META_VALUE])
        elif label.startswith("감사기관"):
            self._bodies(value, self.labelled)
        elif label.endswith(("위원회", "위원회명")):
            self.labelled.setdefault("committee", value[:_MAX_META_VALUE])
        elif label.startswith("의회"):
            # "의회 : ○○시의회 △△위원회" names both; a plain name is the council's.
            if not self._bodies(value, self.labelled) and value not in GENERIC_COUNCILS:
                self.labelled.setdefault("council", value[:_MAX_META_VALUE])
        elif label.endswith("도"):  # 감사연도, 감사년도, 연도
            if self.labelled_year is None and (year := _YEAR.search(value)):
                self.labelled_year = int(year.group())
        elif label.startswith("감사"):
            self._date(line, "audit_date", value, self.dates, search=True)
        else:
            self._date(line, "report_date", value, self.dates, search=True)

    def _unlabelled(self, line: int, text: str) -> None:
        if session := _SESSION.search(text):
            self.loose.setdefault("session", collapse(session.group()))
            if session["council"] and session["council"] not in GENERIC_COUNCILS:
                self.loose.setdefault("council", session["council"])
        if len(text) <= _MAX_META_VALUE:
            self._bodies(text, self.loose)
        if len(text) <= _MAX_DATE_LINE and text.lstrip("(（ ")[:1].isdigit():
            # A line holding only a day: "2019. 3. 8.", "(2019. 2. 28. 현재)".
            self._date(line, "report_date", text, self.loose_dates, search=False)

    @staticmethod
    def _bodies(text: str, into: dict[str, str]) -> bool:
        """A council, a committee or both: "서울특별시 ○○구의회 행정복지위원회",
        "○○구의회 (△△위원회)"; False if the text names neither."""
        if match := _COUNCIL_LINE.fullmatch(text):
            if match["council"] not in GENERIC_COUNCILS:
                into.setdefault("council", match["council"])
            if committee := match["committee"] or match["bracketed"]:
                into.setdefault("committee", committee)
        elif _COMMITTEE_LINE.fullmatch(text):
            into.setdefault("committee", text)
        else:
            return False
        return True

    def _date(
        self, line: int, name: str, text: str, into: dict[str, date], *, search: bool
    ) -> None:
        if name in into:
            return
        cell = read_date_cell(text, search=search)
        if cell.impossible:
            self.problems.append(problem("BAD_DATE", line, raw=text))
        elif (day := cell.first_day if search else cell.day) is not None:
            into[name] = day

    def result(self) -> ReportMetadata:
        audit_date = self.dates.get("audit_date")
        report_date = self.dates.get("report_date") or self.loose_dates.get("report_date")
        return metadata_from(
            {
                **self.loose,
                **self.labelled,
                "year": self.labelled_year
                or self.year
                or (audit_date.year if audit_date else None),
                "report_date": report_date,
                "audit_date": audit_date,
            }
        )


def is_metadata_key(text: str) -> bool:
    """A line holding only a key ("위원회", "피감기관 :"): its value is the next line."""
    return _KEY_ONLY.fullmatch(text) is not None


def read_metadata(lines: Iterable[tuple[int, str]]) -> tuple[ReportMetadata, list[Problem]]:
    metadata = _Metadata()
    key: str | None = None
    for line, text in lines:
        if key is not None and not is_metadata_key(text) and len(text) <= _MAX_META_VALUE:
            # Read at the value's line: that is where a bad date is written.
            metadata.read(line, f"{key.rstrip(' :：')} : {text}")
            key = None
            continue
        key = text if is_metadata_key(text) else None
        if key is None:
            metadata.read(line, text)
    return metadata.result(), metadata.problems
