"""Repeat findings: the matcher on the labelled pairs, its contract, the two-year scenario."""

from __future__ import annotations

import statistics
import time
import unicodedata
from functools import cache
from pathlib import Path
from uuid import UUID, uuid4

import pytest

from application.repeats import (
    THRESHOLD,
    PriorFinding,
    RepeatIndex,
    features,
    normalise,
    similarity,
    suggest,
)
from benchmarks.repeats import (
    Pair,
    figures_at,
    labelled_pairs,
    reference_findings,
    score_pairs,
    synthetic_candidates,
)
from domain.vocabulary import FindingKind
from infrastructure.parsers.seed_text import parse_seed_report

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "demo" / "seed_2018_business_report.txt"
TWO_YEAR = ROOT / "tests" / "fixtures" / "two_year" / "audit_2018.txt"

C = FindingKind.CORRECTIVE
References = dict[tuple[FindingKind, int], PriorFinding]


@cache
def references() -> References:
    return reference_findings()


@cache
def pairs() -> tuple[Pair, ...]:
    return tuple(labelled_pairs(references()))


def prior(request: str, department: str = "노동정책담당관", year: int = 2017) -> PriorFinding:
    return PriorFinding(uuid4(), year, department, request, FindingKind.CORRECTIVE)


# --- the labelled set -------------------------------------------------------------


def test_the_labelled_set_has_enough_of_each() -> None:
    same = [p for p in pairs() if p.same]
    different = [p for p in pairs() if not p.same]
    assert len(same) >= 20
    assert len(different) >= 20
    assert all(p.note for p in pairs())


def test_precision_and_recall_on_the_labelled_pairs_at_the_threshold() -> None:
    scored = score_pairs(pairs(), references())
    figures = figures_at(scored, THRESHOLD)
    wrong = [
        (round(score, 3), p.same, p.note)
        for (score, _), p in zip(scored, pairs(), strict=True)
        if (score >= THRESHOLD) != p.same
    ]
    assert figures.precision >= 0.9, wrong
    assert figures.recall >= 0.8, wrong


# --- normalisation ----------------------------------------------------------------


