"""Korean full-text search: a bigram index of each finding's text, kept as a view.

SQLite's FTS5 trigram tokenizer cannot find two-syllable words (청년, 센터), and the
two databases' full-text engines differ. So the same code on both keeps its own
inverted index: every overlapping two-syllable gram of the Hangul/CJK text, and
every Latin/digit token whole. A query looks its terms up (an index range scan on
the primary key ``(term, finding_id)``), intersects the findings, and then checks
each word as a substring of the finding's text, which removes what a bigram
intersection alone lets through (청년 + 년센 is not 청년센터).

Matching rules:

- Hangul/CJK: substring. "청년" finds 청년들, 서울청년센터.
- Latin/digit runs: whole tokens. "pc" finds "행정 pc나" but not "ipc"; "2.0" finds
  "2.0" but not "12.05". Tokens are not split into trigrams (kept simple: the seed
  holds a handful of Latin words; prefix search is not offered).
- A query word of one Hangul syllable ("청") has no bigram to look up: it is
  checked by LIKE alone (a scan of rm_findings, fine at the list's size, and one
  syllable selects most findings anyway).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Column,
    PrimaryKeyConstraint,
    Select,
    String,
    Table,
    Uuid,
    delete,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy.orm import Session

from domain.finding import Finding
from infrastructure.readmodel import tables
from infrastructure.readmodel.views import BatchView, Positioned, chunks

TERM_LENGTH = 40

search_terms = Table(
    "rm_search_terms",
    tables.metadata,
    Column("finding_id", Uuid, nullable=False),
    Column("term", String(TERM_LENGTH), nullable=False),
    # term first: a lookup by term is a range scan of the primary key.
    PrimaryKeyConstraint("term", "finding_id", name="pk_rm_search_terms"),
)

# The text a finding is found by (indexed, and checked by LIKE).
SEARCHED_COLUMNS = (
    tables.findings.c.request,
    tables.findings.c.actions,
    tables.findings.c.plans,
    tables.findings.c.delay_reason,
)

_SEPARATOR, _CJK, _WORD = 0, 1, 2

# Hangul syllables and jamo, kana, CJK ideographs (Hanja): text without spaces
# between words, searched by bigrams.
_CJK_RANGES = (
    (0x1100, 0x11FF),
    (0x3040, 0x30FF),
    (0x3130, 0x318F),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xA960, 0xA97F),
    (0xAC00, 0xD7FF),
    (0xF900, 0xFAFF),
    (0x20000, 0x3FFFF),
)


def _kind(ch: str) -> int:
    code = ord(ch)
    if any(low <= code <= high for low, high in _CJK_RANGES):
        return _CJK
    return _WORD if ch.isalnum() else _SEPARATOR


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFC", text).lower()


def _grams(run: str) -> set[str]:
    if len(run) == 1:
        return {run}
    return {run[i : i + 2] for i in range(len(run) - 1)}


def terms_of(text: str) -> set[str]:
    """The index terms of a text.

    NFC, lower case; Hangul/CJK runs give every overlapping bigram (a run of one
    syllable gives the syllable); Latin/digit runs give the whole token (cut to
    40 characters, as queries are); anything else separates runs.
    """
    terms: set[str] = set()
    for kind, chars in groupby(_normalise(text), key=_kind):
        run = "".join(chars)
        if kind == _CJK:
            terms |= _grams(run)
        elif kind == _WORD:
            terms.add(run[:TERM_LENGTH])
    return terms


def query_words(query: str) -> list[str]:
    """Words of a query: split at white space, normalised like the index, with
    punctuation trimmed from their ends ("청년," is "청년"; "2.0" stays)."""
    words: list[str] = []
    for raw in _normalise(query).split():
        kinds = [_kind(ch) for ch in raw]
        inner = [i for i, k in enumerate(kinds) if k != _SEPARATOR]
        word = raw[inner[0] : inner[-1] + 1] if inner else ""
        if word and word not in words:
            words.append(word)
    return words


def required_terms(word: str) -> set[str]:
    """Terms every text containing ``word`` holds (so they can be intersected).

    A one-syllable Hangul run at an edge of the word is left out: in the text it
    may continue (청 in 청년), so its term there is a bigram we cannot name.
    Inside the word, between non-Hangul characters, it is its own run in the text too.
    """
    runs = [(kind, "".join(chars)) for kind, chars in groupby(word, key=_kind)]
    terms: set[str] = set()
    for i, (kind, run) in enumerate(runs):
        if kind == _WORD:
            terms.add(run[:TERM_LENGTH])
        elif kind == _CJK and (len(run) > 1 or 0 < i < len(runs) - 1):
            terms |= _grams(run)
    return terms


def search_finding_ids(query: str, *, limit: int | None = None) -> Select[Any]:
    """Ids of the findings whose text contains every word of ``query``.

    For ``findings.c.finding_id.in_(...)``. A blank query selects every finding
    (no filter). With ``limit``, the first ids in id order.
    """
    f = tables.findings
    stmt = select(f.c.finding_id)
    words = query_words(query)
    terms = set().union(*(required_terms(w) for w in words))
    if terms:
        t = search_terms
        # Findings holding all terms: each (term, finding) row exists once.
        candidates = (
            select(t.c.finding_id)
            .where(t.c.term.in_(sorted(terms)))
            .group_by(t.c.finding_id)
            .having(func.count() == len(terms))
        )
        stmt = stmt.where(f.c.finding_id.in_(candidates))
    for word in words:
        # The final check removes bigram false positives; autoescape makes % and _
        # literal; icontains is lower() LIKE on SQLite and ILIKE on PostgreSQL.
        stmt = stmt.where(or_(*(c.icontains(word, autoescape=True) for c in SEARCHED_COLUMNS)))
    if limit is not None:
        stmt = stmt.order_by(f.c.finding_id).limit(limit)
    return stmt


@dataclass
class _Text:
    """A finding's searchable text as of the events seen so far."""

    request: str | None = None
    actions: str | None = None
    plans: str | None = None
    delay_reason: str | None = None

    def terms(self) -> set[str]:
        parts = (self.request, self.actions, self.plans, self.delay_reason)
        # A line break between fields: no gram spans two of them.
        return terms_of("\n".join(p for p in parts if p))


