"""Importing the seed report (section V of the 2018 business report), on both databases."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from application.access import Principal
from application.dto import FindingFilter
from application.importing import ImportOptions
from domain.finding import Finding
from domain.vocabulary import STATUS_LABELS, FindingKind, Verification, normalise_kind
from infrastructure.bootstrap import Runtime
from infrastructure.parsers import parse_document
from tests.conftest import REFERENCE, SEED, FixedClock

SYSTEM = Principal.system()
SEED_COUNTS = {
    "total": (56, 54, 2),
    "corrective": (25, 24, 1),
    "recommendation": (8, 7, 1),
    "other": (23, 23, 0),
}


def seed_import(runtime: Runtime, **options: Any) -> Any:
    dry_run = options.pop("dry_run", False)
    return runtime.services.importer.run(
        SYSTEM,
        parse_document(SEED.read_bytes()),
        ImportOptions(council="서울특별시의회", **options),
        dry_run=dry_run,
    )


def assert_seed_counts(rows: dict[str, dict[str, int]]) -> None:
    for row, (total, completed, in_progress) in SEED_COUNTS.items():
        assert rows[row] == {
            "total": total,
            "completed": completed,
            "in_progress": in_progress,
            "under_review": 0,
            "not_adopted": 0,
        }, row


def collapse(text: str | None) -> str | None:
    return " ".join(text.split()) if text is not None else None


@pytest.fixture(autouse=True)
def _today_after_the_documents(clock: FixedClock) -> None:
    """The documents here are dated up to 2020; an import's date is never in the future."""
    clock.set_date(date(2020, 12, 31))


def test_seed_yields_the_reference_findings_and_summary(runtime: Runtime) -> None:
    outcome = seed_import(runtime)
    assert not outcome.problems
    assert (outcome.created, outcome.unchanged, outcome.committed) == (56, 0, True)

    services = runtime.services
    (audit,) = services.queries.list_audits()
    assert (
        audit.council,
        audit.year,
        audit.committee,
        audit.audited_body,
        audit.findings,
    ) == (
        "서울특별시의회",
        2017,
        "기획경제위원회",
        "일자리노동정책관",
        56,
    )
    reference = json.loads(REFERENCE.read_text(encoding="utf-8"))
    assert len(reference) == 56
    for item in reference:
        kind = normalise_kind(item["category"])
        assert kind is not None
        found = services.queries.get_finding(Finding.create_id(audit.audit_id, kind, item["seq"]))
        where = f"{item['category']} {item['seq']}"
        assert found.department == item["department"], where
        assert found.request == item["request"], where
        assert found.status_raw == item["status_raw"], where
        assert STATUS_LABELS[found.status] == item["status"], where
        assert collapse(found.actions) == collapse(item["actions"]), where
        assert collapse(found.plans) == collapse(item["plans"]), where
        assert found.verification is Verification.PENDING or found.status.value == "in_progress"
        timeline = services.queries.timeline(found.finding_id)
        assert [e.business_date for e in timeline] == [date(2018, 11, 15)] * 2
        assert timeline[0].actor_kind == "import"

    summary = services.queries.summary(audit_id=audit.audit_id)
    assert_seed_counts(summary.rows)
    assert summary.verification["total"] == {
        "pending": 54,
        "verified": 0,
        "returned": 0,
    }
    assert_seed_counts(services.queries.summary(as_of=date(2018, 11, 15)).rows)
    assert services.queries.summary(as_of=date(2018, 11, 14)).rows["total"]["total"] == 0
    assert_seed_counts(services.queries.summary(committee="기획경제위원회").rows)
    social = services.queries.summary(department="사회적경제담당관").rows["total"]
    assert (social["total"], social["in_progress"]) == (16, 2)


