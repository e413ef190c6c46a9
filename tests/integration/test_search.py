"""Korean search over the bigram index (SearchView), on both databases."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import func, select

from application.access import Principal
from application.importing import ImportOptions
from application.writer import Target
from domain.vocabulary import FindingKind, Status
from infrastructure.bootstrap import Runtime
from infrastructure.parsers import parse_document
from infrastructure.readmodel.projector import Projector
from infrastructure.readmodel.search import (
    SearchView,
    query_words,
    required_terms,
    search_finding_ids,
    search_terms,
    terms_of,
)
from tests.conftest import SEED
from tests.integration.views_support import assert_same_views, dump_views

SYSTEM = Principal.system()


def test_terms_of_gives_hangul_bigrams_and_latin_tokens() -> None:
    assert terms_of("청년센터") == {"청년", "년센", "센터"}
    assert terms_of("청") == {"청"}  # a one-syllable run is its own term
    # Punctuation and white space split runs; Latin is lower-cased and kept whole.
    assert terms_of("행정 PC나, 사회적경제 2.0·TF") == {
        "행정",
        "pc",
        "나",
        "사회",
        "회적",
        "적경",
        "경제",
        "2",
        "0",
        "tf",
    }
    # NFC: decomposed jamo (as some Mac files carry them) index like composed syllables.
    assert terms_of("\u1100\u1161\u11ab\u1103\u1161") == terms_of("간다") == {"간다"}
    assert terms_of("x" * 50) == {"x" * 40}  # the column holds 40 characters
    assert terms_of(" ,.· ") == set()


def test_query_words_and_the_terms_they_require() -> None:
    assert query_words("  청년,  (일자리)  청년 ") == ["청년", "일자리"]
    assert query_words("   ") == []
    assert query_words("% _") == ["%", "_"]  # punctuation alone stays a word
    assert required_terms("청년") == {"청년"}
    # A syllable at an edge may continue in the text (청 in 청년): no term for it.
    assert required_terms("청") == set()
    assert required_terms("pc나") == {"pc"}
    # Between other characters it is its own run in the text too.
    assert required_terms("a방2") == {"a", "방", "2"}


# -- the seed, projected with the search view ---------------------------------


@pytest.fixture
def searchable(runtime: Runtime) -> Runtime:
    """The runtime with the search view, as bootstrap should wire it.

    Small batches: a finding's Registered and ProgressReported fall in different
    batches, so the view reads the request of earlier batches back.
    """
    add_search_view(runtime, batch_size=10)
    import_seed(runtime)
    return runtime


def add_search_view(runtime: Runtime, *, batch_size: int) -> SearchView:
    """Project in small batches, through the search view the runtime wires."""
    runtime.projector.batch_size = batch_size
    return next(v for v in runtime.views if isinstance(v, SearchView))


def forget_search_view(runtime: Runtime) -> None:
    """As if the view had been added after the events: empty, at no position."""
    view = next(v for v in runtime.views if isinstance(v, SearchView))
    with view.datastore.transaction(commit=True) as session:
        view.lock_position(session, runtime.tracker.name)
        view.reset(session, runtime.tracker.name)


def import_seed(runtime: Runtime) -> None:
    outcome = runtime.services.importer.run(
        SYSTEM,
        parse_document(SEED.read_bytes()),
        ImportOptions(council="서울특별시의회"),
    )
    assert outcome.created == 56 and not outcome.problems
    runtime.projector.run_pending()  # the index follows in the background


def found(runtime: Runtime, query: str) -> set[UUID]:
    runtime.projector.run_pending()  # as the background catch-up does, within a second
    return indexed(runtime, query)


def indexed(runtime: Runtime, query: str) -> set[UUID]:
    with runtime.datastore.transaction(commit=False) as session:
        return set(session.execute(search_finding_ids(query)).scalars())


def texts(runtime: Runtime) -> dict[UUID, str]:
    """Each finding's searchable text, from the aggregates (not the read tables)."""
    result = {}
    for row in runtime.services.queries.list_findings():
        f = runtime.tracker.finding(row.finding_id)
        parts = (f.request, f.actions, f.plans, f.delay_reason)
        result[f.id] = "\n".join(p for p in parts if p).lower()
    return result


def containing(runtime: Runtime, query: str) -> set[UUID]:
    words = query.lower().split()
    return {i for i, text in texts(runtime).items() if all(w in text for w in words)}


def index_rows(runtime: Runtime, finding_id: UUID) -> set[str]:
    runtime.projector.run_pending()  # the background catch-up
    t = search_terms
    with runtime.datastore.transaction(commit=False) as session:
        return set(session.execute(select(t.c.term).where(t.c.finding_id == finding_id)).scalars())


@pytest.mark.parametrize(
    "query",
    [
        "청년",
        "센터",
        "노동",
        "사회적경제",
        "청년 일자리",  # both words
        "PC",  # a Latin token, found in "행정 pc나" (case-insensitive)
        "pc나",  # Latin then one syllable
        "2.0",  # "사회적경제 2.0"
        "청",  # one syllable: LIKE alone
        "일자리노동정책관",
    ],
)
def test_search_finds_exactly_the_findings_containing_every_word(
    searchable: Runtime, query: str
) -> None:
    expected = containing(searchable, query)
    assert expected, f"the seed has no text for {query!r}: the case proves nothing"
    assert found(searchable, query) == expected


def test_the_index_holds_the_terms_of_each_findings_current_text(searchable: Runtime) -> None:
    for finding_id, text in texts(searchable).items():
        assert index_rows(searchable, finding_id) == terms_of(text)