class SearchView(BatchView):
    """The bigram index: one row per (term, finding) of the finding's current text."""

    # Tens of terms per finding: a bulk import would spend most of its time here, so
    # the index follows a second or so behind writes (the background catch-up).
    synchronous = False

    view_name = "rm_search_view"
    view_tables = (search_terms,)

    def apply_batch(self, session: Session, events: Sequence[Positioned]) -> None:
        texts: dict[UUID, _Text] = {}
        registered: set[UUID] = set()
        for e, _ in events:
            if isinstance(e, Finding.Registered):
                texts[e.originator_id] = _Text(request=e.request)
                registered.add(e.originator_id)
            elif isinstance(e, Finding.ProgressReported):
                # A report replaces all three texts (None included), so the last one wins.
                text = texts.setdefault(e.originator_id, _Text())
                text.actions, text.plans, text.delay_reason = (
                    e.actions,
                    e.plans,
                    e.delay_reason,
                )
        if not texts:
            return
        earlier = sorted(i for i in texts if i not in registered)
        self._load_requests(session, earlier, texts)
        for chunk in chunks(earlier):
            session.execute(delete(search_terms).where(search_terms.c.finding_id.in_(chunk)))
        rows = [
            {"finding_id": finding_id, "term": term}
            for finding_id, text in texts.items()
            for term in sorted(text.terms())
        ]
        if rows:
            session.execute(insert(search_terms), rows)

    @staticmethod
    def _load_requests(session: Session, ids: Sequence[UUID], texts: dict[UUID, _Text]) -> None:
        """The request of findings registered in an earlier batch, from rm_findings.

        The request never changes after Registered, and rm_findings holds it from the
        transaction that projected Registered on: the projector applies every batch
        to all views together, and a view added later (this one) starts behind, never
        ahead. Our own rows hold only terms, from which the text cannot be rebuilt.
        """
        f = tables.findings
        for chunk in chunks(ids):
            for row in session.execute(
                select(f.c.finding_id, f.c.request).where(f.c.finding_id.in_(chunk))
            ):
                texts[row.finding_id].request = row.request
        missing = [i for i in ids if texts[i].request is None]
        if missing:
            # Indexing without the request would silently lose matches: fail the batch.
            raise LookupError(
                f"{SearchView.view_name}: findings {missing[:5]} are not in "
                f"{f.name}; project the findings view first"
            )
