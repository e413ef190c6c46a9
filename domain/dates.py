"""Dates as Korean council documents write them: "'18.3~8월", "2017.11.09.", "9월말", "수시".

Follow-up reports never carry structured deadlines; plans say "'19.3월" or
"'18년 하반기/수시" in free text (seed-notes §5). This module turns such notations
into a ``KoreanDate``: the verbatim text, a precision flag and the first and last
day covered. It is pure: standard library only, no clock (the caller passes the
``reference`` date that supplies a missing year).

How it reads text:

* One verbose regex finds candidate expressions; every point of a range is one of
  a list of named *forms* ("ymd_dots" = ``'17.1.3.``, "m_word" = ``9월말`` ...).
  Python then checks the numbers (month 13, Feb 30 and years outside 1990–2100 are
  refused) and fills in what a range's right side leaves out ("'18.1.29~2.28").
* ``find_dates`` is conservative. A date needs an apostrophe year, a 4-digit year,
  a 년/월/月/반기 marker or a two-number form with a two-digit year ("18.8.23").
  A bare "10.8" counts only inside parentheses ("(8.29)", "(~8.22)"), in a range
  of two month.days ("5.10~5.31", "2. 3 ~ 6. 30") or with a space after the dot
  and a final dot ("10. 29."). A number followed by a unit (억, %, 개, 명 ...),
  another decimal part or a colon (a time) is never a date.
* ``parse_korean_date`` is told the whole text is a date, so it also reads a bare
  "2017" as a year and a bare "05.24" or "10.8" as a day; it ignores surrounding
  parentheses, as-of words ("기준", "현재", "예정") and day counts ("(104일)").
* A missing year comes from ``reference``; in ``find_dates`` first from the
  preceding date of the same text (the year of its last day: after
  "'17.12~'18.4월", "5월" is May 2018). "상반기" alone is a half of that year.
* Month lists ("'17.9월/11월/12월"): ``find_dates`` returns one MONTH per item
  (each later item takes the year of the one before). ``parse_korean_date``,
  which must return one value, returns a RANGE from the first to the last item.
* Malformed source forms are read leniently: "'18.10.10월" is the day 2018-10-10,
  "'19.12.월" the month 2019-12.
* A range's right side inherits year and month from its left side and never rolls
  over into the next year: "'18.12~3월" is refused, the documents write
  "'17.12~'18.4월" when they mean it.
* Dates never span a line break: "(~2021.1" / "0.)" from a flow chart is dropped
  rather than read as January.
* Not handled: a hyphen range without a year or 월 on its right ("'18.3.5-4.7"),
  "'18 상반기" (no 년 or dot), "상반기~하반기", and year-less "M.D" in free text
  outside the shapes above (table cells "05.24").
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum

from domain.errors import DomainError

__all__ = [
    "KoreanDate",
    "KoreanDateError",
    "Milestone",
    "Precision",
    "extract_milestones",
    "find_dates",
    "parse_korean_date",
    "try_parse_korean_date",
]

MIN_YEAR = 1990
MAX_YEAR = 2100


class Precision(Enum):
    DAY = "day"
    MONTH = "month"
    HALF_YEAR = "half_year"
    YEAR = "year"
    RANGE = "range"
    OPEN_ENDED = "open_ended"
    CADENCE = "cadence"


class KoreanDateError(DomainError):
    code = "INVALID_DATE"
    message_ko = "날짜 표기를 해석할 수 없거나 존재하지 않는 날짜입니다."
    message_en = "The text is not a date notation, or names a date that cannot exist."


@dataclass(frozen=True)
class KoreanDate:
    """One date expression.

    ``start``/``end`` are the first and last day covered. "until X" (``~X``,
    ``X까지``, ``X限``) has no start; "from X" (``X~``) has no end; a cadence
    ("수시", "매년 10월") has neither and names its rhythm in ``cadence``.
    """

    raw: str
    precision: Precision
    start: date | None
    end: date | None
    cadence: str | None = None

    def __post_init__(self) -> None:
        if self.start is not None and self.end is not None and self.start > self.end:
            raise KoreanDateError(f"{self.raw!r} ends before it starts")

    @property
    def deadline(self) -> date | None:
        """The last day the expression covers: the day a plan is due by."""
        return self.end


@dataclass(frozen=True)
class Milestone:
    text: str
    when: KoreanDate


# --- Regex building blocks -------------------------------------------------------------
# Every quantifier is bounded: a candidate is at most a few dozen characters long, so
# scanning any text is linear.

_S = r"[ \t\u00a0\u3000]{0,3}"  # a short horizontal gap; never a line break
_AP = r"['\u2018\u2019\u00b4`]"  # ' ‘ ’ ´ ` all mark a two-digit year
_D2 = r"[0-9]{1,2}(?![0-9])"
_NUM_START = r"(?<![0-9.,])(?<![0-9]:)"  # not inside "70,736", "64.5" or "14:00"
_UNIT = r"(?:%|억|만|천|백|원|개|명|배|세|점|호|차|회|층|대|건|곳|년|시간|kg|km|㎡)"
# A line break followed by a digit: the number was cut in two ("(~2021.1" / "0.)").
_CUT = r"[ \t]{0,3}\n[ \t]{0,3}[0-9]"
_NUM_END = rf"(?! [0-9] | [.,:][0-9] | {_CUT} | {_UNIT} )"
_DOT = rf"{_S} \. {_S}"
_WOL = r"(?:월|月)"
_Y4 = rf"{_NUM_START} (?P<y4> (?:19|20)[0-9]{{2}} ) (?![0-9])"
_YA = rf"{_AP} [ ]? (?P<yy> [0-9]{{2}} ) (?![0-9])"
_YB = rf"{_NUM_START} (?P<by> [0-9]{{2}} ) (?![0-9])"  # bare "18": only before 년 or M.D / M월
_YEAR_MARKED = rf"(?: {_Y4} | {_YA} )"
_YEAR = rf"(?: {_Y4} | {_YA} | {_YB} )"
_NYEON = rf"{_S} 년 도? (?: {_S} \. )?"  # 2017년, '17년도, ‘21년.9월.
_MONTH = rf"(?P<month> {_D2} )"
_DAY = rf"(?P<day> {_D2} )"
_HALF = r"(?P<half> 상[·ㆍ∙/]하반기 | 상반기 | 하반기 | 상(?![가-힣]) | 하(?![가-힣]) )"
# Parts of a month keep month precision; "중앙" is a word, not "중", but "말까지" is "말".
_PART = rf"(?: {_S} (?P<part> 초순|상순|중순|하순|말경|말|초|중|경 ) (?! (?!까지)[가-힣] ) )"
_WEEKDAY = rf"(?: {_S} (?P<weekday> \([월화수목금토일]\) ) )"
_DAY_END = rf"(?: {_S}일 | 월 | \.? {_NUM_END} )"  # "'19.1.1일", malformed "'18.10.10월"


_DURATION = r"(?! [ \t]{0,3} (?:간|대|째|차|동안|만에|이상|이내|미만|가량) )"


def _dated_forms(dotted_year: str) -> list[tuple[str, str]]:
    """Points that carry their own year; ``dotted_year`` says whether "18.1.10" may."""
    return [
        (
            "ymd_word",
            rf"{_YEAR} {_NYEON} {_S} {_MONTH} {_S} {_WOL} \.? {_S} {_DAY} {_S} 일 {_WEEKDAY}?",
        ),
        ("ym_word", rf"{_YEAR} {_NYEON} {_S} {_MONTH} {_S} {_WOL} \.? {_PART}?"),
        ("yh_word", rf"{_YEAR} {_NYEON} {_S} {_HALF}"),
        # "10년간", "10년 이상" are durations, "2010년대" a decade.
        ("y_word", rf"{_YEAR_MARKED} {_S} 년 도? {_DURATION}"),
        # Bare "18년" stands alone ("18년 노동권익센터"); "준공 20년이 경과" is an age.
        ("yb_word", rf"{_YB} {_S} 년 도? (?![가-힣]) {_DURATION}"),
        ("ymd_dots", rf"{dotted_year} {_DOT} {_MONTH} {_DOT} {_DAY} {_DAY_END} {_WEEKDAY}?"),
        ("ym_dots_wol", rf"{dotted_year} {_DOT} {_MONTH} \.? {_S} {_WOL} \.? {_PART}?"),
        ("yh_dots", rf"{_YEAR_MARKED} {_DOT} {_HALF}"),
        # "'18.1" is January, never a decimal: the apostrophe (or 4 digits) says so.
        ("ym_dots", rf"{_YEAR_MARKED} {_DOT} {_MONTH} \.? {_NUM_END}"),
        ("y_dot", rf"{_YEAR_MARKED} \. (?! {_S} [0-9] | {_CUT} )"),
        ("y_apos", rf"{_YA} (?= {_S} (?: [~～),\-] | \Z ) )"),
    ]


_MD_WORD = ("md_word", rf"{_NUM_START} {_MONTH} {_S} {_WOL} {_S} {_DAY} {_S} 일 {_WEEKDAY}?")
_M_WORD = ("m_word", rf"{_NUM_START} {_MONTH} {_S} {_WOL} {_PART}?")
_MD_DOTS = (
    "md_dots",
    rf"{_NUM_START} {_MONTH} {_DOT} {_DAY} (?: {_S}일 | \.? {_NUM_END} ) {_WEEKDAY}?",
)

_LEFT_FORMS = [
    *_dated_forms(_YEAR),
    _MD_WORD,
    _M_WORD,
    _MD_DOTS,  # find_dates accepts it only in context (see _short_month_day_in_context)
    ("h_word", r"(?<![가-힣·ㆍ∙/]) (?P<half> 상반기 | 하반기 )"),
    # The "1" of "1~2월" is a month because the right side says 월.
    ("m_bare", rf"{_NUM_START} {_MONTH} (?= {_S} [~～] {_S} [0-9]{{1,2}} {_S} {_WOL} )"),
]
_WHOLE_ONLY_FORMS = [("y_bare4", _Y4)]  # "2017" alone is a year only when it is the whole text
_RIGHT_FORMS = [
    *_dated_forms(_YEAR_MARKED),
    _MD_WORD,
    _M_WORD,
    ("d_word", rf"{_DAY} {_S} 일 {_WEEKDAY}?"),
    _MD_DOTS,
    # "~20", "~12.": a day after a day ("18.4.19~20"), a month after a month ("'18.10~12").
    ("n_bare", rf"(?P<num> {_D2} ) \.? {_NUM_END} {_WEEKDAY}?"),
]
# A hyphen is a range only when a year or 월 follows: "'17.12-'18.2월", not "담당관-16087".
_HYPHEN_FORMS = [*_dated_forms(_YEAR_MARKED), _MD_WORD, _M_WORD]

_CADENCE = rf"""
    (?<![가-힣]) 매년 (?: {_S} (?P<c_month> {_D2} ) {_S} {_WOL} (?: {_S} (?:말|초|중순|중) )? )?
        (?: {_S} 경 )? (?![가-힣])
  | (?<![가-힣]) (?P<c_word> 수시 | 매월 | 매분기 | 분기별 | 연중 ) (?![가-힣])
  | (?<![가-힣]) (?P<c_loose> 지속 | 계속 ) (?= {_S} (?: [)/,\n] | \Z ) )  # not "지속 운영"