def test_reimporting_the_same_document_creates_nothing(runtime: Runtime) -> None:
    seed_import(runtime)
    before = runtime.tracker.recorder.max_notification_id()
    again = seed_import(runtime)
    assert (again.created, again.changed, again.unchanged, again.events) == (
        0,
        0,
        56,
        0,
    )
    assert runtime.tracker.recorder.max_notification_id() == before


def test_dry_run_writes_nothing(runtime: Runtime) -> None:
    outcome = seed_import(runtime, dry_run=True)
    # 113 of the audit and its findings, and the 3 departments the document names.
    assert (outcome.created, outcome.committed, outcome.events) == (56, False, 116)
    assert len(outcome.departments) == 3
    assert runtime.tracker.recorder.max_notification_id() is None
    assert runtime.services.queries.list_audits() == []


def test_verified_option_accepts_the_documents_claims(runtime: Runtime) -> None:
    seed_import(runtime, verified=True)
    summary = runtime.services.queries.summary()
    assert_seed_counts(summary.rows)
    assert summary.verification["total"] == {
        "pending": 0,
        "verified": 54,
        "returned": 0,
    }
    open_ones = runtime.services.queries.list_findings(FindingFilter(verification=None))
    assert sum(1 for f in open_ones if f.verification is None) == 2


def test_options_override_the_documents_metadata(runtime: Runtime) -> None:
    outcome = seed_import(
        runtime, committee="환경수자원위원회", year=2018, report_date=date(2019, 1, 10)
    )
    (audit,) = runtime.services.queries.list_audits()
    assert (audit.committee, audit.year, audit.registered_on) == (
        "환경수자원위원회",
        2018,
        date(2019, 1, 10),
    )
    assert audit.audit_id == outcome.audit_id


def test_a_later_report_appends_progress_only_for_changed_findings(
    runtime: Runtime,
) -> None:
    seed_import(runtime)
    later = (
        SEED.read_text(encoding="utf-8")
        .replace("2018. 11. 15", "2019. 3. 4")
        .replace("추진상황 : 추진중", "추진상황 : 추진완료", 1)
    )
    outcome = runtime.services.importer.run(
        SYSTEM,
        parse_document(later.encode()),
        ImportOptions(council="서울특별시의회", report_date=date(2019, 3, 4)),
    )
    assert (outcome.created, outcome.changed, outcome.unchanged) == (0, 1, 55)
    rows = runtime.services.queries.summary().rows
    assert rows["corrective"]["completed"] == 25
    assert (
        runtime.services.queries.summary(as_of=date(2019, 3, 3)).rows["corrective"]["completed"]
        == 24
    )


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (
            lambda t: t.replace("V. 2017년 행정사무감사 처리결과", "V. 2017년 기타 자료"),
            "UNKNOWN_FORMAT",
        ),
        (
            lambda t: t.replace("추진상황 : 추진완료", "추진상황 : 완료됨", 1),
            "UNKNOWN_STATUS",
        ),
        (
            lambda t: t.replace("(노동정책담당관)</p>\t", "</p>\t", 1),
            "MISSING_DEPARTMENT",
        ),
    ],
)
def test_bad_documents_are_refused_whole_with_a_line(
    runtime: Runtime, mutate: Any, code: str
) -> None:
    broken = mutate(SEED.read_text(encoding="utf-8"))
    outcome = runtime.services.importer.run(
        SYSTEM, parse_document(broken.encode()), ImportOptions()
    )
    assert outcome.refused and not outcome.committed
    problem = next(p for p in outcome.problems if p.code == code)
    if code != "UNKNOWN_FORMAT":
        assert isinstance(problem.line, int) and problem.line > 1500
    assert problem.message_ko and problem.message_en
    assert runtime.tracker.recorder.max_notification_id() is None


def test_kinds_of_seed_rows_cover_every_kind(runtime: Runtime) -> None:
    seed_import(runtime)
    kinds = {f.kind for f in runtime.services.queries.list_findings()}
    assert kinds == set(FindingKind)


