"""`python -m benchmarks.repeats`: how well repeat findings are found, per method.

The labelled pairs (tests/fixtures/repeat_pairs.json) pair a 2017 finding of the
seed (tests/fixtures/items_2017_audit.json) with a request that repeats it or is
about something else, often in the same department and words. Every method scores a
pair the way the product does: the 2017 findings make one RepeatIndex (TF-IDF,
cosine), and the pair's score is the second request's score against the first
finding. Methods differ only in the features a request is turned into:

- ``bigrams``: syllable bigrams inside each normalised word, nothing else;
- ``module``: application.repeats.features, the product's (stems, stop words,
  word, syllables and bigrams);
- ``kiwi-nouns``: nouns, roots, numbers and foreign words from kiwipiepy's
  morphological analysis, with and without the module's stop words. Only when
  kiwipiepy and its model are installed (they are not a dependency of the product):
  ``python -m venv /tmp/kiwi && /tmp/kiwi/bin/pip install kiwipiepy==0.24.1``, then
  ``PYTHONPATH=. /tmp/kiwi/bin/python -m benchmarks.repeats`` (this module needs
  nothing else).

Printed per method: precision, recall and F1 at the module's THRESHOLD and at the
method's best threshold, how often the intended finding ranks first among all 56,
and the time to suggest for one request against 3,000 candidates.
"""

from __future__ import annotations

import argparse
import importlib
import json
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from application import repeats
from application.repeats import PriorFinding, RepeatIndex, normalise
from domain.vocabulary import FindingKind

ROOT = Path(__file__).resolve().parent.parent
ITEMS = ROOT / "tests" / "fixtures" / "items_2017_audit.json"
PAIRS = ROOT / "tests" / "fixtures" / "repeat_pairs.json"
YEAR = 2017
TIMING_CANDIDATES = 3_000

_CATEGORY_KINDS = {
    "시정": FindingKind.CORRECTIVE,
    "건의": FindingKind.RECOMMENDATION,
    "기타": FindingKind.OTHER,
}

Analyser = Callable[[str], Counter[str]]


def finding_id(kind: FindingKind, seq: int) -> UUID:
    """A stable id for a reference item, so runs and tests agree."""
    return uuid5(NAMESPACE_URL, f"audit-followup:{YEAR}:{kind.value}:{seq}")


def kind_of(category: str) -> FindingKind:
    return next(k for prefix, k in _CATEGORY_KINDS.items() if category.startswith(prefix))


def reference_findings(path: Path = ITEMS) -> dict[tuple[FindingKind, int], PriorFinding]:
    """The 2017 findings by (kind, seq)."""
    items: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    found: dict[tuple[FindingKind, int], PriorFinding] = {}
    for item in items:
        kind, seq = kind_of(item["category"]), int(item["seq"])
        found[kind, seq] = PriorFinding(
            finding_id(kind, seq), YEAR, item["department"], item["request"], kind
        )
    return found


@dataclass(frozen=True)
class Pair:
    a: PriorFinding  # the earlier finding
    b: str  # the later request
    same: bool
    note: str


def labelled_pairs(
    references: dict[tuple[FindingKind, int], PriorFinding], path: Path = PAIRS
) -> list[Pair]:
    """The pairs; an ``a`` given as text becomes a finding of its own."""
    pairs: list[Pair] = []

    def resolve(value: str | dict[str, Any]) -> PriorFinding:
        if isinstance(value, str):
            own = uuid5(NAMESPACE_URL, "audit-followup:pair:" + value)
            return PriorFinding(own, YEAR, "", value, FindingKind.CORRECTIVE)
        return references[FindingKind(value["kind"]), int(value["seq"])]

    for entry in json.loads(path.read_text(encoding="utf-8")):
        a = resolve(entry["a"])
        b = entry["b"] if isinstance(entry["b"], str) else resolve(entry["b"]).request
        pairs.append(Pair(a, b, bool(entry["same"]), str(entry["note"])))
    return pairs


# --- scoring ------------------------------------------------------------------------


def score_pairs(
    pairs: Sequence[Pair],
    references: dict[tuple[FindingKind, int], PriorFinding],
    analyser: Analyser = repeats.features,
) -> list[tuple[float, bool]]:
    """Each pair's score as the product computes it, with whether it is a repeat."""
    candidates = {f.finding_id: f for f in references.values()}
    candidates.update({p.a.finding_id: p.a for p in pairs})
    index = RepeatIndex(candidates.values(), analyser=analyser)
    return [(index.scores(p.b).get(p.a.finding_id, 0.0), p.same) for p in pairs]


@dataclass(frozen=True)
class Figures:
    threshold: float
    precision: float
    recall: float

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def figures_at(scored: Sequence[tuple[float, bool]], threshold: float) -> Figures:
    tp = sum(1 for s, same in scored if s >= threshold and same)
    fp = sum(1 for s, same in scored if s >= threshold and not same)
    fn = sum(1 for s, same in scored if s < threshold and same)
    return Figures(
        threshold, tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0
    )


def best_figures(scored: Sequence[tuple[float, bool]]) -> Figures:
    """The highest F1 over every threshold the scores allow; the lower threshold on ties."""
    return max(
        (figures_at(scored, s) for s, _ in sorted(scored)),
        key=lambda f: (round(f.f1, 9), round(f.precision, 9)),
    )