"""

_GROUP_NAME = re.compile(r"\(\?P<(\w+)>")


def _alternatives(side: str, forms: Sequence[tuple[str, str]]) -> str:
    """Alternation of ``forms``, group names prefixed so each form keeps its own."""
    parts = []
    for form, body in forms:
        renamed = _GROUP_NAME.sub(rf"(?P<{side}_{form}__\g<1>>", body)
        parts.append(f"(?P<{side}_{form}> {renamed} )")
    return "\n | ".join(parts)


def _expression(left_forms: Sequence[tuple[str, str]]) -> re.Pattern[str]:
    return re.compile(
        rf"""
        (?P<cadence> {_CADENCE} )
      | (?P<until_pre> (?<![0-9.%~～]) [~～] {_S} )?          # "~'18.12.", "(~8.22)"
        (?P<left> {_alternatives("l", left_forms)} )
        (?: {_S} (?P<sep> [~～] ) (?: {_S} (?P<right> {_alternatives("r", _RIGHT_FORMS)} ) )?
          | {_S} - {_S} (?P<hright> {_alternatives("h", _HYPHEN_FORMS)} )
        )?
        (?P<until> {_S} 까지 | 限 )?                           # "'18.2월까지", "10월限"
        """,
        re.VERBOSE | re.ASCII,
    )


_FIND = _expression(_LEFT_FORMS)
_WHOLE = _expression([*_LEFT_FORMS, *_WHOLE_ONLY_FORMS])

# Context a bare "10.8" needs in free text: "(" before, ")" after ("(10.20. 현재)").
_CLOSE_PAREN = re.compile(r"[ \t]{0,3}(?:현재|기준)?[ \t]{0,3}\)")
_SPACED_DOT = re.compile(r"\.[ \t]+[0-9]")
# What parse_korean_date ignores around a date: as-of words and day counts.
_WHOLE_NOISE = re.compile(
    r"""
    (?: [ \t]{0,3} (?: 기준 | 현재 | 예정 )                                  # "(2022. 5. 31기준)"
      | [ \t]{0,3} \( [0-9]{1,3} (?: 박[0-9]일 | 일간 | 일 | 년간 | 개월 | 회 ) \)  # "(104일)"
      | [ \t]{1,3} [0-9]{1,2} 회                                            # "상·하반기 2회"
    ){1,3} \Z
    """,
    re.VERBOSE,
)
_LIST_SEP = re.compile(r"[ \t]{0,3}[/,][ \t]{0,3}")
_HTML_TAG = re.compile(r"</?[A-Za-z][^<>]{0,500}>")  # not "<향후계획>", which is a label
_BULLETS = "○●◦\uf000"  # U+F000: the private-use bullet of one seed


# --- Interpretation --------------------------------------------------------------------


@dataclass(frozen=True)
class _Point:
    """One side of an expression as written; missing parts come from context."""

    year: int | None = None
    month: int | None = None
    day: int | None = None
    half: str | None = None  # "상", "하" or "상하" (both halves)
    num: int | None = None  # "~20": day or month, decided by the left side


def _layout(pattern: re.Pattern[str]) -> dict[str, list[tuple[str, list[tuple[str, str]]]]]:
    """Per side, each form's group and its fields' groups: "l_ym_dots" → [("month", ...)]."""
    layout: dict[str, list[tuple[str, list[tuple[str, str]]]]] = {"l": [], "r": [], "h": []}
    for name in pattern.groupindex:  # in pattern order, so forms keep their priority
        if name[:2] in ("l_", "r_", "h_") and "__" not in name:
            fields = [
                (g.split("__")[1], g) for g in pattern.groupindex if g.startswith(name + "__")
            ]
            layout[name[0]].append((name, fields))
    return layout


_LAYOUTS = {_FIND.pattern: _layout(_FIND), _WHOLE.pattern: _layout(_WHOLE)}


def _point(m: re.Match[str], side: str) -> _Point | None:
    field_groups = next(
        (fields for form, fields in _LAYOUTS[m.re.pattern][side] if m.group(form) is not None),
        None,
    )
    if field_groups is None:
        return None
    fields = {field: v for field, g in field_groups if (v := m.group(g)) is not None}
    year: int | None = None
    if "y4" in fields:
        year = int(fields["y4"])
    elif "yy" in fields or "by" in fields:
        year = 2000 + int(fields.get("yy") or fields["by"])  # all documents are 2009–2023
    half = fields.get("half")
    if half is not None:
        half = "상하" if "상" in half and "하" in half else half[0]
    return _Point(
        year=year,
        month=_int(fields.get("month")),
        day=_int(fields.get("day")),
        half=half,
        num=_int(fields.get("num")),
    )


def _int(value: str | None) -> int | None:
    return None if value is None else int(value)


def _day(year: int, month: int, day: int) -> date:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise KoreanDateError(f"year {year} is outside {MIN_YEAR}–{MAX_YEAR}")
    if not 1 <= month <= 12:
        raise KoreanDateError(f"month {month} does not exist")
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        raise KoreanDateError(f"{year}-{month:02d} has no day {day}")
    return date(year, month, day)


def _span(p: _Point, year: int) -> tuple[date, date, Precision]:
    if p.month is not None and p.day is not None:
        d = _day(year, p.month, p.day)
        return d, d, Precision.DAY
    if p.month is not None:
        first = _day(year, p.month, 1)
        return first, first.replace(day=calendar.monthrange(year, p.month)[1]), Precision.MONTH
    jan1, dec31 = _day(year, 1, 1), _day(year, 12, 31)
    if p.half == "상":
        return jan1, date(year, 6, 30), Precision.HALF_YEAR
    if p.half == "하":
        return date(year, 7, 1), dec31, Precision.HALF_YEAR
    if p.half == "상하":
        return jan1, dec31, Precision.RANGE
    return jan1, dec31, Precision.YEAR


def _complete_right(left: _Point, year: int, right: _Point) -> tuple[_Point, int]:
    """Fill the right side of a range from its left: "'18.1.29~2.28", "'18.7.4.~8.7.", "~20"."""
    if right.year is not None:
        return right, right.year
    if right.num is not None:
        if left.day is not None:
            return _Point(month=left.month, day=right.num), year
        if left.month is not None and left.half is None:
            return _Point(month=right.num), year
        raise KoreanDateError(f"cannot tell whether {right.num} is a day or a month")
    if right.month is None and right.day is not None:
        if left.day is None:
            raise KoreanDateError("a day-only right side needs a day on the left")
        return _Point(month=left.month, day=right.day), year
    return right, year


def _build(m: re.Match[str], year: int | None) -> tuple[KoreanDate, int | None]:
    """The date ``m`` denotes, and the year a following year-less date inherits."""
    raw = m.group(0)
    if m.group("cadence") is not None:
        if m.group("c_word") or m.group("c_loose"):
            word = m.group("c_word") or m.group("c_loose")
        else:
            month = _int(m.group("c_month"))
            if month is not None and not 1 <= month <= 12:
                raise KoreanDateError(f"month {month} does not exist")
            word = "매년" if month is None else f"매년 {month}월"
        return KoreanDate(raw, Precision.CADENCE, None, None, cadence=word), year
    left = _point(m, "l")
    if left is None:  # unreachable: the regex requires a left side
        raise KoreanDateError(f"{raw!r} has no date")
    left_year = left.year if left.year is not None else year
    if left_year is None:
        raise KoreanDateError(f"{raw!r} has no year and nothing to take one from")
    start, end, precision = _span(left, left_year)
    right = _point(m, "r") or _point(m, "h")
    until = m.group("until_pre") is not None or m.group("until") is not None
    if right is not None:
        if m.group("until_pre") is not None:
            raise KoreanDateError(f"{raw!r} is both a range and an 'until'")
        filled, right_year = _complete_right(left, left_year, right)
        _, end, _ = _span(filled, right_year)
        return KoreanDate(raw, Precision.RANGE, start, end), right_year
    if m.group("sep") is not None:
        if until:
            raise KoreanDateError(f"{raw!r} is both open-ended and an 'until'")
        return KoreanDate(raw, Precision.OPEN_ENDED, start, None), left_year
    if until:
        return KoreanDate(raw, Precision.OPEN_ENDED, None, end), left_year
    return KoreanDate(raw, precision, start, end), left_year


def _short_month_day_in_context(m: re.Match[str], text: str) -> bool:
    """A year-less "M.D" is a date only in the shapes the documents use it in."""
    left = m.group("left")
    if m.group("right") is not None and m.group("r_n_bare") is None:
        return True  # "5.10~5.31", "2. 3 ~ 6. 30": a range of two month.days
    if _SPACED_DOT.search(left) and left.endswith("."):
        return True  # "10. 29.", "~7. 6.": decimals have neither the space nor the final dot
    before = text[max(0, m.start() - 4) : m.start()].rstrip(" \t")
    return before.endswith("(") and _CLOSE_PAREN.match(text, m.end()) is not None


def _scan(text: str, reference: date | None) -> Iterator[tuple[int, int, KoreanDate]]:
    year = reference.year if reference is not None else None
    pos = 0
    while (m := _FIND.search(text, pos)) is not None:
        try:
            if m.group("l_md_dots") is not None and not _short_month_day_in_context(m, text):
                raise KoreanDateError("bare month.day outside parentheses")
            found, next_year = _build(m, year)
        except KoreanDateError:
            pos = m.start() + 1  # a shorter expression may start just after
            continue
        yield m.start(), m.end(), found
        year = next_year
        pos = m.end()


def _core(text: str) -> str:
    """The date expression in ``text``: without surrounding parentheses and as-of words."""
    # Indices, not repeated slicing: "((((…))))" must stay linear.
    i, j = 0, len(text)
    for _ in range(2):
        while True:
            while i < j and text[i].isspace():
                i += 1
            while j > i and text[j - 1].isspace():
                j -= 1
            if j - i < 2 or text[i] != "(" or text[j - 1] != ")":
                break
            i, j = i + 1, j - 1
        noise = _WHOLE_NOISE.search(text, i, j)
        if noise is not None:
            j = noise.start()
    return text[i:j].strip()


def parse_korean_date(text: str, *, reference: date | None = None) -> KoreanDate:
    """Parse a text that is one date expression ("'19.3월", "(10월限)", "수시").

    ``reference`` supplies a missing year ("3월"). ``raw`` is the expression without
    surrounding parentheses and as-of words ("(2022. 5. 31기준)" → "2022. 5. 31").

    Raises:
        KoreanDateError: the text is not one date expression, or the date cannot exist.
    """
    core = _core(text)
    year = reference.year if reference is not None else None
    m = _WHOLE.fullmatch(core)
    if m is not None:
        return _build(m, year)[0]
    parts = _LIST_SEP.split(core)
    if len(parts) > 1:
        return _parse_list(core, parts, year)
    raise KoreanDateError(f"{core[:40]!r} is not a date expression")


def try_parse_korean_date(text: str, *, reference: date | None = None) -> KoreanDate | None:
    """``parse_korean_date`` for a text that may be no date at all (a table cell).

    None when the text is not one date expression, or one without a year and no
    ``reference`` to take it from ("미정", "3월").

    Raises:
        KoreanDateError: the text is one date expression whose year is known, yet it
            names a date that cannot exist ("2018. 11. 31.", "'19.13월").
    """
    try:
        return parse_korean_date(text, reference=reference)
    except KoreanDateError:
        m = _WHOLE.fullmatch(_core(text))
        left = _point(m, "l") if m is not None else None
        if left is not None and (left.year is not None or reference is not None):
            raise
        return None


def _parse_list(core: str, parts: list[str], year: int | None) -> KoreanDate:
    """ "'17.9월/11월/12월" as one RANGE: later items take the year of the one before."""
    items: list[KoreanDate] = []
    for part in parts:
        m = _WHOLE.fullmatch(part)
        if m is None:
            raise KoreanDateError(f"{part[:40]!r} in a list is not a date expression")
        item, year = _build(m, year)
        if item.start is None or item.end is None:
            raise KoreanDateError(f"{part!r} is not a dated list item")
        if items and items[-1].start is not None and item.start < items[-1].start:
            raise KoreanDateError(f"{core[:40]!r} is not in order")
        items.append(item)
    return KoreanDate(core, Precision.RANGE, items[0].start, items[-1].end)


def find_dates(text: str, *, reference: date | None = None) -> list[KoreanDate]:
    """Every date expression in free text, in order, each with its verbatim ``raw``.

    A missing year comes from the preceding date in ``text``, else from
    ``reference``; a year-less date with neither is skipped. Never raises.
    """
    return [found for _, _, found in _scan(text, reference)]


def extract_milestones(plans: str | None, *, reference: date) -> tuple[Milestone, ...]:
    """One milestone per 향후계획 item ("○ …") that names a date with a deadline.

    Sub-items ("-", "·", "※") belong to their "○" item; the item's last dated,
    non-cadence expression with a deadline is its milestone ("… 발표 : '19.3월").
    Year-less dates take their year from the preceding date in the whole text.
    Never raises.
    """
    if not plans:
        return ()
    # Tags become line breaks: no date can span one, so every raw stays verbatim.
    text = _HTML_TAG.sub("\n", plans)
    found = list(_scan(text, reference))
    cuts = [i for i, ch in enumerate(text) if ch in _BULLETS]
    # Item k runs from just after bullet k-1 to bullet k; item 0 is any preamble.
    bounds = zip([0, *(c + 1 for c in cuts)], [*cuts, len(text)], strict=True)
    milestones = []
    k = 0  # dates and items are both in text order: one pass over each
    for begin, end in bounds:
        last: KoreanDate | None = None
        while k < len(found) and found[k][0] < end:
            when = found[k][2]
            if when.precision is not Precision.CADENCE and when.deadline is not None:
                last = when
            k += 1
        item = " ".join(text[begin:end].split())
        if item and last is not None:
            milestones.append(Milestone(text=item, when=last))
    return tuple(milestones)
