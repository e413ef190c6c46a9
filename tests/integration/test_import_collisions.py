"""Imports that never collide or duplicate, on SQLite and PostgreSQL: two imports of
one document at the same moment, and one document imported into a second audit."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from application.access import Principal
from application.importing import ImportOptions, ImportOutcome
from infrastructure.bootstrap import Runtime, open_runtime
from infrastructure.parsers import parse_document
from infrastructure.settings import Settings
from tests.conftest import SEED, FixedClock


def test_two_imports_of_one_document_at_once_create_it_once(
    database_url: str, clock: FixedClock, tmp_path: Path
) -> None:
    runtimes = [
        open_runtime(
            Settings(database_url=database_url, evidence_dir=str(tmp_path / "e")), clock=clock
        )
        for _ in range(2)
    ]
    # Both plan the whole document before either saves: the second to save collides.
    planned = threading.Barrier(2, timeout=30)
    outcomes: list[ImportOutcome] = []
    failures: list[BaseException] = []

    def importing(runtime: Runtime) -> None:
        waited = False

        def progress(done: int, total: int) -> None:
            nonlocal waited
            if done == total and not waited:
                waited = True
                planned.wait()

        try:
            outcomes.append(
                runtime.services.importer.run(
                    Principal.system(),
                    parse_document(SEED.read_bytes()),
                    ImportOptions(council="서울특별시의회"),
                    progress=progress,
                )
            )
        except BaseException as e:
            failures.append(e)

    threads = [threading.Thread(target=importing, args=(rt,)) for rt in runtimes]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    finally:
        for rt in runtimes:
            rt.close()
    assert failures == []
    counts = sorted((o.created, o.unchanged, o.committed) for o in outcomes)
    assert counts == [(0, 56, False), (56, 0, True)]
    check = open_runtime(Settings(database_url=database_url, evidence_dir=str(tmp_path / "e")))
    try:
        assert check.services.queries.summary().rows["total"]["total"] == 56
    finally:
        check.close()


def _import(rt: Runtime, **options: Any) -> ImportOutcome:
    return rt.services.importer.run(
        Principal.system(), parse_document(SEED.read_bytes()), ImportOptions(**options)
    )


def test_a_document_already_imported_into_another_audit_is_refused_by_name(
    rt: Runtime,
) -> None:
    first = _import(rt, council="서울특별시의회")
    assert first.created == 56
    again = _import(rt)  # no council: another audit's natural key
    assert again.refused and not again.committed
    (problem,) = [p for p in again.problems if p.code == "DOCUMENT_ALREADY_IMPORTED"]
    assert str(first.audit_id) in problem.message_ko and "서울특별시의회" in problem.message_ko
    assert "--another-audit" in problem.message_en
    assert len(rt.services.queries.list_audits()) == 1
    # The same audit again is simply unchanged; a different audit, when said so, is made.
    assert _import(rt, council="서울특별시의회").unchanged == 56
    other = _import(rt, another_audit=True)
    assert other.created == 56 and other.audit_id != first.audit_id
    assert len(rt.services.queries.list_audits()) == 2


def test_an_import_that_keeps_colliding_says_busy(
    rt: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every attempt finds another import's events in its way: a named 409, not a raw
    IntegrityError (the collision itself is the test above)."""
    from eventsourcing.persistence import IntegrityError

    from application import importing

    def collide(*_: Any, **__: Any) -> Any:
        raise IntegrityError("another import saved first")

    run_once: Callable[..., Any] = collide
    monkeypatch.setattr(importing.Importer, "_run_once", run_once)
    with pytest.raises(importing.ImportBusyError):
        _import(rt, council="서울특별시의회")


def test_a_later_report_on_a_finding_leaves_its_row_of_an_older_document_a_warning(
    rt: Runtime, clock: FixedClock
) -> None:
    from datetime import date

    from application.writer import Target
    from domain.finding import Finding
    from domain.vocabulary import FindingKind, Status

    first = _import(rt, council="서울특별시의회")
    assert first.audit_id is not None
    fid = Finding.create_id(first.audit_id, FindingKind.CORRECTIVE, 1)
    clock.set_date(date(2018, 11, 20))
    rt.services.findings.report_progress(
        Target(Principal.system(), fid), status=Status.COMPLETED, actions="완료 보고"
    )
    again = _import(rt, council="서울특별시의회")
    assert not again.refused and again.events == 0
    (problem,) = again.problems
    assert (problem.code, problem.severity.value) == ("ROW_OLDER_THAN_FINDING", "warning")
    assert again.unchanged == 56
    assert rt.services.queries.get_finding(fid).actions == "완료 보고"


def test_upgrading_a_store_learns_which_audits_its_documents_went_into(
    rt: Runtime, database_url: str
) -> None:
    from alembic import command

    from infrastructure.bootstrap import _alembic_config

    first = _import(rt, council="서울특별시의회")
    with rt.engine.begin() as connection:
        command.downgrade(_alembic_config(connection), "0008")
    with rt.engine.begin() as connection:
        command.upgrade(_alembic_config(connection), "head")
    document = parse_document(SEED.read_bytes()).document_hash
    (audit,) = rt.services.queries.read_model.audits_of_document(document)
    assert audit.audit_id == first.audit_id
    assert _import(rt).refused  # the guard holds for documents imported before it


def test_a_document_dated_after_today_is_refused_once_not_row_by_row(rt: Runtime) -> None:
    from datetime import date

    outcome = _import(rt, council="서울특별시의회", report_date=date(2030, 1, 1))
    codes = [p.code for p in outcome.problems if p.severity.value == "error"]
    assert codes == ["REPORT_DATE_IN_FUTURE"] and not outcome.committed
    assert rt.services.queries.list_audits() == []