def top1(
    pairs: Sequence[Pair],
    references: dict[tuple[FindingKind, int], PriorFinding],
    analyser: Analyser,
) -> tuple[int, int]:
    """Later-year repeats whose earlier finding scores first among all the 2017 findings
    (pairs of two 2017 findings left out: the second would rank itself first)."""
    index = RepeatIndex(references.values(), analyser=analyser)
    known = {f.finding_id for f in references.values()}
    texts = {f.request for f in references.values()}
    hits = total = 0
    for pair in pairs:
        if not pair.same or pair.a.finding_id not in known or pair.b in texts:
            continue
        total += 1
        scores = index.scores(pair.b)
        hits += max(scores, key=lambda i: scores[i], default=None) == pair.a.finding_id
    return hits, total


# --- methods ------------------------------------------------------------------------


def bigrams(text: str) -> Counter[str]:
    """Syllable bigrams inside words: the plainest character n-grams."""
    counts: Counter[str] = Counter()
    for word in normalise(text).split():
        counts.update([word] if len(word) == 1 else (word[i : i + 2] for i in range(len(word) - 1)))
    return counts


_KIWI_TAGS = ("NNG", "NNP", "SL", "SN", "XR")


def kiwi_analysers() -> tuple[dict[str, Analyser], str]:
    """kiwipiepy analysers when it is installed, and a note on its load time."""
    try:
        module = importlib.import_module("kiwipiepy")
    except ImportError:
        return {}, "kiwipiepy not installed: its methods skipped"
    start = time.perf_counter()
    kiwi = module.Kiwi()
    loaded = time.perf_counter() - start

    def nouns(text: str) -> list[str]:
        return [t.form for t in kiwi.tokenize(normalise(text)) if t.tag.startswith(_KIWI_TAGS)]

    def kiwi_nouns(text: str) -> Counter[str]:
        return Counter(nouns(text))

    def kiwi_nouns_stop(text: str) -> Counter[str]:
        return Counter(n for n in nouns(text) if n not in repeats.STOPWORDS)

    version = getattr(module, "__version__", "?")
    note = f"kiwipiepy {version}: model loaded in {loaded:.2f} s"
    return {"kiwi-nouns": kiwi_nouns, "kiwi-nouns+stop": kiwi_nouns_stop}, note


def synthetic_candidates(
    references: dict[tuple[FindingKind, int], PriorFinding], count: int, seed: int = 2017
) -> list[PriorFinding]:
    """Requests of the 2017 findings' length made of their words, shuffled."""
    rng = random.Random(seed)
    words = [w for f in references.values() for w in f.request.split()]
    lengths = [len(f.request.split()) for f in references.values()]
    return [
        PriorFinding(
            uuid5(NAMESPACE_URL, f"audit-followup:synthetic:{n}"),
            2010 + n % 8,
            "부서",
            " ".join(rng.choices(words, k=rng.choice(lengths))),
            FindingKind.CORRECTIVE,
        )
        for n in range(count)
    ]


def suggest_ms(
    references: dict[tuple[FindingKind, int], PriorFinding],
    queries: Sequence[str],
    analyser: Analyser,
) -> tuple[float, float]:
    """Seconds to build an index of TIMING_CANDIDATES, median ms per suggest."""
    candidates = synthetic_candidates(references, TIMING_CANDIDATES)
    start = time.perf_counter()
    index = RepeatIndex(candidates, analyser=analyser)
    built = time.perf_counter() - start
    times = []
    for query in queries:
        start = time.perf_counter()
        index.suggest(query)
        times.append((time.perf_counter() - start) * 1000)
    return built, statistics.median(times)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args(argv)
    references = reference_findings()
    pairs = labelled_pairs(references)
    methods: dict[str, Analyser] = {"bigrams": bigrams, "module": repeats.features}
    kiwi, note = kiwi_analysers()
    methods.update(kiwi)
    queries = [p.b for p in pairs]
    report: dict[str, Any] = {
        "pairs": len(pairs),
        "repeats": sum(p.same for p in pairs),
        "threshold": repeats.THRESHOLD,
        "notes": [note],
        "methods": {},
    }
    for name, analyser in methods.items():
        scored = score_pairs(pairs, references, analyser)
        at, best = figures_at(scored, repeats.THRESHOLD), best_figures(scored)
        hits, total = top1(pairs, references, analyser)
        built, median = suggest_ms(references, queries, analyser)
        report["methods"][name] = {
            "at_threshold": {"precision": at.precision, "recall": at.recall, "f1": at.f1},
            "best": {
                "threshold": round(best.threshold, 4),
                "precision": best.precision,
                "recall": best.recall,
                "f1": best.f1,
            },
            "top1": [hits, total],
            "index_build_s": round(built, 3),
            "suggest_median_ms": round(median, 2),
        }
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return
    print(
        f"{report['pairs']} pairs ({report['repeats']} repeats); "
        f"module THRESHOLD {repeats.THRESHOLD}; {note}"
    )
    header = (
        f"{'method':16} {'P@T':>5} {'R@T':>5} {'F1@T':>5} | {'best T':>6} {'P':>5} {'R':>5} "
        f"{'F1':>5} | {'top-1':>6} | build {TIMING_CANDIDATES} | suggest"
    )
    print(header)
    for name, m in report["methods"].items():
        at, best = m["at_threshold"], m["best"]
        print(
            f"{name:16} {at['precision']:5.2f} {at['recall']:5.2f} {at['f1']:5.3f} | "
            f"{best['threshold']:6.3f} {best['precision']:5.2f} {best['recall']:5.2f} "
            f"{best['f1']:5.3f} | {m['top1'][0]:>2}/{m['top1'][1]:<3} | "
            f"{m['index_build_s']:8.2f} s | {m['suggest_median_ms']:5.2f} ms"
        )
    print("P@T etc.: at the module's THRESHOLD, which was chosen for 'module' only.")


if __name__ == "__main__":
    main()