def test_latin_and_digit_runs_match_as_whole_tokens(searchable: Runtime) -> None:
    by_text = texts(searchable)
    tft_only = {i for i, t in by_text.items() if "tft" in t and not re.search(r"tf(?![a-z])", t)}
    assert tft_only, "the seed has TFT without TF"
    assert not found(searchable, "TF") & tft_only
    assert found(searchable, "TFT") >= tft_only
    assert found(searchable, "TF") == {
        i for i, t in by_text.items() if re.search(r"(?<![a-z])tf(?![a-z])", t)
    }


def test_blank_query_is_no_filter(searchable: Runtime) -> None:
    assert found(searchable, "  \t ") == set(texts(searchable))


def test_bigram_false_positives_are_removed(searchable: Runtime) -> None:
    services = searchable.services
    (audit,) = services.queries.list_audits()
    decoy = services.audits.register_finding(
        SYSTEM,
        audit_id=audit.audit_id,
        kind=FindingKind.OTHER,
        seq=101,
        request="청년 지원과 소년센터 운영",  # 청년, 년센, 센터: not 청년센터
        department="노동정책담당관",
    )
    real = services.audits.register_finding(
        SYSTEM,
        audit_id=audit.audit_id,
        kind=FindingKind.OTHER,
        seq=102,
        request="서울청년센터 운영 점검",
        department="노동정책담당관",
    )
    searchable.projector.run_pending()  # the background catch-up
    grams = terms_of("청년센터")
    t = search_terms
    candidates = (
        select(t.c.finding_id)
        .where(t.c.term.in_(grams))
        .group_by(t.c.finding_id)
        .having(func.count() == len(grams))
    )
    with searchable.datastore.transaction(commit=False) as session:
        assert decoy in set(session.execute(candidates).scalars())  # the index alone is fooled
    assert found(searchable, "청년센터") == {real}
    assert found(searchable, "청년센터 점검") == {real}
    assert found(searchable, "청년센터 지원") == set()


def test_like_wildcards_in_a_query_are_literal(searchable: Runtime) -> None:
    youth = containing(searchable, "청소년")
    assert youth, "the seed has 청소년"
    # Unescaped, "_" and "%" would match 청소년.
    assert found(searchable, "청_년") == set()
    assert found(searchable, "청%년") == set()
    assert found(searchable, "청소년") == youth
    # A query of wildcards alone is looked for literally, never "every finding".
    for wildcard in ("%", "_", "%%", "\\"):
        assert found(searchable, wildcard) == containing(searchable, wildcard)
    assert containing(searchable, "%") != set(containing(searchable, ""))


def test_a_later_progress_report_replaces_the_findings_terms(searchable: Runtime) -> None:
    (target,) = containing(searchable, "2.0")
    before = index_rows(searchable, target)
    finding = searchable.tracker.finding(target)
    searchable.services.findings.report_progress(
        Target(SYSTEM, target),
        status=Status.IN_PROGRESS,
        actions="스마트팜 보급 사업으로 전환",
        plans=None,
        delay_reason="예산 삭감",
    )
    # The request, registered in an earlier transaction, is read back from rm_findings.
    after = terms_of(f"{finding.request}\n스마트팜 보급 사업으로 전환\n예산 삭감")
    assert index_rows(searchable, target) == after
    assert before - after, "the report removes terms"
    assert found(searchable, "2.0") == set()
    assert found(searchable, "스마트팜") == {target}
    assert target in found(searchable, "삭감")  # the delay reason is searched too


def test_rebuild_gives_the_same_index(searchable: Runtime) -> None:
    (target,) = containing(searchable, "2.0")
    searchable.services.findings.report_progress(
        Target(SYSTEM, target), status=Status.IN_PROGRESS, actions="계획 변경", plans="재검토"
    )
    searchable.projector.run_pending()  # the background catch-up
    incremental = dump_views(searchable)
    assert incremental["rm_search_terms"]
    searchable.projector.rebuild()
    assert_same_views(dump_views(searchable), incremental)
    # One batch for everything: Registered and reports meet in memory.
    Projector(searchable.tracker, searchable.views, batch_size=10_000).rebuild()
    assert_same_views(dump_views(searchable), incremental)


def test_a_view_added_after_the_events_catches_up(runtime: Runtime) -> None:
    import_seed(runtime)
    forget_search_view(runtime)
    add_search_view(runtime, batch_size=25)
    assert runtime.projector.is_behind()
    runtime.projector.run_pending()
    caught_up = dump_views(runtime)
    assert found(runtime, "청년") == containing(runtime, "청년")
    runtime.projector.rebuild()
    assert_same_views(dump_views(runtime), caught_up)


def test_limit_returns_the_first_ids(searchable: Runtime) -> None:
    expected = sorted(containing(searchable, "센터"))
    with searchable.datastore.transaction(commit=False) as session:
        ids: list[Any] = list(session.execute(search_finding_ids("센터", limit=3)).scalars())
    assert ids == expected[:3]


def test_the_index_follows_writes_in_the_background_not_in_the_command(
    searchable: Runtime,
) -> None:
    """Commands project only the list and the 총괄 at once; in a server (the
    projector in the background) the search index follows in the projector."""
    searchable.projector.run_pending()
    searchable.projector.follow = "background"
    finding = next(iter(containing(searchable, "청년")))
    view = next(v for v in searchable.views if isinstance(v, SearchView))
    assert not view.synchronous
    searchable.services.findings.report_progress(
        Target(SYSTEM, finding), status=Status.IN_PROGRESS, actions="○ 메타버스 플랫폼 구축"
    )
    assert indexed(searchable, "메타버스") == set()  # not yet
    assert searchable.projector.is_behind()
    searchable.projector.run_pending()
    assert indexed(searchable, "메타버스") == {finding}
