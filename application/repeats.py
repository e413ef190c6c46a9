"""Repeat findings: earlier findings whose request is about the same subject.

When a finding is registered, council staff are shown the earlier findings whose
request text reads like it, to confirm or dismiss as a repeat. This module only
scores text; it has no I/O and keeps no state beyond an index built once.

How text is compared (chosen by measuring it, with ``python -m benchmarks.repeats``,
against Korean morphological tokens): each word of the normalised request loses a
trailing particle or verbal ending (문제를 → 문제, 관리하기 → 관리), words in the
committee's own voice are dropped (바람, 촉구, 여전히 …), and what is left is
described by the word, its syllables and its syllable bigrams. Bigrams inside words
survive the free spacing of Korean (노동복합시설 / 노동 복합 시설) and typos of one
syllable (취업알개 / 취업날개). Features are weighed by how rare they are among the
candidates (TF-IDF) and requests compared by cosine. Nouns from kiwipiepy found 3
more of the 33 labelled repeats at their best threshold: not worth a 105 MB model, a
second to load it and a tokenizer behind a port.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from uuid import UUID

from domain.vocabulary import FindingKind

# Scores from RepeatIndex at or above this are suggested. Measured on the labelled pairs
# (tests/fixtures/repeat_pairs.json): precision 1.0 and recall 0.85 from 0.32 to 0.37;
# below, a hard non-repeat gets in; above, short repeats drop out. The plateau's middle.
THRESHOLD = 0.35
DEFAULT_LIMIT = 3


@dataclass(frozen=True)
class PriorFinding:
    """An earlier finding a new one may repeat."""

    finding_id: UUID
    year: int
    department_id: str
    request: str
    kind: FindingKind


@dataclass(frozen=True)
class RepeatSuggestion:
    finding_id: UUID
    score: float


# --- normalisation ------------------------------------------------------------------

# Bullets and notes of the report layout; ·/ㆍ also join listed nouns (정장·사진).
_MARKERS = re.compile(r"[○●◎◦■□▪▫•◆◇▶▷►※·ㆍ∙‧]")
# Circled and parenthesised numbers and letters (①, ⑴, ㈎, ㉮).
_ENCLOSED = re.compile(r"[\u2460-\u24ff\u3200-\u32ff\u2776-\u2793]")
# Item numbering standing alone: "1.", "1)", "(1)", "가.", "가)", "(가)".
_NUMBERING = re.compile(
    r"(?<!\S)(?:\(?[0-9]{1,2}[.)]|\([0-9]{1,2}\)|\(?[가-하][.)]|\([가-하]\))(?!\S)"
)
_PUNCTUATION = re.compile(r"[^\w\s]|_")
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """NFC text without list markers, numbering or punctuation; single spaces."""
    text = unicodedata.normalize("NFC", text).lower()
    text = _ENCLOSED.sub(" ", _MARKERS.sub(" ", text))
    text = _NUMBERING.sub(" ", text)
    text = _PUNCTUATION.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


# --- features -----------------------------------------------------------------------


def _listed(words: str) -> list[str]:
    return words.split()


# Longest first; a stem keeps at least two syllables (평가, 제도 keep their 가, 도).
_SUFFIXES = sorted(
    _listed(
        "을 를 이 가 은 는 의 에 에서 에게 께 으로 로 와 과 도 만 까지 부터 보다 마다 처럼 "
        "이나 나 이며 며 이고 이라 라는 이라는 "
        "하고 하여 해서 하는 하기 하지 하며 하게 하도록 되는 되어 되지 되도록 도록 "
        "된 할 한 함 임 음 됨 적 적인 적으로 들 들이 들의 들을 들은 들에게"
    ),
    key=len,
    reverse=True,
)
_MIN_STEM = 2
# The committee's voice, not the subject: endings of a request and re-raise markers.
STOPWORDS = frozenset(
    _listed(
        "바람 바랍니다 바라며 바라고 요망 요청 촉구 재차 다시 여전히 아직 계속 미흡 필요 "
        "것 것임 등 및 또한 이에 대하여 대한 관련 위해 위한 있음 있으니 있으므로 있는 "
        "없음 없는 않음 않고 해주기 해주시기 주기 주시기 노력 검토 마련 방안 강구 "
        "조속히 철저히 적극 적극적 강력히"
    )
)


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= _MIN_STEM:
            return word[: -len(suffix)]
    return word


def features(text: str) -> Counter[str]:
    """What a request is compared by: its subject words, their syllables and bigrams."""
    counts: Counter[str] = Counter()
    for word in normalise(text).split():
        if word in STOPWORDS or (stem := _stem(word)) in STOPWORDS:
            continue
        counts["w:" + stem] += 1  # the prefix keeps a one-syllable word apart from a syllable
        counts.update(stem)
        counts.update(stem[i : i + 2] for i in range(len(stem) - 1))
    return counts


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    dot = sum(n * b[g] for g, n in a.items() if g in b)
    norms = math.sqrt(sum(n * n for n in a.values()) * sum(n * n for n in b.values()))
    return dot / norms if norms else 0.0


def similarity(a: str, b: str) -> float:
    """Cosine of two requests' features, each feature weighing alike (0 to 1).

    Without candidates to tell common features from rare ones, this scores higher than
    RepeatIndex does; THRESHOLD applies to the index's scores.
    """
    return _cosine(features(a), features(b))


# --- the index ----------------------------------------------------------------------


Analyser = Callable[[str], Counter[str]]


class RepeatIndex:
    """Candidates' vectors, built once; each suggestion then reads only the postings
    of the new request's features.

    ``analyser`` turns a request into features; other analysers are only for measuring
    alternatives against this one on the same weighing and scoring.
    """

    def __init__(
        self, candidates: Iterable[PriorFinding], *, analyser: Analyser = features
    ) -> None:
        self._candidates: tuple[PriorFinding, ...] = tuple(candidates)
        self._analyser = analyser
        vectors = [analyser(c.request) for c in self._candidates]
        document_frequency: Counter[str] = Counter()
        for vector in vectors:
            document_frequency.update(vector.keys())
        total = len(vectors)
        # Smoothed IDF; a feature no candidate has gets the highest weight.
        self._idf = {
            g: math.log((total + 1) / (n + 1)) + 1.0 for g, n in document_frequency.items()
        }
        self._unseen_idf = math.log(total + 1) + 1.0
        self._postings: dict[str, list[tuple[int, float]]] = {}
        for index, vector in enumerate(vectors):
            weights = {g: n * self._idf[g] for g, n in vector.items()}
            norm = math.sqrt(sum(w * w for w in weights.values()))
            for g, w in weights.items():
                self._postings.setdefault(g, []).append((index, w / norm))

    def __len__(self) -> int:
        return len(self._candidates)

    def _query(self, request: str) -> dict[str, float]:
        weights = {
            g: n * self._idf.get(g, self._unseen_idf) for g, n in self._analyser(request).items()
        }
        norm = math.sqrt(sum(w * w for w in weights.values()))
        return {g: w / norm for g, w in weights.items()} if norm else {}

    def scores(self, request: str) -> dict[UUID, float]:
        """Every candidate sharing a feature with the request, by id, with its score."""
        totals = [0.0] * len(self._candidates)  # a list: the hot loop's cheapest update
        for g, weight in self._query(request).items():
            for index, candidate_weight in self._postings.get(g, ()):
                totals[index] += weight * candidate_weight
        best: dict[UUID, float] = {}
        for index, score in enumerate(totals):
            if score <= 0.0:
                continue
            finding_id = self._candidates[index].finding_id
            best[finding_id] = max(score, best.get(finding_id, 0.0))
        return best

    def suggest(
        self,
        request: str,
        *,
        limit: int = DEFAULT_LIMIT,
        finding_id: UUID | None = None,
        department_ids: Collection[str] | None = None,
    ) -> list[RepeatSuggestion]:
        """The best ``limit`` candidates scoring THRESHOLD or more, best first.

        ``finding_id`` is the finding the request belongs to: it is never its own
        repeat, even when the index holds it. ``department_ids``, when given, keeps only
        candidates of those departments.
        """
        if limit <= 0:
            return []
        allowed = (
            None
            if department_ids is None
            else {c.finding_id for c in self._candidates if c.department_id in department_ids}
        )
        found = [
            RepeatSuggestion(candidate, score)
            for candidate, score in self.scores(request).items()
            if score >= THRESHOLD
            and candidate != finding_id
            and (allowed is None or candidate in allowed)
        ]
        # Ties by id: the same candidates give the same order whatever their sequence.
        found.sort(key=lambda s: (-s.score, str(s.finding_id)))
        return found[:limit]


def suggest(
    request: str,
    candidates: Sequence[PriorFinding],
    *,
    limit: int = DEFAULT_LIMIT,
    finding_id: UUID | None = None,
) -> list[RepeatSuggestion]:
    """One-off suggestions; build a RepeatIndex to compare many requests."""
    return RepeatIndex(candidates).suggest(request, limit=limit, finding_id=finding_id)
