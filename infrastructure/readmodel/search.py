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
  checked by LIKE alone (a scan of the view's text table, fine at the list's size,
  and one syllable selects most findings anyway).

The view keeps each finding's text itself (``rm_search_texts``): the LIKE check
and a later report's re-indexing read it, never another view's tables.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Column,
    PrimaryKeyConstraint,
    Select,
    String,
    Table,
    Text,
    Uuid,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from domain.finding import Finding
from infrastructure.readmodel import tables
from infrastructure.readmodel.views.base import (
    BatchView,
    Positioned,
    delete_where_in,
    rows_where_in,
    update_many,
)

TERM_LENGTH = 40

search_terms = Table(
    "rm_search_terms",
    tables.metadata,
    Column("finding_id", Uuid, nullable=False),
    Column("term", String(TERM_LENGTH), nullable=False),
    # term first: a lookup by term is a range scan of the primary key.
    PrimaryKeyConstraint("term", "finding_id", name="pk_rm_search_terms"),
    # On SQLite the key is the table (no second B-tree to keep): half the writes.
    sqlite_with_rowid=False,
)

# The text a finding is found by (indexed, and checked by LIKE), as of its last report.
search_texts = Table(
    "rm_search_texts",
    tables.metadata,
    Column("finding_id", Uuid, primary_key=True),
    Column("request", Text, nullable=False),
    Column("actions", Text),
    Column("plans", Text),
    Column("delay_reason", Text),
)

SEARCHED_COLUMNS = (
    search_texts.c.request,
    search_texts.c.actions,
    search_texts.c.plans,
    search_texts.c.delay_reason,
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


_CJK_CLASS = "".join(f"\\U{low:08x}-\\U{high:08x}" for low, high in _CJK_RANGES)
# The runs _kind delimits, found in one C-level scan (an index holds ~100 terms per
# finding: per-character Python calls were most of the search view's time).
# \w is str.isalnum() plus "_", which separates.
_RUNS = re.compile(f"([{_CJK_CLASS}]+)|((?:(?![{_CJK_CLASS}])[^\\W_])+)")


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
    for cjk, word in _RUNS.findall(_normalise(text)):
        if cjk:
            terms |= _grams(cjk)
        else:
            terms.add(word[:TERM_LENGTH])
    return terms


def query_words(query: str) -> list[str]:
    """Words of a query: split at white space, normalised like the index, with
    punctuation trimmed from their ends ("청년," is "청년"; "2.0" stays). A word of
    punctuation only ("%", "_", "※") is looked for as it is: never "anything"."""
    words: list[str] = []
    for raw in _normalise(query).split():
        kinds = [_kind(ch) for ch in raw]
        inner = [i for i, k in enumerate(kinds) if k != _SEPARATOR]
        word = raw[inner[0] : inner[-1] + 1] if inner else raw
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
    f = search_texts
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

    request: str
    actions: str | None = None
    plans: str | None = None
    delay_reason: str | None = None

    def terms(self) -> set[str]:
        parts = (self.request, self.actions, self.plans, self.delay_reason)
        # A line break between fields: no gram spans two of them.
        return terms_of("\n".join(p for p in parts if p))

    def row(self, finding_id: UUID) -> dict[str, Any]:
        return {
            "finding_id": finding_id,
            "request": self.request,
            "actions": self.actions,
            "plans": self.plans,
            "delay_reason": self.delay_reason,
        }


class SearchView(BatchView):
    """The bigram index: one row per (term, finding) of the finding's current text."""

    # Tens of terms per finding: a bulk import would spend most of its time here, so
    # the index follows a second or so behind writes (the background catch-up).
    synchronous = False

    view_name = "rm_search_view"
    view_tables = (search_texts, search_terms)

    def apply_batch(self, session: Session, events: Sequence[Positioned]) -> None:
        registered = {e.originator_id for e, _ in events if isinstance(e, Finding.Registered)}
        reported = {
            e.originator_id
            for e, _ in events
            if isinstance(e, Finding.ProgressReported) and e.originator_id not in registered
        }
        t = search_texts
        # The request never changes after Registered: kept here from then on.
        texts = {
            r.finding_id: _Text(r.request, r.actions, r.plans, r.delay_reason)
            for r in rows_where_in(session, t, t.c.finding_id, reported)
        }
        missing = reported - set(texts)
        if missing:
            # Indexing without the request would silently lose matches: fail the batch.
            raise LookupError(
                f"{self.view_name}: findings {sorted(missing)[:5]} were never registered"
            )
        for e, _ in events:
            if isinstance(e, Finding.Registered):
                texts[e.originator_id] = _Text(request=e.request)
            elif isinstance(e, Finding.ProgressReported):
                # A report replaces all three texts (None included), so the last one wins.
                text = texts[e.originator_id]
                text.actions, text.plans, text.delay_reason = e.actions, e.plans, e.delay_reason
        if not texts:
            return
        new_rows = [texts[i].row(i) for i in registered]
        if new_rows:
            session.execute(insert(t), new_rows)
        update_many(session, t, "finding_id", [texts[i].row(i) for i in reported])
        delete_where_in(session, search_terms, search_terms.c.finding_id, reported)
        _insert_terms(session, texts)


def _insert_terms(session: Session, texts: dict[UUID, _Text]) -> None:
    """Insert every (term, finding) of ``texts``, in term order (appended along the
    B-tree rather than scattered over it).

    About a hundred rows per finding: most of a rebuild's rows. SQLAlchemy's
    per-row parameter handling would double the view's time, so on a plain
    connection the rows go to the driver as tuples, each finding's id converted
    once. A rebuild's session redirects statements to shadow tables and hands out
    no plain connection: it takes the portable path.
    """
    connection = session.connection()
    if not isinstance(connection, Connection):
        rows = [{"term": t, "finding_id": i} for i, text in texts.items() for t in text.terms()]
        if rows:
            session.execute(insert(search_terms), sorted(rows, key=itemgetter("term")))
        return
    dialect = connection.dialect
    to_db = search_terms.c.finding_id.type.bind_processor(dialect)
    stored = {i: to_db(i) if to_db else i for i in texts}
    tuples = [(t, stored[i]) for i, text in texts.items() for t in text.terms()]
    if not tuples:
        return
    tuples.sort(key=itemgetter(0))
    mark = "?" if dialect.paramstyle == "qmark" else "%s"  # SQLite's or psycopg's
    connection.exec_driver_sql(
        f"INSERT INTO {search_terms.name} (term, finding_id) VALUES ({mark}, {mark})", tuples
    )
