"""The date notations of council documents (seed-notes §5), one by one and in real cells."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.dates import (
    KoreanDate,
    KoreanDateError,
    Milestone,
    Precision,
    extract_milestones,
    find_dates,
    parse_korean_date,
)
from domain.errors import DomainError

D = date
DAY, MONTH, HALF, YEAR = Precision.DAY, Precision.MONTH, Precision.HALF_YEAR, Precision.YEAR
RANGE, OPEN, CADENCE = Precision.RANGE, Precision.OPEN_ENDED, Precision.CADENCE

REPORT_DATE = D(2018, 11, 15)  # the seed report was given on 2018.11.15
SEED = Path(__file__).resolve().parents[2] / "demo" / "seed_2018_business_report.txt"


def seed_line(number: int) -> str:
    return SEED.read_text(encoding="utf-8").split("\n")[number - 1]


def _day(y: int, m: int, d: int) -> tuple[Precision, date, date]:
    return DAY, D(y, m, d), D(y, m, d)


def _month(y: int, m: int) -> tuple[Precision, date, date]:
    last = {2: 29 if y % 4 == 0 else 28, 4: 30, 6: 30, 9: 30, 11: 30}.get(m, 31)
    return MONTH, D(y, m, 1), D(y, m, last)


def _year(y: int) -> tuple[Precision, date, date]:
    return YEAR, D(y, 1, 1), D(y, 12, 31)


def _h1(y: int) -> tuple[Precision, date, date]:
    return HALF, D(y, 1, 1), D(y, 6, 30)


def _h2(y: int) -> tuple[Precision, date, date]:
    return HALF, D(y, 7, 1), D(y, 12, 31)


def _range(a: date, b: date) -> tuple[Precision, date | None, date | None]:
    return RANGE, a, b


def _from(a: date) -> tuple[Precision, date | None, date | None]:
    return OPEN, a, None


def _until(b: date) -> tuple[Precision, date | None, date | None]:
    return OPEN, None, b


# Every single-expression example of seed-notes §5, parsed as a whole cell with the
# report date as reference: (text, raw, (precision, start, end)).
WHOLE = [
    # 5.1 4-digit year
    ("2017.11.09.", "2017.11.09.", _day(2017, 11, 9)),
    ("2017.11.21.", "2017.11.21.", _day(2017, 11, 21)),
    ("2018.10.15.현재", "2018.10.15.", _day(2018, 10, 15)),
    ("2018.10.16.", "2018.10.16.", _day(2018, 10, 16)),
    ("2017.11.9", "2017.11.9", _day(2017, 11, 9)),
    ("2017.11.19", "2017.11.19", _day(2017, 11, 19)),
    ("2017.11.15", "2017.11.15", _day(2017, 11, 15)),
    ("2017.11.30", "2017.11.30", _day(2017, 11, 30)),
    ("2017.11.29", "2017.11.29", _day(2017, 11, 29)),
    ("2017.10", "2017.10", _month(2017, 10)),
    ("2019.1월", "2019.1월", _month(2019, 1)),
    ("2017년", "2017년", _year(2017)),
    ("2018년", "2018년", _year(2018)),
    ("2016년", "2016년", _year(2016)),
    ("'17년도", "'17년도", _year(2017)),
    ("2017.", "2017.", _year(2017)),
    # 'YY.M.D. and 'YY.M.D
    ("'17.1.3.", "'17.1.3.", _day(2017, 1, 3)),
    ("'18.7.4.", "'18.7.4.", _day(2018, 7, 4)),
    ("'18.8.8.", "'18.8.8.", _day(2018, 8, 8)),
    ("'18.9.3.", "'18.9.3.", _day(2018, 9, 3)),
    ("'18.6.5.", "'18.6.5.", _day(2018, 6, 5)),
    ("'17.12.28.", "'17.12.28.", _day(2017, 12, 28)),
    ("'18.10.4.", "'18.10.4.", _day(2018, 10, 4)),
    ("'17.12.13.", "'17.12.13.", _day(2017, 12, 13)),
    ("'17.12.21.", "'17.12.21.", _day(2017, 12, 21)),
    ("'17.1.23", "'17.1.23", _day(2017, 1, 23)),
    ("'17.2.3", "'17.2.3", _day(2017, 2, 3)),
    ("'18.4.3", "'18.4.3", _day(2018, 4, 3)),
    ("'18.6.14", "'18.6.14", _day(2018, 6, 14)),
    ("'18.7.31", "'18.7.31", _day(2018, 7, 31)),
    ("'18.2.9", "'18.2.9", _day(2018, 2, 9)),
    ("'18.1.18", "'18.1.18", _day(2018, 1, 18)),
    ("'18.1.26", "'18.1.26", _day(2018, 1, 26)),
    ("'18.1.22", "'18.1.22", _day(2018, 1, 22)),
    ("'18.1.17", "'18.1.17", _day(2018, 1, 17)),
    ("'17.12. 4.", "'17.12. 4.", _day(2017, 12, 4)),
    ("'18. 1. 5.", "'18. 1. 5.", _day(2018, 1, 5)),
    ("'18. 1.11.", "'18. 1.11.", _day(2018, 1, 11)),
    ("'18. 1.19.", "'18. 1.19.", _day(2018, 1, 19)),
    # 'YY.M is a month, never a decimal
    ("'17.11", "'17.11", _month(2017, 11)),
    ("'17.12", "'17.12", _month(2017, 12)),
    ("'18.2", "'18.2", _month(2018, 2)),
    ("'18.1", "'18.1", _month(2018, 1)),
    ("'18.11월 예정", "'18.11월", _month(2018, 11)),
    ("'17.9월", "'17.9월", _month(2017, 9)),
    ("'18.10월 현재", "'18.10월", _month(2018, 10)),
    ("'09.2월", "'09.2월", _month(2009, 2)),
    ("'18.1월", "'18.1월", _month(2018, 1)),
    ("'19.3월", "'19.3월", _month(2019, 3)),
    ("'18. 3월", "'18. 3월", _month(2018, 3)),
    ("'18. 6월", "'18. 6월", _month(2018, 6)),
    ("'17년 4월", "'17년 4월", _month(2017, 4)),
    ("'17년 9월", "'17년 9월", _month(2017, 9)),
    ("'18년 2월", "'18년 2월", _month(2018, 2)),
    ("'18년", "'18년", _year(2018)),
    ("'17년", "'17년", _year(2017)),
    ("'19년", "'19년", _year(2019)),
    ("'16년", "'16년", _year(2016)),
    # half-years and both halves
    ("'18년 하반기", "'18년 하반기", _h2(2018)),
    ("'19년 상·하반기 2회", "'19년 상·하반기", _range(D(2019, 1, 1), D(2019, 12, 31))),
    ("'18.상", "'18.상", _h1(2018)),
    ("'18.하", "'18.하", _h2(2018)),
    ("’21.상반기", "’21.상반기", _h1(2021)),
    ("’21.하반기", "’21.하반기", _h2(2021)),
    ("(상반기)", "상반기", _h1(2018)),
    # ranges: the right side inherits year and month
    ("'18. 3월 ~ 8월", "'18. 3월 ~ 8월", _range(D(2018, 3, 1), D(2018, 8, 31))),
    ("'16.5.~12월", "'16.5.~12월", _range(D(2016, 5, 1), D(2016, 12, 31))),
    ("'17.6.~12월", "'17.6.~12월", _range(D(2017, 6, 1), D(2017, 12, 31))),
    ("'18.1월~2월", "'18.1월~2월", _range(D(2018, 1, 1), D(2018, 2, 28))),
    ("'17.3월 ~ 5월", "'17.3월 ~ 5월", _range(D(2017, 3, 1), D(2017, 5, 31))),
    ("'18.7.4. ~ 8.7.", "'18.7.4. ~ 8.7.", _range(D(2018, 7, 4), D(2018, 8, 7))),
    ("'17.12~'18.4월", "'17.12~'18.4월", _range(D(2017, 12, 1), D(2018, 4, 30))),
    ("'18.1.29~2.28", "'18.1.29~2.28", _range(D(2018, 1, 29), D(2018, 2, 28))),
    ("'18.3~8월", "'18.3~8월", _range(D(2018, 3, 1), D(2018, 8, 31))),
    ("'18.1.22~2.28", "'18.1.22~2.28", _range(D(2018, 1, 22), D(2018, 2, 28))),
    ("'18.11~12월", "'18.11~12월", _range(D(2018, 11, 1), D(2018, 12, 31))),
    ("'17~'18.9.", "'17~'18.9.", _range(D(2017, 1, 1), D(2018, 9, 30))),
    ("1~2월", "1~2월", _range(D(2018, 1, 1), D(2018, 2, 28))),
    ("'18. 1~9월말", "'18. 1~9월말", _range(D(2018, 1, 1), D(2018, 9, 30))),
    ("’21.7~10월중", "’21.7~10월중", _range(D(2021, 7, 1), D(2021, 10, 31))),
    ("'16.3.1~'19.2.28", "'16.3.1~'19.2.28", _range(D(2016, 3, 1), D(2019, 2, 28))),
    ("’19.3.1～’22.2.28", "’19.3.1～’22.2.28", _range(D(2019, 3, 1), D(2022, 2, 28))),
    ("’20.11.14.~’21.3.31.", "’20.11.14.~’21.3.31.", _range(D(2020, 11, 14), D(2021, 3, 31))),
    ("’21.4.22.~26.", "’21.4.22.~26.", _range(D(2021, 4, 22), D(2021, 4, 26))),
    ("(5.3.~4.)", "5.3.~4.", _range(D(2018, 5, 3), D(2018, 5, 4))),
    ("(5.11.~12.)", "5.11.~12.", _range(D(2018, 5, 11), D(2018, 5, 12))),
    ("('17.12-'18.2월)", "'17.12-'18.2월", _range(D(2017, 12, 1), D(2018, 2, 28))),
    ("18.1.10~12.20", "18.1.10~12.20", _range(D(2018, 1, 10), D(2018, 12, 20))),
    ("18.4.19~20", "18.4.19~20", _range(D(2018, 4, 19), D(2018, 4, 20))),
    ("22년 10월 ~ 11월", "22년 10월 ~ 11월", _range(D(2022, 10, 1), D(2022, 11, 30))),
    ("(' 23년 1월~ 9월)", "' 23년 1월~ 9월", _range(D(2023, 1, 1), D(2023, 9, 30))),
    ("(10.8 ~ 10.27)", "10.8 ~ 10.27", _range(D(2018, 10, 8), D(2018, 10, 27))),
    ("2. 3 ~ 6. 30(104일)", "2. 3 ~ 6. 30", _range(D(2018, 2, 3), D(2018, 6, 30))),
    (
        "2021. 10. 12. ~ 10. 21. (10일간)",
        "2021. 10. 12. ~ 10. 21.",
        _range(D(2021, 10, 12), D(2021, 10, 21)),
    ),
    (
        "2018년 12월 11일(화)~12일(수)",
        "2018년 12월 11일(화)~12일(수)",
        _range(D(2018, 12, 11), D(2018, 12, 12)),
    ),
    # open-ended: "from X~" and "until X"
    ("'16.7월~", "'16.7월~", _from(D(2016, 7, 1))),
    ("'18.1.26 ~", "'18.1.26 ~", _from(D(2018, 1, 26))),
    ("'18.1.22~", "'18.1.22~", _from(D(2018, 1, 22))),
    ("(´22.3월~)", "´22.3월~", _from(D(2022, 3, 1))),
    ("'18.2월까지", "'18.2월까지", _until(D(2018, 2, 28))),
    ("~'18.12.", "~'18.12.", _until(D(2018, 12, 31))),
    ("~’21.12월", "~’21.12월", _until(D(2021, 12, 31))),
    ("(~8.22)", "~8.22", _until(D(2018, 8, 22))),
    ("(10월限)", "10월限", _until(D(2018, 10, 31))),
    # month lists: one RANGE from the first to the last item
    ("'17.9월/11월/12월", "'17.9월/11월/12월", _range(D(2017, 9, 1), D(2017, 12, 31))),
    ("(1月, 8月)", "1月, 8月", _range(D(2018, 1, 1), D(2018, 8, 31))),
    # no year: the reference supplies it
    ("3월", "3월", _month(2018, 3)),
    ("(3月)", "3月", _month(2018, 3)),
    ("(2月)", "2月", _month(2018, 2)),
    ("9월말 기준", "9월말", _month(2018, 9)),
    ("9월 기준", "9월", _month(2018, 9)),
    ("9월기준", "9월", _month(2018, 9)),
    ("11월초", "11월초", _month(2018, 11)),
    ("11월 중순", "11월 중순", _month(2018, 11)),
    ("11월중", "11월중", _month(2018, 11)),
    ("12월 중", "12월 중", _month(2018, 12)),
    ("(12월중)", "12월중", _month(2018, 12)),
    ("3월중", "3월중", _month(2018, 3)),
    ("(8.29)", "8.29", _day(2018, 8, 29)),
    ("(8. 27.)", "8. 27.", _day(2018, 8, 27)),
    ("10. 29.", "10. 29.", _day(2018, 10, 29)),
    ("(10.18)", "10.18", _day(2018, 10, 18)),
    ("(10.20. 현재)", "10.20.", _day(2018, 10, 20)),
    ("05.24", "05.24", _day(2018, 5, 24)),
    ("06.08", "06.08", _day(2018, 6, 8)),
    # no apostrophe
    ("18.9월말", "18.9월말", _month(2018, 9)),
    ("(18.8월)", "18.8월", _month(2018, 8)),
    ("18.8.23", "18.8.23", _day(2018, 8, 23)),
    ("22년", "22년", _year(2022)),
    # apostrophe variants
    ("’18. 10. 20.", "’18. 10. 20.", _day(2018, 10, 20)),
    ("(‘21. 10월)", "‘21. 10월", _month(2021, 10)),
    ("(‘21.5월말 기준)", "‘21.5월말", _month(2021, 5)),
    ("´22년", "´22년", _year(2022)),
    ("' 22년", "' 22년", _year(2022)),
    ("’21.7월 중", "’21.7월 중", _month(2021, 7)),
    ("’21.7월말", "’21.7월말", _month(2021, 7)),
    ("‘21년.9월.", "‘21년.9월.", _month(2021, 9)),
    ("’22년.9월.", "’22년.9월.", _month(2022, 9)),
    ("(‘20)", "‘20", _year(2020)),
    # weekdays, spaces and as-of suffixes
    ("'17.10.13.(금)", "'17.10.13.(금)", _day(2017, 10, 13)),
    ("'17.11.07.(화)", "'17.11.07.(화)", _day(2017, 11, 7)),
    ("2000. 10. 05.", "2000. 10. 05.", _day(2000, 10, 5)),
    ("2006. 12. 29", "2006. 12. 29", _day(2006, 12, 29)),
    ("2023. 11. 14.(화)", "2023. 11. 14.(화)", _day(2023, 11, 14)),
    ("2020. 9. 15.(화)", "2020. 9. 15.(화)", _day(2020, 9, 15)),
    ("2020년 9월 15일(화)", "2020년 9월 15일(화)", _day(2020, 9, 15)),
    ("(2021.3. 5)", "2021.3. 5", _day(2021, 3, 5)),
    ("(2022. 5. 31기준)", "2022. 5. 31", _day(2022, 5, 31)),
    ("(2022.5.31.기준)", "2022.5.31.", _day(2022, 5, 31)),
    ("’21.5.31기준", "’21.5.31", _day(2021, 5, 31)),
    ("'19.1.1일", "'19.1.1일", _day(2019, 1, 1)),
    # malformed in the source: read leniently
    ("('18.10.10월)", "'18.10.10월", _day(2018, 10, 10)),
    ("('19.12.월)", "'19.12.월", _month(2019, 12)),
]


@pytest.mark.parametrize(("text", "raw", "expected"), WHOLE, ids=[c[0] for c in WHOLE])
def test_parses_every_notation_of_the_seed_notes(
    text: str, raw: str, expected: tuple[Precision, date | None, date | None]
) -> None:
    parsed = parse_korean_date(text, reference=REPORT_DATE)
    assert (parsed.precision, parsed.start, parsed.end) == expected
    assert parsed.raw == raw
    assert parsed.cadence is None


CADENCES = [
    ("수시", "수시", "수시"),
    ("(수시)", "수시", "수시"),
    ("매년 10월 경", "매년 10월 경", "매년 10월"),
    ("매년 11월말(1박2일)", "매년 11월말", "매년 11월"),
    ("매년", "매년", "매년"),
    ("(매년)", "매년", "매년"),
    ("분기별", "분기별", "분기별"),
    ("연중", "연중", "연중"),
    ("매월", "매월", "매월"),
    ("지속", "지속", "지속"),
    ("(계속)", "계속", "계속"),
]


@pytest.mark.parametrize(("text", "raw", "cadence"), CADENCES)
def test_cadence_words_are_not_dates(text: str, raw: str, cadence: str) -> None:
    parsed = parse_korean_date(text)
    assert parsed == KoreanDate(raw=raw, precision=CADENCE, start=None, end=None, cadence=cadence)
    assert parsed.deadline is None


# Running text: (text, [(raw, precision, start, end)]) with the report date as reference.
IN_TEXT = [
    ("○ 2017. 특성화고 취업지원 현황", [("2017.", *_year(2017))]),
    ("○ '18.2.1, 기간제근로자", [("'18.2.1", *_day(2018, 2, 1))]),
    ("'18년 하반기/수시", [("'18년 하반기", *_h2(2018)), ("수시", CADENCE, None, None)]),
    ("전문가 TF 운영('18년 계속)", [("'18년", *_year(2018)), ("계속", CADENCE, None, None)]),
    (
        "(3회, '17.9월/11월/12월)",
        [("'17.9월", *_month(2017, 9)), ("11월", *_month(2017, 11)), ("12월", *_month(2017, 12))],
    ),
    ("(1月, 8月)", [("1月", *_month(2018, 1)), ("8月", *_month(2018, 8))]),
    ("○ 18년 노동권익센터 운영", [("18년", *_year(2018))]),
    ("22년 클래스", [("22년", *_year(2022))]),
    ("총 5,405명 *18.9월말 기준 3,954명 참여", [("18.9월말", *_month(2018, 9))]),
    ("'18. 6월 예정이었으나 발표 연기", [("'18. 6월", *_month(2018, 6))]),
    ("(조직담당관-16087,'17.12.21.)", [("'17.12.21.", *_day(2017, 12, 21))]),
    ("(사회적경제담당관-1872,'18.2.9)", [("'18.2.9", *_day(2018, 2, 9))]),
    ("(1차) '17.10.13.(금) 14:00~16:5, (2차)", [("'17.10.13.(금)", *_day(2017, 10, 13))]),
    ("2020. 9. 15.(화) 17:00", [("2020. 9. 15.(화)", *_day(2020, 9, 15))]),
    ("2020.11.17.(화) 16:00~", [("2020.11.17.(화)", *_day(2020, 11, 17))]),
    ("추진계획 :~’21.12월", [("~’21.12월", *_until(D(2021, 12, 31)))]),
    (
        "공모신청(~8.22), 현장실사(8.29)",
        [("~8.22", *_until(D(2018, 8, 22))), ("8.29", *_day(2018, 8, 29))],
    ),
    (
        "사업기간 : (상반기) '18.1.10~6.30 (하반기) '18.7.1~12.20",
        [
            ("상반기", *_h1(2018)),
            ("'18.1.10~6.30", *_range(D(2018, 1, 10), D(2018, 6, 30))),
            ("하반기", *_h2(2018)),
            ("'18.7.1~12.20", *_range(D(2018, 7, 1), D(2018, 12, 20))),
        ],
    ),
    (
        "- 상반기 : 5.10~5.31, 4회",
        [("상반기", *_h1(2018)), ("5.10~5.31", *_range(D(2018, 5, 10), D(2018, 5, 31)))],
    ),
    ("일시:'18.10월, 12월중", [("'18.10월", *_month(2018, 10)), ("12월중", *_month(2018, 12))]),
    ("노사민정 워크숍 : 매년 11월말(1박2일) 실시", [("매년 11월말", CADENCE, None, None)]),
    # flow-chart cells cut by a line break: read what is certain, drop what is not
    ("(2021.2~3\n.)", [("2021.2~3", *_range(D(2021, 2, 1), D(2021, 3, 31)))]),
    ("(~2021.2\n.)", [("~2021.2", *_until(D(2021, 2, 28)))]),
    ("(~2021.\n7.)", []),
    ("(~2021.1\n0.)", []),
    # not dates
    ("14:00~16:5", []),
    ("10:00~11:30", []),
    ("‘서울특별시의회 행정사무감사 결과보고서’", []),
    ("<td>05.24</td>", []),  # a table's MM.DD needs its column header: not guessed
]


@pytest.mark.parametrize(("text", "expected"), IN_TEXT, ids=[c[0][:30] for c in IN_TEXT])
def test_finds_the_dates_of_running_text(
    text: str, expected: list[tuple[str, Precision, date | None, date | None]]
) -> None:
    found = find_dates(text, reference=REPORT_DATE)
    assert [(d.raw, d.precision, d.start, d.end) for d in found] == expected


@pytest.mark.parametrize(
    "text",
    [
        "3.5억",
        "64.5%",
        "70,736개",
        "1,000만원",
        "20억⇒3.5억",
        "(64.5%)",
        "(2.5천부)",
        "조직담당관-16087",
        "14:00~16:5",
        "사회적경제 2.0 기본계획",
        "준공 20년이 경과된 건물",
        "10년간",
        "(3년간)",
        "최근 10년 이상",
        "'사회적 가치' 신설",
        "지속적으로 늘어나고 지속 운영할 가능성, '지속가능성'",
        "수시로 점검",
        "12개월",
        "3.5 ~ 4.5배",
        "(5.18 민주화운동)",
        "v1.2.3",
        "192.168.10.1",
    ],
)
def test_amounts_percentages_numbers_and_times_are_not_dates(text: str) -> None:
    assert find_dates(text, reference=REPORT_DATE) == []


def test_same_day_written_two_ways() -> None:
    assert parse_korean_date("2017.11.09.").start == parse_korean_date("2017.11.9").start


def test_deadline_is_the_last_day_covered() -> None:
    assert parse_korean_date("9월말", reference=REPORT_DATE).deadline == D(2018, 9, 30)
    assert parse_korean_date("'18.3~8월").deadline == D(2018, 8, 31)
    assert parse_korean_date("'18.2월까지").deadline == D(2018, 2, 28)
    assert parse_korean_date("'18년 하반기").deadline == D(2018, 12, 31)
    assert parse_korean_date("'16.7월~").deadline is None
    assert parse_korean_date("수시").deadline is None


def test_year_comes_from_the_reference() -> None:
    assert parse_korean_date("3월", reference=D(2018, 11, 15)).start == D(2018, 3, 1)
    assert parse_korean_date("3월", reference=D(2021, 1, 1)).start == D(2021, 3, 1)
    # An explicit year wins over the reference.
    assert parse_korean_date("'17.3월", reference=D(2021, 1, 1)).start == D(2017, 3, 1)
    with pytest.raises(KoreanDateError):
        parse_korean_date("3월")


def test_find_takes_the_year_of_the_preceding_date() -> None:
    plan = "○ 2019년 뉴딜일자리 사업 계획 수립(1월) ○ 사업 추진(3월~)"
    found = find_dates(plan, reference=D(2018, 11, 15))
    assert [(d.raw, d.start) for d in found] == [
        ("2019년", D(2019, 1, 1)),
        ("1월", D(2019, 1, 1)),
        ("3월~", D(2019, 3, 1)),
    ]
    # The right side of a range hands on its year: '17.12~'18.4월 then 5월 is 2018.
    found = find_dates("('17.12~'18.4월), 이어서 5월", reference=D(2010, 1, 1))
    assert found[-1].start == D(2018, 5, 1)
    # Without a preceding date the reference decides; without either, no date.
    assert find_dates("(12월중)", reference=REPORT_DATE)[0].start == D(2018, 12, 1)
    assert find_dates("(12월중) 개최") == []


def test_seed_cell_of_corrective_1_plans() -> None:
    cell = (
        "○ 합동점검 및 특별점검 : '18년 하반기/수시 "
        "○ 참여기업에 대한 상시 지도·점검 및 모니터링을 통한 기업의 도덕적 해이 방지"
    )
    found = find_dates(cell, reference=REPORT_DATE)
    assert [(d.raw, d.precision) for d in found] == [("'18년 하반기", HALF), ("수시", CADENCE)]
    assert extract_milestones(cell, reference=REPORT_DATE) == (
        Milestone(
            text="합동점검 및 특별점검 : '18년 하반기/수시",
            when=KoreanDate("'18년 하반기", HALF, D(2018, 7, 1), D(2018, 12, 31)),
        ),
    )


def test_seed_line_1550_whole_row() -> None:
    found = find_dates(seed_line(1550), reference=REPORT_DATE)
    # "지속적으로", "지속 운영", "'지속가능성'", "(40)", "(3개소)" are not dates.
    assert [(d.raw, d.precision, d.start, d.end) for d in found] == [
        ("'18년", *_year(2018)),
        ("'18. 3월 ~ 8월", *_range(D(2018, 3, 1), D(2018, 8, 31))),
        ("'18년 하반기", *_h2(2018)),
        ("수시", CADENCE, None, None),
    ]


def test_seed_line_1581_long_action_text() -> None:
    found = find_dates(seed_line(1581), reference=REPORT_DATE)
    # No date from "(60백만원)", "2명", "2차 피해" or the HTML around the bullets.
    assert [(d.raw, d.precision, d.start, d.end) for d in found] == [
        ("'17.12. 4.", *_day(2017, 12, 4)),
        ("'18.1.29~2.28", *_range(D(2018, 1, 29), D(2018, 2, 28))),
        ("'17.12.28.", *_day(2017, 12, 28)),
        ("'18. 1. 5.", *_day(2018, 1, 5)),
        ("'18. 1.11.", *_day(2018, 1, 11)),
        ("'18. 1.19.", *_day(2018, 1, 19)),
        ("'18.3~8월", *_range(D(2018, 3, 1), D(2018, 8, 31))),
        ("'18.10.4.", *_day(2018, 10, 4)),
        ("'19년", *_year(2019)),
    ]


def test_seed_lines_with_times_weekdays_and_document_numbers() -> None:
    assert [d.raw for d in find_dates(seed_line(1607))] == [
        "'17년도까지",
        "'18.2.1",
        "'17.10.13.(금)",
        "'17.11.07.(화)",
    ]
    assert [d.raw for d in find_dates(seed_line(1586))] == ["'17.12.13.", "'17.12.21.", "'18.2.9"]
    assert [(d.raw, d.precision) for d in find_dates(seed_line(1596))] == [
        ("'18.2월까지", OPEN),
        ("'18.1.22~", OPEN),
        ("'18.1.22~2.28", RANGE),
    ]


def test_milestones_of_recommendation_8() -> None:
    plans = seed_line(1612).split("향후계획</p>")[1]
    assert extract_milestones(plans, reference=REPORT_DATE) == (
        Milestone(
            text="사회적경제 2.0 기본계획 수립을 위한 전문가 의견수렴 : '18.11~12월",
            when=KoreanDate("'18.11~12월", RANGE, D(2018, 11, 1), D(2018, 12, 31)),
        ),
        Milestone(
            text="서울시 사회적경제 2.0 기본계획 수립·발표 : '19.3월",
            when=KoreanDate("'19.3월", MONTH, D(2019, 3, 1), D(2019, 3, 31)),
        ),
    )


def test_milestones_keep_sub_items_and_use_the_last_date() -> None:
    plans = (
        "○ 남부기술교육원 이전, 매각·기능전환 등 근본적인 개편방안에 대한 중장기 검토 "
        "<ul><li>- '19년 기술교육원 개편 연구용역(60백만원)</li></ul>"
        "○ 상시 점검(수시) "
        "○ 공모 ('18.12~'19.1월) 및 선정 ※ 결과 발표 '19.2월 "
        "○ 운영 개시('19.3월~)"
    )
    milestones = extract_milestones(plans, reference=REPORT_DATE)
    assert [(m.text, m.when.raw, m.when.deadline) for m in milestones] == [
        (
            "남부기술교육원 이전, 매각·기능전환 등 근본적인 개편방안에 대한 중장기 검토 "
            "- '19년 기술교육원 개편 연구용역(60백만원)",
            "'19년",
            D(2019, 12, 31),
        ),
        ("공모 ('18.12~'19.1월) 및 선정 ※ 결과 발표 '19.2월", "'19.2월", D(2019, 2, 28)),
    ]


def test_milestones_of_nothing() -> None:
    assert extract_milestones(None, reference=REPORT_DATE) == ()
    assert extract_milestones("", reference=REPORT_DATE) == ()
    assert extract_milestones("○ 수시 점검 ○ 지속 추진", reference=REPORT_DATE) == ()


@pytest.mark.parametrize(
    "text",
    [
        "'18.13월",
        "13월",
        "0월",
        "'18.0.5",
        "2017.11.32",
        "'18.2.30",
        "2019.2.29",
        "2018년 4월 31일",
        "1989년",
        "2101.1.1",
        "'18.5.3~'18.4.1",
        "'18.5~3월",
        "'18.12~3월",  # no roll-over into the next year: the documents write '18.12~'19.3월
        "'18.1.26~'17년",
        "매년 13월",
        "'18년 하반기/수시",  # two expressions, not one
        "~'18.3~5월",
        "",
        "   ",
        "()",
        "안녕하세요",
        "3.5억",
        "14:00~16:5",
        "조직담당관-16087",
        "18.1",  # bare YY.M is a decimal, not a month
    ],
)
def test_refuses_what_is_not_one_possible_date(text: str) -> None:
    with pytest.raises(KoreanDateError) as refused:
        parse_korean_date(text, reference=REPORT_DATE)
    assert refused.value.code == "INVALID_DATE"
    assert isinstance(refused.value, DomainError)
    assert refused.value.message_ko and refused.value.message_en


def test_leap_day_exists_in_leap_years() -> None:
    assert parse_korean_date("2020.2.29").start == D(2020, 2, 29)


def test_every_seed_date_parses_back_from_its_raw() -> None:
    """What find_dates returns is itself a notation parse_korean_date reads alike."""
    for d in find_dates(SEED.read_text(encoding="utf-8"), reference=REPORT_DATE):
        known = d.start or d.end
        again = parse_korean_date(d.raw, reference=known)
        assert (again.precision, again.start, again.end, again.cadence) == (
            d.precision,
            d.start,
            d.end,
            d.cadence,
        ), d.raw


def test_precision_values_are_lower_snake() -> None:
    assert [p.value for p in Precision] == [
        "day",
        "month",
        "half_year",
        "year",
        "range",
        "open_ended",
        "cadence",
    ]


# --- Properties -------------------------------------------------------------------------

TOKENS = [
    "'", "’", "‘", "´", " ", ".", "~", "～", "-", "/", ",", "(", ")", "\n", ":", "%",
    "0", "1", "2", "9", "12", "18", "31", "2017", "1989", "2101",
    "년", "년도", "월", "月", "일", "限", "까지", "말", "중", "초", "상", "하", "반기",
    "상·하반기", "수시", "매년", "분기별", "지속", "계속", "기준", "현재", "억", "개", "(화)",
    "○", "<p>", "※",
]  # fmt: skip
notations = st.lists(st.sampled_from(TOKENS), max_size=30).map("".join)
texts = st.one_of(notations, st.text(max_size=80))
references = st.none() | st.dates(min_value=D(2000, 1, 1), max_value=D(2030, 12, 31))


def _well_formed(found: KoreanDate, text: str) -> None:
    assert found.raw and found.raw in text
    if found.start is not None and found.end is not None:
        assert found.start <= found.end
    if found.precision is CADENCE:
        assert found.cadence and found.start is None and found.end is None


@settings(max_examples=400, deadline=None)
@given(texts, references)
def test_parse_returns_a_date_or_refuses(text: str, reference: date | None) -> None:
    try:
        parsed = parse_korean_date(text, reference=reference)
    except KoreanDateError:
        return
    _well_formed(parsed, text)


@settings(max_examples=400, deadline=None)
@given(texts, references)
def test_find_never_raises_and_returns_spans_in_order(text: str, reference: date | None) -> None:
    pos = 0
    for found in find_dates(text, reference=reference):
        _well_formed(found, text)
        pos = text.index(found.raw, pos) + len(found.raw)


@settings(max_examples=300, deadline=None)
@given(texts, st.dates(min_value=D(2000, 1, 1), max_value=D(2030, 12, 31)))
def test_milestones_never_raise_and_have_deadlines(text: str, reference: date) -> None:
    for milestone in extract_milestones(text, reference=reference):
        _well_formed(milestone.when, text)
        assert milestone.when.deadline is not None
        assert milestone.when.precision is not CADENCE
        assert milestone.text and "○" not in milestone.text


@pytest.mark.parametrize(
    "text",
    [
        "'18." * 25_000,
        "1.1." * 25_000,
        "'18.1.1~" * 12_500,
        "9" * 100_000,
        " " * 100_000 + "x",
        "(" * 50_000 + ")" * 50_000,
        "○'18.1월" * 14_300,
        "<a" * 50_000,
        "3월" * 50_000,
        "(10.8 ~ 10.27)" * 7_200,
    ],
    ids=lambda t: repr(t[:10]),
)
@pytest.mark.timeout(120)  # a backtracking pattern would never finish: a hang, not a figure
def test_long_inputs_never_hang(text: str) -> None:
    find_dates(text, reference=REPORT_DATE)
    extract_milestones(text, reference=REPORT_DATE)
    with pytest.raises(KoreanDateError):
        parse_korean_date(text, reference=REPORT_DATE)