def test_a_cp949_copy_of_the_seed_imports_identically(runtime: Runtime) -> None:
    text = SEED.read_text(encoding="utf-8").replace("•", "·")  # no "•" in CP949
    parsed = parse_document(text.encode("cp949"))
    assert parsed.encoding == "cp949" and not parsed.problems
    outcome = runtime.services.importer.run(SYSTEM, parsed, ImportOptions(council="서울특별시의회"))
    assert (outcome.created, outcome.encoding) == (56, "cp949")
    assert_seed_counts(runtime.services.queries.summary().rows)
    # Same findings, same texts: importing the UTF-8 original afterwards changes nothing.
    again = seed_import(runtime)
    assert (again.created, again.changed, again.unchanged) == (0, 0, 56)


def test_dated_plan_items_become_milestones_of_the_report(runtime: Runtime) -> None:
    outcome = seed_import(runtime)
    finding_id = Finding.create_id(outcome.audit_id, FindingKind.RECOMMENDATION, 8)
    finding = runtime.tracker.find_finding(finding_id)
    assert finding is not None
    assert [(m.when.raw, m.when.deadline) for m in finding.milestones] == [
        ("'18.11~12월", date(2018, 12, 31)),
        ("'19.3월", date(2019, 3, 31)),
    ]
    assert "사회적경제 2.0 기본계획" in finding.milestones[1].text
    reported = runtime.services.queries.timeline(finding_id)[-1]
    assert [m["when"]["deadline"] for m in reported.data["milestones"]] == [
        "2018-12-31",
        "2019-03-31",
    ]