def test_normalise_composes_hangul() -> None:
    decomposed = unicodedata.normalize("NFD", "노동복합시설")
    assert decomposed != "노동복합시설"
    assert normalise(decomposed) == "노동복합시설"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("○ 예산 집행 - 실적 점검 ※ 분기별", "예산 집행 실적 점검 분기별"),
        ("1. 예산 2) 인력 (3) 시설 ① 조직 가. 기타 (나) 홍보", "예산 인력 시설 조직 기타 홍보"),
        ("정장·사진ㆍ헤어 지원!", "정장 사진 헤어 지원"),
        (
            "노동복합시설(5층),\t 감정노동보호센터\n\n 공간 ",
            "노동복합시설 5층 감정노동보호센터 공간",
        ),
        ("시-구 협력사업 「가이드라인」 '18.3월", "시 구 협력사업 가이드라인 18 3월"),
        ("행정 PC 부족", "행정 pc 부족"),
    ],
)
def test_normalise_drops_markers_numbering_and_punctuation(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_numbers_inside_words_are_kept() -> None:
    assert normalise("사업비 10억원과 163곳") == "사업비 10억원과 163곳"


def test_features_drop_particles_and_the_committees_voice() -> None:
    assert "w:문제" in features("문제를")
    assert "w:관리" in features("관리하기")
    assert features("재차 촉구함") == features("바람") == features("") == {}


def test_similarity() -> None:
    text = references()[C, 18].request
    assert similarity(text, text) == pytest.approx(1.0)
    assert similarity(text, references()[C, 6].request) == pytest.approx(
        similarity(references()[C, 6].request, text)
    )
    assert similarity(text, "") == 0.0


# --- suggest ----------------------------------------------------------------------

BASE = "노동권익센터 연장근무와 관련된 수당 지급이 없는데 개선해 주기 바람"
EXTRA = [
    "아울러 청년 구직자 면접 정장 대여 장소를 확대하기 바람",
    "또한 마을기업 판로 지원과 공공구매 목표를 관리하기 바람",
]


def _graded() -> list[PriorFinding]:
    """The same subject diluted more and more, and one unrelated finding."""
    return [
        prior(BASE),
        prior(BASE + " " + EXTRA[0]),
        prior(BASE + " " + " ".join(EXTRA)),
        prior("문화비축기지에 관람객이 호기심을 가질만한 안내판 설치나 디자인을 해주기 바람"),
    ]


def test_suggestions_come_best_first_above_the_threshold() -> None:
    exact, diluted, more_diluted, unrelated = _graded()
    found = suggest(BASE, [more_diluted, unrelated, exact, diluted])
    assert [s.finding_id for s in found] == [
        exact.finding_id,
        diluted.finding_id,
        more_diluted.finding_id,
    ]
    scores = [s.score for s in found]
    assert scores == sorted(scores, reverse=True)
    assert all(s >= THRESHOLD for s in scores)
    assert scores[0] == pytest.approx(1.0)


def test_limit() -> None:
    candidates = _graded()
    assert [s.finding_id for s in suggest(BASE, candidates, limit=2)] == [
        candidates[0].finding_id,
        candidates[1].finding_id,
    ]
    assert len(suggest(BASE, candidates)) == 3  # the default
    assert suggest(BASE, candidates, limit=0) == []


def test_nothing_below_the_threshold_is_suggested() -> None:
    index = RepeatIndex(references().values())
    request = "노동권익센터 상담 실적이 저조하므로 찾아가는 상담을 확대하기 바람"
    scores = index.scores(request)
    nearest = max(scores.values())
    assert 0 < nearest < THRESHOLD  # shares words with 2017 findings, repeats none
    assert index.suggest(request) == []
    assert index.suggest("") == []


def test_a_finding_is_never_its_own_repeat() -> None:
    own = prior(BASE)
    twin = prior(BASE, year=2016)  # the same words, an earlier finding
    index = RepeatIndex([own, twin, *_graded()[1:]])
    found = index.suggest(BASE, finding_id=own.finding_id, limit=10)
    assert own.finding_id not in {s.finding_id for s in found}
    assert found[0].finding_id == twin.finding_id
    assert found[0].score == pytest.approx(1.0)
    assert suggest(BASE, [own], finding_id=own.finding_id) == []


def test_a_candidate_listed_twice_is_suggested_once() -> None:
    candidate = prior(BASE)
    assert len(suggest(BASE, [candidate, candidate])) == 1


def test_departments_narrow_the_candidates() -> None:
    mine, theirs = prior(BASE, "노동정책담당관"), prior(BASE, "일자리정책담당관")
    index = RepeatIndex([mine, theirs])
    found = index.suggest(BASE, department_ids={"노동정책담당관"})
    assert [s.finding_id for s in found] == [mine.finding_id]


def test_one_request_against_3000_candidates_is_fast() -> None:
    index = RepeatIndex(synthetic_candidates(references(), 3_000))
    requests = [p.b for p in pairs()][:20]
    index.suggest(requests[0])
    times = []
    for request in requests:
        start = time.perf_counter()
        index.suggest(request)
        times.append(time.perf_counter() - start)
    assert statistics.median(times) < 0.05  # ~3 ms measured; room for a busy machine


# --- the two-year scenario ----------------------------------------------------------


def test_the_2018_audit_parses_for_the_same_committee_and_body() -> None:
    report = parse_seed_report(TWO_YEAR.read_bytes(), source_name=TWO_YEAR.name)
    seed = parse_seed_report(SEED.read_bytes(), source_name=SEED.name).metadata
    assert report.problems == ()
    assert report.metadata.year == 2018
    assert (report.metadata.committee, report.metadata.audited_body) == (
        seed.committee,
        seed.audited_body,
    )
    assert len(report.rows) == 6


def test_the_2018_audit_repeats_exactly_two_2017_findings() -> None:
    report = parse_seed_report(TWO_YEAR.read_bytes(), source_name=TWO_YEAR.name)
    index = RepeatIndex(references().values())
    by_id: dict[UUID, tuple[FindingKind, int]] = {
        f.finding_id: key for key, f in references().items()
    }
    suggested = {
        (row.kind, row.seq): [by_id[s.finding_id] for s in index.suggest(row.request)]
        for row in report.rows
    }
    assert {row: found for row, found in suggested.items() if found} == {
        (C, 1): [(C, 18)],  # 남부기술교육원: the operator's interference
        (C, 2): [(C, 12)],  # 투자출연기관: the disabled-employment quota
    }
    assert len(suggested) == 6