def test_a_row_refused_after_saved_chunks_rolls_the_whole_document_back(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An import saves in chunks inside one transaction: a refusal on a late row
    takes back the chunks already saved."""
    import application.importing
    from domain.errors import InvalidFindingError

    seed_import(runtime)
    before = runtime.tracker.recorder.max_notification_id()
    monkeypatch.setattr(application.importing, "SAVE_CHUNK", 1)
    text = SEED.read_text(encoding="utf-8").replace("2018. 11. 15", "2019. 3. 4")
    text = text.replace("추진상황 : 추진중", "추진상황 : 추진완료", 1)  # an early change
    parsed = parse_document(text.encode())
    last_line = parsed.rows[-1].line
    plan_row = application.importing.Importer._plan_row

    def refuse_last(self: Any, audit_id: Any, department: Any, row: Any, *a: Any) -> Any:
        if row.line == last_line:
            raise InvalidFindingError("refused for the test")
        return plan_row(self, audit_id, department, row, *a)

    monkeypatch.setattr(application.importing.Importer, "_plan_row", refuse_last)
    outcome = runtime.services.importer.run(
        SYSTEM, parsed, ImportOptions(council="서울특별시의회", report_date=date(2019, 3, 4))
    )
    assert outcome.refused and not outcome.committed
    assert [p.line for p in outcome.problems if p.severity.value == "error"] == [last_line]
    assert outcome.changed >= 1  # planned, and saved in a chunk before the refusal
    assert runtime.tracker.recorder.max_notification_id() == before
    assert_seed_counts(runtime.services.queries.summary().rows)


def _reissued_seed(closed_seq: int, contradicted_seq: int, open_seq: int) -> tuple[str, Any]:
    """The seed re-issued on 2019-02-15: an open finding with a new step, a closed
    one whose text changed (same status), a closed one reported 추진중."""
    parsed = parse_document(SEED.read_bytes())
    rows = {(r.kind, r.seq): r for r in parsed.rows}
    text = SEED.read_text(encoding="utf-8").replace("2018. 11. 15", "2019. 2. 15")
    lines = text.splitlines(keepends=True)

    def edit(row: Any, old: str, new: str) -> None:
        # One row is one line of the document.
        assert old in lines[row.line - 1], (old, row.line)
        lines[row.line - 1] = lines[row.line - 1].replace(old, new, 1)

    opened = rows[(FindingKind.CORRECTIVE, open_seq)]
    closed = rows[(FindingKind.OTHER, closed_seq)]
    contradicted = rows[(FindingKind.CORRECTIVE, contradicted_seq)]
    edit(contradicted, "추진상황 : 추진완료", "추진상황 : 추진중")
    edit(closed, "자료 제출 완료", "자료 제출 완료, 보완자료 추가 제출")
    edit(opened, "추진내용", "추진내용 ○ '19.2월 추진단 구성 완료")
    return "".join(lines), (closed.line, contradicted.line, opened.line)


def test_the_next_report_of_an_audit_comes_in_around_closed_findings(runtime: Runtime) -> None:
    """Rows about closed findings never refuse the document and are never applied by
    themselves; the rest of the document is imported."""
    first = seed_import(runtime, verified=True)  # every 완료 is verified: closed
    assert first.audit_id is not None
    open_seq = next(
        r.seq
        for r in runtime.services.queries.list_findings(
            FindingFilter(audit_id=first.audit_id, kind=FindingKind.CORRECTIVE)
        )
        if r.verification is None
    )
    text, (closed_line, contradicted_line, open_line) = _reissued_seed(3, 2, open_seq)
    options = ImportOptions(council="서울특별시의회", report_date=date(2019, 2, 15))
    parsed = parse_document(text.encode())
    dry = runtime.services.importer.run(SYSTEM, parsed, options, dry_run=True)
    actions = {r.line: r.action.value if r.action else None for r in dry.rows}
    assert actions[open_line] == "changed"
    assert actions[closed_line] == "unchanged"
    assert actions[contradicted_line] == "needs_decision"
    assert not dry.refused and (dry.changed, dry.needs_decision) == (1, 1)
    assert dry.as_dict()["rows"][0]["action"] in {"unchanged", "changed", "needs_decision"}
    warnings = {(p.line, p.code) for p in dry.problems}
    assert (closed_line, "CLOSED_FINDING_NEW_TEXT") in warnings
    assert (contradicted_line, "CLOSED_FINDING_CONTRADICTED") in warnings
    assert all(p.severity.value == "warning" for p in dry.problems)

    outcome = runtime.services.importer.run(SYSTEM, parsed, options)
    assert outcome.committed and not outcome.refused
    assert (outcome.created, outcome.changed, outcome.needs_decision) == (0, 1, 1)
    contradicted = runtime.tracker.finding(
        Finding.create_id(first.audit_id, FindingKind.CORRECTIVE, 2)
    )
    assert contradicted.is_closed and contradicted.status.value == "completed"
    opened = runtime.tracker.finding(
        Finding.create_id(first.audit_id, FindingKind.CORRECTIVE, open_seq)
    )
    assert opened.actions is not None and "추진단 구성" in opened.actions
    assert opened.last_reported_on == date(2019, 2, 15)


def test_a_row_in_decomposed_hangul_repeats_the_stored_report(runtime: Runtime) -> None:
    """Texts are stored NFC: a later row with the same texts in NFD (as macOS writes
    them) or with a stray control character is "unchanged", never a second report."""
    import unicodedata
    from dataclasses import replace as with_

    from application.importing import same_report

    outcome = seed_import(runtime)
    assert outcome.audit_id is not None
    snapshots = runtime.read_model.report_snapshots(outcome.audit_id)
    row = next(r for r in parse_document(SEED.read_bytes()).rows if r.actions)
    stored = snapshots[Finding.create_id(outcome.audit_id, row.kind, row.seq)]
    assert row.actions is not None
    assert same_report(stored, row)
    decomposed = with_(row, actions=unicodedata.normalize("NFD", row.actions))
    assert decomposed.actions != row.actions and same_report(stored, decomposed)
    assert same_report(stored, with_(row, actions=row.actions + "\x0b"))
    assert not same_report(stored, with_(row, actions=row.actions + " 추가"))
